"""A short line may be replaced at picking: the order's offer reaches the pick list, the picker
says how much of it went in, and what is in the bag (packing, the return) counts it."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from delivery import services
from delivery.errors import IllegalTransition
from delivery.events import PickedLine, ReturnedLine, ShipmentCreated, ShipmentPicked, ShipmentReturned
from delivery.events import ShipmentLine as LineContract
from delivery.handlers import open_shipment_for_order
from delivery.models import Shipment, ShipmentLine
from delivery.services import MAX_PICK_QUANTITY, LineInput, PickInput
from orders.events import OrderConfirmed, OrderLineItem
from shop.eventbus.testing import captured_events

from .factories import ShipmentFactory, ShipmentLineFactory

CURD_400 = uuid.UUID("00000000-0000-0000-0000-0000000c0400")
CURD_200 = uuid.UUID("00000000-0000-0000-0000-0000000c0200")
TOMATO = uuid.UUID("00000000-0000-0000-0000-00000000a002")
TOMATO_HYBRID = uuid.UUID("00000000-0000-0000-0000-00000000a003")
BREAD = uuid.UUID("00000000-0000-0000-0000-00000000b001")


def _item(sku_id: uuid.UUID, name: str, quantity: int, **changes: object) -> OrderLineItem:
    fields: dict[str, object] = {
        "line_id": uuid.uuid4(),
        "sku_id": sku_id,
        "name": name,
        "sold_by": "unit",
        "quantity": quantity,
        "unit_price_paise": 4500,
        "mrp_paise": 5000,
        "line_total_paise": 4500 * quantity,
        "gst_rate_bp": 500,
        "hsn_code": "0403",
    }
    return OrderLineItem(**{**fields, **changes})  # type: ignore[arg-type]


def _shipment(store, *, payment_method: str = "prepaid") -> Shipment:  # type: ignore[no-untyped-def]
    """Curd 400 g x 2 (if short: Curd 200 g), tomato 1000 g (if short: hybrid tomato), bread x 1 (refund)."""
    return services.create_shipment(
        order_id=uuid.uuid4(),
        customer_id=uuid.uuid4(),
        store_id=store.store_id,
        lines=[
            LineInput(
                sku_id=CURD_400,
                title="Curd 400 g",
                quantity=2,
                replacement_sku_id=CURD_200,
                replacement_title="Curd 200 g",
            ),
            LineInput(
                sku_id=TOMATO,
                title="Tomato",
                quantity=1000,
                sold_by_weight=True,
                replacement_sku_id=TOMATO_HYBRID,
                replacement_title="Tomato (hybrid)",
            ),
            LineInput(sku_id=BREAD, title="Bread", quantity=1),
        ],
        payment_method=payment_method,
        cod_amount_paise=30000 if payment_method == "cod" else 0,
        recipient_name="Asha Rao",
        address="12, 3rd Cross, Indiranagar",
        pincode="560038",
    )


def _lines(shipment: Shipment) -> dict[uuid.UUID, ShipmentLine]:
    return {line.sku_id: line for line in shipment.lines.all()}


def _picks(shipment: Shipment, **by_sku: tuple) -> list[PickInput]:  # type: ignore[type-arg]
    """One pick per line: `curd=("replaced", 1, 1)` and so on; lines not named are found."""
    names = {CURD_400: "curd", TOMATO: "tomato", BREAD: "bread"}
    return [PickInput(line.id, *by_sku.get(names[sku_id], ("found",))) for sku_id, line in _lines(shipment).items()]


# --- The offer reaches the pick list --------------------------------------------------------


@pytest.mark.django_db
def test_the_confirmed_orders_offers_become_the_pick_lists_replacements(slot, store) -> None:
    confirmed = OrderConfirmed(
        order_id=uuid.uuid4(),
        customer_id=uuid.uuid4(),
        store_id=store.store_id,
        slot_id=slot.id,
        payment_method="razorpay",
        lines=(
            _item(CURD_400, "Curd 400 g", 2, offer_sku_id=CURD_200, offer_name="Curd 200 g"),
            _item(BREAD, "Bread", 1),  # no offer: refund only
            # The customer asked for a specific SKU, but the offer (what the picker may use) is none.
            _item(TOMATO, "Tomato", 1000, sold_by="weight", replacement="specific", replacement_sku_id=TOMATO_HYBRID),
        ),
        total_paise=30000,
        recipient_name="Asha Rao",
        address_text="12, 3rd Cross, Indiranagar",
        pincode="560038",
    )

    with captured_events() as published, transaction.atomic():
        open_shipment_for_order(confirmed)

    shipment = Shipment.objects.get(order_id=confirmed.order_id)
    lines = _lines(shipment)
    assert {sku: (line.replacement_sku_id, line.replacement_title) for sku, line in lines.items()} == {
        CURD_400: (CURD_200, "Curd 200 g"),
        BREAD: (None, ""),
        TOMATO: (None, ""),
    }
    assert published == [
        ShipmentCreated(
            shipment_id=shipment.id,
            order_id=confirmed.order_id,
            store_id=store.store_id,
            slot_id=slot.id,
            tracking_code=shipment.tracking_code,
            lines=(
                LineContract(line_id=lines[CURD_400].id, sku_id=CURD_400, quantity=2, replacement_sku_id=CURD_200),
                LineContract(line_id=lines[BREAD].id, sku_id=BREAD, quantity=1),
                LineContract(line_id=lines[TOMATO].id, sku_id=TOMATO, quantity=1000, sold_by_weight=True),
            ),
        )
    ]


@pytest.mark.django_db
def test_an_offer_of_the_lines_own_sku_is_no_replacement_and_a_nameless_one_is_named_by_its_sku(store) -> None:
    shipment = services.create_shipment(
        order_id=uuid.uuid4(),
        customer_id=uuid.uuid4(),
        store_id=store.store_id,
        lines=[
            LineInput(sku_id=CURD_400, title="Curd 400 g", quantity=2, replacement_sku_id=CURD_400),
            LineInput(sku_id=BREAD, title="Bread", quantity=1, replacement_sku_id=CURD_200, replacement_title="  "),
        ],
        payment_method="prepaid",
        recipient_name="Asha Rao",
        address="12, 3rd Cross, Indiranagar",
        pincode="560038",
    )

    lines = _lines(shipment)
    assert (lines[CURD_400].replacement_sku_id, lines[CURD_400].replacement_title) == (None, "")
    assert (lines[BREAD].replacement_sku_id, lines[BREAD].replacement_title) == (CURD_200, f"SKU {CURD_200}")


# --- Picking a replaced line -----------------------------------------------------------------


@pytest.mark.django_db
def test_short_lines_replaced_at_picking_are_stored_and_published_with_their_replacement(store) -> None:
    shipment = _shipment(store)
    lines = _lines(shipment)

    with captured_events() as published:
        services.record_pick(
            shipment_id=shipment.id,
            picks=_picks(shipment, curd=("replaced", 1, 1), tomato=("replaced", 400, 720), bread=("short", 0)),
        )

    stored = {
        sku: (line.outcome, line.quantity_picked, line.quantity_replaced) for sku, line in _lines(shipment).items()
    }
    assert stored == {
        CURD_400: ("replaced", 1, 1),
        TOMATO: ("replaced", 400, 720),  # 600 g short, up to 120 % of it: 720 g of the hybrid
        BREAD: ("short", 0, None),
    }
    assert published == [
        ShipmentPicked(
            shipment_id=shipment.id,
            order_id=shipment.order_id,
            store_id=store.store_id,
            lines=(
                PickedLine(
                    line_id=lines[BREAD].id, sku_id=BREAD, outcome="short", quantity_ordered=1, quantity_picked=0
                ),
                PickedLine(
                    line_id=lines[CURD_400].id,
                    sku_id=CURD_400,
                    outcome="replaced",
                    quantity_ordered=2,
                    quantity_picked=1,
                    replacement_sku_id=CURD_200,
                    quantity_replaced=1,
                ),
                PickedLine(
                    line_id=lines[TOMATO].id,
                    sku_id=TOMATO,
                    outcome="replaced",
                    quantity_ordered=1000,
                    quantity_picked=400,
                    replacement_sku_id=TOMATO_HYBRID,
                    quantity_replaced=720,
                ),
            ),
        )
    ]


@pytest.mark.django_db
def test_lines_not_replaced_publish_no_replacement_even_when_one_was_offered(store) -> None:
    shipment = _shipment(store)

    with captured_events() as published:
        services.record_pick(
            shipment_id=shipment.id,
            # A replacement quantity of 0 on another outcome is no replacement, and harmless.
            picks=_picks(shipment, curd=("short", 1, 0), tomato=("weighed", 980), bread=("found", None, None)),
        )

    picked = {line.sku_id: line for line in published[0].lines}
    assert {sku: (line.outcome, line.replacement_sku_id, line.quantity_replaced) for sku, line in picked.items()} == {
        CURD_400: ("short", None, 0),
        TOMATO: ("weighed", None, 0),
        BREAD: ("found", None, 0),
    }
    assert set(ShipmentLine.objects.values_list("quantity_replaced", flat=True)) == {None}


@pytest.mark.parametrize(
    ("curd", "tomato"),
    [
        (("replaced", 0, 2), ("found",)),  # none of the curd on the shelf: two of the offer, the whole shortfall
        (("replaced", 1, 1), ("replaced", 0, 1200)),  # no tomato at all: up to 120 % of the 1000 g
        (("found",), ("replaced", 999, 1)),  # one gram short, one gram of the hybrid
    ],
)
@pytest.mark.django_db
def test_a_replacement_may_make_up_the_whole_shortfall(store, curd, tomato) -> None:  # type: ignore[no-untyped-def]
    shipment = _shipment(store)

    services.record_pick(shipment_id=shipment.id, picks=_picks(shipment, curd=curd, tomato=tomato))

    shipment.refresh_from_db()
    assert shipment.status == "picked"


@pytest.mark.parametrize(
    ("picks", "message"),
    [
        ({"bread": ("replaced", 0, 1)}, "Bread: replaced, but no replacement was offered for it; use short."),
        (
            {"curd": ("replaced", 2, 1)},
            "Curd 400 g: replaced needs the quantity found of Curd 400 g itself, 0 to 1.",
        ),
        (
            {"curd": ("replaced", None, 1)},
            "Curd 400 g: replaced needs the quantity found of Curd 400 g itself, 0 to 1.",
        ),
        (
            {"curd": ("replaced", 1, None)},
            "Curd 400 g: replaced needs how much of Curd 200 g went in its place, above 0 and at most the 1 short "
            "(none given).",
        ),
        (
            {"curd": ("replaced", 1, 0)},
            "Curd 400 g: replaced needs how much of Curd 200 g went in its place, above 0 and at most the 1 short "
            "(0 given).",
        ),
        (
            {"curd": ("replaced", 1, 2)},  # one short: one of the offer at most
            "Curd 400 g: replaced needs how much of Curd 200 g went in its place, above 0 and at most the 1 short "
            "(2 given).",
        ),
        (
            {"curd": ("replaced", 0, 3)},
            "Curd 400 g: replaced needs how much of Curd 200 g went in its place, above 0 and at most the 2 short "
            "(3 given).",
        ),
        (
            {"tomato": ("replaced", 400, 721)},  # 600 g short: 720 g at most
            "Tomato: replaced needs how much of Tomato (hybrid) went in its place, above 0 and at most 720 g "
            "(120 % of the 600 g short) (721 g given).",
        ),
        (
            {"tomato": ("replaced", 1000, 1)},
            "Tomato: replaced needs the quantity found of Tomato itself, 0 to 999 g.",
        ),
        (
            {"tomato": ("replaced", 400, -5)},
            "Tomato: replaced needs how much of Tomato (hybrid) went in its place, above 0 and at most 720 g "
            "(120 % of the 600 g short) (-5 g given).",
        ),
        (
            {"curd": ("found", None, 1)},
            "Curd 400 g: 1 of a replacement given, but the outcome is found; only a replaced line takes a "
            "replacement quantity (choose replaced, or leave it empty).",
        ),
        (
            {"curd": ("short", 1, 1)},
            "Curd 400 g: 1 of a replacement given, but the outcome is short; only a replaced line takes a "
            "replacement quantity (choose replaced, or leave it empty).",
        ),
        (
            {"tomato": ("weighed", 900, 100)},
            "Tomato: 100 g of a replacement given, but the outcome is weighed; only a replaced line takes a "
            "replacement quantity (choose replaced, or leave it empty).",
        ),
        (
            {"bread": ("short", 0, 1)},  # no offer either
            "Bread: 1 of a replacement given, but the outcome is short; only a replaced line takes a "
            "replacement quantity (choose replaced, or leave it empty).",
        ),
    ],
)
@pytest.mark.django_db
def test_a_wrong_replacement_is_refused_with_its_reason_and_nothing_changes(store, picks, message) -> None:  # type: ignore[no-untyped-def]
    shipment = _shipment(store, payment_method="cod")

    with captured_events() as published, pytest.raises(ValidationError) as refused:
        services.record_pick(shipment_id=shipment.id, picks=_picks(shipment, **picks))

    assert refused.value.message_dict == {"lines": [message]}
    assert published == []
    shipment.refresh_from_db()
    assert (shipment.status, shipment.picked_at, shipment.cash_total_pending) == ("pending", None, False)
    assert set(ShipmentLine.objects.values_list("outcome", "quantity_picked", "quantity_replaced")) == {
        ("pending", None, None)
    }


@pytest.mark.django_db
def test_no_replacement_weighs_more_than_the_largest_pick(store) -> None:
    shipment = ShipmentFactory(store_id=store.store_id)
    sacks = ShipmentLineFactory(
        shipment=shipment,
        title="Rice",
        quantity=MAX_PICK_QUANTITY,
        sold_by_weight=True,
        replacement_sku_id=uuid.uuid4(),
        replacement_title="Rice (loose)",
    )

    with pytest.raises(ValidationError) as refused:
        services.record_pick(shipment_id=shipment.id, picks=[PickInput(sacks.id, "replaced", 0, MAX_PICK_QUANTITY + 1)])

    assert refused.value.messages == [
        "Rice: replaced needs how much of Rice (loose) went in its place, above 0 and at most 1000000 g "
        "(120 % of the 1000000 g short) (1000001 g given)."
    ]
    services.record_pick(shipment_id=shipment.id, picks=[PickInput(sacks.id, "replaced", 0, MAX_PICK_QUANTITY)])
    sacks.refresh_from_db()
    assert (sacks.outcome, sacks.quantity_picked, sacks.quantity_replaced) == ("replaced", 0, MAX_PICK_QUANTITY)


@pytest.mark.django_db
def test_a_cash_on_delivery_shipment_with_a_replaced_line_waits_for_the_orders_new_total(store) -> None:
    shipment = _shipment(store, payment_method="cod")

    services.record_pick(shipment_id=shipment.id, picks=_picks(shipment, curd=("replaced", 1, 1)))

    shipment.refresh_from_db()
    assert shipment.cash_total_pending is True


@pytest.mark.django_db
def test_the_database_refuses_a_replacement_quantity_on_a_line_that_was_not_replaced(store) -> None:
    line = _lines(_shipment(store))[CURD_400]
    with pytest.raises(IntegrityError), transaction.atomic():
        ShipmentLine.objects.filter(pk=line.pk).update(outcome="short", quantity_picked=1, quantity_replaced=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        ShipmentLine.objects.filter(pk=line.pk).update(outcome="replaced", quantity_picked=1, quantity_replaced=None)


# --- What is in the bag ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_shipment_whose_lines_were_all_replaced_in_full_is_packed(store) -> None:
    shipment = _shipment(store)
    services.record_pick(
        shipment_id=shipment.id,
        picks=_picks(shipment, curd=("replaced", 0, 2), tomato=("replaced", 0, 1000), bread=("short", 0)),
    )

    packed = services.pack_shipment(shipment_id=shipment.id)

    assert packed.status == "packed"


@pytest.mark.django_db
def test_a_shipment_with_nothing_found_and_nothing_replaced_is_not_packed(store) -> None:
    shipment = _shipment(store)
    services.record_pick(
        shipment_id=shipment.id, picks=_picks(shipment, curd=("short", 0), tomato=("short", 0), bread=("short", 0))
    )

    with pytest.raises(IllegalTransition, match="Nothing was picked"):
        services.pack_shipment(shipment_id=shipment.id)


@pytest.mark.django_db
def test_a_returned_shipment_brings_back_the_replacements_as_lines_of_their_own(store, rider) -> None:
    shipment = _shipment(store)
    services.record_pick(
        shipment_id=shipment.id, picks=_picks(shipment, curd=("replaced", 1, 1), tomato=("replaced", 0, 1100))
    )
    Shipment.objects.filter(pk=shipment.pk).update(status="failed", rider=rider, attempts=1)

    with captured_events() as published:
        services.return_shipment(shipment_id=shipment.id)

    shipment.refresh_from_db()
    assert published == [
        ShipmentReturned(
            shipment_id=shipment.id,
            order_id=shipment.order_id,
            store_id=store.store_id,
            returned_at=shipment.returned_at,
            tracking_code=shipment.tracking_code,
            lines=(
                ReturnedLine(sku_id=BREAD, title="Bread", quantity=1),
                ReturnedLine(sku_id=CURD_200, title="Curd 200 g", quantity=1),
                ReturnedLine(sku_id=CURD_400, title="Curd 400 g", quantity=1),
                # none of the tomato itself was found: only its replacement came back
                ReturnedLine(sku_id=TOMATO_HYBRID, title="Tomato (hybrid)", quantity=1100, sold_by_weight=True),
            ),
        )
    ]


@pytest.mark.django_db
def test_a_replacement_that_is_also_a_line_of_the_order_comes_back_as_one_line(store, rider) -> None:
    shipment = ShipmentFactory(store_id=store.store_id)
    big = ShipmentLineFactory(
        shipment=shipment, sku_id=CURD_400, title="Curd 400 g", quantity=3, replacement_sku_id=CURD_200,
        replacement_title="Curd 200 g",
    )  # fmt: skip
    small = ShipmentLineFactory(shipment=shipment, sku_id=CURD_200, title="Curd 200 g", quantity=2)
    services.record_pick(
        shipment_id=shipment.id, picks=[PickInput(big.id, "replaced", 1, 2), PickInput(small.id, "found")]
    )
    Shipment.objects.filter(pk=shipment.pk).update(status="failed", rider=rider, attempts=1)

    with captured_events() as published:
        services.return_shipment(shipment_id=shipment.id)

    assert published[0].lines == (
        ReturnedLine(sku_id=CURD_200, title="Curd 200 g", quantity=4),
        ReturnedLine(sku_id=CURD_400, title="Curd 400 g", quantity=1),
    )
