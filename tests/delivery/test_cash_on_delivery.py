"""Cash on delivery is collected exactly: the rider's deliver call must give the amount due, to the paisa."""

from __future__ import annotations

import uuid

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from delivery.events import ShipmentDelivered
from delivery.handlers import collect_adjusted_cash_on_delivery, open_shipment_for_order
from delivery.models import Rider, Shipment, Slot, Store
from orders.events import AdjustedLine, OrderAdjusted, OrderConfirmed, OrderLineItem
from shop.eventbus.models import Event as EventRecord
from shop.eventbus.testing import captured_events

from .factories import ShipmentFactory, ShipmentLineFactory

DUE = 22812  # ₹228.12


def _out_for_delivery(store: Store, rider: Rider, *, payment_method: str = "cod", due: int = DUE) -> Shipment:
    shipment = ShipmentFactory(
        store_id=store.store_id,
        rider=rider,
        status="out_for_delivery",
        attempts=1,
        payment_method=payment_method,
        cod_amount_paise=due if payment_method == "cod" else 0,
    )
    ShipmentLineFactory(shipment=shipment, quantity=2)
    return shipment


def _deliver(client: APIClient, shipment: Shipment, body: dict) -> tuple[int, dict, list]:  # type: ignore[type-arg]
    with captured_events() as published:
        response = client.post(f"/api/v1/delivery/shipments/{shipment.id}/deliver/", body, format="json")
    return response.status_code, response.json(), published


def _assert_nothing_written(shipment: Shipment, published: list) -> None:  # type: ignore[type-arg]
    assert published == []
    assert not EventRecord.objects.filter(name=ShipmentDelivered.name).exists()
    shipment.refresh_from_db()
    assert (shipment.status, shipment.cash_collected_paise, shipment.delivered_at) == ("out_for_delivery", 0, None)


@pytest.mark.parametrize(
    ("cash", "message"),
    [
        (100, "Collect ₹228.12 in cash: ₹1.00 was entered."),
        (22811, "Collect ₹228.12 in cash: ₹228.11 was entered."),
        (22813, "Collect ₹228.12 in cash: ₹228.13 was entered."),
        (999999, "Collect ₹228.12 in cash: ₹9,999.99 was entered."),
        (0, "Collect ₹228.12 in cash: ₹0.00 was entered."),
        (None, "Collect ₹228.12 in cash and enter the amount collected."),
    ],
)
@pytest.mark.django_db
def test_a_rider_entering_other_cash_than_due_is_refused_and_nothing_is_written(
    rider_client: APIClient, rider: Rider, store: Store, cash: int | None, message: str
) -> None:
    shipment = _out_for_delivery(store, rider)

    status, body, published = _deliver(rider_client, shipment, {"cash_collected_paise": cash})

    assert status == 400
    assert body == {"error": {"code": "wrong_cash", "message": message, "fields": {"cash_collected_paise": [message]}}}
    _assert_nothing_written(shipment, published)


@pytest.mark.django_db
def test_a_rider_entering_the_cash_due_delivers(rider_client: APIClient, rider: Rider, store: Store) -> None:
    shipment = _out_for_delivery(store, rider)

    status, body, published = _deliver(rider_client, shipment, {"cash_collected_paise": DUE})

    assert status == 200
    assert (body["status"], body["cod_amount_paise"], body["cash_collected_paise"]) == ("delivered", DUE, DUE)
    assert [(type(e), e.cash_collected_paise) for e in published] == [(ShipmentDelivered, DUE)]  # type: ignore[attr-defined]


@pytest.mark.parametrize("body", [{"cash_collected_paise": 500}, {"cash_collected_paise": 1}])
@pytest.mark.django_db
def test_cash_for_a_prepaid_shipment_is_refused(
    rider_client: APIClient, rider: Rider, store: Store, body: dict[str, int]
) -> None:
    shipment = _out_for_delivery(store, rider, payment_method="prepaid")

    status, answer, published = _deliver(rider_client, shipment, body)

    assert status == 400
    entered = "₹5.00" if body["cash_collected_paise"] == 500 else "₹0.01"
    message = f"This order was prepaid: collect no cash ({entered} was entered)."
    assert answer["error"] == {"code": "wrong_cash", "message": message, "fields": {"cash_collected_paise": [message]}}
    _assert_nothing_written(shipment, published)


@pytest.mark.parametrize("body", [{}, {"cash_collected_paise": 0}, {"cash_collected_paise": None}])
@pytest.mark.django_db
def test_a_prepaid_shipment_is_delivered_without_cash(
    rider_client: APIClient, rider: Rider, store: Store, body: dict[str, int | None]
) -> None:
    shipment = _out_for_delivery(store, rider, payment_method="prepaid")

    status, answer, published = _deliver(rider_client, shipment, body)

    assert (status, answer["status"], answer["cash_collected_paise"]) == (200, "delivered", 0)
    assert [e.cash_collected_paise for e in published] == [0]  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_negative_cash_is_a_validation_error(rider_client: APIClient, rider: Rider, store: Store) -> None:
    shipment = _out_for_delivery(store, rider)

    status, body, published = _deliver(rider_client, shipment, {"cash_collected_paise": -DUE})

    assert (status, body["error"]["code"], list(body["error"]["fields"])) == (
        400,
        "validation_error",
        ["cash_collected_paise"],
    )
    _assert_nothing_written(shipment, published)


@pytest.mark.django_db
def test_the_cash_due_follows_the_orders_total_and_then_its_total_after_picking(
    rider_client: APIClient, rider: Rider, store: Store, slot: Slot
) -> None:
    order_id, milk, line_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    line = OrderLineItem(
        line_id=line_id,
        sku_id=milk,
        name="Milk 500 ml",
        sold_by="unit",
        quantity=4,
        unit_price_paise=3000,
        mrp_paise=3200,
        line_total_paise=12000,
        gst_rate_bp=500,
        hsn_code="0401",
    )
    confirmed = OrderConfirmed(
        order_id=order_id,
        customer_id=uuid.uuid4(),
        store_id=store.store_id,
        slot_id=slot.id,
        payment_method="cod",
        lines=(line,),
        total_paise=DUE,
        recipient_name="Asha Rao",
        address_text="12, 3rd Cross, Indiranagar",
        pincode="560038",
    )
    adjusted = OrderAdjusted(
        order_id=order_id,
        customer_id=confirmed.customer_id,
        payment_method="cod",
        lines=(AdjustedLine(line_id=line_id, sku_id=milk, quantity_ordered=4, quantity_picked=3, refund_paise=3000),),
        refund_paise=3000,
        final_total_paise=DUE - 3000,
    )
    with transaction.atomic():
        open_shipment_for_order(confirmed)
    shipment = Shipment.objects.get(order_id=order_id)
    assert shipment.cod_amount_paise == DUE
    with transaction.atomic():
        collect_adjusted_cash_on_delivery(adjusted)
    Shipment.objects.filter(pk=shipment.pk).update(status="out_for_delivery", rider=rider, attempts=1)

    old_total = _deliver(rider_client, shipment, {"cash_collected_paise": DUE})
    new_total = _deliver(rider_client, shipment, {"cash_collected_paise": DUE - 3000})

    assert old_total[:2] == (
        400,
        {
            "error": {
                "code": "wrong_cash",
                "message": "Collect ₹198.12 in cash: ₹228.12 was entered.",
                "fields": {"cash_collected_paise": ["Collect ₹198.12 in cash: ₹228.12 was entered."]},
            }
        },
    )
    assert (new_total[0], new_total[1]["cash_collected_paise"]) == (200, DUE - 3000)
