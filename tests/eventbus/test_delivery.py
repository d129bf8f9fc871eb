"""Delivery: exactly-once effect, per-key order, retries, dead letters, upcasting, tracing."""

import dataclasses
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from shop.eventbus import publish
from shop.eventbus.delivery import claim, reap_expired_leases
from shop.eventbus.models import Delivery, Event, InboxEntry
from shop.eventbus.registry import RetryPolicy
from shop.eventbus.services import replay_dead_letters
from shop.eventbus.testing import deliver_pending
from tests.eventbus.busapp.events import Chained, Poison, Slow, ThingHappened
from tests.eventbus.busapp.models import Effect

pytestmark = pytest.mark.django_db


def _publish(event, key) -> uuid.UUID:
    with transaction.atomic():
        return publish(event, key=key)


@contextmanager
def _handled_by(name: str, handler: Any, **changes: Any) -> Iterator[None]:
    """Swap a subscription's handler (and settings) for the length of a test."""
    from shop.eventbus import registry

    sub = registry.get_subscription(name)
    assert sub is not None
    swapped = dataclasses.replace(sub, handler=handler, **changes)
    registry._subscriptions[registry._subscriptions.index(sub)] = swapped
    registry._clear_caches()
    try:
        yield
    finally:
        registry._subscriptions[registry._subscriptions.index(swapped)] = sub
        registry._clear_caches()


def test_each_subscriber_applies_an_event_once() -> None:
    _publish(ThingHappened(n=5), "k")

    assert deliver_pending() == 2
    assert list(Effect.objects.values_list("subscriber", "n", "label")) == [
        ("busapp.record_thing", 5, ""),
        ("busapp.record_thing_v2", 5, "from-v1"),  # upcast on read
    ]
    assert set(Delivery.objects.values_list("status", "attempts")) == {("done", 1)}
    assert InboxEntry.objects.count() == 2
    assert deliver_pending() == 0


def test_a_redelivered_event_is_a_no_op() -> None:
    _publish(ThingHappened(n=5), "k")
    deliver_pending()
    # As if a lease expired after the handler committed: the delivery is claimable again.
    Delivery.objects.update(status="pending")

    assert deliver_pending() == 2
    assert Effect.objects.count() == 2  # not 4
    assert set(Delivery.objects.values_list("status", flat=True)) == {"done"}


def test_events_of_one_key_are_handled_in_publish_order(small_batches) -> None:
    for n in range(10):
        _publish(ThingHappened(n=n), "same-key")
        _publish(ThingHappened(n=100 + n), f"other-{n}")

    deliver_pending()

    same = list(Effect.objects.filter(subscriber="busapp.record_thing", n__lt=100).values_list("n", flat=True))
    assert same == list(range(10))


def test_only_the_head_of_a_key_is_claimed_at_a_time() -> None:
    for n in range(3):
        _publish(ThingHappened(n=n), "k")

    claimed = claim(token="t", batch_size=100)

    assert sorted((d.subscriber, d.event.payload["n"]) for d in claimed) == [
        ("busapp.record_thing", 0),
        ("busapp.record_thing_v2", 0),
    ]


def test_a_failing_event_holds_back_only_its_own_key() -> None:
    _publish(Poison(mode="transient"), "sick")
    _publish(ThingHappened(n=1), "sick")  # different subscriber: not held
    _publish(Poison(mode="permanent"), "healthy-after")  # dies at once, releases its key
    _publish(ThingHappened(n=2), "healthy-after")

    deliver_pending()

    poison = Delivery.objects.get(event__key="sick", subscriber="busapp.poisoned")
    assert (poison.status, poison.attempts) == ("pending", 1)
    assert poison.available_at > poison.event.occurred_at  # backing off
    assert sorted(Effect.objects.filter(subscriber="busapp.record_thing").values_list("n", flat=True)) == [1, 2]


def test_same_subscriber_same_key_waits_behind_a_retrying_event(small_batches) -> None:
    from django.test import override_settings

    from tests.eventbus.busapp import handlers

    calls: list[int] = []

    def flaky(event: ThingHappened) -> None:
        calls.append(event.n)
        if event.n == 0 and calls.count(0) < 2:
            raise ConnectionError("try again")
        Effect.objects.create(subscriber="flaky", key="k", n=event.n)

    original = handlers.record_thing
    with (
        _handled_by("busapp.record_thing", flaky, retry=RetryPolicy(3, 0.0, 0.0)),
        override_settings(EVENTBUS_BATCH_SIZE=10),
    ):
        _publish(ThingHappened(n=0), "k")
        _publish(ThingHappened(n=1), "k")
        deliver_pending(ignore_backoff=True)
    assert original is handlers.record_thing
    assert calls == [0, 0, 1]  # 1 waited until 0 succeeded
    assert list(Effect.objects.filter(subscriber="flaky").values_list("n", flat=True)) == [0, 1]


