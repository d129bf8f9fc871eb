"""Cash-on-delivery refunds the store paid itself (cash, UPI, bank transfer): recorded, not sent to Razorpay."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from django.contrib.admin.models import CHANGE
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from payments import services
from payments.errors import PaymentRefused
from payments.events import PaymentRefunded, RefundRequested
from payments.models import PaymentIntent, PaymentTransition, Refund
from shop.eventbus.models import Delivery
from shop.eventbus.models import Event as EventRecord
from shop.eventbus.testing import captured_events, deliver_pending
from tests.accounts.factories import UserFactory
from tests.history import admin_history

from .factories import PaymentIntentFactory

pytestmark = pytest.mark.django_db

COLLECTED_AT = datetime(2026, 11, 21, 12, 30, tzinfo=UTC)


def collected(amount_paise: int = 34_000, cash_paise: int | None = None) -> PaymentIntent:
    """A cash-on-delivery intent whose cash the rider collected at the door."""
    order_id = uuid.uuid4()
    services.request_payment(order_id=order_id, amount_paise=amount_paise, method="cod")
    cash = amount_paise if cash_paise is None else cash_paise
    intent = services.settle_cash_on_delivery(order_id=order_id, cash_collected_paise=cash, collected_at=COLLECTED_AT)
    assert intent is not None
    assert intent.status == "captured"
    return intent


def record(intent: PaymentIntent, amount_paise: int, key: str, **kwargs: object) -> Refund:
    fields: dict[str, object] = {"channel": "cash", "reference": "", "reason": "bruised mangoes", **kwargs}
    return services.record_offline_refund(
        order_id=intent.order_id, amount_paise=amount_paise, idempotency_key=key, source="test", **fields
    )  # type: ignore[arg-type]


def _state(intent: PaymentIntent) -> tuple[str, int, int, int, int]:
    intent.refresh_from_db()
    return (
        intent.status,
        intent.captured_paise,
        intent.refunded_paise,
        Refund.objects.filter(intent=intent).count(),
        PaymentTransition.objects.filter(intent=intent).count(),
    )


# --- The service ----------------------------------------------------------------------------


def test_a_cash_refund_is_processed_at_once_and_publishes_what_a_razorpay_refund_does():
    intent = collected(34_000)

    with captured_events() as published:
        refund = record(intent, 5_000, "cash-refund-0001", reason="  bruised mangoes ")

    refund.refresh_from_db()
    assert (refund.status, refund.channel, refund.amount_paise, refund.reason) == (
        "processed", "cash", 5_000, "bruised mangoes",
    )  # fmt: skip
    assert (refund.razorpay_refund_id, refund.bank_reference) == (None, "")
    assert refund.processed_at is not None
    intent.refresh_from_db()
    assert (intent.status, intent.captured_paise, intent.refunded_paise) == ("captured", 34_000, 5_000)
    assert intent.transitions.last().note == "refund ₹50.00 paid by the store (cash): bruised mangoes"
    assert published == [
        RefundRequested(
            order_id=intent.order_id,
            refund_id=refund.id,
            amount_paise=5_000,
            reason="bruised mangoes",
            idempotency_key="cash-refund-0001",
            channel="cash",
        ),
        PaymentRefunded(
            order_id=intent.order_id,
            refund_id=refund.id,
            razorpay_refund_id="",
            amount_paise=5_000,
            bank_reference="",
            refunded_at=refund.processed_at,
            channel="cash",
        ),
    ]
    # Both keyed by the order, so its consumers see requested before processed.
    assert set(EventRecord.objects.filter(name__startswith="payments.").values_list("key", flat=True)) == {
        str(intent.order_id)
    }


def test_a_upi_refund_keeps_its_reference_as_the_bank_reference():
    intent = collected(34_000)

    with captured_events() as published:
        refund = record(intent, 34_000, "upi-refund-0001", channel="upi", reference=" 412345678901 ")

    assert (refund.channel, refund.bank_reference) == ("upi", "412345678901")
    done = [e for e in published if isinstance(e, PaymentRefunded)]
    assert [(e.channel, e.bank_reference) for e in done] == [("upi", "412345678901")]
    intent.refresh_from_db()
    assert (intent.status, intent.refunded_paise) == ("refunded", 34_000)  # all the cash went back


def test_the_bus_delivers_it_without_asking_razorpay():
    """Payments' own RefundRequested handler sends Razorpay refunds: it must leave this one alone
    (no fake Razorpay runs here: a call would fail and the delivery would not be done). The
    order is not in orders' tables here: that side is the end-to-end test's."""
    intent = collected(34_000)
    refund = record(intent, 5_000, "cash-refund-0002")

    deliver_pending()

    refund.refresh_from_db()
    assert (refund.status, refund.last_error) == ("processed", "")
    assert Delivery.objects.filter(subscriber="payments.send_requested_refund").get().status == "done"


def test_more_than_collected_less_refunded_is_refused_in_rupees_and_nothing_is_written():
    intent = collected(34_000, cash_paise=30_000)
    record(intent, 10_000, "cash-refund-0003")
    before = _state(intent)

    with captured_events() as published, pytest.raises(PaymentRefused) as refused:
        record(intent, 20_001, "cash-refund-0004", channel="bank_transfer", reference="UTR0001")

    assert refused.value.code == "refund_exceeds_captured"
    assert refused.value.status_code == 409
    assert refused.value.message == (
        "Only ₹200.00 is left to refund (₹300.00 collected in cash, ₹100.00 refunded already)."
    )
    assert _state(intent) == before
    assert published == []
    assert not Refund.objects.filter(idempotency_key="cash-refund-0004").exists()


def test_the_last_rupee_then_nothing_more():
    intent = collected(34_000)
    record(intent, 33_900, "cash-refund-0005")
    record(intent, 100, "cash-refund-0006")

    with pytest.raises(PaymentRefused) as refused:
        record(intent, 100, "cash-refund-0007")

    assert refused.value.message.startswith("Only ₹0.00 is left to refund")
    assert _state(intent)[:4] == ("refunded", 34_000, 34_000, 2)


def test_the_same_key_again_is_the_same_refund_and_publishes_nothing_more():
    intent = collected(34_000)
    first = record(intent, 5_000, "cash-refund-0008")

    with captured_events() as published:
        again = record(intent, 5_000, "cash-refund-0008")

    assert again.id == first.id
    assert published == []
    assert _state(intent)[2:4] == (5_000, 1)


def test_the_same_key_with_another_amount_or_channel_is_refused():
    intent = collected(34_000)
    record(intent, 5_000, "cash-refund-0009")

    with pytest.raises(PaymentRefused) as other_amount:
        record(intent, 6_000, "cash-refund-0009")
    with pytest.raises(PaymentRefused) as other_channel:
        record(intent, 5_000, "cash-refund-0009", channel="upi", reference="4123")

    assert other_amount.value.code == other_channel.value.code == "idempotency_conflict"
    assert _state(intent)[2:4] == (5_000, 1)


@pytest.mark.parametrize("channel", ["upi", "bank_transfer"])
def test_a_upi_or_bank_transfer_without_its_reference_is_refused(channel):
    intent = collected(34_000)
    before = _state(intent)

    with captured_events() as published, pytest.raises(ValidationError) as invalid:
        record(intent, 5_000, f"{channel}-no-ref-01", channel=channel, reference="   ")

    assert list(invalid.value.message_dict) == ["reference"]
    assert _state(intent) == before
    assert published == []


def test_bad_input_is_refused_field_by_field():
    intent = collected(34_000)

    with pytest.raises(ValidationError) as invalid:
        record(intent, 99, "short", channel="razorpay", reason=" ")

    assert sorted(invalid.value.message_dict) == ["amount_paise", "channel", "idempotency_key", "reason"]
    assert Refund.objects.count() == 0


def test_a_razorpay_intent_is_refused_it_is_refunded_through_razorpay():
    intent = PaymentIntentFactory(status="captured", captured_paise=45_000, razorpay_payment_id="pay_x")
    before = _state(intent)

    with captured_events() as published, pytest.raises(PaymentRefused) as refused:
        record(intent, 5_000, "prepaid-cash-01")

    assert refused.value.code == "not_cash_on_delivery"
    assert _state(intent) == before
    assert published == []


def test_cash_not_collected_yet_cannot_be_refunded():
    order_id = uuid.uuid4()
    intent = services.request_payment(order_id=order_id, amount_paise=34_000, method="cod")

    with pytest.raises(PaymentRefused) as refused:
        record(intent, 5_000, "cod-not-collected")

    assert refused.value.code == "not_collected"
    assert Refund.objects.count() == 0


def test_the_razorpay_refund_still_refuses_cash_on_delivery_and_says_what_to_do():
    intent = collected(34_000)

    with pytest.raises(PaymentRefused) as refused:
        services.refund_payment(
            order_id=intent.order_id, amount_paise=5_000, idempotency_key="cod-rzp-0001", reason="x"
        )

    assert refused.value.code == "not_refundable"
    assert "in cash, by UPI or bank transfer" in refused.value.message
    assert Refund.objects.count() == 0


def test_events_stored_before_the_channel_existed_still_parse_as_razorpay():
    refunded = PaymentRefunded.model_validate(
        {
            "order_id": str(uuid.uuid4()),
            "refund_id": str(uuid.uuid4()),
            "razorpay_refund_id": "rfnd_1",
            "amount_paise": 100,
            "bank_reference": "ARN1",
            "refunded_at": "2026-11-21T12:30:00+00:00",
        }
    )
    requested = RefundRequested.model_validate(
        {
            "order_id": str(uuid.uuid4()),
            "refund_id": str(uuid.uuid4()),
            "amount_paise": 100,
            "reason": "x",
            "idempotency_key": "k" * 10,
        }
    )
    assert refunded.channel == requested.channel == "razorpay"


# --- The admin --------------------------------------------------------------------------------


def _staff(client, *codenames: str):
    user = UserFactory(email="till@example.in", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="payments", codename__in=codenames))
    client.force_login(user)
    return client


def _form(**overrides: str) -> dict[str, str]:
    return {
        "amount": "50.00",
        "channel": "upi",
        "reference": "412345678901",
        "reason": "a missing pack",
        "idempotency_key": "admin-offline-0001",
        **overrides,
    }


def test_staff_who_may_change_record_a_refund_once_even_when_submitted_twice(client):
    staff = _staff(client, "view_paymentintent", "change_paymentintent", "view_refund")
    intent = collected(34_000)
    url = f"/admin/payments/paymentintent/{intent.pk}/offline-refund/"

    page = staff.get(f"/admin/payments/paymentintent/{intent.pk}/change/").content.decode()
    assert "Record a refund paid in cash / UPI / bank transfer" in page
    assert url in page
    assert f"/admin/payments/paymentintent/{intent.pk}/refund/" not in page  # no Razorpay refund for cash
    form_page = staff.get(url)
    assert form_page.status_code == 200
    assert "collected ₹340.00, refunded ₹0.00, ₹340.00 left to refund" in form_page.content.decode()
    assert 'name="idempotency_key"' in form_page.content.decode()

    first = staff.post(url, _form())
    second = staff.post(url, _form())

    assert first.status_code == second.status_code == 302
    refund = Refund.objects.get()
    assert (refund.amount_paise, refund.channel, refund.bank_reference, refund.status) == (
        5_000, "upi", "412345678901", "processed",
    )  # fmt: skip
    shown = [str(message) for message in staff.get(second.url).context["messages"]]
    assert shown == ["Refund of ₹50.00 paid by UPI is recorded."] * 2
    assert admin_history(intent) == [
        ("till@example.in", CHANGE, "Recorded a refund of ₹50.00 paid by UPI, reference 412345678901: a missing pack")
    ]  # once
    listing = staff.get("/admin/payments/refund/").content.decode()
    assert 'class="sortable column-channel"' in listing
    assert '<td class="field-channel">UPI</td>' in listing
    assert staff.get("/admin/payments/refund/?channel=upi").status_code == 200


def test_view_only_staff_get_403_and_nothing_is_written(client):
    staff = _staff(client, "view_paymentintent")
    intent = collected(34_000)
    url = f"/admin/payments/paymentintent/{intent.pk}/offline-refund/"

    assert staff.get(url).status_code == 403
    assert staff.post(url, _form()).status_code == 403
    assert Refund.objects.count() == 0
    assert admin_history(intent) == []


def test_the_form_refuses_upi_without_reference_and_too_much_without_writing(client):
    staff = _staff(client, "view_paymentintent", "change_paymentintent")
    intent = collected(34_000)
    url = f"/admin/payments/paymentintent/{intent.pk}/offline-refund/"

    no_reference = staff.post(url, _form(reference=""))
    too_much = staff.post(url, _form(amount="340.01", channel="cash", reference="", idempotency_key="admin-off-2"))

    assert no_reference.status_code == too_much.status_code == 200
    assert "A UPI or bank transfer needs its reference" in no_reference.content.decode()
    assert "Only ₹340.00 is left to refund" in too_much.content.decode()
    assert Refund.objects.count() == 0
    assert admin_history(intent) == []


def test_a_razorpay_intent_offers_no_cash_refund_and_its_form_sends_back(fake, client):
    from .helpers import paid_intent

    staff = _staff(client, "view_paymentintent", "change_paymentintent")
    intent = paid_intent(fake)

    page = staff.get(f"/admin/payments/paymentintent/{intent.pk}/change/").content.decode()
    assert "Refund part or all of this payment" in page
    assert "offline-refund" not in page
    response = staff.post(f"/admin/payments/paymentintent/{intent.pk}/offline-refund/", _form())
    assert response.status_code == 302
    assert Refund.objects.count() == 0


def test_the_razorpay_refund_page_of_a_cod_intent_leads_to_the_cash_form(client):
    staff = _staff(client, "view_paymentintent", "change_paymentintent")
    intent = collected(34_000)

    response = staff.get(f"/admin/payments/paymentintent/{intent.pk}/refund/")

    assert response.status_code == 302
    assert response.url == f"/admin/payments/paymentintent/{intent.pk}/offline-refund/"


# --- The staff API ----------------------------------------------------------------------------


def _api() -> APIClient:
    client = APIClient()
    client.force_authenticate(UserFactory(is_staff=True))
    return client


def test_the_api_records_a_cod_refund_with_its_channel_201_then_200():
    intent = collected(34_000)
    payload = {
        "amount_paise": 5_000,
        "reason": "bruised",
        "idempotency_key": "api-cash-0001",
        "channel": "bank_transfer",
        "reference": "UTR77",
    }
    url = f"/api/v1/payments/orders/{intent.order_id}/refunds/"

    first = _api().post(url, payload, format="json")
    again = _api().post(url, payload, format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    body = first.json()
    assert (body["status"], body["channel"], body["bank_reference"], body["amount_paise"]) == (
        "processed", "bank_transfer", "UTR77", 5_000,
    )  # fmt: skip
    assert again.json()["id"] == body["id"]
    assert Refund.objects.count() == 1


def test_the_api_asks_for_a_channel_on_a_cod_order():
    intent = collected(34_000)

    response = _api().post(
        f"/api/v1/payments/orders/{intent.order_id}/refunds/",
        {"amount_paise": 5_000, "reason": "bruised", "idempotency_key": "api-cash-0002"},
        format="json",
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], list(error["fields"])) == ("channel_required", ["channel"])
    assert Refund.objects.count() == 0


def test_the_api_refuses_upi_without_reference_and_cash_for_a_prepaid_order():
    cod = collected(34_000)
    prepaid = PaymentIntentFactory(status="captured", captured_paise=45_000, razorpay_payment_id="pay_y")
    payload = {"amount_paise": 5_000, "reason": "bruised", "channel": "upi"}

    no_reference = _api().post(
        f"/api/v1/payments/orders/{cod.order_id}/refunds/", {**payload, "idempotency_key": "api-cash-0003"}
    )
    prepaid_cash = _api().post(
        f"/api/v1/payments/orders/{prepaid.order_id}/refunds/",
        {**payload, "reference": "4123", "idempotency_key": "api-cash-0004"},
    )

    assert no_reference.status_code == 400
    assert list(no_reference.json()["error"]["fields"]) == ["reference"]
    assert prepaid_cash.status_code == 409
    assert prepaid_cash.json()["error"]["code"] == "not_cash_on_delivery"
    assert Refund.objects.count() == 0
