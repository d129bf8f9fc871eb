from __future__ import annotations

import contextlib

from django.apps import AppConfig


class EventbusConfig(AppConfig):
    name = "shop.eventbus"
    label = "eventbus"
    verbose_name = "Event bus"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules
        from prometheus_client import REGISTRY

        from shop.celery import register_periodic_task

        from . import checks, conf, metrics  # noqa: F401 - registers the system checks

        # Every installed app's handlers.py: importing it registers its subscriptions.
        autodiscover_modules("handlers")
        from . import relay

        relay.install()  # when EVENTBUS_RELAY_URL is set
        register_periodic_task(
            "eventbus-sweep",
            "eventbus.sweep",
            conf.get("EVENTBUS_SWEEP_SECONDS"),
            # A sweep that cannot run within its period is superseded by the next one.
            options={"queue": conf.get("EVENTBUS_QUEUE"), "expires": conf.get("EVENTBUS_SWEEP_SECONDS")},
        )
        with contextlib.suppress(ValueError):  # already registered: ready() ran twice in one process
            REGISTRY.register(metrics.BacklogCollector())
        # The embedded default's sweep: shop.beat runs beat's schedule, this entry with it.
