"""Who cancelled an order in the admin: each cancellation leaves an entry in the admin's history
(the order's History page, "Recent actions") with the staff member and the note; a refusal none."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission

from orders.models import Order
from shop.accounts.models import User
from tests.accounts.factories import PASSWORD
from tests.history import admin_history

from .factories import place

pytestmark = pytest.mark.django_db


def _operator(client) -> User:
    """Staff who may see and operate orders, not a superuser."""
    staff = User.objects.create_user("ops@example.in", PASSWORD, is_staff=True, full_name="Meera Iyer")
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_order", "change_order"]))
    client.login(email="ops@example.in", password=PASSWORD)
    return staff


def test_cancelling_by_the_action_records_who_and_why_on_each_order_not_on_the_refused_one(client) -> None:
    _operator(client)
    first, second, on_road = place(), place(), place()
    Order.objects.filter(pk=on_road.pk).update(status="out_for_delivery")
    selected = {"action": "cancel_orders", "_selected_action": [first.id, second.id, on_road.id]}

    client.post("/admin/orders/order/", selected)  # the confirmation page: nothing done, nothing logged
    assert LogEntry.objects.count() == 0
    done = client.post("/admin/orders/order/", {**selected, "confirm": "yes", "note": "The  store flooded."})

    assert done.status_code == 302
    assert admin_history(first) == [("ops@example.in", CHANGE, "Cancelled the order: The store flooded.")]
    assert admin_history(second) == [("ops@example.in", CHANGE, "Cancelled the order: The store flooded.")]
    assert admin_history(on_road) == []  # refused: out for delivery
    assert LogEntry.objects.get(object_id=str(first.pk)).object_repr == f"Order {str(first.id)[:8]} (cancelled)"


def test_the_cancel_button_records_who_and_why_and_the_order_page_and_history_show_it(client) -> None:
    _operator(client)
    order = place()

    client.post(f"/admin/orders/order/{order.id}/cancel/", {"confirm": "yes", "note": "Customer asked by phone."})
    client.post(f"/admin/orders/order/{order.id}/cancel/", {"confirm": "yes", "note": "Twice"})  # already cancelled

    assert admin_history(order) == [("ops@example.in", CHANGE, "Cancelled the order: Customer asked by phone.")]
    page = client.get(f"/admin/orders/order/{order.id}/change/").content.decode()
    assert "Done by staff in the admin" in page
    assert "Meera Iyer (ops@example.in)" in page
    assert "Cancelled the order: Customer asked by phone." in page
    history = client.get(f"/admin/orders/order/{order.id}/history/").content.decode()
    assert "Cancelled the order: Customer asked by phone." in history
    recent = client.get("/admin/").content.decode()
    assert f"Order {str(order.id)[:8]} (cancelled)" in recent


def test_an_order_nobody_touched_in_the_admin_shows_no_staff_actions(client) -> None:
    _operator(client)
    order = place()

    page = client.get(f"/admin/orders/order/{order.id}/change/").content.decode()

    assert "Done by staff in the admin" not in page
