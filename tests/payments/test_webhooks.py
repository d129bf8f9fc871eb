"""The webhook endpoint: raw-body signature, inbox once per event id, any order, any duplicates."""

from __future__ import annotations

import json

import pytest

from payments import services
from payments.events import PaymentCaptured, PaymentFailed
from payments.fake_razorpay import sign
from payments.models import PaymentTransition, WebhookEvent
from shop.eventbus.models import Event as EventRecord
from shop.eventbus.testing import captured_events

from .conftest import WEBHOOK_PATH, WEBHOOK_SECRET
from .helpers import request

pytestmark = pytest.mark.django_db


def _post(client, body: bytes, *, signature: str | None, event_id: str = "evt_test000001"):
    headers = {"X-Razorpay-Event-Id": event_id}
    if signature is not None:
        headers["X-Razorpay-Signature"] = signature
    return client.post(WEBHOOK_PATH, data=body, content_type="application/json", headers=headers)


def _envelope(fake, order_id: str) -> bytes:
    """A real webhook body the fake produced for a successful payment of `order_id`."""
    fake.pay(order_id)
    return fake.ledger.take_outbox()[-1].body


def test_payment_webhooks_capture_the_intent_and_publish_once(fake):
    intent = request(45_000)
    fake.pay(intent.razorpay_order_id)

    with captured_events() as published:
        sent = fake.deliver_webhooks()

    intent.refresh_from_db()
    assert [status for _, status in sent] == [200, 200, 200]
    assert sorted(WebhookEvent.objects.values_list("event_type", "status")) == [
        ("order.paid", "processed"),
        ("payment.authorized", "processed"),
        ("payment.captured", "processed"),
    ]
    assert (intent.status, intent.captured_paise) == ("captured", 45_000)
    payment_id = intent.razorpay_payment_id
    assert [type(e) for e in published] == [PaymentCaptured]
    assert published[0].razorpay_payment_id == payment_id
    assert published[0].amount_paise == 45_000


def test_duplicate_webhooks_have_one_effect(fake):
    intent = request(45_000)
    fake.knobs.duplicate_webhooks = True
    fake.pay(intent.razorpay_order_id)

    with captured_events() as published:
        sent = fake.deliver_webhooks()

    assert len(sent) == 6
    assert [status for _, status in sent] == [200] * 6
    assert WebhookEvent.objects.count() == 3
    assert [type(e) for e in published] == [PaymentCaptured]
    assert list(intent.transitions.values_list("to_status", flat=True)) == [
        "pending",
        "created",
        "authorized",
        "captured",
    ]


def test_the_same_event_redelivered_later_changes_nothing(fake, client):
    intent = request(45_000)
    fake.pay(intent.razorpay_order_id)
    fake.deliver_webhooks()
    first = fake.ledger.sent[1]

    with captured_events() as published:
        response = _post(client, first.body, signature=first.signature, event_id=first.event_id)

    assert response.status_code == 200
    assert WebhookEvent.objects.filter(event_id=first.event_id).count() == 1
    assert published == []


def test_webhooks_out_of_order_end_captured(fake):
    intent = request(45_000)
    fake.knobs.reverse_webhooks = True  # order.paid, payment.captured, then payment.authorized
    fake.pay(intent.razorpay_order_id)

    with captured_events() as published:
        fake.deliver_webhooks()

    intent.refresh_from_db()
    assert [json.loads(item.body)["event"] for item in fake.ledger.sent] == [
        "order.paid",
        "payment.captured",
        "payment.authorized",
    ]
    assert intent.status == "captured"
    assert [type(e) for e in published] == [PaymentCaptured]
    # The late payment.authorized did not move the intent back.
    assert list(intent.transitions.values_list("to_status", flat=True)) == ["pending", "created", "captured"]


def test_a_failed_payment_publishes_payment_failed(fake):
    intent = request(45_000)
    fake.fail(intent.razorpay_order_id)

    with captured_events() as published:
        fake.deliver_webhooks()

    intent.refresh_from_db()
    assert intent.status == "failed"
    assert intent.failure_code == "BAD_REQUEST_ERROR"
    assert [type(e) for e in published] == [PaymentFailed]


def test_an_event_for_an_order_not_ours_is_stored_and_ignored(fake):
    order = fake.ledger.create_order({"amount": 1000, "receipt": "someone-else"})[0]
    fake.pay(order["id"])

    fake.deliver_webhooks()

    assert set(WebhookEvent.objects.values_list("status", flat=True)) == {"ignored"}


def _nothing_stored() -> None:
    assert WebhookEvent.objects.count() == 0
    assert PaymentTransition.objects.filter(source="webhook").count() == 0
    assert EventRecord.objects.count() == 0


