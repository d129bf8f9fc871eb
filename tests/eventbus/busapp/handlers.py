"""Subscribers of the test app. Effects are rows in busapp_effect."""

import os
import time

from django.db import transaction

from shop.eventbus import PermanentError, publish, subscriber

from .events import Chained, Poison, Slow, ThingHappened, ThingHappenedV2
from .models import Effect


@subscriber(ThingHappened)
def record_thing(event: ThingHappened) -> None:
    Effect.objects.create(subscriber="busapp.record_thing", key=str(event.n // 1000), n=event.n, worker_pid=os.getpid())


@subscriber(ThingHappenedV2)
def record_thing_v2(event: ThingHappenedV2) -> None:
    Effect.objects.create(subscriber="busapp.record_thing_v2", key=str(event.n // 1000), n=event.n, label=event.label)


@subscriber(Poison, attempts=3, backoff=30, max_backoff=60)
def poisoned(event: Poison) -> None:
    # Attempts are recorded in the handler's savepoint and so roll back with it;
    # the test counts attempts on the delivery row instead.
    if event.mode == "permanent":
        raise PermanentError("this can never work")
    if event.mode == "transient":
        raise ConnectionError("the far side is down")
    raise ValueError(f"unknown mode {event.mode}")


@subscriber(Slow, attempts=5)
def sleep_then_record(event: Slow) -> None:
    # Only workers started with BUSAPP_SLOW=1 dawdle: the crash tests kill those.
    if os.environ.get("BUSAPP_SLOW") == "1":
        time.sleep(event.seconds)
    Effect.objects.create(subscriber="busapp.sleep_then_record", key=str(event.token), n=0, worker_pid=os.getpid())


@subscriber(Chained)
def chain_onwards(event: Chained) -> None:
    with transaction.atomic():
        publish(ThingHappened(n=event.n), key="chain")
