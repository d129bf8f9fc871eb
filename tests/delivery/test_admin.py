"""Staff screens write through the services: zones publish their configuration, steps refuse illegal moves."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, time, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.admin.models import CHANGE
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.test import Client

from delivery import services
from delivery.events import ShipmentDelivered, ShipmentDeliveryFailed, ShipmentPicked, ZoneConfigured
from delivery.models import Rider, Shipment, Slot, SlotBooking, SlotTemplate, Zone
from shop.eventbus.testing import captured_events
from tests.accounts.factories import UserFactory
from tests.history import admin_history

from .factories import RiderFactory, ShipmentFactory, ShipmentLineFactory, SlotFactory, StoreFactory, ZoneFactory


@pytest.fixture
def admin_client(db: None) -> Client:
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def _zone_form(store_id: object, **changes: object) -> dict[str, object]:
    data = {
        "code": "koramangala",
        "title": "Koramangala",
        "store_id": str(store_id),
        "is_active": "on",
        "pincodes_text": "560034, 560095",
        "min_order_value_paise": "99",
        "fee_tiers": "0: 39",
        "small_cart_threshold_paise": "0",
        "small_cart_fee_paise": "0",
        "late_night_start": "",
        "late_night_end": "",
        "late_night_fee_paise": "0",
        "express_fee_paise": "0",
        "templates-TOTAL_FORMS": "1",
        "templates-INITIAL_FORMS": "0",
        "templates-MIN_NUM_FORMS": "0",
        "templates-MAX_NUM_FORMS": "1000",
        "templates-0-mode": "standard",
        "templates-0-start_time": "07:00",
        "templates-0-end_time": "09:00",
        "templates-0-capacity": "20",
        "templates-0-cutoff_minutes": "60",
        "templates-0-weekdays": "1234567",
        "templates-0-is_active": "on",
    }
    return {**data, **changes}


@pytest.mark.django_db
def test_adding_a_zone_in_the_admin_configures_it_through_the_service(admin_client: Client) -> None:
    store = StoreFactory()

    with captured_events() as published:
        response = admin_client.post("/admin/delivery/zone/add/", _zone_form(store.store_id))

    assert response.status_code == 302, response.content.decode()[:2000]
    zone = Zone.objects.get()
    assert [type(e) for e in published] == [ZoneConfigured]
    assert published[0].pincodes == ("560034", "560095")
    assert SlotTemplate.objects.get(zone=zone).capacity == 20
    assert published[0].fee_policy.min_order_value_paise == 9900  # typed in rupees, kept in paise
    assert [tier.model_dump() for tier in published[0].fee_policy.fee_tiers] == [
        {"min_cart_value_paise": 0, "fee_paise": 3900}
    ]


@pytest.mark.django_db
def test_zone_fees_are_typed_and_shown_in_rupees(admin_client: Client) -> None:
    store = StoreFactory()
    form = _zone_form(
        store.store_id, fee_tiers="₹0: ₹49\n\n199: 29.50\n1,000: 0", small_cart_threshold_paise="149.5",
        small_cart_fee_paise="15",
    )  # fmt: skip

    assert admin_client.post("/admin/delivery/zone/add/", form).status_code == 302
    zone = Zone.objects.get()
    assert zone.fee_tiers == [
        {"min_cart_value_paise": 0, "fee_paise": 4900},
        {"min_cart_value_paise": 19900, "fee_paise": 2950},
        {"min_cart_value_paise": 100000, "fee_paise": 0},
    ]
    assert (zone.small_cart_threshold_paise, zone.small_cart_fee_paise) == (14950, 1500)
    page = admin_client.get(f"/admin/delivery/zone/{zone.pk}/change/").content.decode()
    assert "0: 49\n199: 29.50\n1000: 0</textarea>" in page
    assert 'name="small_cart_threshold_paise" value="149.50"' in page
    assert "Min order value (₹)" in page
    assert "₹99.00" in admin_client.get("/admin/delivery/zone/").content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"fee_tiers": "0 49"},
            "fee_tiers",
            "Line 1 ('0 49'): Write the cart value the tier starts at, a colon and its fee",
        ),
        (
            {"fee_tiers": "0: 49\n100: -5"},
            "fee_tiers",
            "Line 2 ('100: -5'): Ensure this value is greater than or equal to 0.00.",
        ),
        ({"fee_tiers": "99: 49"}, "fee_tiers", "Fee tiers must start at 0"),
        ({"fee_tiers": ""}, "fee_tiers", "This field is required."),
        ({"small_cart_fee_paise": "12.345"}, "small_cart_fee_paise", "no more than 2 decimal places"),
        ({"express_fee_paise": "-1"}, "express_fee_paise", "greater than or equal to 0"),
    ],
)
@pytest.mark.django_db
def test_a_zone_fee_staff_cannot_mean_is_an_error_on_its_field(
    admin_client: Client, changes: dict[str, str], field: str, message: str
) -> None:
    store = StoreFactory()

    response = admin_client.post("/admin/delivery/zone/add/", _zone_form(store.store_id, **changes))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert message in " ".join(errors[field]), errors
    assert Zone.objects.count() == 0


@pytest.mark.django_db
def test_a_bad_zone_in_the_admin_is_a_form_error(admin_client: Client) -> None:
    store = StoreFactory()

    response = admin_client.post("/admin/delivery/zone/add/", _zone_form(store.store_id, pincodes_text="56001"))

    assert response.status_code == 200
    assert "Not a valid 6-digit Indian pincode: 56001." in response.content.decode()
    assert Zone.objects.count() == 0


@pytest.mark.django_db
def test_shipment_steps_in_the_admin_refuse_illegal_moves(admin_client: Client) -> None:
    store = StoreFactory()
    RiderFactory(store_id=store.store_id)
    pending = ShipmentFactory(store_id=store.store_id)

    response = admin_client.post(
        "/admin/delivery/shipment/",
        {"action": "pack_shipment", "_selected_action": [str(pending.pk)]},
        follow=True,
    )

    assert "cannot be packed: it is waiting to be picked" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == "pending"

    admin_client.post("/admin/delivery/shipment/", {"action": "assign_rider", "_selected_action": [str(pending.pk)]})
    rider = Shipment.objects.get(pk=pending.pk).rider
    assert rider is not None
    assert [entry[2] for entry in admin_history(pending)] == [f"Assigned the least-loaded rider, {rider.name}"]


@pytest.mark.parametrize("model", ["store", "zone", "slot", "slotbooking", "rider", "shipment"])
@pytest.mark.django_db
def test_every_delivery_admin_page_opens(admin_client: Client, model: str) -> None:
    SlotFactory()
    ShipmentFactory()
    assert admin_client.get(f"/admin/delivery/{model}/").status_code == 200


@pytest.mark.django_db
def test_the_shipment_list_shows_slot_times_in_india(admin_client: Client) -> None:
    seven_ist = datetime(2030, 1, 7, 1, 30, tzinfo=UTC)
    slot = SlotFactory(starts_at=seven_ist, ends_at=seven_ist + timedelta(hours=2), zone__code="indiranagar")
    ShipmentFactory(slot=slot, tracking_code="DLSEVENAM234")

    page = admin_client.get("/admin/delivery/shipment/").content.decode()

    assert "indiranagar standard Mon 07 Jan 07:00-09:00" in page
    assert str(slot.zone_id) not in page
    assert "01:30" not in page


@pytest.mark.django_db
def test_the_shipment_list_names_the_store_from_the_projection_in_one_query(
    admin_client: Client, django_assert_max_num_queries: Any
) -> None:
    known = StoreFactory(code="BLR-IND", title="Indiranagar")
    unknown_store_id = uuid.uuid4()  # not announced by inventory yet
    for n in range(3):
        ShipmentFactory(store_id=known.store_id, slot=SlotFactory(), tracking_code=f"DLKNOWN{n:05d}")
    ShipmentFactory(store_id=unknown_store_id, tracking_code="DLUNKNOWN234")
    admin_client.get("/admin/delivery/shipment/")  # warm the session and content types

    # The user, two counts and the rows, and the store and rider filters' choices (one query each).
    with django_assert_max_num_queries(6):
        page = admin_client.get("/admin/delivery/shipment/").content.decode()

    assert page.count('<td class="field-store">BLR-IND · Indiranagar</td>') == 3  # and once in the store filter
    assert str(known.store_id) not in re.sub(r'href="[^"]*"', "", page)  # only the store filter's link has it
    assert str(unknown_store_id)[:8] in page


@pytest.mark.django_db
def test_shipment_actions_say_what_they_did(admin_client: Client) -> None:
    store = StoreFactory()
    RiderFactory(store_id=store.store_id)
    first = ShipmentFactory(store_id=store.store_id, tracking_code="DLFIRST23456")
    second = ShipmentFactory(store_id=store.store_id, tracking_code="DLSECOND2345")
    post = {"action": "assign_rider", "_selected_action": [str(first.pk), str(second.pk)]}

    page = admin_client.post("/admin/delivery/shipment/", post, follow=True).content.decode()

    assert "Assigned a rider to 2 shipments: " in page
    assert "DLFIRST23456" in page
    assert "DLSECOND2345" in page
    assert set(Shipment.objects.values_list("rider", flat=True)) != {None}


@pytest.mark.django_db
def test_a_shipment_opens_read_only_with_its_lines(admin_client: Client) -> None:
    line = ShipmentLineFactory(title="Toor dal 1 kg")
    response = admin_client.get(f"/admin/delivery/shipment/{line.shipment.pk}/change/")
    assert response.status_code == 200
    assert "Toor dal 1 kg" in response.content.decode()


@pytest.mark.django_db
def test_staff_change_a_slots_capacity_but_not_below_its_bookings(admin_client: Client) -> None:
    slot = SlotFactory(capacity=10, booked=4)
    url = f"/admin/delivery/slot/{slot.pk}/change/"

    refused = admin_client.post(url, {"capacity": "3"})
    accepted = admin_client.post(url, {"capacity": "4"})

    assert refused.status_code == 200
    assert "4 orders are booked; capacity cannot go below that." in refused.content.decode()
    assert accepted.status_code == 302
    slot.refresh_from_db()
    assert slot.capacity == 4


@pytest.mark.parametrize("capacity", ["4294967396", "1000001"])
@pytest.mark.django_db
def test_a_slot_capacity_too_big_is_a_form_error_and_changes_nothing(admin_client: Client, capacity: str) -> None:
    slot = SlotFactory(capacity=10)

    response = admin_client.post(f"/admin/delivery/slot/{slot.pk}/change/", {"capacity": capacity})

    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 10000." in response.content.decode()
    slot.refresh_from_db()
    assert slot.capacity == 10


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("templates-0-capacity", "4294967396", "Ensure this value is less than or equal to 10000."),
        ("templates-0-cutoff_minutes", "4294967396", "Ensure this value is less than or equal to 10080."),
    ],
)
@pytest.mark.django_db
def test_a_slot_template_number_too_big_is_a_form_error_and_nothing_is_configured(
    admin_client: Client, field: str, value: str, error: str
) -> None:
    store = StoreFactory()

    with captured_events() as published:
        response = admin_client.post("/admin/delivery/zone/add/", _zone_form(store.store_id, **{field: value}))

    assert response.status_code == 200
    assert error in response.content.decode()
    assert published == []
    assert Zone.objects.count() == 0
    assert SlotTemplate.objects.count() == 0


# The pick and the door from the shipment's change page: one service call per POST.


def _change_page(shipment: Shipment) -> str:
    return f"/admin/delivery/shipment/{shipment.pk}/change/"


@pytest.mark.django_db
def test_staff_record_the_pick_in_the_admin_and_the_shipment_is_picked(admin_client: Client) -> None:
    shipment = ShipmentFactory()
    dal = ShipmentLineFactory(shipment=shipment, title="Toor dal", quantity=2)
    eggs = ShipmentLineFactory(shipment=shipment, title="Eggs", quantity=6)
    onions = ShipmentLineFactory(shipment=shipment, title="Onions", quantity=1000, sold_by_weight=True)
    url = f"/admin/delivery/shipment/{shipment.pk}/pick/"

    form = admin_client.get(url).content.decode()
    assert "Toor dal" in form
    assert "1000 g" in form
    assert "6 pcs" in form

    with captured_events() as published:
        response = admin_client.post(
            url,
            {
                f"outcome-{dal.pk}": "found",
                f"quantity-{dal.pk}": "",
                f"outcome-{eggs.pk}": "short",
                f"quantity-{eggs.pk}": "4",
                f"outcome-{onions.pk}": "weighed",
                f"quantity-{onions.pk}": "1080",
            },
            follow=True,
        )

    assert response.redirect_chain == [(_change_page(shipment), 302)]
    assert f"{shipment.tracking_code}: pick recorded." in response.content.decode()
    shipment.refresh_from_db()
    assert shipment.status == "picked"
    assert shipment.picked_at is not None
    lines = {line.title: (line.outcome, line.quantity_picked) for line in shipment.lines.all()}
    assert lines == {"Toor dal": ("found", 2), "Eggs": ("short", 4), "Onions": ("weighed", 1080)}
    assert [type(e) for e in published] == [ShipmentPicked]
    assert [entry[2] for entry in admin_history(shipment)] == ["Recorded the pick: 1 found, 1 short, 1 weighed"]


@pytest.mark.django_db
def test_a_pick_the_service_refuses_is_a_form_error_and_writes_nothing(admin_client: Client) -> None:
    onions = ShipmentLineFactory(title="Onions", quantity=1000, sold_by_weight=True)
    shipment = onions.shipment

    with captured_events() as published:
        response = admin_client.post(
            f"/admin/delivery/shipment/{shipment.pk}/pick/",
            {f"outcome-{onions.pk}": "weighed", f"quantity-{onions.pk}": "5000"},
        )

    assert response.status_code == 200
    assert "Onions: 5000 g weighed is more than 1200 g" in response.content.decode()
    assert published == []
    shipment.refresh_from_db()
    onions.refresh_from_db()
    assert shipment.status == "pending"
    assert (onions.outcome, onions.quantity_picked) == ("pending", None)


@pytest.mark.django_db
def test_a_second_submit_of_the_pick_is_refused_as_a_message(admin_client: Client) -> None:
    line = ShipmentLineFactory(quantity=2)
    url = f"/admin/delivery/shipment/{line.shipment.pk}/pick/"
    post = {f"outcome-{line.pk}": "short", f"quantity-{line.pk}": "1"}
    admin_client.post(url, post)

    with captured_events() as published:
        response = admin_client.post(url, {f"outcome-{line.pk}": "found", f"quantity-{line.pk}": ""}, follow=True)

    assert response.status_code == 200
    assert "cannot be picked: it is picked" in response.content.decode()
    assert published == []
    line.refresh_from_db()
    assert (line.outcome, line.quantity_picked) == ("short", 1)


# A short line may be replaced: the page says by what, and takes how much of it went in.


class _Elements(HTMLParser):
    """Attributes of the page's elements that have an id, and the `for` of its labels."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.by_id: dict[str, dict[str, str | None]] = {}
        self.labelled: set[str] = set()
        self.options: dict[str, list[str]] = {}
        self._select: str | None = None
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.by_id[str(found["id"])] = {"tag": tag, **found}
        if tag == "label" and found.get("for"):
            self.labelled.add(str(found["for"]))
        if tag == "select":
            self._select = str(found.get("name"))
            self.options[self._select] = []
        if tag == "option" and self._select is not None:
            self.options[self._select].append(str(found.get("value")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None

    def focused(self) -> list[str]:
        return [element_id for element_id, attrs in self.by_id.items() if "autofocus" in attrs]


def _curd_and_dal() -> tuple[Shipment, Any, Any, Any]:
    """Curd 400 g x 2 (if short: Curd 200 g), tomato 1000 g (if short: hybrid), toor dal x 1 (refund)."""
    shipment = ShipmentFactory()
    curd = ShipmentLineFactory(
        shipment=shipment,
        title="Curd 400 g",
        quantity=2,
        replacement_sku_id=uuid.uuid4(),
        replacement_title="Curd 200 g",
    )
    tomato = ShipmentLineFactory(
        shipment=shipment,
        title="Tomato",
        quantity=1000,
        sold_by_weight=True,
        replacement_sku_id=uuid.uuid4(),
        replacement_title="Tomato (hybrid)",
    )
    dal = ShipmentLineFactory(shipment=shipment, title="Toor dal", quantity=1)
    return shipment, curd, tomato, dal


@pytest.mark.django_db
def test_the_pick_page_says_what_may_go_in_a_short_lines_place_and_asks_how_much_went_in(
    admin_client: Client,
) -> None:
    shipment, curd, tomato, dal = _curd_and_dal()

    page = admin_client.get(f"/admin/delivery/shipment/{shipment.pk}/pick/").content.decode()

    assert "If short: Curd 200 g" in page
    assert "If short: Tomato (hybrid)" in page
    assert "If short: refund" in page  # the dal has no offer
    elements = _Elements(page)
    assert elements.options[f"outcome-{curd.pk}"] == ["found", "short", "weighed", "replaced"]
    assert elements.options[f"outcome-{dal.pk}"] == ["found", "short", "weighed"]
    assert f"id_replaced-{dal.pk}" not in elements.by_id
    for line in (curd, tomato):
        field = elements.by_id[f"id_replaced-{line.pk}"]
        assert (field["tag"], field["type"], field["name"]) == ("input", "number", f"replaced-{line.pk}")
        assert field["aria-describedby"] == f"id_replaced-{line.pk}_helptext"
    assert "In pcs; replaced only: how much of Curd 200 g went in for what was short." in page
    assert "In g; replaced only: how much of Tomato (hybrid) went in for what was short." in page
    # Every input has its label (hidden from sight, read out by screen readers).
    inputs = {
        element_id
        for element_id, attrs in elements.by_id.items()
        if attrs["tag"] in ("input", "select") and element_id.startswith("id_")  # the form's, not the sidebar's
    }
    assert len(inputs) == 3 + 3 + 2
    assert inputs <= elements.labelled
    assert elements.focused() == []


@pytest.mark.django_db
def test_staff_record_a_replaced_line_in_the_admin_and_the_history_says_what_went_in(admin_client: Client) -> None:
    shipment, curd, tomato, dal = _curd_and_dal()
    url = f"/admin/delivery/shipment/{shipment.pk}/pick/"

    with captured_events() as published:
        response = admin_client.post(
            url,
            {
                f"outcome-{curd.pk}": "replaced",
                f"quantity-{curd.pk}": "1",
                f"replaced-{curd.pk}": "1",
                f"outcome-{tomato.pk}": "replaced",
                f"quantity-{tomato.pk}": "0",
                f"replaced-{tomato.pk}": "1150",
                f"outcome-{dal.pk}": "found",
                f"quantity-{dal.pk}": "",
            },
            follow=True,
        )

    assert response.redirect_chain == [(_change_page(shipment), 302)]
    assert f"{shipment.tracking_code}: pick recorded." in response.content.decode()
    lines = {line.title: (line.outcome, line.quantity_picked, line.quantity_replaced) for line in shipment.lines.all()}
    assert lines == {
        "Curd 400 g": ("replaced", 1, 1),
        "Tomato": ("replaced", 0, 1150),
        "Toor dal": ("found", 1, None),
    }
    assert len(published) == 1
    assert isinstance(published[0], ShipmentPicked)
    replaced = {line.sku_id: (line.replacement_sku_id, line.quantity_replaced) for line in published[0].lines}
    assert replaced == {
        curd.sku_id: (curd.replacement_sku_id, 1),
        tomato.sku_id: (tomato.replacement_sku_id, 1150),
        dal.sku_id: (None, 0),
    }
    assert admin_history(shipment) == [
        (
            response.wsgi_request.user.email,
            CHANGE,
            "Recorded the pick: 1 found, 2 replaced (Curd 400 g: 1 pcs found, 1 pcs of Curd 200 g in its place; "
            "Tomato: 0 g found, 1150 g of Tomato (hybrid) in its place)",
        )
    ]
    # The shipment's page shows each line's replacement and how much of it went in.
    page = " ".join(response.content.decode().split())
    assert f'<td class="field-replacement"> <p>Curd 200 g ({str(curd.replacement_sku_id)[:8]})</p>' in page
    assert '<td class="field-replacement"> <p>refund (no replacement offered)</p>' in page
    assert '<td class="field-put_in_its_place"> <p>1,150 g of Tomato (hybrid)</p>' in page


@pytest.mark.django_db
def test_a_replacement_the_service_refuses_is_a_form_error_in_focus_and_writes_nothing(admin_client: Client) -> None:
    shipment, curd, tomato, dal = _curd_and_dal()
    post = {
        f"outcome-{curd.pk}": "replaced",
        f"quantity-{curd.pk}": "1",
        f"replaced-{curd.pk}": "2",  # one short: one of the offer at most
        f"outcome-{tomato.pk}": "found",
        f"outcome-{dal.pk}": "found",
    }

    with captured_events() as published:
        response = admin_client.post(f"/admin/delivery/shipment/{shipment.pk}/pick/", post)

    assert response.status_code == 200
    page = response.content.decode()
    assert (
        "Curd 400 g: replaced needs how much of Curd 200 g went in its place, above 0 and at most the 1 short "
        "(2 given)."
    ) in page
    assert _Elements(page).focused() == ["pick-errors"]  # the refusal, read first
    assert published == []
    shipment.refresh_from_db()
    assert shipment.status == "pending"
    assert set(shipment.lines.values_list("outcome", "quantity_picked", "quantity_replaced")) == {
        ("pending", None, None)
    }
    assert admin_history(shipment) == []


@pytest.mark.django_db
def test_a_replacement_quantity_that_is_no_number_takes_the_focus(admin_client: Client) -> None:
    shipment, curd, tomato, dal = _curd_and_dal()
    post = {
        f"outcome-{curd.pk}": "found",
        f"outcome-{tomato.pk}": "replaced",
        f"quantity-{tomato.pk}": "400",
        f"replaced-{tomato.pk}": "lots",
        f"outcome-{dal.pk}": "replaced",  # no offer for the dal: not a choice
    }

    with captured_events() as published:
        response = admin_client.post(f"/admin/delivery/shipment/{shipment.pk}/pick/", post)

    assert response.status_code == 200
    elements = _Elements(response.content.decode())
    # The first field in error, in the page's order (tomato before toor dal), takes the focus.
    first = f"id_replaced-{tomato.pk}"
    assert elements.focused() == [first]
    assert elements.by_id[first]["aria-invalid"] == "true"
    assert elements.by_id[f"id_outcome-{dal.pk}"]["aria-invalid"] == "true"
    assert "Select a valid choice. replaced is not one of the available choices." in response.content.decode()
    assert published == []
    assert Shipment.objects.get(pk=shipment.pk).status == "pending"


def _out_for_delivery(**fields: Any) -> Shipment:
    store = StoreFactory()
    rider = RiderFactory(store_id=store.store_id)
    shipment: Shipment = ShipmentFactory(
        store_id=store.store_id, rider=rider, status="out_for_delivery", attempts=1, **fields
    )
    return shipment


@pytest.mark.django_db
def test_staff_record_cash_on_delivery_in_rupees(admin_client: Client) -> None:
    shipment = _out_for_delivery(payment_method="cod", cod_amount_paise=41250)
    url = f"/admin/delivery/shipment/{shipment.pk}/deliver/"
    assert "collect ₹412.50" in admin_client.get(url).content.decode()

    wrong = admin_client.post(url, {"cash": "400"})
    assert wrong.status_code == 200
    assert "Collect ₹412.50 in cash: ₹400.00 was entered." in wrong.content.decode()
    assert Shipment.objects.get(pk=shipment.pk).status == "out_for_delivery"

    with captured_events() as published:
        response = admin_client.post(url, {"cash": "412.50"}, follow=True)
        again = admin_client.post(url, {"cash": "412.50"}, follow=True)

    assert response.redirect_chain == [(_change_page(shipment), 302)]
    shipment.refresh_from_db()
    assert (shipment.status, shipment.cash_collected_paise) == ("delivered", 41250)
    assert [type(e) for e in published] == [ShipmentDelivered]
    assert published[0].cash_collected_paise == 41250
    assert again.status_code == 200
    assert "cannot be delivered: it is delivered" in again.content.decode()
    assert [entry[2] for entry in admin_history(shipment)] == ["Delivered, ₹412.50 collected"]  # refusals: none


@pytest.mark.django_db
def test_a_prepaid_shipment_is_delivered_without_a_cash_field(admin_client: Client) -> None:
    shipment = _out_for_delivery()
    url = f"/admin/delivery/shipment/{shipment.pk}/deliver/"
    assert 'name="cash"' not in admin_client.get(url).content.decode()

    admin_client.post(url, {})

    shipment.refresh_from_db()
    assert (shipment.status, shipment.cash_collected_paise) == ("delivered", 0)


@pytest.mark.django_db
def test_staff_record_a_failed_delivery_with_its_reason(admin_client: Client) -> None:
    shipment = _out_for_delivery()

    with captured_events() as published:
        admin_client.post(f"/admin/delivery/shipment/{shipment.pk}/fail/", {"reason": "address_not_found"})

    shipment.refresh_from_db()
    assert (shipment.status, shipment.failure_reason) == ("failed", "address_not_found")
    assert [type(e) for e in published] == [ShipmentDeliveryFailed]
    assert [entry[2] for entry in admin_history(shipment)] == ["Recorded a failed delivery: address not found"]


@pytest.mark.parametrize(
    ("status", "offered", "not_offered"),
    [
        ("pending", ["pick"], ["deliver", "fail"]),
        ("out_for_delivery", ["deliver", "fail"], ["pick"]),
        ("packed", [], ["pick", "deliver", "fail"]),
        ("delivered", [], ["pick", "deliver", "fail"]),
    ],
)
@pytest.mark.django_db
def test_the_change_page_offers_only_the_steps_of_the_shipments_state(
    admin_client: Client, status: str, offered: list[str], not_offered: list[str]
) -> None:
    shipment = ShipmentFactory(status=status)

    page = admin_client.get(_change_page(shipment)).content.decode()

    for step in offered:
        assert f'href="/admin/delivery/shipment/{shipment.pk}/{step}/"' in page
    for step in not_offered:
        assert f"/admin/delivery/shipment/{shipment.pk}/{step}/" not in page


@pytest.mark.django_db
def test_a_step_page_for_the_wrong_state_goes_back_with_a_message(admin_client: Client) -> None:
    shipment = ShipmentFactory(status="packed")

    response = admin_client.get(f"/admin/delivery/shipment/{shipment.pk}/deliver/", follow=True)

    assert response.redirect_chain == [(_change_page(shipment), 302)]
    assert "is packed: nothing to record." in response.content.decode()


@pytest.mark.django_db
def test_staff_without_the_change_permission_get_403_and_no_links(db: None) -> None:
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_shipment", content_type__app_label="delivery"))
    client = Client()
    client.force_login(user)
    pending = ShipmentLineFactory(quantity=2)
    out = _out_for_delivery(payment_method="cod", cod_amount_paise=100)

    page = client.get(_change_page(pending.shipment))
    assert page.status_code == 200
    assert f"/{pending.shipment.pk}/pick/" not in page.content.decode()
    assert client.get(f"/admin/delivery/shipment/{pending.shipment.pk}/pick/").status_code == 403
    post = {f"outcome-{pending.pk}": "found"}
    assert client.post(f"/admin/delivery/shipment/{pending.shipment.pk}/pick/", post).status_code == 403
    assert client.post(f"/admin/delivery/shipment/{out.pk}/deliver/", {"cash": "1.00"}).status_code == 403
    assert client.post(f"/admin/delivery/shipment/{out.pk}/fail/", {"reason": "refused"}).status_code == 403
    assert Shipment.objects.get(pk=pending.shipment.pk).status == "pending"
    assert Shipment.objects.get(pk=out.pk).status == "out_for_delivery"


# Staff who may only look are offered no action that writes, and posting one changes nothing.


def _viewer(app_label: str) -> Client:
    """A staff user with every view_* permission of the app and nothing else."""
    user = UserFactory(is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label=app_label, codename__startswith="view_")
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_view_only_staff_are_offered_no_shipment_action_and_posting_one_changes_nothing() -> None:
    store = StoreFactory()
    RiderFactory(store_id=store.store_id)
    pending = ShipmentFactory(store_id=store.store_id)
    picked = ShipmentFactory(store_id=store.store_id, status="picked")
    rider = RiderFactory(store_id=store.store_id)
    failed = ShipmentFactory(store_id=store.store_id, status="failed", attempts=1, rider=rider)
    client = _viewer("delivery")

    page = client.get("/admin/delivery/shipment/")
    assert page.status_code == 200
    for action in ["pack_shipment", "assign_rider", "dispatch_shipment", "return_shipment"]:
        assert f'value="{action}"' not in page.content.decode()

    with captured_events() as published:
        for action, shipment in [
            ("pack_shipment", picked),
            ("assign_rider", pending),
            ("dispatch_shipment", failed),
            ("return_shipment", failed),
        ]:
            client.post("/admin/delivery/shipment/", {"action": action, "_selected_action": [str(shipment.pk)]})

    assert published == []
    assert Shipment.objects.get(pk=pending.pk).rider is None
    assert Shipment.objects.get(pk=picked.pk).status == "picked"
    assert Shipment.objects.get(pk=failed.pk).status == "failed"


@pytest.mark.django_db
def test_staff_generate_a_week_of_slots_and_the_zone_history_says_who(admin_client: Client) -> None:
    zone = ZoneFactory()
    SlotTemplate.objects.create(zone=zone, start_time=time(7), end_time=time(9), capacity=5)

    admin_client.post("/admin/delivery/zone/", {"action": "generate_week_of_slots", "_selected_action": [str(zone.pk)]})

    created = Slot.objects.filter(zone=zone).count()
    assert created >= 6  # today's window may have passed
    assert [entry[2] for entry in admin_history(zone)] == [f"Generated a week of slots for all zones ({created} new)"]


@pytest.mark.django_db
def test_view_only_staff_cannot_generate_slots() -> None:
    zone = ZoneFactory()
    SlotTemplate.objects.create(zone=zone, start_time=time(7), end_time=time(9), capacity=5)
    client = _viewer("delivery")

    page = client.get("/admin/delivery/zone/")
    client.post("/admin/delivery/zone/", {"action": "generate_week_of_slots", "_selected_action": [str(zone.pk)]})

    assert page.status_code == 200
    assert 'value="generate_week_of_slots"' not in page.content.decode()
    assert Slot.objects.count() == 0


@pytest.mark.django_db
def test_staff_with_the_change_permission_are_offered_the_actions() -> None:
    user = UserFactory(is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="delivery", codename__in=["view_shipment", "change_shipment"]
        )
    )
    client = Client()
    client.force_login(user)
    ShipmentFactory()

    page = client.get("/admin/delivery/shipment/").content.decode()

    for action in ["pack_shipment", "assign_rider", "dispatch_shipment", "return_shipment"]:
        assert f'value="{action}"' in page


@pytest.mark.django_db
def test_the_admin_cannot_release_a_booking_only_the_orders_cancellation_does(admin_client: Client, slot: Slot) -> None:
    # Releasing a live order's booking gave its place away while its shipment stayed in the slot.
    order_id = uuid.uuid4()
    services.book_slot(order_id=order_id, slot_id=slot.id, pincode="560038")
    booking = SlotBooking.objects.get(order_id=order_id)

    page = admin_client.get("/admin/delivery/slotbooking/").content.decode()
    with captured_events() as published:
        admin_client.post("/admin/delivery/slotbooking/", {"action": "release", "_selected_action": [str(booking.pk)]})

    assert 'value="release"' not in page
    assert published == []
    booking.refresh_from_db()
    slot.refresh_from_db()
    assert (booking.status, slot.booked) == ("booked", 1)


# Riders: adding makes a user a rider, changing edits that rider (never a new one).


def _rider_form(store_id: object, **changes: object) -> dict[str, object]:
    data = {"store_id": str(store_id), "name": "Ravi Kumar", "phone": "+919876500001", "is_active": "on"}
    return {**data, **changes}


@pytest.mark.django_db
def test_editing_a_rider_changes_that_rider_and_not_its_user(admin_client: Client) -> None:
    rider = RiderFactory(name="Ravi", phone="+919800000000")
    other_store = StoreFactory()
    other_user = UserFactory()

    response = admin_client.post(
        f"/admin/delivery/rider/{rider.pk}/change/",
        _rider_form(other_store.store_id, name="Ravi Kumar", user_id=str(other_user.pk), is_available="on"),
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    assert Rider.objects.count() == 1
    rider_after = Rider.objects.get()
    assert (rider_after.pk, rider_after.user_id) == (rider.pk, rider.user_id)
    assert (rider_after.name, rider_after.phone, rider_after.store_id) == (
        "Ravi Kumar",
        "+919876500001",
        other_store.store_id,
    )
    assert (rider_after.is_active, rider_after.is_available) == (True, True)


@pytest.mark.django_db
def test_a_riders_user_is_read_only_on_its_page(admin_client: Client) -> None:
    rider = RiderFactory()

    page = admin_client.get(f"/admin/delivery/rider/{rider.pk}/change/").content.decode()

    assert 'name="user_id"' not in page
    assert str(rider.user_id) in page
    assert f'<option value="{rider.store_id}" selected>' in page


@pytest.mark.django_db
def test_adding_a_rider_needs_an_existing_user_and_a_known_store(admin_client: Client) -> None:
    store = StoreFactory()

    no_user = admin_client.post("/admin/delivery/rider/add/", _rider_form(store.store_id, user_id=str(uuid.uuid4())))
    no_store = admin_client.post("/admin/delivery/rider/add/", _rider_form(uuid.uuid4(), user_id=str(UserFactory().pk)))

    assert no_user.status_code == 200
    assert "No active user has this id" in no_user.content.decode()
    assert no_store.status_code == 200
    assert "Select a valid choice." in no_store.content.decode()
    assert Rider.objects.count() == 0
    with pytest.raises(ValidationError):
        services.create_rider(user_id=uuid.uuid4(), store_id=store.store_id, name="Ghost")
    with pytest.raises(ValidationError):
        services.create_rider(user_id=UserFactory().pk, store_id=uuid.uuid4(), name="Nowhere")
    assert Rider.objects.count() == 0


@pytest.mark.django_db
def test_adding_a_rider_for_a_user_who_already_rides_is_a_form_error(admin_client: Client) -> None:
    rider = RiderFactory()
    store = StoreFactory()

    response = admin_client.post("/admin/delivery/rider/add/", _rider_form(store.store_id, user_id=str(rider.user_id)))

    assert response.status_code == 200
    assert "Rider with this User id already exists." in response.content.decode()
    assert Rider.objects.get().store_id == rider.store_id


@pytest.mark.django_db
def test_adding_a_rider_in_the_admin(admin_client: Client) -> None:
    store = StoreFactory()
    user = UserFactory()

    response = admin_client.post("/admin/delivery/rider/add/", _rider_form(store.store_id, user_id=str(user.pk)))

    assert response.status_code == 302, response.content.decode()[:3000]
    rider = Rider.objects.get()
    assert (rider.user_id, rider.store_id, rider.name, rider.is_active, rider.is_available) == (
        user.pk,
        store.store_id,
        "Ravi Kumar",
        True,
        False,
    )


@pytest.mark.django_db
def test_staff_deactivate_a_rider_who_then_gets_no_shipment(admin_client: Client) -> None:
    store = StoreFactory()
    leaving = RiderFactory(store_id=store.store_id, name="Leaving")
    staying = RiderFactory(store_id=store.store_id, name="Staying")
    busy = ShipmentFactory(store_id=store.store_id, rider=staying)  # staying is the more loaded one
    shipment = ShipmentFactory(store_id=store.store_id)

    response = admin_client.post(
        f"/admin/delivery/rider/{leaving.pk}/change/",
        _rider_form(store.store_id, name="Leaving", is_active="", is_available="on"),
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    leaving.refresh_from_db()
    assert leaving.is_active is False
    assert services.assign_rider(shipment_id=shipment.pk).rider == staying
    with pytest.raises(ValidationError):
        services.assign_rider(shipment_id=busy.pk, rider_id=leaving.pk)


@pytest.mark.django_db
def test_a_rider_carrying_shipments_cannot_be_deactivated_or_moved(admin_client: Client) -> None:
    store = StoreFactory()
    rider = RiderFactory(store_id=store.store_id, name="Ravi")
    ShipmentFactory(store_id=store.store_id, rider=rider, status="out_for_delivery", tracking_code="DLCARRIED234")
    url = f"/admin/delivery/rider/{rider.pk}/change/"

    deactivated = admin_client.post(url, _rider_form(store.store_id, name="Ravi", is_active="", is_available="on"))
    moved = admin_client.post(url, _rider_form(StoreFactory().store_id, name="Ravi", is_available="on"))

    assert deactivated.status_code == 200
    assert "Ravi carries 1 shipment(s) (DLCARRIED234)" in deactivated.content.decode()
    assert moved.status_code == 200
    assert "before the rider is moved to another store" in moved.content.decode()
    rider.refresh_from_db()
    assert (rider.is_active, rider.store_id) == (True, store.store_id)


@pytest.mark.django_db
def test_ticking_delete_on_a_slot_template_deactivates_it_and_says_so(admin_client: Client) -> None:
    store = StoreFactory()
    admin_client.post("/admin/delivery/zone/add/", _zone_form(store.store_id))
    zone = Zone.objects.get()
    template = SlotTemplate.objects.get(zone=zone)
    made = services.generate_slots(days=7)
    assert made > 0

    response = admin_client.post(
        f"/admin/delivery/zone/{zone.pk}/change/",
        _zone_form(
            store.store_id,
            **{
                "templates-INITIAL_FORMS": "1",
                "templates-0-id": str(template.pk),
                "templates-0-zone": str(zone.pk),
                "templates-0-DELETE": "on",
            },
        ),
        follow=True,
    )

    assert response.status_code == 200
    assert "Slot template standard 07:00-09:00 deactivated, not deleted" in response.content.decode()
    template.refresh_from_db()
    assert template.is_active is False
    assert Slot.objects.filter(zone=zone).count() == made
    Slot.objects.filter(zone=zone).delete()
    assert services.generate_slots(days=7) == 0


@pytest.mark.parametrize("model", ["store", "zone", "slot", "slotbooking", "rider", "shipment"])
@pytest.mark.django_db
def test_no_delivery_row_can_be_deleted_in_the_admin(admin_client: Client, model: str) -> None:
    # Other apps project these rows from delivery's events; a delete in the admin would publish nothing.
    rows: dict[str, Any] = {
        "store": StoreFactory,
        "zone": ZoneFactory,  # no slots: this one was deletable
        "slot": SlotFactory,
        "slotbooking": lambda: SlotBooking.objects.create(order_id=uuid.uuid4(), slot=SlotFactory(), pincode="560038"),
        "rider": RiderFactory,
        "shipment": ShipmentFactory,
    }
    row = rows[model]()
    row_model = type(row)

    listing = admin_client.get(f"/admin/delivery/{model}/").content.decode()
    page = admin_client.get(f"/admin/delivery/{model}/{row.pk}/delete/")
    posted = admin_client.post(f"/admin/delivery/{model}/{row.pk}/delete/", {"post": "yes"})
    bulk = admin_client.post(
        f"/admin/delivery/{model}/", {"action": "delete_selected", "_selected_action": [str(row.pk)], "post": "yes"}
    )

    assert 'value="delete_selected"' not in listing
    assert (page.status_code, posted.status_code) == (403, 403)
    assert bulk.status_code in (200, 302)
    assert row_model.objects.filter(pk=row.pk).exists()


@pytest.mark.django_db
def test_shipment_cash_shows_in_rupees_in_the_list_and_on_its_page(admin_client: Client) -> None:
    shipment = _out_for_delivery(payment_method="cod", cod_amount_paise=12345050, tracking_code="DLCASH234567")
    ShipmentFactory(tracking_code="DLPREPAID234")

    listing = admin_client.get("/admin/delivery/shipment/").content.decode()
    before = admin_client.get(_change_page(shipment)).content.decode()
    services.deliver_shipment(shipment_id=shipment.pk, cash_collected_paise=12345050)
    after = admin_client.get(_change_page(shipment)).content.decode()

    assert "₹1,23,450.50" in listing
    assert "- (prepaid)" in listing
    assert "12345050" not in listing
    assert "Cash to collect" in before
    assert "₹1,23,450.50" in before
    assert "12345050" not in before
    assert "Cod amount paise" not in before
    assert "Cash collected paise" not in before
    assert after.count("₹1,23,450.50") == 1  # collected; nothing is left to collect once delivered
    assert "- (delivered: see cash collected)" in after
    assert "12345050" not in after


@pytest.mark.django_db
def test_the_zone_list_shows_the_minimum_order_in_rupees(admin_client: Client) -> None:
    ZoneFactory(min_order_value_paise=9900)

    listing = admin_client.get("/admin/delivery/zone/").content.decode()

    assert "₹99.00" in listing


# Choosing the rider of a shipment (besides "Assign the least-loaded rider").


@pytest.mark.django_db
def test_staff_choose_a_rider_of_the_shipments_store(admin_client: Client) -> None:
    store = StoreFactory()
    idle = RiderFactory(store_id=store.store_id, name="Idle Ira")
    busy = RiderFactory(store_id=store.store_id, name="Busy Bala")
    ShipmentFactory(store_id=store.store_id, rider=busy)
    RiderFactory(store_id=store.store_id, name="Gone Gopal", is_active=False)
    RiderFactory(name="Elsewhere Esha")
    shipment = ShipmentFactory(store_id=store.store_id, status="packed")
    url = f"/admin/delivery/shipment/{shipment.pk}/assign/"

    change_page = admin_client.get(_change_page(shipment)).content.decode()
    form = admin_client.get(url).content.decode()
    response = admin_client.post(url, {"rider": str(busy.pk)}, follow=True)

    assert f'href="{url}"' in change_page
    assert "Idle Ira (on shift, carries 0)" in form
    assert "Busy Bala (on shift, carries 1)" in form
    assert "Gone Gopal" not in form
    assert "Elsewhere Esha" not in form
    assert response.redirect_chain == [(_change_page(shipment), 302)]
    assert f"{shipment.tracking_code}: rider assigned." in response.content.decode()
    assert Shipment.objects.get(pk=shipment.pk).rider == busy
    assert idle.shipments.count() == 0
    assert [entry[2] for entry in admin_history(shipment)] == ["Assigned the rider Busy Bala"]


@pytest.mark.django_db
def test_choosing_a_rider_of_another_store_or_an_inactive_one_changes_nothing(admin_client: Client) -> None:
    store = StoreFactory()
    RiderFactory(store_id=store.store_id)
    gone = RiderFactory(store_id=store.store_id, is_active=False)
    elsewhere = RiderFactory()
    shipment = ShipmentFactory(store_id=store.store_id)
    url = f"/admin/delivery/shipment/{shipment.pk}/assign/"

    for rider in [gone, elsewhere]:
        response = admin_client.post(url, {"rider": str(rider.pk)})
        assert response.status_code == 200
        assert "Select a valid choice." in response.content.decode()

    assert Shipment.objects.get(pk=shipment.pk).rider is None


@pytest.mark.django_db
def test_a_rider_cannot_be_chosen_once_the_shipment_left_the_store(admin_client: Client) -> None:
    shipment = _out_for_delivery()
    other = RiderFactory(store_id=shipment.store_id)
    url = f"/admin/delivery/shipment/{shipment.pk}/assign/"

    page = admin_client.get(_change_page(shipment)).content.decode()
    opened = admin_client.get(url, follow=True)
    posted = admin_client.post(url, {"rider": str(other.pk)}, follow=True)

    assert url not in page
    assert "is out for delivery: nothing to record." in opened.content.decode()
    assert "a rider can be assigned only before it leaves the store" in posted.content.decode()
    assert Shipment.objects.get(pk=shipment.pk).rider != other


@pytest.mark.django_db
def test_view_only_staff_cannot_choose_a_rider() -> None:
    store = StoreFactory()
    rider = RiderFactory(store_id=store.store_id)
    shipment = ShipmentFactory(store_id=store.store_id)
    client = _viewer("delivery")

    page = client.get(_change_page(shipment)).content.decode()
    posted = client.post(f"/admin/delivery/shipment/{shipment.pk}/assign/", {"rider": str(rider.pk)})

    assert "/assign/" not in page
    assert posted.status_code == 403
    assert Shipment.objects.get(pk=shipment.pk).rider is None


@pytest.mark.django_db
def test_moving_a_slot_templates_start_replaces_it_instead_of_leaving_two(admin_client: Client) -> None:
    store = StoreFactory()
    admin_client.post("/admin/delivery/zone/add/", _zone_form(store.store_id))
    zone = Zone.objects.get()
    template = SlotTemplate.objects.get(zone=zone)

    response = admin_client.post(
        f"/admin/delivery/zone/{zone.pk}/change/",
        _zone_form(
            store.store_id,
            **{
                "templates-INITIAL_FORMS": "1",
                "templates-0-id": str(template.pk),
                "templates-0-zone": str(zone.pk),
                "templates-0-start_time": "08:00",
                "templates-0-end_time": "10:00",
            },
        ),
        follow=True,
    )

    assert response.status_code == 200
    assert "Slot template standard 07:00 replaced by standard 08:00" in response.content.decode()
    active = SlotTemplate.objects.filter(zone=zone, is_active=True)
    assert [(t.mode, f"{t.start_time:%H:%M}") for t in active] == [("standard", "08:00")]
    assert SlotTemplate.objects.get(pk=template.pk).is_active is False
