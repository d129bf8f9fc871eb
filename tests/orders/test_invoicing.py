"""The GST tax invoice of a delivered order: serials per financial year, tax split, lines, the API."""

import uuid
from datetime import UTC, datetime
from unittest.mock import patch
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from orders import services
from orders.models import Invoice, InvoiceCounter, Order
from orders.services import LineInput, PickedLineInput
from orders.services.invoicing import financial_year, issue_invoice, supplier
from tests.accounts.factories import UserFactory

from .factories import ADDRESS, milk, place, tomatoes

pytestmark = pytest.mark.django_db

IST = ZoneInfo("Asia/Kolkata")
CHENNAI = {**ADDRESS, "line1": "4, Mount Road", "city": "Chennai", "state": "Tamil Nadu", "pincode": "600002"}


def atta() -> LineInput:
    # 1 x Rs 240.00, GST 5 %
    return LineInput(
        sku_id=uuid.UUID("00000000-0000-0000-0000-00000000a003"), name="Whole Wheat Atta 5 kg", sold_by="unit",
        quantity=1, unit_price_paise=24000, mrp_paise=26000, gst_rate_bp=500, hsn_code="1101",
        line_total_paise=24000,
    )  # fmt: skip


def _with_fees(**overrides) -> Order:
    """Milk 60.00 + tomatoes 30.00, delivery fee 25.00, small cart fee 15.00: 130.00, cash on delivery."""
    return place(
        payment_method="cod", delivery_fee_paise=2500, small_cart_fee_paise=1500, total_paise=13000, **overrides
    )


def _deliver(order: Order, *, at: datetime | None = None, picked: list[PickedLineInput] | None = None) -> Invoice:
    """Confirm, (optionally) pick, and deliver the order; the invoice is issued at `at` (now by default)."""
    services.record_stock_reserved(order_id=order.id, reservation_id=uuid.uuid4())
    services.record_slot_booked(
        order_id=order.id, booking_id=uuid.uuid4(), starts_at=timezone.now(), ends_at=timezone.now()
    )
    if picked is not None:
        services.record_picked(order_id=order.id, lines=picked)
    moment = at or timezone.now()
    with patch("django.utils.timezone.now", return_value=moment):
        services.record_delivered(order_id=order.id, delivered_at=moment, cash_collected_paise=order.total_paise)
    return Invoice.objects.get(order_id=order.id)


def _client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def _assert_adds_up(invoice: Invoice) -> None:
    for line in invoice.lines:
        assert (
            line["taxable_paise"] + line["cgst_paise"] + line["sgst_paise"] + line["igst_paise"] == line["total_paise"]
        ), line
    for key in ("taxable_paise", "cgst_paise", "sgst_paise", "igst_paise", "total_paise"):
        assert getattr(invoice, key) == sum(line[key] for line in invoice.lines), key


# Serial numbers


def test_serials_are_consecutive_within_a_financial_year() -> None:
    first, second, third = place(payment_method="cod"), place(payment_method="cod"), place(payment_method="cod")

    invoices = [
        _deliver(first, at=datetime(2026, 11, 22, 10, 0, tzinfo=IST)),
        _deliver(second, at=datetime(2027, 1, 5, 18, 0, tzinfo=IST)),
        _deliver(third, at=datetime(2027, 3, 31, 23, 59, tzinfo=IST)),
    ]

    assert [(i.serial, i.financial_year, i.number) for i in invoices] == [
        ("GS2627-000001", "2026-27", 1),
        ("GS2627-000002", "2026-27", 2),
        ("GS2627-000003", "2026-27", 3),
    ]
    assert invoices[0].issued_at == datetime(2026, 11, 22, 10, 0, tzinfo=IST)
    assert InvoiceCounter.objects.get(financial_year="2026-27").last_number == 3