def test_transient_failures_retry_with_backoff_then_dead_letter_with_the_whole_story() -> None:
    _publish(Poison(mode="transient"), "k")

    deliver_pending(ignore_backoff=True)

    dead = Delivery.objects.get(subscriber="busapp.poisoned")
    assert dead.status == "dead"
    assert dead.attempts == 3  # the subscriber's policy
    assert dead.error_kind == "exception"
    assert dead.error_type == "builtins.ConnectionError"
    assert dead.last_error == "the far side is down"
    assert "raise ConnectionError" in dead.last_traceback
    assert dead.dead_at is not None
    assert dead.event.payload == {"mode": "transient"}  # the envelope is kept


def test_a_permanent_error_dead_letters_at_once() -> None:
    _publish(Poison(mode="permanent"), "k")

    deliver_pending(ignore_backoff=True)

    dead = Delivery.objects.get(subscriber="busapp.poisoned")
    assert (dead.status, dead.attempts, dead.error_kind) == ("dead", 1, "permanent")


def test_a_payload_that_breaks_its_contract_is_dead_lettered_without_retry() -> None:
    event_id = _publish(ThingHappened(n=1), "k")
    Event.objects.filter(event_id=event_id).update(payload={"n": "not a number"})

    deliver_pending(ignore_backoff=True)

    deliveries = Delivery.objects.filter(event__event_id=event_id)
    assert set(deliveries.values_list("status", "attempts", "error_kind")) == {("dead", 1, "contract")}
    assert Effect.objects.count() == 0


def test_replaying_a_dead_letter_delivers_it_again() -> None:
    event_id = _publish(ThingHappened(n=1), "k")
    Event.objects.filter(event_id=event_id).update(payload={"n": "broken"})
    deliver_pending()
    Event.objects.filter(event_id=event_id).update(payload={"n": 1})  # the fix is deployed

    replayed = replay_dead_letters(Delivery.objects.filter(status="dead"))
    deliver_pending()

    assert replayed == 2
    assert set(Delivery.objects.filter(event__event_id=event_id).values_list("status", "replays")) == {("done", 1)}
    assert Effect.objects.count() == 2


def test_what_a_handler_publishes_carries_causation_and_correlation() -> None:
    import structlog

    with structlog.contextvars.bound_contextvars(request_id="req-7"):
        cause_id = _publish(Chained(n=3), "c")
    deliver_pending()

    caused = Event.objects.get(name="busapp.thing_happened.v1")
    assert caused.causation_id == cause_id
    assert caused.correlation_id == "req-7"
    assert caused.request_id == "req-7"
    assert Effect.objects.filter(n=3).count() == 2


def test_an_expired_lease_is_taken_back_and_the_effect_applied_once() -> None:
    _publish(ThingHappened(n=9), "k")
    claimed = claim(token="dead-worker", batch_size=10)
    assert len(claimed) == 2
    assert deliver_pending() == 0  # leased: nobody else takes them
    Delivery.objects.update(lease_expires_at="2000-01-01T00:00:00Z")

    assert reap_expired_leases() == 2
    deliver_pending()

    assert Effect.objects.count() == 2
    assert set(Delivery.objects.values_list("status", "attempts")) == {("done", 2)}


def test_a_delivery_that_keeps_killing_workers_is_dead_lettered() -> None:
    _publish(Poison(mode="transient"), "k")  # policy: 3 attempts
    for _ in range(3):
        claim(token="doomed", batch_size=10)
        Delivery.objects.update(lease_expires_at="2000-01-01T00:00:00Z")
        reap_expired_leases()
    dead = Delivery.objects.get(subscriber="busapp.poisoned")
    assert (dead.status, dead.error_kind, dead.attempts) == ("dead", "lost", 3)


