"""System checks: every subscription names a known event, and subscriber names are unique."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.core.checks import CheckMessage, Error, register

from . import registry


@register("eventbus")
def check_subscriptions(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    subscriptions = registry.subscriptions()
    known = registry.event_types()
    for sub in subscriptions:
        if sub.takes_envelopes:
            continue  # the relay: takes stored rows by name, whatever their contract
        if known.get(sub.event_type.name) is not sub.event_type:
            errors.append(
                Error(
                    f"subscriber {sub.name} listens to {sub.event_type.__qualname__} "
                    f"({sub.event_type.name or 'no name'}), which no installed app's events module declares",
                    hint="Subscribe to an event class from <app>.events.",
                    obj=sub.module,
                    id="eventbus.E001",
                )
            )
    for name, count in Counter(sub.name for sub in subscriptions).items():
        if count > 1:
            modules = sorted({sub.module for sub in subscriptions if sub.name == name})
            errors.append(
                Error(
                    f"{count} subscribers are named {name} ({', '.join(modules)})",
                    hint="Give one of them another function name or an explicit name=.",
                    id="eventbus.E002",
                )
            )
    return errors
