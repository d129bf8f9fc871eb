"""Tuning of the long-running processes (web servers, Celery workers): what they load
before the first request, and the garbage collector.

A Django process keeps a few hundred thousand objects from start-up (modules, models,
URL patterns, templates) and allocates many short-lived ones per request or task. At
Python's defaults every full collection walks all of the former, and the young
generation is collected every 700 allocations, promoting objects that die a moment
later. `tune_garbage_collector()` (called once the process has started) freezes what
start-up made, so collections skip it, and collects the young generation less often.

SHOP_GC_THRESHOLDS: three numbers for gc.set_threshold (default 50000,20,10), or `off`
to leave Python's collector as it is.
"""

from __future__ import annotations

import gc
import os

DEFAULT_THRESHOLDS = (50_000, 20, 10)


def thresholds() -> tuple[int, int, int] | None:
    """The configured thresholds; None when tuning is off. A malformed value is an error at start."""
    value = os.environ.get("SHOP_GC_THRESHOLDS", "").strip()
    if not value:
        return DEFAULT_THRESHOLDS
    if value.lower() in ("off", "0", "false", "no"):
        return None
    parts = [part.strip() for part in value.split(",")]
    if len(parts) != 3 or not all(part.isdigit() and int(part) > 0 for part in parts):
        raise ValueError(f"SHOP_GC_THRESHOLDS must be three positive whole numbers or 'off', not {value!r}")
    return int(parts[0]), int(parts[1]), int(parts[2])


def tune_garbage_collector() -> bool:
    """Freeze start-up's objects and set the thresholds; returns whether it tuned anything."""
    chosen = thresholds()
    if chosen is None:
        return False
    gc.collect()  # start-up's garbage goes now, not into the frozen generation
    gc.freeze()
    gc.set_threshold(*chosen)
    return True


def prepare_web_process(*, websockets: bool = False) -> None:
    """For wsgi.py / asgi.py, once Django is set up: load now what the first requests would
    otherwise load (the URLconf and with it every view module, Celery's task machinery, the
    template engines and their tag libraries, the channel layer), then tune the collector.
    Connects to nothing: a broker or Redis that is down does not stop a server starting."""
    from django.template import engines
    from django.urls import get_resolver

    from shop.celery import warm_up

    _ = get_resolver().url_patterns  # imports shop.urls, the apps' urls and views (~0.4 s)
    warm_up()
    for engine in engines.all():
        _ = engine.name
    if websockets:
        from channels.layers import get_channel_layer

        get_channel_layer()
    tune_garbage_collector()  # last: what start-up made is frozen