def test_the_counter_restarts_at_one_in_a_new_financial_year() -> None:
    march, march_again, april, april_again = (place(payment_method="cod") for _ in range(4))

    late_march = _deliver(march, at=datetime(2027, 3, 31, 23, 0, tzinfo=IST))
    late_march_again = _deliver(march_again, at=datetime(2027, 3, 31, 23, 30, tzinfo=IST))
    early_april = _deliver(april, at=datetime(2027, 4, 1, 0, 30, tzinfo=IST))  # 2027-03-31T19:00Z
    early_april_again = _deliver(april_again, at=datetime(2027, 4, 1, 9, 0, tzinfo=IST))

    assert [i.serial for i in (late_march, late_march_again, early_april, early_april_again)] == [
        "GS2627-000001",
        "GS2627-000002",
        "GS2728-000001",
        "GS2728-000002",
    ]
    assert (early_april.financial_year, early_april.number) == ("2027-28", 1)
    assert dict(InvoiceCounter.objects.values_list("financial_year", "last_number")) == {
        "2026-27": 2,
        "2027-28": 2,
    }


def test_a_delivery_before_midnight_on_31_march_handled_after_it_is_invoiced_in_the_old_year() -> None:
    order = place(payment_method="cod")
    delivered = datetime(2027, 3, 31, 23, 58, tzinfo=IST)
    _deliver(place(payment_method="cod"), at=datetime(2027, 4, 1, 0, 1, tzinfo=IST))  # the new year's first
    services.record_stock_reserved(order_id=order.id, reservation_id=uuid.uuid4())
    services.record_slot_booked(
        order_id=order.id, booking_id=uuid.uuid4(), starts_at=timezone.now(), ends_at=timezone.now()
    )

    with patch(
        "django.utils.timezone.now", return_value=datetime(2027, 4, 1, 0, 3, tzinfo=IST)
    ):  # the worker was behind
        services.record_delivered(order_id=order.id, delivered_at=delivered, cash_collected_paise=order.total_paise)

    invoice = Invoice.objects.get(order_id=order.id)
    assert (invoice.serial, invoice.financial_year, invoice.issued_at) == ("GS2627-000001", "2026-27", delivered)


def test_the_serial_prefix_comes_from_the_settings(settings) -> None:
    settings.SHOP_INVOICE_PREFIX = "KA"
    invoice = _deliver(place(payment_method="cod"), at=datetime(2027, 6, 1, 12, 0, tzinfo=IST))
    assert invoice.serial == "KA2728-000001"


def test_the_serial_is_prefix_year_digits_and_a_six_digit_number() -> None:
    InvoiceCounter.objects.create(financial_year="2027-28", last_number=41)

    invoice = _deliver(place(payment_method="cod"), at=datetime(2027, 6, 1, 12, 0, tzinfo=IST))

    assert invoice.serial == "GS2728-000042"
    assert len(invoice.serial) <= Invoice._meta.get_field("serial").max_length


def test_issuing_twice_for_one_order_returns_the_same_invoice_and_uses_no_number() -> None:
    order = place(payment_method="cod")
    invoice = _deliver(order, at=datetime(2027, 6, 1, 12, 0, tzinfo=IST))

    with patch("django.utils.timezone.now", return_value=datetime(2027, 6, 2, 12, 0, tzinfo=IST)):
        again = issue_invoice(order=Order.objects.get(pk=order.id))
        services.record_delivered(order_id=order.id, delivered_at=timezone.now())  # a redelivered event

    assert again.pk == invoice.pk
    assert again.serial == "GS2728-000001"
    assert Invoice.objects.filter(order_id=order.id).count() == 1
    assert InvoiceCounter.objects.get(financial_year="2027-28").last_number == 1
    following = _deliver(place(payment_method="cod"), at=datetime(2027, 6, 3, 12, 0, tzinfo=IST))
    assert following.serial == "GS2728-000002"


# The financial year


