"""Who operated the bus in the admin: replaying or discarding a dead letter, pausing and resuming a
subscriber each leave an entry in the admin's history with the staff member and what was done."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth.models import Permission
from django.db import transaction
from django.test import Client

from shop.accounts.models import User
from shop.eventbus import publish
from shop.eventbus.models import Delivery, PausedSubscriber
from shop.eventbus.testing import deliver_pending
from tests.eventbus.busapp.events import Poison
from tests.history import admin_history_of

pytestmark = pytest.mark.django_db


def _operator(*codenames: str) -> Client:
    """Staff with just these permissions, not a superuser."""
    staff = User.objects.create_user("ops@example.in", "x-long-password-1", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(content_type__app_label="eventbus", codename__in=codenames))
    client = Client()
    client.force_login(staff)
    return client


def _dead(*keys: str) -> list[Delivery]:
    for key in keys:
        with transaction.atomic():
            publish(Poison(mode="permanent"), key=key)
    deliver_pending(ignore_backoff=True)
    return list(Delivery.objects.filter(status="dead").order_by("id"))


def test_replaying_dead_letters_records_each_on_its_delivery_history() -> None:
    client = _operator("view_delivery", "change_delivery", "view_deadletter")
    first, second, untouched = _dead("p1", "p2", "p3")

    response = client.post(
        "/admin/eventbus/deadletter/",
        {"action": "replay", "_selected_action": [first.id, second.id]},
        follow=True,
    )

    assert "Replayed 2 dead letter(s)." in response.content.decode()
    replayed = (
        "Replayed the dead letter: busapp.poison.v1 goes to busapp.poisoned again, from the first attempt (replay 1)"
    )
    assert admin_history_of("delivery", first.id) == [("ops@example.in", CHANGE, replayed)]
    assert admin_history_of("delivery", second.id) == [("ops@example.in", CHANGE, replayed)]
    assert admin_history_of("delivery", untouched.id) == []
    # The letter has left the dead-letter list; its history stays on the delivery's page.
    page = client.get(f"/admin/eventbus/delivery/{first.id}/history/").content.decode()
    assert replayed in page
    assert LogEntry.objects.get(object_id=str(first.id)).object_repr.endswith("(pending)")


def test_discarding_dead_letters_records_who_and_why_and_asking_records_nothing() -> None:
    client = _operator("view_delivery", "change_delivery", "view_deadletter")
    (letter,) = _dead("p1")
    selected = {"action": "discard", "_selected_action": [letter.id]}

    client.post("/admin/eventbus/deadletter/", selected)  # the question
    assert LogEntry.objects.count() == 0
    client.post("/admin/eventbus/deadletter/", {**selected, "confirm": "yes", "reason": "Poison from the import."})

    assert admin_history_of("delivery", letter.id) == [
        (
            "ops@example.in",
            CHANGE,
            "Discarded the dead letter: busapp.poisoned will never get busapp.poison.v1. Poison from the import.",
        )
    ]


def test_a_dead_letter_replayed_by_someone_else_first_is_not_recorded_again() -> None:
    from shop.eventbus import services

    client = _operator("view_delivery", "change_delivery", "view_deadletter")
    (letter,) = _dead("p1")
    services.replay_dead_letters(Delivery.objects.filter(id=letter.id))  # the command, meanwhile

    client.post("/admin/eventbus/deadletter/", {"action": "replay", "_selected_action": [letter.id]})

    assert LogEntry.objects.count() == 0


def test_pausing_and_resuming_a_subscriber_records_who_and_why() -> None:
    client = _operator(
        "view_pausedsubscriber", "add_pausedsubscriber", "change_pausedsubscriber", "delete_pausedsubscriber"
    )
    subscriber = "busapp.record_thing"

    client.post("/admin/eventbus/pausedsubscriber/add/", {"subscriber": subscriber, "reason": "SMTP down"})
    assert PausedSubscriber.objects.filter(subscriber=subscriber).exists()
    history = client.get(f"/admin/eventbus/pausedsubscriber/{subscriber}/history/").content.decode()
    assert "Paused subscriber busapp.record_thing: SMTP down" in history
    client.post("/admin/eventbus/pausedsubscriber/", {"action": "resume", "_selected_action": [subscriber]})
    client.post("/admin/eventbus/pausedsubscriber/add/", {"subscriber": subscriber, "reason": ""})
    client.post(f"/admin/eventbus/pausedsubscriber/{subscriber}/delete/", {"post": "yes"})  # deleting resumes too

    assert not PausedSubscriber.objects.exists()
    resumed = "Resumed subscriber busapp.record_thing: its waiting events are delivered"
    assert admin_history_of("pausedsubscriber", subscriber) == [
        ("ops@example.in", ADDITION, "Paused subscriber busapp.record_thing: SMTP down"),
        ("ops@example.in", DELETION, resumed),
        ("ops@example.in", ADDITION, "Paused subscriber busapp.record_thing"),
        ("ops@example.in", DELETION, resumed),
    ]


def test_deleting_selected_pauses_records_each_as_resumed() -> None:
    from shop.eventbus import services

    client = _operator("view_pausedsubscriber", "change_pausedsubscriber", "delete_pausedsubscriber")
    services.pause(["busapp.record_thing", "busapp.poisoned"], reason="by the command")

    client.post(
        "/admin/eventbus/pausedsubscriber/",
        {"action": "delete_selected", "_selected_action": ["busapp.record_thing", "busapp.poisoned"], "post": "yes"},
    )

    assert not PausedSubscriber.objects.exists()
    for name in ("busapp.record_thing", "busapp.poisoned"):
        resumed = f"Resumed subscriber {name}: its waiting events are delivered"
        assert admin_history_of("pausedsubscriber", name) == [("ops@example.in", DELETION, resumed)]
