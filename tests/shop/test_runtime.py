"""The garbage collector's tuning for long-running processes (shop.runtime)."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from shop import runtime

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def restore_gc() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)
    gc.unfreeze()


def test_by_default_start_up_is_frozen_and_the_young_generation_collected_less_often(monkeypatch, restore_gc):
    monkeypatch.delenv("SHOP_GC_THRESHOLDS", raising=False)
    gc.unfreeze()

    assert runtime.tune_garbage_collector() is True

    assert gc.get_threshold() == runtime.DEFAULT_THRESHOLDS
    assert gc.get_freeze_count() > 10_000  # the modules, models and settings loaded so far


def test_thresholds_come_from_the_environment(monkeypatch, restore_gc):
    monkeypatch.setenv("SHOP_GC_THRESHOLDS", "10000, 15, 5")

    assert runtime.tune_garbage_collector() is True

    assert gc.get_threshold() == (10_000, 15, 5)


def test_off_leaves_the_collector_alone(monkeypatch, restore_gc):
    monkeypatch.setenv("SHOP_GC_THRESHOLDS", "off")
    gc.unfreeze()
    before = gc.get_threshold()

    assert runtime.tune_garbage_collector() is False

    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


@pytest.mark.parametrize("value", ["100", "1,2", "a,b,c", "0,10,10", "1,2,3,4", "-5,10,10"])
def test_a_malformed_setting_stops_the_process_with_a_reason(monkeypatch, value):
    monkeypatch.setenv("SHOP_GC_THRESHOLDS", value)

    with pytest.raises(ValueError, match="SHOP_GC_THRESHOLDS must be three positive whole numbers"):
        runtime.thresholds()


@pytest.mark.integration
def test_web_servers_start_prepared_even_with_redis_down() -> None:
    """wsgi.py and asgi.py load Celery, the templates and the channel layer at start and
    freeze them; none of it connects, so a broker that is down does not stop a server."""
    script = (
        "import gc, sys; import shop.wsgi, shop.asgi; "
        "from shop.celery import app; "
        "print(app.finalized, 'django.templatetags.static' in sys.modules, gc.get_freeze_count() > 10000)"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shop.settings.base",
        "DJANGO_SECRET_KEY": "test-only-not-secret",
        "REDIS_URL": "redis://127.0.0.1:9/0",  # nothing listens on the discard port
        "SHOP_GC_THRESHOLDS": "",
    }
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )

    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["True", "True", "True"]
