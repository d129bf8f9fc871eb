"""The delivery API: serviceability and slots for shoppers, shipments for staff and riders only."""

from __future__ import annotations

import uuid
from datetime import time, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from delivery import services
from delivery.models import Shipment, ShipmentLine, Slot
from shop.eventbus.testing import captured_events

from .factories import RiderFactory, ShipmentFactory, ShipmentLineFactory, SlotFactory


@pytest.mark.django_db
def test_a_served_pincode_answers_store_fee_policy_and_next_slots(api_client: APIClient, zone, store) -> None:
    zone.late_night_start, zone.late_night_end, zone.late_night_fee_paise = time(23), time(6), 2500
    zone.save()
    now = timezone.now().replace(microsecond=0)
    SlotFactory(zone=zone, starts_at=now + timedelta(minutes=30), cutoff_at=now - timedelta(minutes=30))  # closed
    full = SlotFactory(zone=zone, starts_at=now + timedelta(hours=2), capacity=1, booked=1)
    nxt = SlotFactory(zone=zone, starts_at=now + timedelta(hours=4))
    express = SlotFactory(
        zone=zone, mode="express", starts_at=now + timedelta(hours=1), cutoff_at=now + timedelta(minutes=50), capacity=3
    )

    response = api_client.get("/api/v1/delivery/serviceability/", {"pincode": "560038"})

    assert response.status_code == 200
    body = response.json()
    assert body["serviceable"] is True
    assert body["store"] == {"store_id": str(store.store_id), "code": store.code, "title": store.title}
    assert body["zone"]["code"] == "indiranagar"
    assert body["fee_policy"] == {
        "min_order_value_paise": 9900,
        "fee_tiers": [{"min_cart_value_paise": 0, "fee_paise": 4900}, {"min_cart_value_paise": 50000, "fee_paise": 0}],
        "small_cart_threshold_paise": 19900,
        "small_cart_fee_paise": 1500,
        "late_night_start": "23:00:00",
        "late_night_end": "06:00:00",
        "late_night_fee_paise": 2500,
        "express_fee_paise": 0,
    }
    assert body["next_slot"]["id"] == str(nxt.id)
    assert body["next_slot"]["remaining"] == 10
    assert body["next_express_slot"]["id"] == str(express.id)
    assert str(full.id) not in (body["next_slot"]["id"], body["next_express_slot"]["id"])


@pytest.mark.django_db
def test_an_unserved_pincode_is_clearly_not_serviceable(api_client: APIClient, zone) -> None:
    response = api_client.get("/api/v1/delivery/serviceability/", {"pincode": "110001"})

    assert response.status_code == 200
    assert response.json() == {
        "pincode": "110001",
        "serviceable": False,
        "message": "We do not deliver to 110001 yet.",
        "zone": None,
        "store": None,
        "fee_policy": None,
        "next_slot": None,
        "next_express_slot": None,
    }


@pytest.mark.parametrize("url", ["/api/v1/delivery/serviceability/", "/api/v1/delivery/slots/"])
@pytest.mark.parametrize("pincode", ["56001", "abcdef", "056001", ""])
@pytest.mark.django_db
def test_a_malformed_pincode_is_a_400_in_the_error_shape(api_client: APIClient, url: str, pincode: str) -> None:
    response = api_client.get(url, {"pincode": pincode})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert list(error["fields"]) == ["pincode"]


@pytest.mark.django_db
def test_slots_list_open_slots_of_a_date_with_places_left(api_client: APIClient, zone) -> None:
    # Tomorrow morning: both standard slots fall on one date whatever the time of the run.
    tomorrow = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=1)
    first = SlotFactory(zone=zone, starts_at=tomorrow, capacity=10, booked=3)
    second = SlotFactory(zone=zone, starts_at=tomorrow + timedelta(hours=2), capacity=10, booked=10)
    SlotFactory(zone=zone, starts_at=tomorrow + timedelta(days=1))  # another date
    SlotFactory(zone=zone, mode="express", starts_at=tomorrow + timedelta(hours=1))

    response = api_client.get(
        "/api/v1/delivery/slots/", {"pincode": "560008", "date": first.date.isoformat(), "mode": "standard"}
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["pincode"], body["serviceable"]) == ("560008", True)
    assert [(slot["id"], slot["remaining"]) for slot in body["slots"]] == [(str(first.id), 7), (str(second.id), 0)]


@pytest.mark.django_db
def test_slots_of_an_unserved_pincode_are_none(api_client: APIClient, slot: Slot) -> None:
    response = api_client.get("/api/v1/delivery/slots/", {"pincode": "110001"})
    assert response.json() == {"pincode": "110001", "serviceable": False, "slots": []}


