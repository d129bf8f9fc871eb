"""The embedded default: SQLite, no Redis, no worker; the same delivery code runs after commit."""

from pathlib import Path

import pytest

from tests.embedded import run_embedded

SCRIPT = """
from django.db import transaction
from shop.eventbus import publish
from shop.eventbus.models import Delivery
from tests.eventbus.busapp.events import Chained, ThingHappened, Poison
from tests.eventbus.busapp.models import Effect

with transaction.atomic():
    publish(ThingHappened(n=1), key="a")
    publish(Poison(mode="transient"), key="b")
    assert Effect.objects.count() == 0
print("effects", Effect.objects.count())
# A handler that publishes: its commit's nudge must not re-enter the running delivery.
with transaction.atomic():
    publish(Chained(n=5), key="c")
print("chained", Effect.objects.filter(n=5).count())
print("statuses", sorted(set(Delivery.objects.values_list("subscriber", "status"))))
"""


@pytest.mark.integration
def test_embedded_default_delivers_in_process_after_commit(tmp_path: Path) -> None:
    result = run_embedded(SCRIPT, tmp_path, EVENTBUS_NUDGE_ON_COMMIT="1")

    assert result.returncode == 0, result.stderr[-3000:]
    assert "effects 2" in result.stdout
    assert "chained 2" in result.stdout  # the ThingHappened its handler published, delivered to both
    # The failing one waits out its backoff for the in-process sweeper; the others are done.
    assert "('busapp.poisoned', 'pending')" in result.stdout  # waits out its backoff for the sweeper