@pytest.mark.parametrize(
    ("moment", "year"),
    [
        (datetime(2027, 3, 31, 23, 59, 59, tzinfo=IST), "2026-27"),
        (datetime(2027, 4, 1, 0, 0, tzinfo=IST), "2027-28"),
        (datetime(2027, 3, 31, 18, 29, 59, tzinfo=UTC), "2026-27"),  # 23:59:59 IST, 31 March
        (datetime(2027, 3, 31, 18, 30, tzinfo=UTC), "2027-28"),  # midnight IST, 1 April
        (datetime(2027, 3, 31, 20, 0, tzinfo=UTC), "2027-28"),  # 01:30 IST, 1 April
        (datetime(2026, 11, 22, 12, 0, tzinfo=IST), "2026-27"),
        (datetime(2027, 1, 1, 0, 0, tzinfo=IST), "2026-27"),
        (datetime(2099, 4, 1, 0, 0, tzinfo=IST), "2099-00"),
    ],
)
def test_the_financial_year_runs_april_to_march_in_india(moment: datetime, year: str) -> None:
    assert financial_year(moment) == year


# Tax: CGST + SGST within the state, IGST across


def test_within_the_suppliers_state_tax_is_split_into_cgst_and_sgst() -> None:
    order = _with_fees()

    invoice = _deliver(order)

    assert invoice.intra_state is True
    assert (
        invoice.supplier
        == supplier()
        == {
            "name": "Demo Grocery Pvt Ltd",
            "gstin": "29AAACD1234F1Z5",
            "address": "Bengaluru, Karnataka",
            "state": "Karnataka",
        }
    )
    assert invoice.recipient == ADDRESS
    assert invoice.lines == [
        {"description": "Tomato (loose)", "hsn": "0702", "quantity": "750 g", "rate_bp": 0, "discount_paise": 0,
         "taxable_paise": 3000, "cgst_paise": 0, "sgst_paise": 0, "igst_paise": 0, "total_paise": 3000},
        {"description": "Toned Milk 500 ml", "hsn": "0401", "quantity": "2 pcs", "rate_bp": 500, "discount_paise": 0,
         "taxable_paise": 5714, "cgst_paise": 143, "sgst_paise": 143, "igst_paise": 0, "total_paise": 6000},
        {"description": "Delivery fee", "hsn": "996813", "quantity": "1", "rate_bp": 1800, "discount_paise": 0,
         "taxable_paise": 2119, "cgst_paise": 190, "sgst_paise": 191, "igst_paise": 0, "total_paise": 2500},
        {"description": "Small cart fee", "hsn": "996813", "quantity": "1", "rate_bp": 1800, "discount_paise": 0,
         "taxable_paise": 1271, "cgst_paise": 114, "sgst_paise": 115, "igst_paise": 0, "total_paise": 1500},
    ]  # fmt: skip
    assert (invoice.taxable_paise, invoice.cgst_paise, invoice.sgst_paise, invoice.igst_paise) == (12104, 447, 449, 0)
    assert invoice.total_paise == 13000 == Order.objects.get(pk=order.id).final_total_paise
    _assert_adds_up(invoice)


def test_the_odd_paisa_of_a_split_goes_to_sgst() -> None:
    order = place(payment_method="cod", lines=[milk(quantity=1)], delivery_fee_paise=0)  # 30.00: GST 1.43

    invoice = _deliver(order)

    assert [(line["cgst_paise"], line["sgst_paise"], line["igst_paise"]) for line in invoice.lines] == [(71, 72, 0)]
    assert (invoice.cgst_paise, invoice.sgst_paise, invoice.igst_paise, invoice.total_paise) == (71, 72, 0, 3000)
    _assert_adds_up(invoice)


def test_another_state_pays_igst_only() -> None:
    order = _with_fees(address=CHENNAI, pincode="600002")

    invoice = _deliver(order)

    assert invoice.intra_state is False
    assert invoice.recipient["state"] == "Tamil Nadu"
    assert [(line["description"], line["taxable_paise"], line["igst_paise"]) for line in invoice.lines] == [
        ("Tomato (loose)", 3000, 0),
        ("Toned Milk 500 ml", 5714, 286),
        ("Delivery fee", 2119, 381),
        ("Small cart fee", 1271, 229),
    ]
    assert all(line["cgst_paise"] == line["sgst_paise"] == 0 for line in invoice.lines)
    assert (invoice.taxable_paise, invoice.cgst_paise, invoice.sgst_paise, invoice.igst_paise) == (12104, 0, 0, 896)
    assert invoice.total_paise == 13000 == Order.objects.get(pk=order.id).final_total_paise
    assert order.tax_paise == 896  # the order (and the cart before it) showed the invoice's GST, fees' included
    _assert_adds_up(invoice)


