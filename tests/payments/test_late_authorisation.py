"""Late authorisation: a failed payment that turns authorised; refunded if the order was cancelled."""

from __future__ import annotations

import pytest

from payments import services
from payments.events import PaymentCaptured, PaymentFailed, PaymentRefunded, RefundRequested
from shop.eventbus.testing import captured_events

from .helpers import paid_intent, request

pytestmark = pytest.mark.django_db


def _failed_intent(fake):
    intent = request(45_000)
    fake.fail(intent.razorpay_order_id)
    fake.deliver_webhooks()
    intent.refresh_from_db()
    assert intent.status == "failed"
    return intent


def test_late_authorisation_after_cancel_is_captured_and_refunded_in_full(fake):
    intent = _failed_intent(fake)
    services.cancel_payment(order_id=intent.order_id, reason="payment timed out")

    with captured_events() as published:
        fake.late_authorize(intent.razorpay_payment_id)
        fake.deliver_webhooks()  # payment.authorized -> we capture, then refund
        fake.deliver_webhooks()  # captured, order.paid, refund.processed

    intent.refresh_from_db()
    payment = fake.ledger.payments[intent.razorpay_payment_id]
    assert (payment["status"], payment["amount_refunded"]) == ("refunded", 45_000)
    assert len(fake.ledger.refunds) == 1
    assert (intent.status, intent.captured_paise, intent.refunded_paise) == ("refunded", 45_000, 45_000)
    refund = intent.refunds.get()
    assert (refund.idempotency_key, refund.status) == (f"unpayable-{intent.id.hex}", "processed")
    assert refund.reason == "order no longer payable: payment timed out"
    assert [type(e) for e in published] == [PaymentCaptured, RefundRequested, PaymentRefunded]
    moves = [(t.from_status, t.to_status) for t in intent.transitions.all() if t.from_status != t.to_status]
    assert moves[-3:] == [
        ("failed", "authorized"),
        ("authorized", "captured"),
        ("captured", "refunded"),
    ]


def test_late_authorisation_found_by_the_reconciler_when_no_webhook_comes(fake):
    intent = _failed_intent(fake)
    services.cancel_payment(order_id=intent.order_id, reason="payment timed out")
    fake.late_authorize(intent.razorpay_payment_id)
    fake.ledger.take_outbox()  # the webhooks are lost

    counts = services.reconcile()

    intent.refresh_from_db()
    assert counts["intents"] == 1
    assert intent.status == "captured"
    assert intent.refunded_paise == 45_000
    assert len(fake.ledger.refunds) == 1
    # Running it again refunds nothing more.
    services.reconcile()
    assert len(fake.ledger.refunds) == 1


def test_late_authorisation_of_a_payable_order_is_captured_for_the_order(fake):
    intent = _failed_intent(fake)

    with captured_events() as published:
        fake.late_authorize(intent.razorpay_payment_id)
        fake.deliver_webhooks()
        fake.deliver_webhooks()

    intent.refresh_from_db()
    assert intent.status == "captured"
    assert [type(e) for e in published] == [PaymentCaptured]
    assert fake.ledger.refunds == {}


def test_cancelling_a_captured_payment_refunds_it_once(fake):
    intent = paid_intent(fake)

    services.cancel_payment(order_id=intent.order_id, reason="out of stock")
    services.cancel_payment(order_id=intent.order_id, reason="out of stock")

    assert len(fake.ledger.refunds) == 1
    assert intent.refunds.get().amount_paise == 45_000


def test_cancelling_an_unpaid_payment_only_marks_it(fake):
    intent = request(45_000)

    with captured_events() as published:
        services.cancel_payment(order_id=intent.order_id, reason="slot unavailable")

    intent.refresh_from_db()
    assert intent.status == "created"
    assert intent.cancelled_at is not None
    assert published == []


def test_a_failure_reported_after_capture_changes_nothing(fake):
    intent = paid_intent(fake)
    # Another attempt on the same order fails after this one was captured.
    intent_before = intent.status
    fake.ledger.orders[intent.razorpay_order_id]["status"] = "attempted"
    fake.fail(intent.razorpay_order_id)

    with captured_events() as published:
        fake.deliver_webhooks()

    intent.refresh_from_db()
    assert intent.status == intent_before == "captured"
    assert not any(isinstance(e, PaymentFailed) for e in published)


def test_an_authorisation_razorpay_returned_uncaptured_is_no_capture(fake):
    """After 3 days Razorpay refunds an authorisation nobody captured: the payment reads
    status "refunded" with captured false. No money came in: no capture, nothing to refund."""
    from django.db import transaction

    from payments.services.observe import apply_payment

    intent = request(45_000)
    payment = {"id": "pay_lapsed", "order_id": intent.razorpay_order_id, "amount": 45_000, "currency": "INR"}
    with transaction.atomic():
        apply_payment(payment={**payment, "status": "authorized", "captured": False}, source="webhook")
    with captured_events() as published, transaction.atomic():
        apply_payment(payment={**payment, "status": "refunded", "captured": False}, source="webhook")

    intent.refresh_from_db()
    assert (intent.status, intent.captured_paise, intent.refunded_paise) == ("refunded", 0, 0)
    assert published == []