def test_backoff_grows_exponentially_with_jitter_and_is_capped() -> None:
    policy = RetryPolicy(attempts=10, base_seconds=1.0, max_seconds=30.0)
    for attempt, ceiling in [(1, 1), (2, 2), (3, 4), (4, 8), (6, 30), (9, 30)]:
        delays = {policy.delay(attempt) for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1  # jittered


def test_a_batch_costs_a_bounded_number_of_queries() -> None:
    for n in range(20):
        _publish(ThingHappened(n=n), f"k{n}")
    with CaptureQueriesContext(connection) as queries:
        deliver_pending()
    # Per batch: the claim (one statement on PostgreSQL), one inbox insert for
    # the batch, the done update, and the final empty claim; per delivery: savepoint,
    # the handler's own insert, release.
    assert len(queries) <= 13 + 40 * 3


def test_own_transaction_subscribers_commit_each_delivery_apart() -> None:
    def record(event: ThingHappened) -> None:
        Effect.objects.create(subscriber="own", key="k", n=event.n)

    with _handled_by("busapp.record_thing", record, own_transaction=True):
        for n in range(3):
            _publish(ThingHappened(n=n), f"k{n}")
        with CaptureQueriesContext(connection) as queries:
            deliver_pending()
    assert sorted(Effect.objects.filter(subscriber="own").values_list("n", flat=True)) == [0, 1, 2]
    # One inbox insert for the shared batch (the v2 subscriber) and one per own-transaction delivery.
    assert sum("INSERT INTO eventbus_inboxentry" in q["sql"] for q in queries.captured_queries) == 1 + 3


def test_a_failing_own_transaction_handler_leaves_nothing_and_is_retried() -> None:
    """Alone in its transaction, a handler runs without a savepoint: when it fails the
    whole transaction (its effect and the inbox row) rolls back, the retry is recorded."""
    calls: list[int] = []

    def flaky(event: ThingHappened) -> None:
        calls.append(event.n)
        Effect.objects.create(subscriber="own", key="k", n=len(calls))
        if len(calls) == 1:
            raise ConnectionError("the far side blinked")

    with _handled_by("busapp.record_thing", flaky, own_transaction=True):
        _publish(ThingHappened(n=7), "k")
        deliver_pending()
        delivery = Delivery.objects.get(subscriber="busapp.record_thing")
        assert (delivery.status, delivery.attempts, delivery.error_type) == ("pending", 1, "builtins.ConnectionError")
        assert not Effect.objects.filter(subscriber="own").exists()
        assert not InboxEntry.objects.filter(subscriber="busapp.record_thing").exists()
        deliver_pending(ignore_backoff=True)
    assert list(Effect.objects.filter(subscriber="own").values_list("n", flat=True)) == [2]
    assert Delivery.objects.get(subscriber="busapp.record_thing").status == "done"
    assert InboxEntry.objects.filter(subscriber="busapp.record_thing").count() == 1


@pytest.mark.django_db(transaction=True)
def test_drain_waits_for_what_another_worker_holds() -> None:
    import threading

    from shop.eventbus.delivery import drain

    _publish(ThingHappened(n=1), "k")
    claimed = claim(token="other-worker", batch_size=10)  # another process is "handling" them
    assert len(claimed) == 2

    def other_worker_finishes() -> None:
        import time

        from django.db import connection as thread_connection

        time.sleep(0.5)
        try:
            Delivery.objects.filter(claimed_by="other-worker").update(status="done")
        finally:
            thread_connection.close()

    finisher = threading.Thread(target=other_worker_finishes)
    finisher.start()
    drain(timeout=10, poll=0.05)  # returns only once the other worker is done
    finisher.join()
    assert set(Delivery.objects.values_list("status", flat=True)) == {"done"}


def test_a_shared_batch_runs_in_key_order_so_two_workers_lock_alike() -> None:
    """Handlers lock their key's rows until the batch commits: a batch taken in publish
    order could lock k2 then k1 while another worker's locks k1 then k2 (a deadlock)."""
    for key, n in (("k2", 1), ("k1", 2), ("k3", 3)):
        _publish(ThingHappened(n=n), key)

    deliver_pending()

    handled = list(Effect.objects.filter(subscriber="busapp.record_thing").order_by("id").values_list("n", flat=True))
    assert handled == [2, 1, 3]  # k1, k2, k3


@pytest.mark.django_db(transaction=True)
def test_a_batch_runs_without_savepoints_while_its_handlers_succeed() -> None:
    """Handlers seldom fail, so a batch (of one or of many) runs in its transaction with no
    SAVEPOINT / RELEASE round trips around each handler."""
    _publish(Slow(token=uuid.uuid4(), seconds=0), "one")  # one subscriber: one delivery
    with CaptureQueriesContext(connection) as queries:
        assert deliver_pending() == 1
    assert Effect.objects.filter(subscriber="busapp.sleep_then_record").count() == 1
    assert not [q for q in queries.captured_queries if q["sql"].startswith("SAVEPOINT")]

    _publish(Slow(token=uuid.uuid4(), seconds=0), "two")
    _publish(Slow(token=uuid.uuid4(), seconds=0), "three")
    with CaptureQueriesContext(connection) as queries:
        assert deliver_pending() == 2
    assert Effect.objects.filter(subscriber="busapp.sleep_then_record").count() == 3
    assert not [q for q in queries.captured_queries if q["sql"].startswith("SAVEPOINT")]


@pytest.mark.django_db(transaction=True)
def test_a_failing_handler_undoes_only_itself_and_counts_one_attempt() -> None:
    """When a handler fails, the optimistic transaction rolls back whole and the batch runs
    again with a savepoint per handler: the others' effects are kept, the failing one's
    effect and inbox row are not, and its attempt is counted once."""

    def record_unless_13(event: ThingHappened) -> None:
        Effect.objects.create(subscriber="busapp.record_thing", key="k", n=event.n)
        if event.n == 13:
            raise ConnectionError("13 is unlucky today")

    with _handled_by("busapp.record_thing", record_unless_13):
        for n in (12, 13, 14):
            _publish(ThingHappened(n=n), f"k{n}")
        with CaptureQueriesContext(connection) as queries:
            deliver_pending()

    assert sorted(Effect.objects.filter(subscriber="busapp.record_thing").values_list("n", flat=True)) == [12, 14]
    assert sorted(Effect.objects.filter(subscriber="busapp.record_thing_v2").values_list("n", flat=True)) == [
        12,
        13,
        14,
    ]
    failed = Delivery.objects.get(subscriber="busapp.record_thing", event__key="k13")
    assert (failed.status, failed.attempts, failed.error_type) == ("pending", 1, "builtins.ConnectionError")
    assert not InboxEntry.objects.filter(subscriber="busapp.record_thing", event_id=failed.event.event_id).exists()
    assert [q for q in queries.captured_queries if q["sql"].startswith("SAVEPOINT")]  # the second run


@contextmanager
def _without(name: str) -> Iterator[None]:
    """A process on older code: it has no such subscriber (the deliveries were written by newer code)."""
    from shop.eventbus import registry

    sub = registry.get_subscription(name)
    assert sub is not None
    index = registry._subscriptions.index(sub)
    registry._subscriptions.remove(sub)
    registry._clear_caches()
    try:
        yield
    finally:
        registry._subscriptions.insert(index, sub)
        registry._clear_caches()


def test_a_worker_without_a_new_subscriber_leaves_its_deliveries_to_one_that_has_it() -> None:
    """A rolling deploy: the new web added a handler; an old worker claims its delivery first."""
    _publish(ThingHappened(n=7), "k")
    with _without("busapp.record_thing_v2"):
        deliver_pending()

    waiting = Delivery.objects.get(subscriber="busapp.record_thing_v2")
    assert (waiting.status, waiting.attempts, waiting.error_kind) == ("pending", 1, "no_subscriber")
    assert "not a subscriber in this process" in waiting.last_error

    deliver_pending(ignore_backoff=True)  # a worker on the new code

    assert set(Delivery.objects.values_list("status", flat=True)) == {"done"}
    assert list(Effect.objects.order_by("subscriber").values_list("subscriber", "n")) == [
        ("busapp.record_thing", 7),
        ("busapp.record_thing_v2", 7),
    ]


def test_a_subscriber_gone_for_good_ends_in_a_dead_letter() -> None:
    from shop.eventbus.delivery import UNKNOWN_SUBSCRIBER_RETRY

    _publish(ThingHappened(n=1), "k")
    with _without("busapp.record_thing_v2"):
        deliver_pending(ignore_backoff=True)

    dead = Delivery.objects.get(subscriber="busapp.record_thing_v2")
    assert (dead.status, dead.error_kind) == ("dead", "no_subscriber")
    assert dead.attempts == UNKNOWN_SUBSCRIBER_RETRY.attempts