def test_the_late_night_fee_is_a_service_line_too() -> None:
    order = place(payment_method="cod", late_night_fee_paise=1000, total_paise=6000 + 3000 + 2500 + 1000)

    invoice = _deliver(order)

    assert [(line["description"], line["hsn"], line["rate_bp"], line["total_paise"]) for line in invoice.lines] == [
        ("Tomato (loose)", "0702", 0, 3000),
        ("Toned Milk 500 ml", "0401", 500, 6000),
        ("Delivery fee", "996813", 1800, 2500),
        ("Late night fee", "996813", 1800, 1000),
    ]
    assert invoice.total_paise == 12500
    _assert_adds_up(invoice)


# Picked quantities


def test_only_what_was_delivered_is_invoiced_and_a_line_with_nothing_delivered_is_left_out() -> None:
    order = place(payment_method="cod", lines=[milk(), tomatoes(), atta()])  # 60 + 30 + 240 + 25 fee

    invoice = _deliver(
        order,
        picked=[
            PickedLineInput(sku_id=milk().sku_id, quantity_picked=1),  # one pack short
            PickedLineInput(sku_id=tomatoes().sku_id, quantity_picked=700),  # 50 g light
            PickedLineInput(sku_id=atta().sku_id, quantity_picked=0),  # none on the shelf
        ],
    )

    assert invoice.lines == [
        {"description": "Tomato (loose)", "hsn": "0702", "quantity": "700 g", "rate_bp": 0, "discount_paise": 0,
         "taxable_paise": 2800, "cgst_paise": 0, "sgst_paise": 0, "igst_paise": 0, "total_paise": 2800},
        {"description": "Toned Milk 500 ml", "hsn": "0401", "quantity": "1 pcs", "rate_bp": 500, "discount_paise": 0,
         "taxable_paise": 2857, "cgst_paise": 71, "sgst_paise": 72, "igst_paise": 0, "total_paise": 3000},
        {"description": "Delivery fee", "hsn": "996813", "quantity": "1", "rate_bp": 1800, "discount_paise": 0,
         "taxable_paise": 2119, "cgst_paise": 190, "sgst_paise": 191, "igst_paise": 0, "total_paise": 2500},
    ]  # fmt: skip
    order.refresh_from_db()
    assert (order.total_paise, order.adjustment_paise) == (35500, 27200)
    assert invoice.total_paise == 8300 == order.final_total_paise
    _assert_adds_up(invoice)


def test_a_heavier_pick_is_invoiced_at_the_ordered_weight_and_says_what_went_out() -> None:
    order = place(payment_method="cod", lines=[tomatoes()], delivery_fee_paise=0)

    invoice = _deliver(order, picked=[PickedLineInput(sku_id=tomatoes().sku_id, quantity_picked=820)])

    assert [(line["quantity"], line["total_paise"]) for line in invoice.lines] == [("820 g (charged 750 g)", 3000)]
    assert invoice.total_paise == 3000 == Order.objects.get(pk=order.id).final_total_paise


def test_no_invoice_before_delivery() -> None:
    order = place(payment_method="cod")
    services.record_stock_reserved(order_id=order.id, reservation_id=uuid.uuid4())
    services.record_slot_booked(
        order_id=order.id, booking_id=uuid.uuid4(), starts_at=timezone.now(), ends_at=timezone.now()
    )
    services.record_out_for_delivery(order_id=order.id, attempt=1)

    assert not Invoice.objects.filter(order_id=order.id).exists()
    assert not InvoiceCounter.objects.exists()


# The API


def test_another_customers_invoice_is_404() -> None:
    order = place(payment_method="cod", customer_id=UserFactory().id)
    _deliver(order)
    client = _client_for(UserFactory())

    response = client.get(f"/api/v1/orders/{order.id}/invoice/?format=json")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert client.get(f"/api/v1/orders/{order.id}/invoice/").status_code == 404
    assert client.get(f"/api/v1/orders/{order.id}/invoice/?download=1").status_code == 404


