"""Which events exist, who subscribes to them, and how old versions are upcast.

Event types are the `shop.events.Event` subclasses declared in an installed
app's `events` module. Subscriptions come from `@subscriber` in `handlers.py`.
Both are checked at start-up by Django's system checks (see checks.py).
"""

from __future__ import annotations

import importlib
import inspect
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, TypeVar

from django.apps import apps
from pydantic import ValidationError

from shop.events import UPCASTERS, Event

from . import conf
from .errors import ContractError

E = TypeVar("E", bound=Event)
Handler = Callable[[Any], None]


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter: try `attempts` times in all, then dead-letter."""

    attempts: int
    base_seconds: float
    max_seconds: float

    def delay(self, attempt: int) -> float:
        """Seconds to wait after the `attempt`-th failure: half fixed, half random ("equal jitter")."""
        ceiling = min(self.max_seconds, self.base_seconds * (2 ** (attempt - 1)))
        return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - jitter, not crypto


@dataclass(frozen=True)
class Subscription:
    name: str
    event_type: type[Event]
    handler: Handler
    retry: RetryPolicy
    module: str = field(default="")
    own_transaction: bool = False
    #: An envelope subscription (the relay): takes every stored event whose name this
    #: accepts, as its stored row (name, key, payload, trace), not parsed into a contract.
    takes_name: Callable[[str], bool] | None = None

    @property
    def takes_envelopes(self) -> bool:
        return self.takes_name is not None


class Envelope(Event):
    """Stands in for the event type of an envelope subscription (never published)."""


_subscriptions: list[Subscription] = []


def subscriber(
    event_type: type[E],
    *,
    name: str | None = None,
    attempts: int | None = None,
    backoff: float | None = None,
    max_backoff: float | None = None,
    own_transaction: bool = False,
) -> Callable[[Callable[[E], None]], Callable[[E], None]]:
    """Subscribe the decorated function to an event type.

    The subscriber's name, `<app>.<function>` unless given, is stored with every
    delivery: renaming a handler is a data change. `own_transaction=True` commits each
    delivery on its own instead of with its batch: for handlers that lock hot rows.
    """

    def register(fn: Callable[[E], None]) -> Callable[[E], None]:
        module = fn.__module__
        app = module.rsplit(".", 1)[0].rsplit(".", 1)[-1] if "." in module else module
        policy = RetryPolicy(
            attempts=attempts if attempts is not None else conf.get("EVENTBUS_RETRY_ATTEMPTS"),
            base_seconds=backoff if backoff is not None else conf.get("EVENTBUS_RETRY_BASE_SECONDS"),
            max_seconds=max_backoff if max_backoff is not None else conf.get("EVENTBUS_RETRY_MAX_SECONDS"),
        )
        if policy.attempts < 1:
            raise ValueError("attempts must be at least 1")
        _subscriptions.append(
            Subscription(
                name=name or f"{app}.{fn.__name__}",
                event_type=event_type,
                handler=fn,
                retry=policy,
                module=module,
                own_transaction=own_transaction,
            )
        )
        _clear_caches()
        return fn

    return register


def subscribe_envelopes(
    *, name: str, takes_name: Callable[[str], bool], handler: Handler, retry: RetryPolicy, module: str = ""
) -> Subscription:
    """Subscribe `handler` to the stored rows of every event whose name `takes_name` accepts
    (in one line per key, whatever the event: a relay keeps each key's order)."""
    subscription = Subscription(
        name=name,
        event_type=Envelope,
        handler=handler,
        retry=retry,
        module=module,
        own_transaction=True,  # a broker's slowness holds no batch
        takes_name=takes_name,
    )
    _subscriptions.append(subscription)
    _clear_caches()
    return subscription


def subscriptions() -> list[Subscription]:
    return list(_subscriptions)


@cache
def _subscriptions_by_name() -> dict[str, Subscription]:
    return {sub.name: sub for sub in _subscriptions}


def get_subscription(name: str) -> Subscription | None:
    return _subscriptions_by_name().get(name)


@cache
def event_types() -> dict[str, type[Event]]:
    """Every event declared in an installed app's `events` module, by wire name."""
    found: dict[str, type[Event]] = {}
    for config in apps.get_app_configs():
        module_name = f"{config.name}.events"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        for obj in vars(module).values():
            if inspect.isclass(obj) and issubclass(obj, Event) and obj.__module__ == module_name and obj.name:
                other = found.get(obj.name)
                if other is not None and other is not obj:
                    raise TypeError(f"two events are named {obj.name}: {other.__qualname__} and {obj.__qualname__}")
                found[obj.name] = obj
    return found


def get_event_type(name: str) -> type[Event] | None:
    return event_types().get(name)


def upcast_path(from_name: str, to_name: str) -> list[Callable[[dict[str, Any]], dict[str, Any]]] | None:
    """The chain of upcasters from one version to another, or None if there is none."""
    steps: list[Callable[[dict[str, Any]], dict[str, Any]]] = []
    name = from_name
    seen = {name}
    while name != to_name:
        if name not in UPCASTERS:
            return None
        name, fn = UPCASTERS[name]
        if name in seen:
            return None
        seen.add(name)
        steps.append(fn)
    return steps


@cache
def subscribers_for(name: str) -> tuple[str, ...]:
    """The subscribers that receive an event stored under `name` (directly or upcast)."""
    return tuple(sub.name for sub in _subscriptions_by_name().values() if takes(sub, name))


def takes(sub: Subscription, name: str) -> bool:
    """Whether `sub` receives an event stored under `name` (directly, upcast, or as an envelope)."""
    if sub.takes_name is not None:
        return sub.takes_name(name)
    return sub.event_type.name == name or upcast_path(name, sub.event_type.name) is not None


def load_event(name: str, payload: dict[str, Any], target: type[E]) -> E:
    """Rebuild the event a subscriber expects from a stored one, upcasting old versions."""
    steps = upcast_path(name, target.name)
    if steps is None:
        raise ContractError(f"no upcaster path from {name} to {target.name}")
    data = payload
    try:
        for step in steps:
            data = step(dict(data))
        return target.model_validate(data)
    except ValidationError as exc:
        raise ContractError(f"payload of {name} does not fit {target.name}: {exc}") from exc
    except Exception as exc:  # an upcaster that raises is a contract problem too
        raise ContractError(f"upcasting {name} to {target.name} failed: {exc!r}") from exc


def _clear_caches() -> None:
    _subscriptions_by_name.cache_clear()
    subscribers_for.cache_clear()