@pytest.mark.django_db
def test_slot_query_rejects_a_bad_date_and_mode(api_client: APIClient, zone) -> None:
    response = api_client.get("/api/v1/delivery/slots/", {"pincode": "560038", "date": "tomorrow", "mode": "drone"})
    assert response.status_code == 400
    assert sorted(response.json()["error"]["fields"]) == ["date", "mode"]


def _shipment(store, rider=None, status="pending", payment_method="prepaid", **fields) -> Shipment:  # type: ignore[no-untyped-def]
    shipment = ShipmentFactory(
        store_id=store.store_id, rider=rider, status=status, payment_method=payment_method, **fields
    )
    ShipmentLineFactory(shipment=shipment, quantity=2)
    return shipment


@pytest.mark.django_db
def test_a_rider_sees_only_their_own_shipments(rider_client: APIClient, rider, store) -> None:
    mine = _shipment(store, rider)
    theirs = _shipment(store, RiderFactory(store_id=store.store_id))
    _shipment(store)

    listed = rider_client.get("/api/v1/delivery/shipments/")
    other = rider_client.get(f"/api/v1/delivery/shipments/{theirs.id}/")
    own = rider_client.get(f"/api/v1/delivery/shipments/{mine.id}/")

    assert listed.status_code == 200
    assert [s["id"] for s in listed.json()["results"]] == [str(mine.id)]
    assert other.status_code == 404
    assert other.json()["error"]["code"] == "not_found"
    assert own.status_code == 200
    assert own.json()["tracking_code"] == mine.tracking_code
    assert own.json()["rider"] == {"id": str(rider.id), "name": rider.name, "phone": rider.phone}


@pytest.mark.django_db
def test_a_rider_cannot_update_another_riders_shipment(rider_client: APIClient, store) -> None:
    theirs = _shipment(store, RiderFactory(store_id=store.store_id), status="out_for_delivery")

    response = rider_client.post(f"/api/v1/delivery/shipments/{theirs.id}/deliver/", {})

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "out_for_delivery"


@pytest.mark.django_db
def test_a_rider_delivers_their_own_cod_shipment(rider_client: APIClient, rider, store) -> None:
    mine = _shipment(store, rider, status="out_for_delivery", payment_method="cod", cod_amount_paise=25000)

    response = rider_client.post(f"/api/v1/delivery/shipments/{mine.id}/deliver/", {"cash_collected_paise": 25000})

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["cash_collected_paise"]) == ("delivered", 25000)


@pytest.mark.django_db
def test_staff_only_steps_are_forbidden_to_riders(rider_client: APIClient, rider, store) -> None:
    mine = _shipment(store, rider, status="picked")

    response = rider_client.post(f"/api/v1/delivery/shipments/{mine.id}/pack/")

    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "permission_denied",
        "message": "Only store staff can do this.",
        "fields": {},
    }
    mine.refresh_from_db()
    assert mine.status == "picked"


@pytest.mark.parametrize(
    ("method", "path"), [("get", ""), ("get", "{id}/"), ("post", "{id}/deliver/"), ("post", "{id}/pack/")]
)
@pytest.mark.django_db
def test_a_customer_sees_and_does_none_of_this(customer_client: APIClient, store, method: str, path: str) -> None:
    shipment = _shipment(store, status="out_for_delivery")
    url = "/api/v1/delivery/shipments/" + path.format(id=shipment.id)

    response = getattr(customer_client, method)(url)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    shipment.refresh_from_db()
    assert shipment.status == "out_for_delivery"


@pytest.mark.django_db
def test_anonymous_users_are_asked_to_log_in(api_client: APIClient) -> None:
    assert api_client.get("/api/v1/delivery/shipments/").status_code == 401


@pytest.mark.django_db
def test_delivered_before_packed_is_a_409_with_the_reason(staff_client: APIClient, store) -> None:
    shipment = _shipment(store, status="picked")

    response = staff_client.post(f"/api/v1/delivery/shipments/{shipment.id}/deliver/", {})

    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "illegal_transition",
        "message": f"Shipment {shipment.tracking_code} cannot be delivered: it is picked, "
        "and must be out for delivery first.",
        "fields": {},
    }


