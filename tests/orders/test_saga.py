"""The process manager: each leg's outcome, in any order, and the cancellations."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from orders import services
from orders.events import OrderAdjusted, OrderCancelled, OrderConfirmed, OrderPlaced, OrderStatusChanged
from orders.models import Order
from orders.services import PickedLineInput
from orders.services.placement import CheckoutRejected
from shop.eventbus.models import Event as EventRecord
from shop.eventbus.testing import captured_events

from .factories import milk, place, tomatoes

pytestmark = pytest.mark.django_db

SLOT_START = timezone.now() + timedelta(hours=3)


def _reserve(order: Order) -> None:
    services.record_stock_reserved(order_id=order.id, reservation_id=uuid.uuid4())


def _book(order: Order) -> None:
    services.record_slot_booked(
        order_id=order.id, booking_id=uuid.uuid4(), starts_at=SLOT_START, ends_at=SLOT_START + timedelta(hours=2)
    )


def _request_payment(order: Order) -> None:
    services.record_payment_requested(
        order_id=order.id, intent_id=uuid.uuid4(), razorpay_order_id="order_Abc123", key_id="rzp_test_local"
    )


def _status(order: Order) -> str:
    return Order.objects.get(pk=order.id).status


def test_placing_records_totals_tax_and_publishes_order_placed() -> None:
    with captured_events() as published:
        order = place()

    assert order.subtotal_paise == 6000 + 3000
    assert order.total_paise == 9000 + 2500
    # 6000 x 5/105 in the milk (tomatoes carry no GST), and 2500 x 18/118 in the delivery fee
    assert order.tax_paise == 286 + 381
    assert order.savings_paise == 400 + 750  # against MRP
    assert order.status == "pending"
    placed = [e for e in published if isinstance(e, OrderPlaced)]
    assert len(placed) == 1
    assert placed[0].total_paise == 11500
    assert [(line.sku_id, line.quantity) for line in placed[0].lines] == [
        (milk().sku_id, 2),
        (tomatoes().sku_id, 750),
    ]
    assert [type(e) for e in published] == [OrderPlaced, OrderStatusChanged]


def test_placing_twice_with_one_order_id_makes_one_order() -> None:
    order = place()
    again = place(order_id=order.id, customer_id=order.customer_id)
    assert again.id == order.id
    assert Order.objects.count() == 1
    assert EventRecord.objects.filter(name="orders.order_placed.v1").count() == 1


@pytest.mark.parametrize(
    "overrides",
    [
        {"total_paise": 1},  # does not add up
        {"lines": []},
        {"payment_method": "bitcoin"},
    ],
)
def test_a_checkout_that_does_not_add_up_is_rejected_and_writes_nothing(overrides: dict) -> None:
    with pytest.raises(CheckoutRejected):
        place(**overrides)
    assert Order.objects.count() == 0
    assert EventRecord.objects.count() == 0


def test_a_line_whose_price_does_not_match_its_quantity_is_rejected() -> None:
    bad = milk()
    bad = type(bad)(**{**bad.__dict__, "line_total_paise": 1})
    with pytest.raises(CheckoutRejected):
        place(lines=[bad])


@pytest.mark.parametrize(
    "order_of_legs", [("stock", "slot", "pay"), ("pay", "slot", "stock"), ("slot", "pay", "stock")]
)
def test_prepaid_order_confirms_when_all_three_legs_are_in_whatever_their_order(order_of_legs) -> None:
    order = place()
    _request_payment(order)
    legs = {
        "stock": lambda: _reserve(order),
        "slot": lambda: _book(order),
        "pay": lambda: services.record_payment_captured(order_id=order.id, amount_paise=11500),
    }
    with captured_events() as published:
        done: set[str] = set()
        for leg in order_of_legs[:-1]:
            legs[leg]()
            done.add(leg)
            # The customer is asked to pay only once the stock and the slot are held.
            assert _status(order) == ("awaiting_payment" if done == {"stock", "slot"} else "pending")
        legs[order_of_legs[-1]]()

    assert _status(order) == "confirmed"
    confirmed = [e for e in published if isinstance(e, OrderConfirmed)]
    assert len(confirmed) == 1
    assert confirmed[0].total_paise == 11500


def test_payment_details_are_kept_for_the_browser() -> None:
    order = place()
    _request_payment(order)
    order.refresh_from_db()
    kept = (order.status, order.razorpay_order_id, order.razorpay_key_id)
    assert kept == ("pending", "order_Abc123", "rzp_test_local")


@pytest.mark.parametrize("legs", [("pay", "stock", "slot"), ("stock", "pay", "slot"), ("stock", "slot", "pay")])
def test_the_customer_is_asked_to_pay_only_once_stock_and_slot_are_held(legs: tuple[str, ...]) -> None:
    """The legs run at once; a customer sent to pay for an order that a stock or slot failure
    cancels a moment later would pay, wait and be refunded (and Razorpay keeps its fee)."""
    order = place()
    steps = {"pay": lambda: _request_payment(order), "stock": lambda: _reserve(order), "slot": lambda: _book(order)}

    seen = []
    for leg in legs:
        steps[leg]()
        seen.append(_status(order))

    assert seen == ["pending", "pending", "awaiting_payment"]
    timeline = list(order.transitions.values_list("to_status", "reason"))
    assert timeline[-1] == ("awaiting_payment", "payment requested")


def test_a_stock_failure_before_the_slot_is_booked_never_asks_for_the_money() -> None:
    order = place()
    _request_payment(order)
    _book(order)
    services.record_stock_failed(order_id=order.id, reason="insufficient_stock")

    assert list(order.transitions.values_list("to_status", flat=True)) == ["pending", "cancelled"]


def test_cash_on_delivery_confirms_without_payment() -> None:
    order = place(payment_method="cod")
    _reserve(order)
    _book(order)
    assert _status(order) == "confirmed"


def test_redelivered_leg_events_change_nothing() -> None:
    order = place(payment_method="cod")
    _reserve(order)
    _book(order)
    with captured_events() as published:
        _reserve(order)
        _book(order)
    assert published == []
    assert Order.objects.get(pk=order.id).transitions.count() == 2  # placed, confirmed


@pytest.mark.parametrize(
    ("fail", "reason"),
    [
        (lambda o: services.record_stock_failed(order_id=o.id, reason="insufficient_stock"), "out_of_stock"),
        (lambda o: services.record_stock_failed(order_id=o.id, reason="store_closed"), "store_closed"),
        (lambda o: services.record_slot_failed(order_id=o.id, reason="full"), "slot_unavailable"),
        (
            lambda o: services.record_payment_failed(order_id=o.id, reason="BAD_REQUEST_ERROR", failed_attempts=3),
            "payment_failed",
        ),
    ],
)
def test_any_failed_leg_cancels_the_order_and_says_why(fail, reason: str) -> None:
    order = place()
    _request_payment(order)
    _reserve(order)  # still pending: the slot is not booked yet, so nobody was asked to pay

    with captured_events() as published:
        fail(order)

    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == ("cancelled", reason)
    cancelled = [e for e in published if isinstance(e, OrderCancelled)]
    assert len(cancelled) == 1
    assert cancelled[0].reason == reason
    assert cancelled[0].from_status == "pending"


def test_a_leg_arriving_after_cancellation_does_not_revive_the_order() -> None:
    order = place(payment_method="cod")
    services.record_slot_failed(order_id=order.id, reason="full")
    with captured_events() as published:
        _reserve(order)  # inventory reserved before it saw the cancellation; it releases on OrderCancelled
    assert _status(order) == "cancelled"
    assert published == []


def test_unpaid_orders_are_cancelled_when_the_window_closes() -> None:
    unpaid = place()
    _request_payment(unpaid)
    cod_stuck = place(payment_method="cod")
    fresh = place()
    Order.objects.filter(pk__in=[unpaid.id, cod_stuck.id]).update(payment_due_at=timezone.now() - timedelta(seconds=1))

    assert services.cancel_expired_orders() == 2

    assert Order.objects.get(pk=unpaid.id).cancel_reason == "payment_timeout"
    assert Order.objects.get(pk=cod_stuck.id).cancel_reason == "confirmation_timeout"
    assert _status(fresh) == "pending"


def _awaiting_payment() -> Order:
    order = place()
    _request_payment(order)
    _reserve(order)
    _book(order)
    assert _status(order) == "awaiting_payment"
    return order


def test_a_failed_payment_attempt_leaves_the_order_waiting_for_another_try() -> None:
    """Razorpay's checkout lets the customer try again on the same order: one declined card
    must not cancel an order the next attempt pays for."""
    order = _awaiting_payment()

    with captured_events() as published:
        services.record_payment_failed(
            order_id=order.id, reason="BAD_REQUEST_ERROR: declined", message="Your bank declined it.", failed_attempts=1
        )
    order.refresh_from_db()
    assert (order.status, order.payment_state) == ("awaiting_payment", "requested")
    assert (order.payment_attempts_failed, order.payment_error) == (1, "Your bank declined it.")
    assert published == []  # no transition, nothing for the other apps to undo

    services.record_payment_captured(order_id=order.id, amount_paise=order.total_paise)  # the second try
    order.refresh_from_db()
    assert (order.status, order.payment_state) == ("confirmed", "captured")


def test_the_attempt_that_reaches_the_limit_cancels_and_a_redelivery_counts_once(settings) -> None:
    settings.ORDERS_PAYMENT_ATTEMPTS = 2
    order = _awaiting_payment()
    for _ in range(2):  # the same event delivered twice: still one failed attempt
        services.record_payment_failed(order_id=order.id, reason="E: first", failed_attempts=1)
    assert _status(order) == "awaiting_payment"

    with captured_events() as published:
        services.record_payment_failed(order_id=order.id, reason="E: second", message="second", failed_attempts=2)

    order.refresh_from_db()
    assert (order.status, order.cancel_reason, order.payment_state) == ("cancelled", "payment_failed", "failed")
    assert order.transitions.last().reason == "payment_failed: E: second"
    assert [e.reason for e in published if isinstance(e, OrderCancelled)] == ["payment_failed"]


def test_one_allowed_attempt_cancels_on_the_first_failure(settings) -> None:
    settings.ORDERS_PAYMENT_ATTEMPTS = 1
    order = _awaiting_payment()
    services.record_payment_failed(order_id=order.id, reason="E: no", failed_attempts=1)
    assert Order.objects.get(pk=order.id).cancel_reason == "payment_failed"


def test_a_window_closing_after_failed_attempts_says_so_on_the_timeline() -> None:
    order = _awaiting_payment()
    services.record_payment_failed(order_id=order.id, reason="E: x", message="Declined by the bank.", failed_attempts=2)
    Order.objects.filter(pk=order.id).update(payment_due_at=timezone.now() - timedelta(seconds=1))

    assert services.cancel_expired_orders() == 1

    order.refresh_from_db()
    assert order.cancel_reason == "payment_timeout"
    assert order.transitions.last().reason == "payment_timeout: after 2 failed payment attempts (Declined by the bank.)"


def test_a_failed_attempt_after_the_money_came_in_changes_nothing() -> None:
    order = _awaiting_payment()
    services.record_payment_captured(order_id=order.id, amount_paise=order.total_paise)
    services.record_payment_failed(order_id=order.id, reason="E: old news", failed_attempts=3)
    order.refresh_from_db()
    assert (order.status, order.payment_state, order.payment_attempts_failed) == ("confirmed", "captured", 0)


def _confirmed(payment_method: str = "cod") -> Order:
    order = place(payment_method=payment_method)
    if payment_method == "razorpay":
        _request_payment(order)
        services.record_payment_captured(order_id=order.id, amount_paise=order.total_paise)
    _reserve(order)
    _book(order)
    return order


def test_customer_can_cancel_until_packed_but_not_after() -> None:
    order = _confirmed()
    services.record_shipment_created(order_id=order.id, shipment_id=uuid.uuid4(), tracking_code="TRK1")
    assert _status(order) == "picking"
    services.record_packed(order_id=order.id)

    with pytest.raises(services.IllegalTransition):
        services.cancel_order(order_id=order.id)
    assert _status(order) == "packed"
    services.cancel_order(order_id=order.id, by_staff=True)  # staff still may
    assert _status(order) == "cancelled"


def test_staff_cannot_cancel_an_order_out_for_delivery() -> None:
    """The parcel is the rider's: a failed attempt and the return to the store cancel it,
    or a cancelled order could still be handed over (and a COD rider collect for it)."""
    order = _confirmed()
    services.record_shipment_created(order_id=order.id, shipment_id=uuid.uuid4(), tracking_code="TRK1")
    services.record_out_for_delivery(order_id=order.id, attempt=1)

    with pytest.raises(services.IllegalTransition):
        services.cancel_order(order_id=order.id, by_staff=True)
    assert _status(order) == "out_for_delivery"


def test_fulfilment_moves_the_order_to_delivered_and_records_cash() -> None:
    order = _confirmed("cod")
    services.record_shipment_created(order_id=order.id, shipment_id=uuid.uuid4(), tracking_code="TRK1")
    services.record_packed(order_id=order.id)
    services.record_out_for_delivery(order_id=order.id, attempt=1)
    services.record_delivery_failed(order_id=order.id, reason="customer unavailable")
    assert _status(order) == "packed"
    services.record_out_for_delivery(order_id=order.id, attempt=2)
    services.record_delivered(order_id=order.id, delivered_at=timezone.now(), cash_collected_paise=11500)

    order.refresh_from_db()
    assert (order.status, order.payment_state, order.paid_paise) == ("delivered", "collected", 11500)
    assert [t.to_status for t in order.transitions.all()] == [
        "pending", "confirmed", "picking", "packed", "out_for_delivery", "packed", "out_for_delivery", "delivered",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "reached",
    ["confirmed", "picking", "packed", "out_for_delivery"],  # the return may overtake the shipment's other news
)
def test_a_returned_shipment_cancels_the_order_from_wherever_it_is(reached: str) -> None:
    order = _confirmed("cod")
    if reached != "confirmed":
        services.record_shipment_created(order_id=order.id, shipment_id=uuid.uuid4(), tracking_code="TRK1")
    if reached in ("packed", "out_for_delivery"):
        services.record_packed(order_id=order.id)
    if reached == "out_for_delivery":
        services.record_out_for_delivery(order_id=order.id, attempt=1)
    assert _status(order) == reached

    with captured_events() as published:
        services.record_shipment_returned(order_id=order.id)

    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == ("cancelled", "delivery_failed")
    cancelled = [e for e in published if isinstance(e, OrderCancelled)]
    assert [(e.reason, e.from_status) for e in cancelled] == [("delivery_failed", reached)]


@pytest.mark.parametrize("end", ["delivered", "cancelled"])
def test_a_returned_shipment_leaves_a_delivered_or_cancelled_order_alone(end: str) -> None:
    order = _confirmed("cod")
    if end == "delivered":
        services.record_delivered(order_id=order.id, delivered_at=timezone.now(), cash_collected_paise=11500)
    else:
        services.cancel_order(order_id=order.id)
    with captured_events() as published:
        services.record_shipment_returned(order_id=order.id)
        services.record_delivery_failed(order_id=order.id, reason="customer_unavailable")  # late news too
    order.refresh_from_db()
    assert order.status == end
    assert published == []


def test_picking_shortfall_and_light_weight_become_one_adjustment() -> None:
    order = _confirmed("razorpay")
    with captured_events() as published:
        services.record_picked(
            order_id=order.id,
            lines=[
                PickedLineInput(sku_id=milk().sku_id, quantity_picked=1),  # one pack short: 30.00 back
                PickedLineInput(sku_id=tomatoes().sku_id, quantity_picked=700),  # 50 g light: 2.00 back
            ],
        )
    adjusted = [e for e in published if isinstance(e, OrderAdjusted)]
    assert len(adjusted) == 1
    assert adjusted[0].refund_paise == 3000 + 200
    assert adjusted[0].final_total_paise == 11500 - 3200
    order.refresh_from_db()
    assert order.adjustment_paise == 3200
    assert {line.name: line.outcome for line in order.lines.all()} == {
        "Toned Milk 500 ml": "short",
        "Tomato (loose)": "weighed",
    }

    with captured_events() as again:  # a redelivered pick report
        services.record_picked(order_id=order.id, lines=[PickedLineInput(sku_id=milk().sku_id, quantity_picked=0)])
    assert again == []


def test_a_line_picked_short_is_announced_even_when_its_refund_rounds_to_nothing() -> None:
    """Delivery holds a cash-on-delivery shipment with a short line until this event: it must come."""
    leaves = services.LineInput(
        sku_id=uuid.uuid4(), name="Curry leaves (loose)", sold_by="weight", quantity=100, unit_price_paise=150,
        mrp_paise=200, gst_rate_bp=0, hsn_code="0709", line_total_paise=15,
    )  # fmt: skip  # Rs 1.50 per kg: 100 g cost 15 paise, 98 g 14.7, rounded to 15
    order = place(payment_method="cod", lines=[milk(), leaves])
    _reserve(order)
    _book(order)
    with captured_events() as published:
        services.record_picked(
            order_id=order.id,
            lines=[
                PickedLineInput(sku_id=milk().sku_id, quantity_picked=2),
                PickedLineInput(sku_id=leaves.sku_id, quantity_picked=98),
            ],
        )
    adjusted = [e for e in published if isinstance(e, OrderAdjusted)]
    assert [(e.refund_paise, e.final_total_paise, len(e.lines)) for e in adjusted] == [(0, order.total_paise, 1)]
    assert adjusted[0].lines[0].quantity_picked == 98


def test_heavier_than_ordered_costs_the_customer_nothing() -> None:
    order = _confirmed()
    with captured_events() as published:
        services.record_picked(
            order_id=order.id,
            lines=[
                PickedLineInput(sku_id=milk().sku_id, quantity_picked=2),
                PickedLineInput(sku_id=tomatoes().sku_id, quantity_picked=820),
            ],
        )
    assert not [e for e in published if isinstance(e, OrderAdjusted)]
    assert Order.objects.get(pk=order.id).adjustment_paise == 0


def test_fulfilment_before_confirmation_is_ignored_not_applied() -> None:
    order = place()
    services.record_delivered(order_id=order.id, delivered_at=timezone.now())
    services.record_out_for_delivery(order_id=order.id, attempt=1)
    assert _status(order) == "pending"


def test_shipment_events_arriving_out_of_order_walk_the_order_forward() -> None:
    order = _confirmed()
    services.record_out_for_delivery(order_id=order.id, attempt=1)  # before "created" and "packed"
    services.record_packed(order_id=order.id)  # late: behind, ignored
    services.record_shipment_created(order_id=order.id, shipment_id=uuid.uuid4(), tracking_code="T")

    order.refresh_from_db()
    assert order.status == "out_for_delivery"
    assert order.tracking_code == "T"
    assert [t.to_status for t in order.transitions.all()] == [
        "pending", "confirmed", "picking", "packed", "out_for_delivery",
    ]  # fmt: skip


def test_refunds_are_recorded_once_with_their_bank_reference() -> None:
    order = _confirmed("razorpay")
    services.cancel_order(order_id=order.id)
    refund_id = uuid.uuid4()
    for _ in range(2):
        services.record_refund(
            order_id=order.id, refund_id=refund_id, amount_paise=11500, status="processed",
            bank_reference="HDFC0000123", at=timezone.now(),
        )  # fmt: skip
    order.refresh_from_db()
    assert order.refunded_paise == 11500
    assert list(order.refunds.values_list("bank_reference", flat=True)) == ["HDFC0000123"]
