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


def test_staff_filter_by_store_and_slot_and_reach_the_payment_refund_and_shipment(client) -> None:
    import uuid
    from datetime import timedelta

    from django.utils import timezone

    User.objects.create_superuser("ops@example.in", PASSWORD)
    client.login(email="ops@example.in", password=PASSWORD)
    mine, other = place(), place()
    intent_id, shipment_id = uuid.uuid4(), uuid.uuid4()
    Order.objects.filter(pk=mine.pk).update(
        slot_starts_at=timezone.now() + timedelta(hours=3),
        payment_intent_id=intent_id,
        payment_state="captured",
        paid_paise=mine.total_paise,
        shipment_id=shipment_id,
        tracking_code="DLZTRACK1",
    )

    by_store = client.get(f"/admin/orders/order/?store={mine.store_id}")
    by_slot = client.get(f"/admin/orders/order/?slot={mine.slot_id}")
    page = client.get(f"/admin/orders/order/{mine.id}/change/").content.decode()

    assert [o.pk for o in by_store.context["cl"].result_list] == [mine.pk]
    assert [o.pk for o in by_slot.context["cl"].result_list] == [mine.pk]
    assert str(other.store_id)[:8] in by_store.content.decode()  # the filter lists both stores
    assert f"/admin/payments/paymentintent/{intent_id}/change/" in page
    assert f"/admin/payments/paymentintent/{intent_id}/refund/" in page
    assert f'/admin/delivery/shipment/{shipment_id}/change/">DLZTRACK1</a>' in page


def test_staff_find_an_order_by_its_short_id_or_its_customer(client) -> None:
    User.objects.create_superuser("ops@example.in", PASSWORD)
    client.login(email="ops@example.in", password=PASSWORD)
    asha = User.objects.create_user("asha.rao@example.in", PASSWORD, full_name="Asha Rao")
    hers, other = place(customer_id=asha.id), place()

    def found(term: str) -> set[str]:
        page = client.get("/admin/orders/order/", {"q": term})
        assert page.status_code == 200
        return {str(order.id)[:8] for order in page.context["cl"].result_list}

    assert found(str(hers.id)[:8]) == {str(hers.id)[:8]}
    assert found(str(other.id)[:8].upper()) == {str(other.id)[:8]}
    assert found("asha.rao@") == found("Asha R") == {str(hers.id)[:8]}
    assert found(str(hers.id)) == {str(hers.id)[:8]}  # the whole id, as before
    assert found("nobody-like-this") == set()