@pytest.mark.django_db
def test_staff_run_the_whole_journey_through_the_api(staff_client: APIClient, rider, store) -> None:
    shipment = _shipment(store, payment_method="cod", cod_amount_paise=6000)
    line = shipment.lines.get()
    base = f"/api/v1/delivery/shipments/{shipment.id}"

    steps = [
        ("pick/", {"lines": [{"line_id": str(line.id), "outcome": "short", "quantity_picked": 1}]}, "picked"),
        ("pack/", {}, "packed"),
        ("assign/", {}, "packed"),
    ]
    for step, data, status in steps:
        response = staff_client.post(f"{base}/{step}", data, format="json")
        assert (step, response.status_code, response.json()["status"]) == (step, 200, status)
    # Short at picking, cash on delivery: the order's new total must arrive before the rider leaves.
    assert staff_client.get(f"{base}/").json()["cash_total_pending"] is True
    early = staff_client.post(f"{base}/dispatch/", {}, format="json")
    assert early.status_code == 409
    assert "waits for the order's new total after picking" in early.json()["error"]["message"]
    services.set_cash_to_collect(order_id=shipment.order_id, amount_paise=3000)  # what OrderAdjusted brings
    steps = [
        ("dispatch/", {}, "out_for_delivery"),
        ("fail/", {"reason": "address_not_found"}, "failed"),
        ("return/", {}, "returned"),
    ]
    for step, data, status in steps:
        response = staff_client.post(f"{base}/{step}", data, format="json")
        assert (step, response.status_code, response.json()["status"]) == (step, 200, status)

    body = staff_client.get(f"{base}/").json()
    assert body["lines"][0]["outcome"] == "short"
    assert body["lines"][0]["quantity_picked"] == 1
    assert body["rider"]["id"] == str(rider.id)
    assert body["failure_reason"] == "address_not_found"


@pytest.mark.django_db
def test_bad_action_input_is_a_400(staff_client: APIClient, store) -> None:
    shipment = _shipment(store, status="out_for_delivery")
    response = staff_client.post(f"/api/v1/delivery/shipments/{shipment.id}/fail/", {"reason": "rain"})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["reason"]


@pytest.mark.django_db
def test_staff_filter_shipments_by_status(staff_client: APIClient, store) -> None:
    packed = _shipment(store, status="packed")
    _shipment(store, status="pending")
    response = staff_client.get("/api/v1/delivery/shipments/", {"status": "packed"})
    assert [s["id"] for s in response.json()["results"]] == [str(packed.id)]


@pytest.mark.django_db
def test_tracking_by_code_shows_progress_without_personal_data(api_client: APIClient, slot, store) -> None:
    shipment = ShipmentFactory(store_id=store.store_id, slot=slot, status="packed", tracking_code="DLABCDEFGH23")

    response = api_client.get("/api/v1/delivery/track/dlabcdefgh23/")

    assert response.status_code == 200
    body = response.json()
    assert (body["tracking_code"], body["status"], body["status_label"]) == (shipment.tracking_code, "packed", "Packed")
    assert "address" not in body
    assert "recipient_name" not in body
    assert api_client.get(f"/api/v1/delivery/track/{uuid.uuid4().hex[:12]}/").status_code == 404


@pytest.mark.django_db
def test_a_rider_ends_and_starts_their_shift(rider_client: APIClient, rider) -> None:
    response = rider_client.patch("/api/v1/delivery/riders/me/", {"is_available": False})

    assert response.status_code == 200
    assert response.json() == {
        "id": str(rider.id),
        "name": rider.name,
        "phone": rider.phone,
        "store_id": str(rider.store_id),
        "is_available": False,
    }
    rider.refresh_from_db()
    assert rider.is_available is False


@pytest.mark.django_db
def test_only_riders_have_a_shift(customer_client: APIClient) -> None:
    response = customer_client.patch("/api/v1/delivery/riders/me/", {"is_available": True})
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "You are not a rider."


