"""Refunds through the real SDK: full, partial, idempotent retries, processed and failed webhooks."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from payments import services
from payments.errors import PaymentRefused
from payments.events import PaymentRefunded, RefundFailed, RefundRequested
from payments.models import Refund
from shop.eventbus.testing import captured_events, deliver_pending

from .factories import CodIntentFactory
from .helpers import paid_intent, request

pytestmark = pytest.mark.django_db


def _refund(intent, amount: int, key: str, reason: str = "customer asked"):
    return services.refund_payment(order_id=intent.order_id, amount_paise=amount, idempotency_key=key, reason=reason)


def test_a_full_refund_is_processed_with_the_bank_reference(fake):
    intent = paid_intent(fake, 45_000)

    with captured_events() as published:
        refund = _refund(intent, 45_000, "full-refund-0001")
        assert refund.status == "pending"
        fake.deliver_webhooks()

    refund.refresh_from_db()
    intent.refresh_from_db()
    at_razorpay = fake.ledger.refunds[refund.razorpay_refund_id]
    assert (at_razorpay["amount"], at_razorpay["payment_id"]) == (45_000, intent.razorpay_payment_id)
    assert at_razorpay["receipt"] == refund.id.hex
    assert refund.status == "processed"
    assert refund.bank_reference == at_razorpay["acquirer_data"]["arn"]
    assert len(refund.bank_reference) == 23
    assert (intent.status, intent.refunded_paise) == ("refunded", 45_000)
    assert published == [
        RefundRequested(
            order_id=intent.order_id,
            refund_id=refund.id,
            amount_paise=45_000,
            reason="customer asked",
            idempotency_key="full-refund-0001",
        ),
        PaymentRefunded(
            order_id=intent.order_id,
            refund_id=refund.id,
            razorpay_refund_id=refund.razorpay_refund_id,
            amount_paise=45_000,
            bank_reference=refund.bank_reference,
            refunded_at=refund.processed_at,
        ),
    ]


def test_partial_refunds_add_up_to_the_captured_amount_and_no_further(fake):
    intent = paid_intent(fake, 45_000)

    _refund(intent, 5_000, "shortfall-line-1", "weight shortfall")
    _refund(intent, 10_000, "missing-item-2", "item missing")
    fake.deliver_webhooks()
    intent.refresh_from_db()
    assert (intent.status, intent.refunded_paise) == ("captured", 15_000)

    with pytest.raises(PaymentRefused) as refused:
        _refund(intent, 30_001, "too-much-0003")
    assert refused.value.code == "refund_exceeds_captured"

    _refund(intent, 30_000, "the-rest-0004")
    fake.deliver_webhooks()
    intent.refresh_from_db()
    assert (intent.status, intent.refunded_paise) == ("refunded", 45_000)
    assert fake.ledger.payments[intent.razorpay_payment_id]["amount_refunded"] == 45_000
    assert Refund.objects.filter(intent=intent, status="processed").count() == 3


def test_a_refund_asked_for_inside_a_transaction_goes_to_razorpay_after_its_commit(fake):
    """An event handler's refund (a cancelled order's) is only written down in the handler's
    transaction; the bus's next delivery asks Razorpay, once the row is there for good."""
    intent = paid_intent(fake, 45_000)

    with transaction.atomic():
        refund = _refund(intent, 45_000, "cancelled-order-01", "order cancelled")
        assert refund.status == "requested"
        assert fake.ledger.refunds == {}  # Razorpay has not been asked inside the transaction

    deliver_pending()  # payments.send_requested_refund
    refund.refresh_from_db()
    assert refund.status == "pending"
    assert fake.ledger.refunds[refund.razorpay_refund_id]["receipt"] == refund.id.hex
    fake.deliver_webhooks()
    refund.refresh_from_db()
    intent.refresh_from_db()
    assert (refund.status, intent.status, intent.refunded_paise) == ("processed", "refunded", 45_000)


def test_a_refund_rolled_back_with_its_transaction_never_reaches_razorpay(fake):
    intent = paid_intent(fake, 45_000)

    with pytest.raises(RuntimeError), transaction.atomic():
        _refund(intent, 45_000, "rolled-back-0001", "order cancelled")
        raise RuntimeError("the handler failed after asking for the refund")

    deliver_pending()
    intent.refresh_from_db()
    assert fake.ledger.refunds == {}
    assert not Refund.objects.exists()
    assert (intent.status, intent.refunded_paise) == ("captured", 0)


def test_retrying_a_refund_with_the_same_key_is_one_refund(fake):
    intent = paid_intent(fake, 45_000)
    first = _refund(intent, 5_000, "retry-me-00001")

    with captured_events() as published:
        again = _refund(intent, 5_000, "retry-me-00001")

    assert again.id == first.id
    assert len(fake.ledger.refunds) == 1
    assert published == []


def test_a_refund_whose_answer_is_lost_is_resent_with_the_same_key_and_stays_one_refund(fake, settings):
    intent = paid_intent(fake, 45_000)
    settings.RAZORPAY_READ_TIMEOUT = 0.5
    fake.knobs.timeout_delay = 1.5
    fake.knobs.timeout_next_refunds = 3  # the first call and both SDK retries time out

    refund = _refund(intent, 5_000, "lost-answer-01")

    assert refund.status == "requested"
    assert refund.razorpay_refund_id is None
    assert "Unknown" in refund.last_error
    assert len(fake.ledger.refunds) == 1  # Razorpay did refund; we just did not hear

    counts = services.reconcile()  # resends with the same X-Refund-Idempotency

    refund.refresh_from_db()
    assert counts["refunds"] == 1
    assert len(fake.ledger.refunds) == 1
    assert refund.razorpay_refund_id == next(iter(fake.ledger.refunds))
    assert refund.status == "processed"