def test_before_delivery_the_invoice_answers_not_invoiced() -> None:
    asha = UserFactory()
    order = place(payment_method="cod", customer_id=asha.id)

    client = _client_for(asha)

    response = client.get(f"/api/v1/orders/{order.id}/invoice/?format=json")

    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "code": "not_invoiced",
            "message": "The invoice is issued when the order is delivered.",
            "fields": {},
        }
    }
    by_accept = client.get(f"/api/v1/orders/{order.id}/invoice/", HTTP_ACCEPT="application/json")
    assert (by_accept.status_code, by_accept.json()["error"]["code"]) == (404, "not_invoiced")
    as_page = client.get(f"/api/v1/orders/{order.id}/invoice/", HTTP_ACCEPT="text/html")
    assert (as_page.status_code, as_page.json()["error"]["code"]) == (404, "not_invoiced")  # one error shape


def test_the_invoice_as_json() -> None:
    asha = UserFactory()
    order = _with_fees(customer_id=asha.id)
    invoice = _deliver(order, at=datetime(2027, 4, 1, 0, 30, tzinfo=IST))

    response = _client_for(asha).get(f"/api/v1/orders/{order.id}/invoice/?format=json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {
        "serial", "financial_year", "issued_at", "order", "supplier", "recipient", "intra_state", "lines",
        "taxable_paise", "cgst_paise", "sgst_paise", "igst_paise", "total_paise", "coupon_code",
        "discount_paise", "credit_notes",
    }  # fmt: skip
    assert body["credit_notes"] == []
    assert (body["serial"], body["financial_year"], body["order"]) == ("GS2728-000001", "2027-28", str(order.id))
    assert body["issued_at"] == "2027-04-01T00:30:00+05:30"
    assert body["supplier"] == supplier()
    assert body["recipient"] == ADDRESS
    assert body["intra_state"] is True
    assert body["lines"] == invoice.lines
    assert [body[k] for k in ("taxable_paise", "cgst_paise", "sgst_paise", "igst_paise", "total_paise")] == [
        12104, 447, 449, 0, 13000,
    ]  # fmt: skip


