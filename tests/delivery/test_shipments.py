"""Shipments: created per confirmed order, picked, packed, dispatched, delivered or failed."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from delivery import services
from delivery.errors import IllegalTransition, NoRiderAvailable, WrongCash
from delivery.events import (
    PickedLine,
    ShipmentCreated,
    ShipmentDelivered,
    ShipmentDeliveryFailed,
    ShipmentOutForDelivery,
    ShipmentPacked,
    ShipmentPicked,
    ShipmentReturned,
)
from delivery.events import ShipmentLine as LineContract
from delivery.models import Shipment, ShipmentLine
from delivery.services import LineInput, PickInput
from shop.eventbus.testing import captured_events

from .factories import RiderFactory, ShipmentFactory, ShipmentLineFactory, StoreFactory

MILK = uuid.UUID("00000000-0000-0000-0000-00000000a001")
TOMATO = uuid.UUID("00000000-0000-0000-0000-00000000a002")


def _create(store, **changes):  # type: ignore[no-untyped-def]
    args = {
        "order_id": uuid.uuid4(),
        "customer_id": uuid.uuid4(),
        "store_id": store.store_id,
        "lines": [
            LineInput(sku_id=MILK, title="Milk 500 ml", quantity=2),
            LineInput(sku_id=TOMATO, title="Tomato", quantity=1000, sold_by_weight=True),
        ],
        "payment_method": "cod",
        "cod_amount_paise": 15800,
        "recipient_name": "Asha Rao",
        "address": "12, 3rd Cross, Indiranagar",
        "pincode": "560038",
    }
    return services.create_shipment(**{**args, **changes})


def _at(status: str, store, rider=None) -> Shipment:  # type: ignore[no-untyped-def]
    shipment = ShipmentFactory(store_id=store.store_id, status=status, rider=rider, payment_method="cod")
    ShipmentLineFactory(shipment=shipment, quantity=2)
    return shipment


@pytest.mark.django_db
def test_a_confirmed_order_becomes_a_shipment_with_pick_list_and_tracking_code(slot, store) -> None:
    with captured_events() as published:
        shipment = _create(store, slot_id=slot.id)

    lines = {line.sku_id: line for line in shipment.lines.all()}
    assert shipment.status == "pending"
    assert shipment.tracking_code.startswith("DL")
    assert len(shipment.tracking_code) == 12
    assert (shipment.slot, shipment.zone) == (slot, slot.zone)
    assert published == [
        ShipmentCreated(
            shipment_id=shipment.id,
            order_id=shipment.order_id,
            store_id=store.store_id,
            slot_id=slot.id,
            tracking_code=shipment.tracking_code,
            lines=tuple(
                LineContract(
                    line_id=line.id, sku_id=line.sku_id, quantity=line.quantity, sold_by_weight=line.sold_by_weight
                )
                for line in [lines[MILK], lines[TOMATO]]
            ),
        )
    ]


@pytest.mark.django_db
def test_delivered_says_by_when_it_was_promised_the_end_of_its_slot(slot, store, rider) -> None:
    shipment = _create(store, slot_id=slot.id)
    services.record_pick(shipment_id=shipment.id, picks=[PickInput(line.id, "found") for line in shipment.lines.all()])
    services.pack_shipment(shipment_id=shipment.id)
    services.assign_rider(shipment_id=shipment.id)
    services.dispatch_shipment(shipment_id=shipment.id)

    with captured_events() as published:
        services.deliver_shipment(shipment_id=shipment.id, cash_collected_paise=15800)

    [delivered] = published
    assert isinstance(delivered, ShipmentDelivered)
    assert delivered.promised_by == slot.ends_at


@pytest.mark.django_db
def test_creating_a_shipment_twice_for_an_order_is_idempotent(store) -> None:
    first = _create(store)
    with captured_events() as published:
        second = _create(store, order_id=first.order_id)
    assert second == first
    assert published == []
    assert ShipmentLine.objects.count() == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"lines": []}, "lines"),
        ({"lines": [LineInput(sku_id=MILK, title="Milk", quantity=0)]}, "lines"),
        ({"lines": [LineInput(sku_id=MILK, title="Milk", quantity=1)] * 2}, "lines"),
        ({"payment_method": "cheque"}, "payment_method"),
        ({"payment_method": "prepaid", "cod_amount_paise": 100}, "cod_amount_paise"),
        ({"pincode": "56001"}, "pincode"),
        ({"store_id": uuid.UUID(int=7)}, "store_id"),
        ({"slot_id": uuid.UUID(int=8)}, "slot_id"),
    ],
)
@pytest.mark.django_db
def test_a_bad_shipment_is_refused_and_nothing_is_written(store, changes: dict, field: str) -> None:
    with captured_events() as published, pytest.raises(ValidationError) as caught:
        _create(store, **changes)
    assert list(caught.value.message_dict) == [field]
    assert published == []
    assert Shipment.objects.count() == 0


@pytest.mark.django_db
def test_picking_records_found_short_and_weighed_lines(store) -> None:
    shipment = _create(store, lines=[
        LineInput(sku_id=MILK, title="Milk 500 ml", quantity=2),
        LineInput(sku_id=TOMATO, title="Tomato", quantity=1000, sold_by_weight=True),
        LineInput(sku_id=uuid.UUID(int=3), title="Bread", quantity=1),
    ])  # fmt: skip
    lines = {line.title: line for line in shipment.lines.all()}
    picks = [
        PickInput(line_id=lines["Milk 500 ml"].id, outcome="short", quantity_picked=1),
        PickInput(line_id=lines["Tomato"].id, outcome="weighed", quantity_picked=1040),
        PickInput(line_id=lines["Bread"].id, outcome="found"),
    ]

    with captured_events() as published:
        services.record_pick(shipment_id=shipment.id, picks=picks)

    shipment.refresh_from_db()
    assert shipment.status == "picked"
    assert published == [
        ShipmentPicked(
            shipment_id=shipment.id,
            order_id=shipment.order_id,
            store_id=store.store_id,
            lines=(
                PickedLine(
                    line_id=lines["Bread"].id,
                    sku_id=uuid.UUID(int=3),
                    outcome="found",
                    quantity_ordered=1,
                    quantity_picked=1,
                ),
                PickedLine(
                    line_id=lines["Milk 500 ml"].id, sku_id=MILK, outcome="short", quantity_ordered=2, quantity_picked=1
                ),
                PickedLine(
                    line_id=lines["Tomato"].id,
                    sku_id=TOMATO,
                    outcome="weighed",
                    quantity_ordered=1000,
                    quantity_picked=1040,
                ),
            ),
        )
    ]


@pytest.mark.parametrize(
    ("milk", "tomato"),
    [
        (("short", 2), ("found", None)),  # short must be fewer than ordered
        (("short", None), ("found", None)),  # short needs the quantity found
        (("weighed", 2), ("found", None)),  # milk is sold by the piece
        (("found", 1), ("found", None)),  # found means all
        (("found", None), ("weighed", 0)),  # weighed needs grams
        (("found", None), ("weighed", 1201)),  # above 120 % of the 1000 g ordered
        (("found", None), ("weighed", 1_000_000)),
        (("found", None), ("short", 1001)),  # short is fewer than ordered, by the piece or by the gram
        (("lost", None), ("found", None)),
    ],
)
@pytest.mark.django_db
def test_a_wrong_pick_is_refused_and_nothing_changes(store, milk, tomato) -> None:  # type: ignore[no-untyped-def]
    shipment = _create(store)
    lines = {line.sku_id: line for line in shipment.lines.all()}
    picks = [PickInput(lines[MILK].id, *milk), PickInput(lines[TOMATO].id, *tomato)]

    with captured_events() as published, pytest.raises(ValidationError):
        services.record_pick(shipment_id=shipment.id, picks=picks)

    assert published == []
    shipment.refresh_from_db()
    assert shipment.status == "pending"
    assert set(ShipmentLine.objects.values_list("outcome", flat=True)) == {"pending"}


@pytest.mark.django_db
def test_every_line_needs_exactly_one_outcome(store) -> None:
    shipment = _create(store)
    milk = shipment.lines.get(sku_id=MILK)
    with pytest.raises(ValidationError):
        services.record_pick(shipment_id=shipment.id, picks=[PickInput(milk.id, "found")])
    with pytest.raises(ValidationError):
        services.record_pick(shipment_id=shipment.id, picks=[PickInput(milk.id, "found")] * 2)


@pytest.mark.django_db
def test_the_whole_journey_publishes_an_event_at_each_step(store, rider) -> None:
    shipment = _create(store)
    lines = list(shipment.lines.all())

    with captured_events() as published:
        services.record_pick(shipment_id=shipment.id, picks=[PickInput(line.id, "found") for line in lines])
        services.pack_shipment(shipment_id=shipment.id)
        services.assign_rider(shipment_id=shipment.id)
        services.dispatch_shipment(shipment_id=shipment.id)
        services.fail_delivery(shipment_id=shipment.id, reason="customer_unavailable")
        services.dispatch_shipment(shipment_id=shipment.id)
        services.deliver_shipment(shipment_id=shipment.id, cash_collected_paise=15800)

    shipment.refresh_from_db()
    assert [type(e) for e in published] == [
        ShipmentPicked,
        ShipmentPacked,
        ShipmentOutForDelivery,
        ShipmentDeliveryFailed,
        ShipmentOutForDelivery,
        ShipmentDelivered,
    ]
    assert published[2] == ShipmentOutForDelivery(
        shipment_id=shipment.id,
        order_id=shipment.order_id,
        store_id=store.store_id,
        rider_id=rider.id,
        attempt=1,
        dispatched_at=published[2].dispatched_at,
    )
    assert published[3] == ShipmentDeliveryFailed(
        shipment_id=shipment.id,
        order_id=shipment.order_id,
        store_id=store.store_id,
        reason="customer_unavailable",
        attempt=1,
        failed_at=published[3].failed_at,
    )
    assert published[5] == ShipmentDelivered(
        shipment_id=shipment.id,
        order_id=shipment.order_id,
        store_id=store.store_id,
        delivered_at=shipment.delivered_at,
        cash_collected_paise=15800,
        promised_by=None,  # a shipment without a slot promised no window
    )
    assert (shipment.status, shipment.attempts, shipment.rider, shipment.cash_collected_paise) == (
        "delivered",
        2,
        rider,
        15800,
    )


@pytest.mark.django_db
def test_a_failed_shipment_can_be_returned(store, rider) -> None:
    shipment = _at("failed", store, rider)
    with captured_events() as published:
        services.return_shipment(shipment_id=shipment.id)
    shipment.refresh_from_db()
    assert shipment.status == "returned"
    assert published == [
        ShipmentReturned(
            shipment_id=shipment.id,
            order_id=shipment.order_id,
            store_id=store.store_id,
            returned_at=shipment.returned_at,
            tracking_code=shipment.tracking_code,
            lines=(),  # nothing picked on this made-up shipment: nothing came back to put away
        )
    ]


@pytest.mark.parametrize(
    ("status", "action", "message"),
    [
        ("packed", "deliver", "cannot be delivered: it is packed, and must be out for delivery first."),
        ("pending", "deliver", "cannot be delivered: it is waiting to be picked, and must be out for delivery first."),
        ("pending", "pack", "cannot be packed: it is waiting to be picked, and must be picked first."),
        (
            "pending",
            "dispatch",
            "cannot be sent out for delivery: it is waiting to be picked, and must be packed or delivery failed first.",
        ),
        ("delivered", "fail", "cannot be marked failed: it is delivered, and must be out for delivery first."),
        (
            "out_for_delivery",
            "return",
            "cannot be returned: it is out for delivery, and must be delivery failed first.",
        ),
        ("picked", "pick", "cannot be picked: it is picked, and must be waiting to be picked first."),
    ],
)
@pytest.mark.django_db
def test_illegal_transitions_are_refused_with_a_reason(store, rider, status, action, message) -> None:  # type: ignore[no-untyped-def]
    shipment = _at(status, store, rider)
    calls = {
        "deliver": lambda: services.deliver_shipment(shipment_id=shipment.id, cash_collected_paise=100),
        "pack": lambda: services.pack_shipment(shipment_id=shipment.id),
        "dispatch": lambda: services.dispatch_shipment(shipment_id=shipment.id),
        "fail": lambda: services.fail_delivery(shipment_id=shipment.id, reason="refused"),
        "return": lambda: services.return_shipment(shipment_id=shipment.id),
        "pick": lambda: services.record_pick(shipment_id=shipment.id, picks=[]),
    }

    with captured_events() as published, pytest.raises(IllegalTransition) as caught:
        calls[action]()

    assert str(caught.value.detail) == f"Shipment {shipment.tracking_code} {message}"
    assert caught.value.status_code == 409
    assert published == []
    shipment.refresh_from_db()
    assert shipment.status == status


@pytest.mark.django_db
def test_dispatch_needs_a_rider(store) -> None:
    shipment = _at("packed", store)
    with pytest.raises(IllegalTransition, match="has no rider yet"):
        services.dispatch_shipment(shipment_id=shipment.id)
    shipment.refresh_from_db()
    assert (shipment.status, shipment.attempts) == ("packed", 0)


@pytest.mark.parametrize(
    ("method", "cash"),
    [("cod", None), ("cod", -1), ("cod", 15799), ("cod", 15801), ("prepaid", 500)],
)
@pytest.mark.django_db
def test_cash_is_the_amount_due_for_cod_and_none_for_prepaid(store, rider, method, cash) -> None:  # type: ignore[no-untyped-def]
    shipment = ShipmentFactory(
        store_id=store.store_id,
        status="out_for_delivery",
        rider=rider,
        payment_method=method,
        cod_amount_paise=15800 if method == "cod" else 0,
    )
    with captured_events() as published, pytest.raises(WrongCash) as caught:
        services.deliver_shipment(shipment_id=shipment.id, cash_collected_paise=cash)
    assert list(caught.value.fields) == ["cash_collected_paise"]
    shipment.refresh_from_db()
    assert (shipment.status, shipment.cash_collected_paise, published) == ("out_for_delivery", 0, [])


@pytest.mark.django_db
def test_a_cod_order_with_nothing_left_to_pay_is_delivered_without_cash(store, rider) -> None:  # type: ignore[no-untyped-def]
    shipment = ShipmentFactory(
        store_id=store.store_id, status="out_for_delivery", rider=rider, payment_method="cod", cod_amount_paise=0
    )
    delivered = services.deliver_shipment(shipment_id=shipment.id)
    assert (delivered.status, delivered.cash_collected_paise) == ("delivered", 0)


@pytest.mark.django_db
def test_an_unknown_failure_reason_is_refused(store, rider) -> None:
    shipment = _at("out_for_delivery", store, rider)
    with pytest.raises(ValidationError):
        services.fail_delivery(shipment_id=shipment.id, reason="rain")


@pytest.mark.django_db
def test_the_least_loaded_available_rider_gets_the_shipment(store) -> None:
    busy = RiderFactory(store_id=store.store_id)
    idle = RiderFactory(store_id=store.store_id)
    RiderFactory(store_id=store.store_id, is_available=False)
    RiderFactory(store_id=StoreFactory().store_id)  # another store's, idle
    _at("out_for_delivery", store, busy)
    _at("delivered", store, idle)  # finished work is no load

    shipment = services.assign_rider(shipment_id=_at("packed", store).id)

    assert shipment.rider == idle


@pytest.mark.django_db
def test_no_rider_on_shift_is_a_clear_refusal(store) -> None:
    RiderFactory(store_id=store.store_id, is_available=False)
    shipment = _at("packed", store)
    with pytest.raises(NoRiderAvailable):
        services.assign_rider(shipment_id=shipment.id)


@pytest.mark.django_db
def test_a_named_rider_must_belong_to_the_store(store) -> None:
    stranger = RiderFactory(store_id=StoreFactory().store_id)
    shipment = _at("packed", store)
    with pytest.raises(ValidationError):
        services.assign_rider(shipment_id=shipment.id, rider_id=stranger.id)


@pytest.mark.django_db
def test_a_rider_cannot_be_assigned_once_out_for_delivery(store, rider) -> None:
    shipment = _at("out_for_delivery", store, rider)
    with pytest.raises(IllegalTransition):
        services.assign_rider(shipment_id=shipment.id)


@pytest.mark.django_db(transaction=True)
def test_parallel_assignments_spread_over_the_riders() -> None:
    store = StoreFactory()
    riders = [RiderFactory(store_id=store.store_id) for _ in range(3)]
    shipments = [_at("packed", store) for _ in range(6)]
    barrier = threading.Barrier(6)

    def assign(shipment: Shipment) -> None:
        try:
            barrier.wait()
            services.assign_rider(shipment_id=shipment.id)
        finally:
            connection.close()

    threads = [threading.Thread(target=assign, args=(s,)) for s in shipments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    loads = sorted(Shipment.objects.filter(rider=r).count() for r in riders)
    assert loads == [2, 2, 2]


@pytest.mark.django_db
def test_cancelling_before_dispatch_is_idempotent_and_after_leaves_the_shipment_as_it_is(store, rider) -> None:
    shipment = _at("packed", store, rider)
    services.cancel_shipment_for_order(order_id=shipment.order_id)
    services.cancel_shipment_for_order(order_id=shipment.order_id)
    shipment.refresh_from_db()
    assert shipment.status == "cancelled"
    assert services.cancel_shipment_for_order(order_id=uuid.uuid4()) is None

    # On the road, the rider brings it back (failed, returned); a finished one keeps its end.
    # Refusing would only make the bus retry the order's cancellation, slot release and all.
    for state in ("out_for_delivery", "delivered"):
        gone = _at(state, store, rider)
        assert services.cancel_shipment_for_order(order_id=gone.order_id).status == state
        gone.refresh_from_db()
        assert gone.status == state


@pytest.mark.django_db
def test_a_shipment_takes_the_slot_its_order_booked(slot, store) -> None:
    order_id = uuid.uuid4()
    services.book_slot(order_id=order_id, slot_id=slot.id, pincode="560038")

    shipment = _create(store, order_id=order_id)

    assert shipment.slot == slot


@pytest.mark.django_db
def test_opening_a_shipment_reads_the_slot_with_its_zone_in_one_query(slot, store) -> None:
    """The saga opens one per confirmed order: no lazy load of the slot's zone."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        shipment = _create(store, slot_id=slot.id)

    assert shipment.zone == slot.zone
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert not [sql for sql in reads if 'FROM "delivery_zone"' in sql]  # the zone came with the slot (a JOIN)


@pytest.mark.django_db
def test_a_weighed_line_may_come_out_up_to_the_tolerance_above_the_order(store, settings) -> None:  # type: ignore[no-untyped-def]
    shipment = _create(store)
    lines = {line.sku_id: line for line in shipment.lines.all()}

    settings.DELIVERY_WEIGH_TOLERANCE_PERCENT = 110
    with pytest.raises(ValidationError) as refused:
        services.record_pick(
            shipment_id=shipment.id,
            picks=[PickInput(lines[MILK].id, "found"), PickInput(lines[TOMATO].id, "weighed", 1101)],
        )
    assert refused.value.message_dict == {
        "lines": [
            "Tomato: 1101 g weighed is more than 1100 g, 110 % of the 1000 g ordered; weigh again and take some off."
        ]
    }
    services.record_pick(
        shipment_id=shipment.id,
        picks=[PickInput(lines[MILK].id, "found"), PickInput(lines[TOMATO].id, "weighed", 1100)],
    )

    assert ShipmentLine.objects.get(pk=lines[TOMATO].id).quantity_picked == 1100