def test_the_sdk_retry_of_a_timed_out_refund_gets_the_same_refund(fake, settings):
    intent = paid_intent(fake, 45_000)
    settings.RAZORPAY_READ_TIMEOUT = 0.5
    fake.knobs.timeout_delay = 1.5
    fake.knobs.timeout_next_refunds = 1

    refund = _refund(intent, 5_000, "sdk-retry-0001")

    assert len(fake.ledger.refunds) == 1
    assert refund.razorpay_refund_id == next(iter(fake.ledger.refunds))


def test_a_key_reused_for_a_different_amount_is_refused(fake):
    intent = paid_intent(fake, 45_000)
    _refund(intent, 5_000, "reused-key-001")

    with pytest.raises(PaymentRefused) as refused:
        _refund(intent, 6_000, "reused-key-001")

    assert refused.value.code == "idempotency_conflict"
    assert len(fake.ledger.refunds) == 1


def test_a_failed_refund_makes_the_amount_refundable_again(fake):
    intent = paid_intent(fake, 45_000)
    fake.knobs.fail_refunds = True
    refund = _refund(intent, 5_000, "will-fail-0001")

    with captured_events() as published:
        fake.deliver_webhooks()

    refund.refresh_from_db()
    intent.refresh_from_db()
    assert refund.status == "failed"
    assert intent.refunded_paise == 0
    assert [type(e) for e in published] == [RefundFailed]
    assert published[0].amount_paise == 5_000


def test_refund_webhooks_duplicated_and_reordered_have_one_effect(fake):
    intent = paid_intent(fake, 45_000)
    fake.knobs.duplicate_webhooks = True
    refund = _refund(intent, 5_000, "dup-refund-001")

    with captured_events() as published:
        fake.deliver_webhooks()

    refund.refresh_from_db()
    assert refund.status == "processed"
    assert [type(e) for e in published] == [PaymentRefunded]


def test_an_uncaptured_payment_cannot_be_refunded(fake):
    intent = request(45_000)

    with pytest.raises(PaymentRefused) as refused:
        _refund(intent, 45_000, "not-captured-01")

    assert refused.value.code == "not_captured"
    assert Refund.objects.count() == 0


def test_cash_on_delivery_is_not_refunded_through_razorpay(fake):
    intent = CodIntentFactory(status="captured", captured_paise=30_000, amount_paise=30_000)

    with pytest.raises(PaymentRefused) as refused:
        _refund(intent, 1_000, "cod-refund-001")

    assert refused.value.code == "not_refundable"


def test_an_unknown_order_is_404():
    with pytest.raises(PaymentRefused) as refused:
        services.refund_payment(order_id=uuid.uuid4(), amount_paise=1000, idempotency_key="x" * 12, reason="r")
    assert refused.value.status_code == 404


@pytest.mark.parametrize(
    ("amount", "key", "reason", "field"),
    [
        (99, "valid-key-0001", "r", "amount_paise"),
        (1000, "short", "r", "idempotency_key"),
        (1000, "has spaces in it", "r", "idempotency_key"),
        (1000, "valid-key-0001", "  ", "reason"),
    ],
)
def test_bad_refund_input_is_refused_before_anything_is_written(fake, amount, key, reason, field):
    intent = paid_intent(fake, 45_000)

    with pytest.raises(ValidationError) as invalid:
        services.refund_payment(order_id=intent.order_id, amount_paise=amount, idempotency_key=key, reason=reason)

    assert list(invalid.value.message_dict) == [field]
    assert Refund.objects.count() == 0
    assert fake.ledger.refunds == {}


def test_a_refused_resend_of_a_refund_razorpay_made_is_not_booked_failed(fake, monkeypatch):
    """The first answer is lost and the resend refused (not "in progress"): our refund is at
    Razorpay all the same. Booking it failed would make its amount refundable again, and a
    second refund of the same money possible."""
    from payments import gateway

    intent = paid_intent(fake, 45_000)
    real = gateway.refund_payment

    def made_then_refused(**kwargs):
        real(**kwargs)  # Razorpay makes the refund...
        raise gateway.Rejected("BAD_REQUEST_ERROR: the request could not be completed")  # ...the answer says no

    monkeypatch.setattr(gateway, "refund_payment", made_then_refused)

    refund = _refund(intent, 20_000, "lost-answer-001")

    refund.refresh_from_db()
    intent.refresh_from_db()
    assert refund.status == fake.ledger.refunds[refund.razorpay_refund_id]["status"] == "processed"  # not "failed"
    assert intent.refunded_paise == 20_000  # still counted: no second refund of this money
    fake.deliver_webhooks()  # refund.processed, as usual
    refund.refresh_from_db()
    assert refund.status == "processed"


def test_a_refund_razorpay_refuses_and_does_not_hold_is_booked_failed(fake, monkeypatch):
    from payments import gateway

    intent = paid_intent(fake, 45_000)

    def refused(**kwargs):
        raise gateway.Rejected("BAD_REQUEST_ERROR: the payment cannot be refunded")

    monkeypatch.setattr(gateway, "refund_payment", refused)

    refund = _refund(intent, 20_000, "refused-0001")

    refund.refresh_from_db()
    intent.refresh_from_db()
    assert (refund.status, intent.refunded_paise) == ("failed", 0)
    assert fake.ledger.refunds == {}
