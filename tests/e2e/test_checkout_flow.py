"""End to end through the bus: basket to doorstep, and every way it can be called off."""

import pytest

from delivery import services as delivery
from delivery.models import Shipment, Slot
from inventory.models import Reservation, Stock
from orders.models import Order
from payments.models import PaymentIntent
from shop.eventbus.models import Delivery
from shop.eventbus.testing import deliver_pending

from .conftest import ATTA, MILK, Shop, build_shop, pick

pytestmark = pytest.mark.django_db


def _stock(shop: Shop, sku_id) -> Stock:
    return Stock.objects.get(store_id=shop.store_id, sku_id=sku_id)


def test_cash_on_delivery_from_basket_to_doorstep(shop: Shop) -> None:
    customer = shop.customer()
    customer.fill_cart((MILK, 2), (ATTA, 1))
    order_id = customer.checkout("cod")
    deliver_pending()

    order = Order.objects.get(pk=order_id)
    assert (order.status, order.stock_state, order.slot_state) == ("picking", "reserved", "booked")
    assert _stock(shop, MILK).reserved == 2
    shipment = Shipment.objects.get(order_id=order_id)

    pick(shipment)
    delivery.pack_shipment(shipment_id=shipment.id)
    delivery.assign_rider(shipment_id=shipment.id)
    delivery.dispatch_shipment(shipment_id=shipment.id)
    delivery.deliver_shipment(shipment_id=shipment.id, cash_collected_paise=order.total_paise)
    deliver_pending()

    order.refresh_from_db()
    assert (order.status, order.payment_state, order.paid_paise) == ("delivered", "collected", 6000 + 26000 + 2000)
    milk = _stock(shop, MILK)
    assert (milk.on_hand, milk.reserved) == (98, 0)  # committed at picking, off the shelf
    assert Reservation.objects.get(order_id=order_id).status == "committed"
    invoice = customer.client.get(f"/api/v1/orders/{order_id}/invoice/?format=json").json()
    assert invoice["total_paise"] == order.total_paise
    assert invoice["intra_state"] is True
    html = customer.client.get(f"/api/v1/orders/{order_id}/invoice/", HTTP_ACCEPT="text/html")
    assert html.status_code == 200
    assert b"Tax invoice" in html.content
    assert [t["to_status"] for t in customer.client.get(f"/api/v1/orders/{order_id}/").json()["timeline"]] == [
        "pending", "confirmed", "picking", "packed", "out_for_delivery", "delivered",
    ]  # fmt: skip
    assert not Delivery.objects.exclude(status="done").exists()  # every handler ran cleanly


def test_cash_on_delivery_short_at_picking_the_rider_collects_the_new_total(shop: Shop) -> None:
    customer = shop.customer()
    customer.fill_cart((MILK, 2), (ATTA, 1))
    order_id = customer.checkout("cod")
    deliver_pending()
    shipment = Shipment.objects.get(order_id=order_id)
    assert shipment.cod_amount_paise == 6000 + 26000 + 2000

    pick(shipment, short={MILK: 1})
    deliver_pending()

    shipment.refresh_from_db()
    order = Order.objects.get(pk=order_id)
    assert order.final_total_paise == 3000 + 26000 + 2000
    assert shipment.cod_amount_paise == order.final_total_paise  # what the rider's app asks for
    intent = PaymentIntent.objects.get(order_id=order_id)
    assert intent.amount_paise == order.final_total_paise  # the cash due, for settling at the door

    delivery.pack_shipment(shipment_id=shipment.id)
    delivery.assign_rider(shipment_id=shipment.id)
    delivery.dispatch_shipment(shipment_id=shipment.id)
    delivery.deliver_shipment(shipment_id=shipment.id, cash_collected_paise=order.final_total_paise)
    deliver_pending()
    order.refresh_from_db()
    assert (order.status, order.payment_state, order.paid_paise) == ("delivered", "collected", 31000)
    assert not Delivery.objects.exclude(status="done").exists()


