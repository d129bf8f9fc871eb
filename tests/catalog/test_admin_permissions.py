"""Who may do what in the catalog's admin: writes need "change"; nothing is hard-deleted."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from catalog.models import Product
from shop.accounts.models import User
from shop.eventbus.models import Event as StoredEvent

from .factories import BrandFactory, make_product

pytestmark = pytest.mark.django_db

PRODUCT_ACTIONS = {"publish", "unpublish", "discontinue"}


def _client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _staff_with(*codenames: str) -> User:
    user = User.objects.create_user("viewer@example.in", "a-long-password-1", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="catalog", codename__in=codenames))
    return user


def _offered_actions(client: Client, url: str) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200
    action_form = response.context["action_form"]
    if action_form is None:
        return set()
    return {name for name, _ in action_form.fields["action"].choices if name}


@pytest.mark.parametrize("action", sorted(PRODUCT_ACTIONS))
def test_a_view_only_staff_member_is_not_offered_the_product_actions_and_posting_one_changes_nothing(
    action: str,
) -> None:
    viewer = _client_for(_staff_with("view_product", "view_sku"))
    draft, published = make_product(title="Poha", publish=False), make_product(title="Upma Rava")
    events_before = StoredEvent.objects.count()

    assert _offered_actions(viewer, "/admin/catalog/product/") & PRODUCT_ACTIONS == set()
    selected = [str(draft.pk), str(published.pk)]
    response = viewer.post("/admin/catalog/product/", {"action": action, "_selected_action": selected})

    assert response.status_code in (200, 302)
    assert dict(Product.objects.values_list("title", "status")) == {"Poha": "draft", "Upma Rava": "published"}
    assert StoredEvent.objects.count() == events_before


def test_staff_with_change_permission_are_offered_the_product_actions() -> None:
    editor = _client_for(_staff_with("view_product", "change_product"))
    draft = make_product(title="Poha", publish=False)

    assert _offered_actions(editor, "/admin/catalog/product/") >= PRODUCT_ACTIONS
    editor.post("/admin/catalog/product/", {"action": "publish", "_selected_action": [str(draft.pk)]})
    draft.refresh_from_db()
    assert draft.status == "published"


def _one_of_each() -> dict[str, Any]:
    product = make_product(title="Amul Butter")
    return {
        "product": product,
        "sku": product.skus.get(),
        "category": product.category,
        "brand": BrandFactory(),
        "taxclass": product.tax_class,
    }


@pytest.mark.parametrize("model", ["product", "sku", "category", "brand", "taxclass"])
def test_nothing_of_the_catalog_is_hard_deleted_in_the_admin(model: str) -> None:
    superuser = _client_for(User.objects.create_superuser("staff@example.in", "a-long-password-1"))
    obj = _one_of_each()[model]
    model_class = type(obj)
    events_before = StoredEvent.objects.count()

    assert "delete_selected" not in _offered_actions(superuser, f"/admin/catalog/{model}/")
    assert superuser.get(f"/admin/catalog/{model}/{obj.pk}/delete/").status_code == 403
    assert superuser.post(f"/admin/catalog/{model}/{obj.pk}/delete/", {"post": "yes"}).status_code == 403
    superuser.post(f"/admin/catalog/{model}/", {"action": "delete_selected", "_selected_action": [str(obj.pk)],
                                               "post": "yes"})  # fmt: skip
    page = superuser.get(f"/admin/catalog/{model}/{obj.pk}/change/")

    assert page.status_code == 200
    assert b'class="deletelink"' not in page.content
    assert model_class.objects.filter(pk=obj.pk).exists()
    assert StoredEvent.objects.count() == events_before


def test_the_product_and_sku_pages_say_what_to_do_instead_of_deleting() -> None:
    superuser = _client_for(User.objects.create_superuser("staff@example.in", "a-long-password-1"))
    product = make_product(title="Amul Butter")

    product_page = superuser.get(f"/admin/catalog/product/{product.pk}/change/").content.decode()
    sku_page = superuser.get(f"/admin/catalog/sku/{product.skus.get().pk}/change/").content.decode()

    assert "discontinue it with the action on the product list" in product_page
    assert 'untick "Is active" instead' in sku_page
