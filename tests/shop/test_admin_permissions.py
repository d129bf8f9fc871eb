"""Every staff screen: a staff member who may only view gets no action that writes.

Django offers an admin action to anyone who may see the list unless the action declares
`permissions` (shop.adminkit: "operate" on read-only screens, "change" elsewhere), so a
new action without them fails here."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import RequestFactory

from shop.accounts.models import User

pytestmark = pytest.mark.django_db


def _viewer() -> User:
    viewer = User.objects.create_user("viewer@example.in", "a-long-passphrase-1", is_staff=True)
    viewer.user_permissions.add(*Permission.objects.filter(codename__startswith="view_"))
    return User.objects.get(pk=viewer.pk)  # fresh: permissions are cached on the instance


def test_a_view_only_staff_member_is_offered_no_action_on_any_screen() -> None:
    request = RequestFactory().get("/admin/")
    request.user = _viewer()
    offered = {}
    for model, model_admin in admin.site._registry.items():
        if not model_admin.has_view_permission(request):
            continue
        actions = sorted(model_admin.get_actions(request))
        if actions:
            offered[f"{model._meta.label}"] = actions
    assert offered == {}


def test_a_view_only_staff_member_may_change_add_or_delete_nothing() -> None:
    request = RequestFactory().get("/admin/")
    request.user = _viewer()
    writable = {
        model._meta.label: [
            what
            for what, allowed in (
                ("add", model_admin.has_add_permission(request)),
                ("change", model_admin.has_change_permission(request)),
                ("delete", model_admin.has_delete_permission(request)),
            )
            if allowed
        ]
        for model, model_admin in admin.site._registry.items()
    }
    assert {label: what for label, what in writable.items() if what} == {}


def test_customers_api_tokens_are_not_on_any_staff_screen_and_users_are_deactivated_not_deleted(client) -> None:
    from rest_framework.authtoken.models import Token, TokenProxy

    boss = User.objects.create_superuser("ops@example.in", "a-long-passphrase-1")
    customer = User.objects.create_user("asha@example.in", "a-long-passphrase-1")
    token = Token.objects.create(user=customer)
    client.force_login(boss)

    assert not admin.site.is_registered(TokenProxy)
    assert token.key not in client.get("/admin/").content.decode()
    assert client.get("/admin/authtoken/tokenproxy/").status_code == 404
    assert client.post(f"/admin/accounts/user/{customer.pk}/delete/", {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=customer.pk).exists()
