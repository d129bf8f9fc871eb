"""Who moved stock in the admin: each receipt, adjustment and threshold an action sets leaves an entry
in the admin's history (the stock's History page, "Recent actions"); a refused one leaves none."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.test import Client

from inventory.models import Stock
from shop.accounts.models import User
from tests.history import admin_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator() -> Client:
    """Staff who may see and operate stock, not a superuser."""
    staff = User.objects.create_user("stores@example.in", "x-long-password-1", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_stock", "change_stock"]))
    client = Client()
    client.force_login(staff)
    return client


def test_an_adjustment_records_who_by_how_much_and_why_and_a_refused_one_nothing(operator, stocked) -> None:
    stock = Stock.objects.get(sku=stocked(5))
    post = {"action": "adjust_stock", "_selected_action": [str(stock.pk)], "apply": "1"}

    operator.post("/admin/inventory/stock/", {**post, "delta": "-9", "reason": "lost"})  # refused: only 5
    operator.post("/admin/inventory/stock/", {**post, "delta": "-2", "reason": " Two packs torn in the crate "})

    assert admin_history(stock) == [
        ("stores@example.in", CHANGE, "Adjusted the stock by -2 pcs: Two packs torn in the crate")
    ]
    history = operator.get(f"/admin/inventory/stock/{stock.pk}/history/").content.decode()
    assert "Adjusted the stock by -2 pcs: Two packs torn in the crate" in history


def test_a_receipt_and_a_threshold_are_recorded_for_each_row_acted_on(operator, stocked) -> None:
    milk, rice = Stock.objects.get(sku=stocked(5)), Stock.objects.get(sku=stocked(1000, days=None, step=250))
    both = {"_selected_action": [str(milk.pk), str(rice.pk)], "apply": "1"}

    operator.post("/admin/inventory/stock/", {**both, "action": "set_threshold", "threshold": "0"})
    operator.post(
        "/admin/inventory/stock/",
        {
            "action": "receive_stock",
            "_selected_action": [str(milk.pk)],
            "apply": "1",
            "quantity": "7",
            "batch_code": "GRN-9",
        },
    )
    operator.post("/admin/inventory/stock/", {**both, "action": "set_threshold", "threshold": "500"})

    assert [message for _, _, message in admin_history(milk)] == [
        "Turned the low-stock alert off (threshold 0)",
        "Received 7 pcs in batch GRN-9 (no expiry)",
        "Set the low-stock threshold to 500 pcs",
    ]
    assert [message for _, _, message in admin_history(rice)] == [
        "Turned the low-stock alert off (threshold 0)",
        "Set the low-stock threshold to 500 g",
    ]
    named = {entry.object_repr for entry in LogEntry.objects.filter(object_id=str(milk.pk))}
    assert named == {f"{milk.sku.sku_code} at {milk.store.code}"}  # "Recent actions" reads it


def test_the_action_form_alone_records_nothing(operator, stocked) -> None:
    stock = Stock.objects.get(sku=stocked(5))

    operator.post("/admin/inventory/stock/", {"action": "adjust_stock", "_selected_action": [str(stock.pk)]})

    assert LogEntry.objects.count() == 0