@pytest.mark.parametrize(
    ("quantity_picked", "message"),
    [
        (1_000_000, "Tomato: 1000000 g weighed is more than 1800 g, 120 % of the 1500 g ordered"),
        (4_294_967_396, "Ensure this value is less than or equal to 1000000."),
    ],
)
@pytest.mark.django_db
def test_a_weight_far_above_the_order_is_a_400_and_nothing_is_picked(
    staff_client: APIClient, store, quantity_picked: int, message: str
) -> None:
    shipment = ShipmentFactory(store_id=store.store_id, status="pending", payment_method="prepaid")
    line = ShipmentLineFactory(shipment=shipment, title="Tomato", quantity=1500, sold_by_weight=True)

    response = staff_client.post(
        f"/api/v1/delivery/shipments/{shipment.id}/pick/",
        {"lines": [{"line_id": str(line.id), "outcome": "weighed", "quantity_picked": quantity_picked}]},
        format="json",
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert message in str(error["fields"]["lines"])
    shipment.refresh_from_db()
    line.refresh_from_db()
    assert (shipment.status, line.outcome, line.quantity_picked) == ("pending", "pending", None)


@pytest.mark.django_db
def test_an_unknown_pick_outcome_is_refused_with_the_ones_there_are(staff_client: APIClient, store) -> None:
    shipment = ShipmentFactory(store_id=store.store_id, status="pending", payment_method="prepaid")
    line = ShipmentLineFactory(shipment=shipment, title="Milk", quantity=2)

    response = staff_client.post(
        f"/api/v1/delivery/shipments/{shipment.id}/pick/",
        {"lines": [{"line_id": str(line.id), "outcome": "picked", "quantity_picked": 2}]},
        format="json",
    )

    assert response.status_code == 400
    assert '"picked" is not one of: found, short, weighed, replaced.' in str(response.json()["error"]["fields"])


def _with_offer(store) -> tuple[Shipment, ShipmentLine, ShipmentLine]:  # type: ignore[no-untyped-def]
    """Curd 400 g x 2, if short Curd 200 g; bread x 1, refund only."""
    shipment = ShipmentFactory(store_id=store.store_id, status="pending", payment_method="prepaid")
    curd = ShipmentLineFactory(
        shipment=shipment,
        title="Curd 400 g",
        quantity=2,
        replacement_sku_id=uuid.uuid4(),
        replacement_title="Curd 200 g",
    )
    bread = ShipmentLineFactory(shipment=shipment, title="Bread", quantity=1)
    return shipment, curd, bread


@pytest.mark.django_db
def test_staff_pick_a_replaced_line_through_the_api_and_the_shipment_shows_it(staff_client: APIClient, store) -> None:
    shipment, curd, bread = _with_offer(store)

    with captured_events() as published:
        response = staff_client.post(
            f"/api/v1/delivery/shipments/{shipment.id}/pick/",
            {
                "lines": [
                    {"line_id": str(curd.id), "outcome": "replaced", "quantity_picked": 0, "quantity_replaced": 2},
                    {"line_id": str(bread.id), "outcome": "found"},
                ]
            },
            format="json",
        )

    assert response.status_code == 200
    lines = {line["title"]: line for line in response.json()["lines"]}
    assert lines["Curd 400 g"] == {
        "id": str(curd.id),
        "sku_id": str(curd.sku_id),
        "title": "Curd 400 g",
        "quantity": 2,
        "sold_by_weight": False,
        "outcome": "replaced",
        "quantity_picked": 0,
        "replacement_sku_id": str(curd.replacement_sku_id),
        "replacement_title": "Curd 200 g",
        "quantity_replaced": 2,
    }
    assert (lines["Bread"]["replacement_sku_id"], lines["Bread"]["replacement_title"]) == (None, "")
    assert (lines["Bread"]["outcome"], lines["Bread"]["quantity_replaced"]) == ("found", None)
    picked = {line.line_id: line for line in published[0].lines}
    assert (picked[curd.id].replacement_sku_id, picked[curd.id].quantity_replaced) == (curd.replacement_sku_id, 2)


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (
            [("curd", "replaced", 1, 2), ("bread", "found", None, None)],
            "Curd 400 g: replaced needs how much of Curd 200 g went in its place, above 0 and at most the 1 short "
            "(2 given).",
        ),
        (
            [("curd", "found", None, None), ("bread", "replaced", 0, 1)],
            "Bread: replaced, but no replacement was offered for it; use short.",
        ),
        (
            [("curd", "short", 1, 1), ("bread", "found", None, None)],
            "Curd 400 g: 1 of a replacement given, but the outcome is short; only a replaced line takes a "
            "replacement quantity (choose replaced, or leave it empty).",
        ),
        ([("curd", "replaced", 0, -1), ("bread", "found", None, None)], "greater than or equal to 0"),
        ([("curd", "replaced", 0, 1_000_001), ("bread", "found", None, None)], "less than or equal to 1000000"),
    ],
)
@pytest.mark.django_db
def test_a_wrong_replacement_through_the_api_is_a_400_and_nothing_is_picked(
    staff_client: APIClient, store, lines: list[tuple[str, str, int | None, int | None]], message: str
) -> None:
    shipment, curd, bread = _with_offer(store)
    ids = {"curd": curd.id, "bread": bread.id}
    body = {
        "lines": [
            {"line_id": str(ids[name]), "outcome": outcome, "quantity_picked": picked, "quantity_replaced": replaced}
            for name, outcome, picked, replaced in lines
        ]
    }

    with captured_events() as published:
        response = staff_client.post(f"/api/v1/delivery/shipments/{shipment.id}/pick/", body, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert message in str(error["fields"]["lines"])
    assert published == []
    shipment.refresh_from_db()
    assert shipment.status == "pending"
    assert set(shipment.lines.values_list("outcome", "quantity_picked", "quantity_replaced")) == {
        ("pending", None, None)
    }