def test_a_forged_signature_is_refused_with_400_and_nothing_stored(fake, client):
    intent = request(45_000)
    body = _envelope(fake, intent.razorpay_order_id)
    transitions_before = PaymentTransition.objects.count()
    events_before = EventRecord.objects.count()

    response = _post(client, body, signature=sign("not-the-secret", body))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_webhook"
    assert WebhookEvent.objects.count() == 0
    assert PaymentTransition.objects.count() == transitions_before
    assert EventRecord.objects.count() == events_before
    intent.refresh_from_db()
    assert intent.status == "created"


def test_a_body_changed_after_signing_is_refused(fake, client):
    intent = request(45_000)
    body = _envelope(fake, intent.razorpay_order_id)
    tampered = body.replace(b'"amount":45000', b'"amount":45001')
    assert tampered != body

    response = _post(client, tampered, signature=sign(WEBHOOK_SECRET, body))

    assert response.status_code == 400
    assert WebhookEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "signed", "event_id"),
    [
        (b'{"entity":"event"}', False, "evt_unsigned01"),  # unsigned
        (b"not json at all", True, "evt_notjson001"),
        (b'["entity","event"]', True, "evt_notobject1"),
        (b'{"entity":"payment","event":"payment.captured","payload":{}}', True, "evt_notevent01"),
        (b'{"entity":"event","event":"payment.captured","payload":{}}', True, ""),  # no event id
        (b"\xff\xfe garbage", True, "evt_notutf8001"),
    ],
)
def test_unsigned_or_malformed_webhooks_are_refused_with_400_and_nothing_stored(client, body, signed, event_id):
    signature = sign(WEBHOOK_SECRET, body) if signed else None

    response = _post(client, body, signature=signature, event_id=event_id)

    assert response.status_code == 400
    _nothing_stored()


def test_an_oversized_webhook_is_refused(client, settings):
    settings.PAYMENTS_WEBHOOK_MAX_BYTES = 1024
    body = json.dumps({"entity": "event", "event": "x.y", "payload": {"pad": "x" * 2000}}).encode()

    response = _post(client, body, signature=sign(WEBHOOK_SECRET, body))

    assert response.status_code == 400
    _nothing_stored()


def test_only_post_is_accepted(client):
    assert client.get(WEBHOOK_PATH).status_code == 405


def test_a_capture_for_a_different_amount_does_not_mark_the_order_paid(fake, client):
    intent = request(45_000)
    fake.pay(intent.razorpay_order_id)
    body = next(i.body for i in fake.ledger.take_outbox() if b'"payment.captured"' in i.body)
    cheaper = body.replace(b'"amount":45000', b'"amount":100')

    with captured_events() as published:
        response = _post(client, cheaper, signature=sign(WEBHOOK_SECRET, cheaper), event_id="evt_cheaper0001")

    assert response.status_code == 200
    intent.refresh_from_db()
    assert intent.status == "created"
    assert intent.transitions.last().note == "refused: amount 100 does not match"
    assert published == []


@pytest.fixture
def queued(monkeypatch):
    """The names of the tasks sent to the broker, as with a worker (not run here)."""
    from django.core.cache import cache

    from payments.services.webhooks import NUDGE_WAITING_KEY
    from shop.celery import app

    sent: list[str] = []

    class Queued:  # what the broker would get
        def __init__(self, name: str) -> None:
            self.name = name

        def apply_async(self, **options: object) -> None:
            sent.append(self.name)

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    monkeypatch.setattr(app, "signature", Queued)
    cache.delete(NUDGE_WAITING_KEY)
    try:
        yield sent
    finally:
        app.conf.task_always_eager = eager


def test_a_payments_webhooks_are_applied_as_they_arrive_with_no_worker_run(fake, queued):
    intent = request(45_000)
    fake.pay(intent.razorpay_order_id)

    with captured_events() as published:
        assert [status for _, status in fake.deliver_webhooks()] == [200, 200, 200]

    intent.refresh_from_db()
    assert (intent.status, intent.captured_paise) == ("captured", 45_000)
    assert set(WebhookEvent.objects.values_list("status", "attempts")) == {("processed", 1)}
    assert all(processed is not None for processed in WebhookEvent.objects.values_list("processed_at", flat=True))
    assert [type(e) for e in published] == [PaymentCaptured]
    assert queued == []


