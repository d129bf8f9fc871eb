"""Guarantees that need real concurrent transactions: commit order, per-key publish order, nudges."""

import threading

import pytest
from django.db import connection, transaction
from django.test import override_settings

from shop.eventbus import metrics, publish
from shop.eventbus.models import Delivery
from shop.eventbus.tasks import sweep_task
from shop.eventbus.testing import deliver_pending
from tests.eventbus.busapp.events import ThingHappened
from tests.eventbus.busapp.models import Effect

pytestmark = pytest.mark.django_db(transaction=True)


def _in_thread(target) -> threading.Thread:
    def run() -> None:
        try:
            target()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _effects() -> list[int]:
    return list(Effect.objects.filter(subscriber="busapp.record_thing").values_list("n", flat=True))


def test_an_event_committed_after_a_later_numbered_one_is_still_delivered() -> None:
    inserted, release = threading.Event(), threading.Event()

    def slow_publisher() -> None:
        with transaction.atomic():
            publish(ThingHappened(n=1), key="slow")  # takes the lower seq
            inserted.set()
            release.wait(10)

    thread = _in_thread(slow_publisher)
    assert inserted.wait(10)
    with transaction.atomic():
        publish(ThingHappened(n=2), key="fast")  # higher seq, commits first
    deliver_pending()
    assert _effects() == [2]

    release.set()
    thread.join(10)
    deliver_pending()

    assert sorted(_effects()) == [1, 2]  # no cursor skipped the late commit


def test_publishers_of_one_key_are_serialised_so_delivery_follows_commit_order() -> None:
    first_inserted, release_first, second_done = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with transaction.atomic():
            publish(ThingHappened(n=1), key="order-1")
            first_inserted.set()
            release_first.wait(10)

    def second() -> None:
        with transaction.atomic():
            publish(ThingHappened(n=2), key="order-1")  # waits for first to commit
        second_done.set()

    t1 = _in_thread(first)
    assert first_inserted.wait(10)
    t2 = _in_thread(second)
    assert not second_done.wait(0.5)  # blocked behind the first publisher of the key
    deliver_pending()
    assert _effects() == []  # nothing of the key is visible yet

    release_first.set()
    t1.join(10)
    t2.join(10)
    deliver_pending()

    assert _effects() == [1, 2]


@override_settings(EVENTBUS_NUDGE_ON_COMMIT=True)
def test_commit_nudges_delivery_at_once() -> None:
    # Test settings run Celery eagerly: the nudge task runs right after the commit,
    # exactly as the embedded default does.
    with transaction.atomic():
        publish(ThingHappened(n=5), key="k")
        publish(ThingHappened(n=6), key="k")
        assert _effects() == []  # nothing before commit

    assert _effects() == [5, 6]


@override_settings(EVENTBUS_NUDGE_ON_COMMIT=True)
def test_a_rolled_back_transaction_sends_no_nudge(monkeypatch: pytest.MonkeyPatch) -> None:
    from shop.eventbus.tasks import deliver_task

    sent: list[object] = []
    monkeypatch.setattr(deliver_task, "apply_async", lambda **kw: sent.append(kw))
    with pytest.raises(RuntimeError), transaction.atomic():
        publish(ThingHappened(n=1), key="k")
        raise RuntimeError
    with transaction.atomic():
        publish(ThingHappened(n=1), key="k")
        publish(ThingHappened(n=2), key="k")
    assert len(sent) == 1  # one nudge per committed transaction


@override_settings(EVENTBUS_NUDGE_ON_COMMIT=True)
def test_a_lost_nudge_loses_nothing_the_sweep_delivers(monkeypatch: pytest.MonkeyPatch) -> None:
    from kombu.exceptions import OperationalError

    from shop.eventbus.tasks import deliver_task

    def broker_down(**kwargs: object) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(deliver_task, "apply_async", broker_down)
    before = metrics.nudge_failures._value.get()
    with transaction.atomic():
        publish(ThingHappened(n=7), key="k")

    assert Delivery.objects.filter(status="pending").count() == 2  # committed, not delivered
    assert metrics.nudge_failures._value.get() == before + 1
    sweep_task()
    assert _effects() == [7]


@override_settings(EVENTBUS_NUDGE_ON_COMMIT=True)
def test_nudges_coalesce_while_one_waits_in_the_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.core.cache import cache

    from shop.celery import app
    from shop.eventbus.publishing import NUDGE_WAITING_KEY
    from shop.eventbus.tasks import deliver_task

    sent: list[object] = []
    monkeypatch.setattr(deliver_task, "apply_async", lambda **kw: sent.append(kw))
    cache.delete(NUDGE_WAITING_KEY)
    app.conf.task_always_eager = False  # a real broker, as in production
    try:
        for n in range(3):
            with transaction.atomic():
                publish(ThingHappened(n=n), key=f"k{n}")
        assert len(sent) == 1  # one waits in the queue; it will deliver all three

        cache.delete(NUDGE_WAITING_KEY)  # what the deliver task does as it starts
        with transaction.atomic():
            publish(ThingHappened(n=9), key="k9")
        assert len(sent) == 2
    finally:
        app.conf.task_always_eager = True
        cache.delete(NUDGE_WAITING_KEY)
