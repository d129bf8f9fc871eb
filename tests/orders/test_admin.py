import pytest

from orders.models import Order
from shop.accounts.models import User
from tests.accounts.factories import PASSWORD

from .factories import place

pytestmark = pytest.mark.django_db


def test_staff_see_orders_and_cancel_them(client) -> None:
    User.objects.create_superuser("ops@example.in", PASSWORD)
    client.login(email="ops@example.in", password=PASSWORD)
    order = place()

    assert client.get("/admin/orders/order/?status__exact=pending").status_code == 200
    page = client.get(f"/admin/orders/order/{order.id}/change/")
    assert page.status_code == 200
    assert b"Toned Milk 500 ml" in page.content  # lines inline
    response = client.post(
        "/admin/orders/order/", {"action": "cancel_orders", "_selected_action": [order.id]}, follow=True
    )

    assert response.status_code == 200
    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == ("cancelled", "staff_cancelled")
    assert Order.objects.get(pk=order.id).transitions.last().to_status == "cancelled"