def test_webhooks_that_could_not_be_applied_wait_for_one_worker_run(fake, queued, monkeypatch):
    """Applying failed (a lock, a bug): stored for the worker, 200 to Razorpay, one run for all."""
    from django.db import OperationalError

    from payments.services import webhooks
    from payments.tasks import process_webhooks_task

    def busy(event):
        raise OperationalError("canceling statement due to lock timeout")

    intent = request(45_000)
    fake.pay(intent.razorpay_order_id)
    with monkeypatch.context() as patched:
        patched.setattr(webhooks, "_apply", busy)
        assert [status for _, status in fake.deliver_webhooks()] == [200, 200, 200]

    assert queued == ["payments.process_webhooks_task"]  # one run for the three
    assert set(WebhookEvent.objects.values_list("status", flat=True)) == {"received"}
    intent.refresh_from_db()
    assert intent.status == "created"  # nothing half-applied

    assert process_webhooks_task() == 3  # the worker's run
    intent.refresh_from_db()
    assert (intent.status, intent.captured_paise) == ("captured", 45_000)
    assert set(WebhookEvent.objects.values_list("status", flat=True)) == {"processed"}

    with monkeypatch.context() as patched:  # after the run started, the next deferred webhook queues again
        patched.setattr(webhooks, "_apply", busy)
        fake.pay(request(30_000).razorpay_order_id)
        fake.deliver_webhooks()
    assert queued == ["payments.process_webhooks_task"] * 2


def test_money_for_a_cancelled_order_is_applied_at_once_and_refunded_by_the_worker(fake, queued):
    """Calling Razorpay (the refund) is the worker's: the webhook stays RECEIVED for it."""
    from payments.tasks import process_webhooks_task

    intent = request(45_000)
    services.cancel_payment(order_id=intent.order_id, reason="payment_timeout")
    fake.pay(intent.razorpay_order_id)

    assert [status for _, status in fake.deliver_webhooks()] == [200, 200, 200]
    intent.refresh_from_db()
    assert (intent.status, intent.captured_paise, intent.refunded_paise) == ("captured", 45_000, 0)
    assert "received" in set(WebhookEvent.objects.values_list("status", flat=True))
    assert queued == ["payments.process_webhooks_task"]

    process_webhooks_task()
    intent.refresh_from_db()
    assert intent.refunded_paise == 45_000
    assert set(WebhookEvent.objects.values_list("status", flat=True)) == {"processed"}


def test_a_webhook_that_failed_here_is_tried_again_when_razorpay_resends_it(fake, client):
    intent = request(45_000)
    fake.pay(intent.razorpay_order_id)
    fake.deliver_webhooks()
    captured = next(sent for sent in fake.ledger.sent if json.loads(sent.body)["event"] == "payment.captured")
    WebhookEvent.objects.filter(event_id=captured.event_id).update(status="failed", note="DB went away")

    response = _post(client, captured.body, signature=captured.signature, event_id=captured.event_id)

    assert response.status_code == 200
    assert WebhookEvent.objects.get(event_id=captured.event_id).status == "processed"


def test_a_refund_webhook_that_overtakes_our_commit_waits_for_the_worker_instead_of_being_ignored(fake, queued):
    """Should Razorpay call back about a refund of ours before our row is visible (our own
    refunds are committed before Razorpay is asked, so this takes a refund asked for some
    other way), the webhook names our refund (its notes): it is stored for the worker, which
    applies it once the refund is there, not ignored."""
    import uuid

    from django.db.models import F

    from payments import gateway
    from payments.models import PaymentIntent, Refund
    from payments.tasks import process_webhooks_task

    from .helpers import paid_intent

    intent = paid_intent(fake, 45_000)
    refund_id = uuid.uuid4()
    # Razorpay has the refund (and sends refund.processed at once)...
    gateway.refund_payment(
        payment_id=intent.razorpay_payment_id,
        amount_paise=45_000,
        speed="normal",
        receipt=refund_id.hex,
        idempotency_key="early-webhook-0001",
        notes={"order_id": str(intent.order_id), "refund_id": str(refund_id)},
    )
    assert [status for _, status in fake.deliver_webhooks()] == [200]
    # ...before the handler that asked for it committed our row: not ignored, kept for the worker.
    early = WebhookEvent.objects.filter(event_type="refund.processed")
    assert list(early.values_list("status", flat=True)) == ["received"]
    assert queued == ["payments.process_webhooks_task"]

    # The handler's transaction commits (what refund_payment writes), then the worker runs.
    Refund.objects.create(
        id=refund_id, intent=intent, idempotency_key="early-webhook-0001", amount_paise=45_000, reason="customer asked"
    )
    PaymentIntent.objects.filter(id=intent.id).update(refunded_paise=F("refunded_paise") + 45_000)
    assert process_webhooks_task() == 1

    refund = Refund.objects.get(id=refund_id)
    assert (refund.status, refund.razorpay_refund_id) == ("processed", next(iter(fake.ledger.refunds)))
    assert list(early.values_list("status", flat=True)) == ["processed"]
    intent.refresh_from_db()
    assert intent.status == "refunded"


