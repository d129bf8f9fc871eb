"""Integration: real Celery worker processes, killed and stopped mid-handler."""

import signal
import uuid

import pytest
from django.db import transaction

from shop.eventbus import publish
from shop.eventbus.models import Delivery
from tests.eventbus.busapp.events import Slow, ThingHappened
from tests.eventbus.busapp.models import Effect

from .workers import send_nudge, wait_for, worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]


@pytest.fixture
def queue() -> str:
    return f"eventbus-test-{uuid.uuid4().hex[:8]}"


def _slow_delivery(token: uuid.UUID) -> Delivery:
    return Delivery.objects.get(subscriber="busapp.sleep_then_record", event__payload__token=str(token))


def test_a_worker_killed_mid_handler_loses_nothing_and_applies_the_effect_once(queue: str) -> None:
    token = uuid.uuid4()
    lease = {"EVENTBUS_LEASE_SECONDS": "4", "EVENTBUS_SWEEP_SECONDS": "0.5"}
    with transaction.atomic():
        publish(Slow(seconds=60, token=token), key=str(token))

    with worker("doomed", queue, env={**lease, "BUSAPP_SLOW": "1"}) as doomed:
        send_nudge(queue)
        wait_for(lambda: _slow_delivery(token).status == "in_flight", what="the claim", worker=doomed)
        doomed.kill(signal.SIGKILL)  # mid-handler: the handler's transaction never commits
        doomed.process.wait(10)

    assert Effect.objects.filter(key=str(token)).count() == 0
    assert _slow_delivery(token).status == "in_flight"  # held by a dead worker's lease

    with worker("rescuer", queue, env=lease, beat=True) as rescuer:
        wait_for(lambda: _slow_delivery(token).status == "done", what="redelivery after the lease", worker=rescuer)

    delivery = _slow_delivery(token)
    assert delivery.attempts == 2  # the lost attempt counts
    assert "expired" in delivery.last_error
    assert Effect.objects.filter(key=str(token)).count() == 1


def test_sigterm_lets_the_in_flight_batch_finish(queue: str) -> None:
    token = uuid.uuid4()
    with transaction.atomic():
        publish(Slow(seconds=3, token=token), key=str(token))

    with worker("graceful", queue, env={"BUSAPP_SLOW": "1"}) as graceful:
        send_nudge(queue)
        wait_for(lambda: _slow_delivery(token).status == "in_flight", what="the claim", worker=graceful)
        exit_code = graceful.terminate_and_wait(timeout=30)

    assert exit_code == 0, graceful.output()
    assert _slow_delivery(token).status == "done"
    assert Effect.objects.filter(key=str(token)).count() == 1


def test_two_workers_deliver_every_key_in_order(queue: str) -> None:
    keys, per_key = 20, 15
    # Interleave keys so that each worker's batches mix them.
    for i in range(per_key):
        with transaction.atomic():
            for k in range(keys):
                publish(ThingHappened(n=k * 1000 + i), key=f"key-{k}")
    expected = keys * per_key

    env = {"EVENTBUS_BATCH_SIZE": "7", "EVENTBUS_SWEEP_SECONDS": "0.5"}
    with worker("w1", queue, env=env, beat=True) as w1, worker("w2", queue, env=env):
        for _ in range(4):
            send_nudge(queue)
        wait_for(
            lambda: Effect.objects.filter(subscriber="busapp.record_thing").count() >= expected,
            what="all deliveries",
            worker=w1,
        )
        w1.terminate_and_wait()

    effects = list(
        Effect.objects.filter(subscriber="busapp.record_thing").order_by("id").values_list("key", "n", "worker_pid")
    )
    assert len(effects) == expected  # each once
    for k in range(keys):
        assert [n for key, n, _ in effects if key == str(k)] == [k * 1000 + i for i in range(per_key)]
    assert len({pid for _, _, pid in effects}) >= 2  # the work really was shared


def test_without_any_nudge_beat_sweeps_the_outbox(queue: str) -> None:
    with transaction.atomic():
        publish(ThingHappened(n=42), key="swept")
    with worker("sweeper", queue, env={"EVENTBUS_SWEEP_SECONDS": "0.5"}, beat=True) as sweeper:
        wait_for(lambda: Effect.objects.filter(n=42).count() == 2, what="the sweep", worker=sweeper)


def test_worker_processes_serve_their_own_metrics(queue: str) -> None:
    import socket
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with transaction.atomic():
        publish(ThingHappened(n=77), key="metrics")
    env = {"CELERY_METRICS_PORT": str(port), "EVENTBUS_SWEEP_SECONDS": "0.5"}
    with worker("metrics", queue, env=env, concurrency=1, beat=True) as w:
        wait_for(lambda: Effect.objects.filter(n=77).count() == 2, what="delivery", worker=w)
        # The single prefork process has index 0: it listens on the base port.
        body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()

    assert 'eventbus_deliveries_total{outcome="done",subscriber="busapp.record_thing"} 1.0' in body
    assert "eventbus_handler_seconds_bucket" in body