def test_the_invoice_as_html_by_default() -> None:
    asha = UserFactory()
    order = _with_fees(customer_id=asha.id)
    invoice = _deliver(order, at=datetime(2027, 6, 1, 12, 0, tzinfo=IST))

    response = _client_for(asha).get(f"/api/v1/orders/{order.id}/invoice/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert not response.has_header("Content-Disposition")
    html = response.content.decode()
    assert "<h1>Tax invoice</h1>" in html
    assert f"<title>Tax invoice {invoice.serial}</title>" in html
    assert "<strong>GS2728-000001</strong>" in html
    assert "GSTIN 29AAACD1234F1Z5" in html
    assert "Place of supply: Karnataka" in html
    assert "<th>CGST</th><th>SGST</th>" in html
    assert "<th>IGST</th>" not in html
    assert '<td class="text">996813</td>' in html
    assert "<td>₹130.00</td>" in html  # the total


@pytest.mark.parametrize("query", ["", "?format=html", "?format=json"])
def test_options_on_the_invoice_answers_json_not_a_500(query: str) -> None:
    """OPTIONS was rendered by the HTML renderer, which has no template for it: a 500 (found by
    fuzzing the API with schemathesis)."""
    asha = UserFactory()
    order = place(payment_method="cod", customer_id=asha.id)

    response = _client_for(asha).options(f"/api/v1/orders/{order.id}/invoice/{query}")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["name"] == "Order Invoice Api"


def test_an_inter_state_invoice_in_html_shows_igst() -> None:
    asha = UserFactory()
    order = _with_fees(customer_id=asha.id, address=CHENNAI, pincode="600002")
    _deliver(order)

    html = _client_for(asha).get(f"/api/v1/orders/{order.id}/invoice/").content.decode()

    assert "<th>IGST</th>" in html
    assert "<th>CGST</th>" not in html
    assert "<td>₹8.96</td>" in html  # the IGST total
    assert "Place of supply: Tamil Nadu" in html


def test_download_saves_the_invoice_as_an_attachment() -> None:
    asha = UserFactory()
    order = _with_fees(customer_id=asha.id)
    invoice = _deliver(order, at=datetime(2027, 6, 1, 12, 0, tzinfo=IST))

    client = _client_for(asha)
    response = client.get(f"/api/v1/orders/{order.id}/invoice/?download=1")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="invoice-GS2728-000001.html"'
    assert invoice.serial.encode() in response.content
    shown = client.get(f"/api/v1/orders/{order.id}/invoice/?download=0")
    assert (shown.status_code, shown.has_header("Content-Disposition")) == (200, False)


# Credit notes: money refunded after the invoice


def _refund(order: Order, amount: int, *, status: str = "requested", refund_id: uuid.UUID | None = None) -> uuid.UUID:
    refund_id = refund_id or uuid.uuid4()
    services.record_refund(
        order_id=order.id, refund_id=refund_id, amount_paise=amount, status=status, reason="damaged packet",
        at=timezone.now(),
    )  # fmt: skip
    return refund_id


def test_a_refund_after_the_invoice_gets_a_credit_note_with_the_invoices_tax_share_once_processed() -> None:
    from orders.models import CreditNote

    order = _with_fees()
    invoice = _deliver(order)  # 130.00: milk 60.00 at 5 %, tomatoes 30.00 at 0 %, fees 40.00 at 18 %
    invoice_tax = invoice.cgst_paise + invoice.sgst_paise + invoice.igst_paise

    refund_id = _refund(order, 3000)
    assert not CreditNote.objects.exists()  # asked for: nothing is credited until the money went back
    _refund(order, 3000, status="processed", refund_id=refund_id)
    _refund(order, 3000, status="processed", refund_id=refund_id)  # the news again: still one note

    note = CreditNote.objects.get()
    assert note.invoice == invoice
    assert note.serial.startswith("CN")
    assert note.serial.endswith("-000001")
    assert note.total_paise == 3000
    tax = (2 * 3000 * invoice_tax + invoice.total_paise) // (2 * invoice.total_paise)  # pro rata, half up
    assert note.cgst_paise + note.sgst_paise == tax
    assert note.igst_paise == 0  # Karnataka to Karnataka, as the invoice
    assert note.taxable_paise + note.cgst_paise + note.sgst_paise == note.total_paise
    assert note.reason == "damaged packet"

    second = _refund(order, 500)
    _refund(order, 500, status="processed", refund_id=second)
    assert list(CreditNote.objects.values_list("serial", flat=True).order_by("number")) == [
        note.serial, note.serial.replace("000001", "000002"),
    ]  # fmt: skip


def test_a_refund_before_the_invoice_is_not_credited_the_invoice_already_bills_only_what_was_delivered() -> None:
    from orders.models import CreditNote

    order = _with_fees()
    early = _refund(order, 3000)  # picking's adjustment, asked for before the delivery
    _deliver(order)
    _refund(order, 3000, status="processed", refund_id=early)  # processed after the invoice
    assert not CreditNote.objects.exists()


def test_the_invoice_shows_its_credit_notes_in_json_and_html() -> None:
    customer = UserFactory()
    order = _with_fees(customer_id=customer.id)
    invoice = _deliver(order)
    refund_id = _refund(order, 1000)
    _refund(order, 1000, status="processed", refund_id=refund_id)
    client = _client_for(customer)

    body = client.get(f"/api/v1/orders/{order.id}/invoice/?format=json").json()
    assert [(n["serial"][:2], n["total_paise"], n["reason"]) for n in body["credit_notes"]] == [
        ("CN", 1000, "damaged packet")
    ]
    html = client.get(f"/api/v1/orders/{order.id}/invoice/", HTTP_ACCEPT="text/html").content.decode()
    assert "Credit note CN" in html
    assert f"Against invoice {invoice.serial}" in html
    assert "₹10.00" in html