def test_a_refund_webhook_for_a_refund_made_elsewhere_is_ignored(fake):
    """A refund made in Razorpay's dashboard carries none of our notes: nothing to wait for."""
    from payments import gateway

    from .helpers import paid_intent

    intent = paid_intent(fake, 45_000)
    fake.deliver_webhooks()
    WebhookEvent.objects.all().delete()
    gateway.refund_payment(
        payment_id=intent.razorpay_payment_id,
        amount_paise=10_000,
        speed="normal",
        receipt="dashboard-refund",
        idempotency_key="dashboard-0001",
        notes={},
    )
    fake.deliver_webhooks()

    assert list(WebhookEvent.objects.values_list("status", "note")) == [("ignored", "no refund of ours")]


def test_a_webhook_that_never_applies_is_given_up_after_the_last_attempt_and_staff_hear_once(fake):
    """A refund webhook whose refund never appears: the reconciler tries a minute apart, then
    stops, and payments publishes WebhookAbandoned (notifications mails staff) exactly once."""
    import uuid
    from datetime import timedelta

    from django.utils import timezone

    from payments import gateway
    from payments.events import WebhookAbandoned
    from payments.services.reconcile import reconcile
    from payments.services.webhooks import MAX_WEBHOOK_ATTEMPTS, RefundNotVisibleYet

    from .helpers import paid_intent

    intent = paid_intent(fake, 45_000)
    fake.deliver_webhooks()
    gateway.refund_payment(
        payment_id=intent.razorpay_payment_id,
        amount_paise=45_000,
        speed="normal",
        receipt="never-ours-0001",
        idempotency_key="never-ours-0001",
        notes={"order_id": str(intent.order_id), "refund_id": str(uuid.uuid4())},
    )
    fake.deliver_webhooks()
    stuck = WebhookEvent.objects.get(event_type="refund.processed")
    assert stuck.status == "failed"  # the worker's first try (eager here) could not apply it either

    with captured_events() as published:
        for minute in range(1, MAX_WEBHOOK_ATTEMPTS + 3):  # the reconciler's passes, and two more
            reconcile(now=timezone.now() + timedelta(minutes=minute))
        stuck.refresh_from_db()
        assert (stuck.status, stuck.attempts) == ("failed", MAX_WEBHOOK_ATTEMPTS)
        with pytest.raises(RefundNotVisibleYet):  # Razorpay resending it later: tried, not announced again
            services.process_webhook(webhook_id=stuck.id)
    stuck.refresh_from_db()
    assert stuck.attempts == MAX_WEBHOOK_ATTEMPTS + 1
    assert "is not (yet) in our records" in stuck.note
    abandoned = [event for event in published if isinstance(event, WebhookAbandoned)]
    assert abandoned == [
        WebhookAbandoned(
            webhook_id=stuck.id,
            razorpay_event_id=stuck.event_id,
            event_type="refund.processed",
            order_id=intent.order_id,
            attempts=MAX_WEBHOOK_ATTEMPTS,
            error=abandoned[0].error,
        )
    ]


def test_each_failed_attempt_is_published_once_with_the_count_so_far(fake):
    """The customer tries again on the same Razorpay order: every new failure is news (orders
    decides when enough is enough), a failure told twice is not, and a later success moves on."""
    intent = request(45_000)
    fake.knobs.duplicate_webhooks = True

    with captured_events() as published:
        for _ in range(2):
            fake.fail(intent.razorpay_order_id)
            fake.deliver_webhooks()
        fake.pay(intent.razorpay_order_id)
        fake.deliver_webhooks()

    failures = [e for e in published if isinstance(e, PaymentFailed)]
    assert [e.failed_attempts for e in failures] == [1, 2]
    assert len({e.razorpay_payment_id for e in failures}) == 2
    assert [type(e) for e in published][-1] is PaymentCaptured
    intent.refresh_from_db()
    assert (intent.status, intent.captured_paise) == ("captured", 45_000)
    out_of_failed = intent.transitions.filter(from_status="failed").exclude(to_status="failed")
    assert list(out_of_failed.values_list("note", flat=True)) == ["a new attempt after a failed one"]
    assert intent.transitions.filter(to_status="failed").count() == 2


def test_an_earlier_attempts_failure_told_after_a_signed_new_attempt_is_only_noted(fake):
    intent = request(45_000)
    first = fake.fail(intent.razorpay_order_id)  # its webhook is still on its way
    failed_id = json.loads(first["error[metadata]"])["payment_id"]
    fake.ledger.take_outbox()
    type(intent).objects.filter(pk=intent.pk).update(status="attempted", razorpay_payment_id="pay_SecondTry00001")

    with captured_events() as published:
        services.apply_payment(
            payment={"id": failed_id, "order_id": intent.razorpay_order_id, "status": "failed", "error_code": "X"},
            source="webhook",
        )

    intent.refresh_from_db()
    assert published == []
    assert (intent.status, intent.razorpay_payment_id) == ("attempted", "pay_SecondTry00001")
    assert intent.transitions.last().note == "an earlier attempt failed"