def test_a_cancelled_orders_money_goes_back_in_full_when_an_earlier_refund_fails(fake):
    """A 50.00 adjustment refund is on its way when the order is cancelled: the cancellation
    refunds the other 400.00. When the adjustment's refund then fails, its 50.00 goes back
    too, under a key of its own (the first key is taken by the 400.00)."""
    intent = paid_intent(fake, 45_000)
    fake.knobs.fail_refunds = True
    services.refund_payment(
        order_id=intent.order_id, amount_paise=5_000, idempotency_key="adjust-00001", reason="short at picking"
    )
    fake.knobs.fail_refunds = False
    services.cancel_payment(order_id=intent.order_id, reason="customer cancelled")
    fake.deliver_webhooks()  # the adjustment's refund.failed, the cancellation's refund.processed
    fake.deliver_webhooks()

    services.reconcile()
    fake.deliver_webhooks()

    intent.refresh_from_db()
    assert (intent.status, intent.refunded_paise) == ("refunded", 45_000)
    assert sorted((r.amount_paise, r.status) for r in intent.refunds.all()) == [
        (5_000, "failed"), (5_000, "processed"), (40_000, "processed"),
    ]  # fmt: skip
    assert sum(r["amount"] for r in fake.ledger.refunds.values() if r["status"] == "processed") == 45_000


def test_a_cancelled_orders_refund_that_keeps_failing_is_tried_three_times_then_left_to_staff(fake):
    intent = paid_intent(fake, 45_000)
    fake.knobs.fail_refunds = True
    services.cancel_payment(order_id=intent.order_id, reason="customer cancelled")
    for _ in range(5):
        fake.deliver_webhooks()
        services.reconcile()

    intent.refresh_from_db()
    assert [r.status for r in intent.refunds.all()] == ["failed"] * 3
    assert (intent.status, intent.refunded_paise) == ("captured", 0)  # staff refund it (alerted each time)


def test_a_failed_attempt_razorpay_captures_after_the_order_was_paid_is_refunded_whole(
    fake, django_capture_on_commit_callbacks
):
    """The first attempt failed, the second paid; days later Razorpay captures the first as
    well. That money was never the order's: it goes back in full, once, and the intent's
    own payment and refunds stay as they were."""
    intent = request(45_000)
    fake.fail(intent.razorpay_order_id)
    fake.deliver_webhooks()
    intent.refresh_from_db()
    first = intent.razorpay_payment_id
    fake.pay(intent.razorpay_order_id)
    fake.deliver_webhooks()
    intent.refresh_from_db()
    paid_with = intent.razorpay_payment_id
    assert (intent.status, paid_with != first) == ("captured", True)

    with captured_events() as published:
        fake.late_authorize(first, capture=True)
        with django_capture_on_commit_callbacks(execute=True):
            fake.deliver_webhooks()  # authorized, captured, order.paid: the refund is asked after commit
        fake.deliver_webhooks()  # refund.processed
        fake.deliver_webhooks()  # a duplicate of them all changes nothing
        fake.deliver_webhooks()

    intent.refresh_from_db()
    assert (intent.status, intent.razorpay_payment_id, intent.captured_paise, intent.refunded_paise) == (
        "captured", paid_with, 45_000, 0,
    )  # fmt: skip
    (refund,) = intent.refunds.all()
    assert (refund.extra_payment_id, refund.amount_paise, refund.status) == (first, 45_000, "processed")
    assert fake.ledger.payments[first]["amount_refunded"] == 45_000
    assert fake.ledger.payments[paid_with]["amount_refunded"] == 0
    assert published == []  # the order's books are not this payment's
    assert services.reconcile()["intents"] == 0  # nothing left for it to do
    assert services.refund_payment(  # the order's own money is still refundable in full
        order_id=intent.order_id, amount_paise=45_000, idempotency_key="after-extra-01", reason="cancelled"
    ).status in ("pending", "processed")


def test_a_second_payments_refund_lost_in_a_crash_is_sent_by_the_reconciler(fake):
    intent = request(45_000)
    fake.fail(intent.razorpay_order_id)
    fake.deliver_webhooks()
    intent.refresh_from_db()
    first = intent.razorpay_payment_id
    fake.pay(intent.razorpay_order_id)
    fake.deliver_webhooks()
    fake.late_authorize(first, capture=True)
    fake.deliver_webhooks()  # the refund is written; the process dies before asking Razorpay

    services.reconcile()
    fake.deliver_webhooks()

    (refund,) = intent.refunds.all()
    assert (refund.extra_payment_id, refund.status) == (first, "processed")
    assert fake.ledger.payments[first]["amount_refunded"] == 45_000