def test_a_cash_on_delivery_shipment_short_at_picking_waits_for_the_new_total_before_it_leaves(shop: Shop) -> None:
    """The race the rider would lose: out of the door before the order's new total arrives,
    collecting the old one; the excess would have nowhere to go."""
    from delivery.errors import IllegalTransition

    customer = shop.customer()
    customer.fill_cart((MILK, 2), (ATTA, 1))
    order_id = customer.checkout("cod")
    deliver_pending()
    shipment = Shipment.objects.get(order_id=order_id)
    pick(shipment, short={MILK: 1})
    delivery.pack_shipment(shipment_id=shipment.id)
    delivery.assign_rider(shipment_id=shipment.id)

    with pytest.raises(IllegalTransition, match="waits for the order's new total after picking"):
        delivery.dispatch_shipment(shipment_id=shipment.id)  # the bus has not run: OrderAdjusted is not in
    shipment.refresh_from_db()
    assert (shipment.status, shipment.cash_total_pending, shipment.cod_amount_paise) == ("packed", True, 34000)

    deliver_pending()  # orders prices the pick; delivery hears the new total
    delivery.dispatch_shipment(shipment_id=shipment.id)
    shipment.refresh_from_db()
    assert (shipment.status, shipment.cash_total_pending, shipment.cod_amount_paise) == (
        "out_for_delivery", False, 31000,
    )  # fmt: skip


def test_a_cash_on_delivery_shipment_picked_in_full_leaves_at_once(shop: Shop) -> None:
    customer = shop.customer()
    customer.fill_cart((MILK, 1))
    order_id = customer.checkout("cod")
    deliver_pending()
    shipment = Shipment.objects.get(order_id=order_id)
    pick(shipment)
    delivery.pack_shipment(shipment_id=shipment.id)
    delivery.assign_rider(shipment_id=shipment.id)

    assert delivery.dispatch_shipment(shipment_id=shipment.id).status == "out_for_delivery"  # nothing to wait for


def test_out_of_stock_cancels_with_nothing_left_reserved_and_the_slot_freed(db: None) -> None:
    shop = build_shop(milk_stock=1)
    first, second = shop.customer(), shop.customer()
    first.fill_cart((MILK, 1))
    second.fill_cart((ATTA, 1), (MILK, 1))
    # Both check out while the carts still see one pack: inventory decides.
    first_id, second_id = first.checkout(), second.checkout()
    deliver_pending()

    order = Order.objects.get(pk=second_id)
    assert (order.status, order.cancel_reason) == ("cancelled", "out_of_stock")
    assert not Reservation.objects.filter(order_id=second_id).exists()
    assert _stock(shop, ATTA).reserved == 0  # all lines or none
    assert Slot.objects.get(pk=shop.slot.id).booked == 1  # the second's booking was given back
    assert Order.objects.get(pk=first_id).status == "picking"


def test_customer_cancel_releases_stock_and_slot(shop: Shop) -> None:
    customer = shop.customer()
    customer.fill_cart((MILK, 3))
    order_id = customer.checkout()
    deliver_pending()
    assert _stock(shop, MILK).reserved == 3

    assert customer.client.post(f"/api/v1/orders/{order_id}/cancel/").status_code == 200
    deliver_pending()

    assert _stock(shop, MILK).reserved == 0
    assert Slot.objects.get(pk=shop.slot.id).booked == 0
    assert Shipment.objects.get(order_id=order_id).status == "cancelled"


def test_a_full_slot_cancels_and_releases_the_stock(db: None) -> None:
    shop = build_shop(slot_capacity=1)
    first, second = shop.customer(), shop.customer()
    first.fill_cart((MILK, 1))
    second.fill_cart((MILK, 2))
    first_id, second_id = first.checkout(), second.checkout()
    deliver_pending()

    assert Order.objects.get(pk=first_id).status == "picking"
    second_order = Order.objects.get(pk=second_id)
    assert (second_order.status, second_order.cancel_reason) == ("cancelled", "slot_unavailable")
    assert _stock(shop, MILK).reserved == 1


