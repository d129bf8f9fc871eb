"""Who changed an account in the admin: the account screens have no action of their own (see
tests/shop/test_admin_history.py); their change form records who deactivated a customer, as Django's does."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.test import Client

from shop.accounts.models import User

from .factories import UserFactory

pytestmark = pytest.mark.django_db


def test_deactivating_a_customer_in_the_admin_records_who_did_it() -> None:
    staff = User.objects.create_user("support@example.in", "x-long-password-1", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_user", "change_user"]))
    client = Client()
    client.force_login(staff)
    customer = UserFactory(email="asha@example.in", full_name="Asha Rao", phone="+919812345678")

    response = client.post(
        f"/admin/accounts/user/{customer.pk}/change/",
        {
            "email": customer.email,
            "full_name": customer.full_name,
            "phone": "+919812345678",
            "is_active": "",
            "addresses-TOTAL_FORMS": "0",
            "addresses-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    customer.refresh_from_db()
    assert customer.is_active is False
    (entry,) = LogEntry.objects.filter(object_id=str(customer.pk))
    assert (entry.user, entry.action_flag, entry.get_change_message()) == (staff, CHANGE, "Changed Is active.")