def test_staff_cancel_after_picking_leaves_the_picked_stock_committed_and_every_handler_clean(shop: Shop) -> None:
    from orders import services as orders

    customer = shop.customer()
    customer.fill_cart((MILK, 2))
    order_id = customer.checkout("cod")
    deliver_pending()
    shipment = Shipment.objects.get(order_id=order_id)
    pick(shipment)
    delivery.pack_shipment(shipment_id=shipment.id)
    deliver_pending()

    orders.cancel_order(order_id=order_id, by_staff=True)
    deliver_pending()

    assert Order.objects.get(pk=order_id).status == "cancelled"
    assert Shipment.objects.get(order_id=order_id).status == "cancelled"
    milk = _stock(shop, MILK)
    assert (milk.on_hand, milk.reserved) == (98, 0)  # in the bag, off the shelf: staff restock it by hand
    assert Reservation.objects.get(order_id=order_id).status == "committed"
    assert not Delivery.objects.exclude(status="done").exists()  # inventory's handler did not fail


def test_a_shipment_that_left_as_its_order_was_cancelled_comes_back_and_is_never_handed_over(shop: Shop) -> None:
    """Staff cancel a packed order; the rider leaves before delivery hears of it. The parcel
    must come back: handing it over (and collecting cash) for a cancelled order is refused."""
    from delivery.errors import IllegalTransition
    from orders import services as orders

    customer = shop.customer()
    customer.fill_cart((MILK, 1))
    order_id = customer.checkout("cod")
    deliver_pending()
    shipment = Shipment.objects.get(order_id=order_id)
    pick(shipment)
    delivery.pack_shipment(shipment_id=shipment.id)
    delivery.assign_rider(shipment_id=shipment.id)
    deliver_pending()

    orders.cancel_order(order_id=order_id, by_staff=True, note="customer called")
    delivery.dispatch_shipment(shipment_id=shipment.id)  # the rider left before the bus ran
    deliver_pending()

    shipment.refresh_from_db()
    assert (shipment.status, shipment.order_cancelled) == ("out_for_delivery", True)
    with pytest.raises(IllegalTransition, match="its order was cancelled"):
        delivery.deliver_shipment(shipment_id=shipment.id, cash_collected_paise=shipment.cod_amount_paise)
    delivery.fail_delivery(shipment_id=shipment.id, reason="other")
    with pytest.raises(IllegalTransition, match="cannot be sent out again: its order was cancelled"):
        delivery.dispatch_shipment(shipment_id=shipment.id)
    delivery.return_shipment(shipment_id=shipment.id)
    deliver_pending()

    assert Shipment.objects.get(pk=shipment.id).status == "returned"
    order = Order.objects.get(pk=order_id)
    assert (order.status, order.cancel_reason) == ("cancelled", "staff_cancelled")  # the first reason stands
    assert not Delivery.objects.exclude(status="done").exists()


def test_the_customers_replacement_choice_travels_with_the_order(shop: Shop) -> None:
    """Chosen in the cart ("if out of stock: refund it"), frozen at checkout, kept on the
    order's line (the API shows it, Buy again reuses it) and sent on with the confirmed order."""
    from orders.events import OrderConfirmed
    from shop.eventbus.testing import captured_events

    customer = shop.customer()
    customer.fill_cart((MILK, 2), (ATTA, 1))
    milk_line = next(
        line for line in customer.client.get("/api/v1/cart/").json()["lines"] if line["sku_id"] == str(MILK)
    )
    changed = customer.client.patch(f"/api/v1/cart/lines/{milk_line['id']}/", {"replacement": "refund"}, format="json")
    assert changed.status_code == 200, changed.json()
    order_id = customer.checkout("cod")

    with captured_events() as published:
        deliver_pending()

    lines = {line["sku_id"]: line for line in customer.client.get(f"/api/v1/orders/{order_id}/").json()["lines"]}
    assert (lines[str(MILK)]["replacement"], lines[str(ATTA)]["replacement"]) == ("refund", "best_match")
    (confirmed,) = [event for event in published if isinstance(event, OrderConfirmed)]
    assert {line.sku_id: line.replacement for line in confirmed.lines} == {MILK: "refund", ATTA: "best_match"}
