"""Operating the bus: system checks, the eventbus command, admin screens, metrics, prune."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from shop.eventbus import publish, registry, subscriber
from shop.eventbus.checks import check_subscriptions
from shop.eventbus.models import Delivery, Event, InboxEntry
from shop.eventbus.testing import deliver_pending
from shop.events import Event as EventBase
from tests.accounts.factories import PASSWORD
from tests.eventbus.busapp.events import Poison, ThingHappened, ThingHappenedV2


@pytest.fixture
def registry_snapshot():
    saved = list(registry._subscriptions)
    yield
    registry._subscriptions[:] = saved
    registry._clear_caches()


def _publish(event, key="k"):
    with transaction.atomic():
        return publish(event, key=key)


def test_the_project_passes_its_own_checks() -> None:
    assert check_subscriptions() == []


def test_subscribing_to_an_unknown_event_fails_the_system_check(registry_snapshot) -> None:
    class Unknown(EventBase):
        name = "nowhere.unknown_thing.v1"

    @subscriber(Unknown)
    def handle_unknown(event: Unknown) -> None: ...

    errors = check_subscriptions()
    assert [e.id for e in errors] == ["eventbus.E001"]
    assert "eventbus.handle_unknown" in errors[0].msg


def test_two_subscribers_with_one_name_fail_the_system_check(registry_snapshot) -> None:
    @subscriber(ThingHappened, name="busapp.record_thing")
    def another(event: ThingHappened) -> None: ...

    errors = check_subscriptions()
    assert [e.id for e in errors] == ["eventbus.E002"]
    assert "busapp.record_thing" in errors[0].msg


def test_check_command_fails_at_start_up_on_a_bad_subscription(registry_snapshot) -> None:
    from django.core.management.base import SystemCheckError

    @subscriber(ThingHappened, name="busapp.record_thing")
    def duplicate(event: ThingHappened) -> None: ...

    with pytest.raises(SystemCheckError):
        call_command("check")


@pytest.mark.django_db
def test_status_dead_replay_and_prune_commands() -> None:
    _publish(Poison(mode="permanent"))
    _publish(ThingHappened(n=1), key="other")
    out = StringIO()
    call_command("eventbus", "status", stdout=out)
    assert "busapp.poisoned" in out.getvalue()

    deliver_pending()
    dead = Delivery.objects.get(status="dead")
    out = StringIO()
    call_command("eventbus", "dead", "--group", stdout=out)
    assert "shop.eventbus.errors.PermanentError" in out.getvalue()
    out = StringIO()
    call_command("eventbus", "dead", stdout=out)
    assert str(dead.id) in out.getvalue()

    out = StringIO()
    call_command("eventbus", "replay", str(dead.id), stdout=out)
    assert "Replayed 1" in out.getvalue()
    assert Delivery.objects.get(id=dead.id).status == "pending"

    Delivery.objects.filter(status="done").update(completed_at=timezone.now() - timedelta(days=40))
    out = StringIO()
    call_command("eventbus", "prune", "--older-than", "30d", stdout=out)
    # ThingHappened's two subscribers, and staff's alert of the dead letter
    assert "Pruned 3 done deliveries" in out.getvalue()
    assert Delivery.objects.count() == 1  # the replayed one stays


@pytest.mark.django_db
def test_replay_all_by_subscriber() -> None:
    _publish(Poison(mode="permanent"), key="a")
    _publish(Poison(mode="permanent"), key="b")
    deliver_pending()
    call_command("eventbus", "replay", "--all", "--subscriber", "busapp.poisoned", stdout=StringIO())
    assert Delivery.objects.filter(status="pending").count() == 2


@pytest.mark.django_db
def test_prune_keeps_events_within_retention_and_those_still_needed(settings) -> None:
    settings.EVENTBUS_EVENT_RETENTION_DAYS = 90
    old_id = _publish(ThingHappened(n=1), key="old")
    kept_id = _publish(ThingHappened(n=2), key="recent")
    deliver_pending()
    Event.objects.filter(event_id=old_id).update(occurred_at=timezone.now() - timedelta(days=120))
    Delivery.objects.update(completed_at=timezone.now() - timedelta(days=31))

    call_command("eventbus", "prune", "--older-than", "30d", stdout=StringIO())

    assert list(Event.objects.values_list("event_id", flat=True)) == [kept_id]
    assert not InboxEntry.objects.filter(event_id=old_id).exists()


def test_prune_rejects_a_bad_duration() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("eventbus", "prune", "--older-than", "a month")


@pytest.mark.django_db
def test_admin_screens_and_replay_action(client) -> None:
    from shop.accounts.models import User

    User.objects.create_superuser("ops@example.in", PASSWORD)
    client.login(email="ops@example.in", password=PASSWORD)
    _publish(Poison(mode="permanent"))
    deliver_pending()
    dead = Delivery.objects.get(status="dead")

    assert client.get("/admin/eventbus/event/?name=busapp.poison.v1").status_code == 200
    assert client.get("/admin/eventbus/delivery/?status=dead").status_code == 200
    listing = client.get("/admin/eventbus/deadletter/")
    assert listing.status_code == 200
    assert b"PermanentError" in listing.content
    assert client.get(f"/admin/eventbus/deadletter/{dead.id}/change/").status_code == 200

    response = client.post(
        "/admin/eventbus/deadletter/", {"action": "replay", "_selected_action": [dead.id]}, follow=True
    )
    assert response.status_code == 200
    assert Delivery.objects.get(id=dead.id).status == "pending"


@pytest.mark.django_db
def test_metrics_show_published_delivered_and_backlog(client) -> None:
    _publish(ThingHappened(n=1))
    _publish(Poison(mode="permanent"))
    body = client.get("/metrics").content.decode()
    assert 'eventbus_pending_deliveries{subscriber="busapp.poisoned"} 1.0' in body
    deliver_pending()
    body = client.get("/metrics").content.decode()
    assert 'eventbus_events_published_total{event="busapp.thing_happened.v1"}' in body
    assert 'eventbus_deliveries_total{outcome="done",subscriber="busapp.record_thing"}' in body
    assert 'eventbus_dead_letters{subscriber="busapp.poisoned"} 1.0' in body
    assert "eventbus_handler_seconds_bucket" in body
    assert "eventbus_lag_seconds_bucket" in body


@pytest.mark.django_db
def test_backfill_gives_a_late_subscriber_the_history_of_the_keys_it_never_heard_of(registry_snapshot) -> None:
    from tests.eventbus.busapp.models import Effect

    _publish(ThingHappened(n=1), key="a")
    _publish(ThingHappened(n=2), key="a")
    _publish(ThingHappened(n=3), key="b")
    old = _publish(ThingHappened(n=5), key="c")
    Event.objects.filter(event_id=old).update(occurred_at=timezone.now() - timedelta(days=40))
    deliver_pending()

    @subscriber(ThingHappened, name="busapp.late_counter")
    def late_counter(event: ThingHappened) -> None:
        Effect.objects.create(subscriber="busapp.late_counter", key="late", n=event.n)

    _publish(ThingHappened(n=4), key="b")  # the first it hears of: key b, after joining
    deliver_pending()

    def heard() -> list[int]:
        return list(Effect.objects.filter(subscriber="busapp.late_counter").values_list("n", flat=True))

    assert heard() == [4]

    out = StringIO()
    call_command("eventbus", "backfill", "busapp.late_counter", "--since", "30d", "--dry-run", stdout=out)
    assert "Would queue 2 event(s) (busapp.thing_happened.v1) for busapp.late_counter" in out.getvalue()
    assert "skipped 1 key(s)" in out.getvalue()
    assert not Delivery.objects.filter(subscriber="busapp.late_counter", key="a").exists()

    out = StringIO()
    call_command("eventbus", "backfill", "busapp.late_counter", "--since", "30d", stdout=out)
    assert "Queued 2 event(s)" in out.getvalue()
    deliver_pending()
    # Key a's history in publish order; key b's older event is not replayed behind its newer
    # one; key c's event is older than --since.
    assert heard() == [4, 1, 2]

    out = StringIO()
    call_command("eventbus", "backfill", "busapp.late_counter", stdout=out)  # the whole log this time
    assert "Queued 1 event(s)" in out.getvalue()  # only key c's is left
    deliver_pending()
    assert heard() == [4, 1, 2, 5]
    out = StringIO()
    call_command("eventbus", "backfill", "busapp.late_counter", stdout=out)
    assert "Queued 0 event(s)" in out.getvalue()
    assert "skipped 3 key(s)" in out.getvalue()


@pytest.mark.django_db
def test_backfill_includes_older_versions_that_upcast_and_refuses_an_unknown_subscriber() -> None:
    from django.core.management.base import CommandError

    from shop.eventbus.services import event_names_reaching

    assert event_names_reaching("busapp.record_thing_v2") == ("busapp.thing_happened.v2", "busapp.thing_happened.v1")
    assert event_names_reaching("busapp.record_thing") == ("busapp.thing_happened.v1",)
    with pytest.raises(CommandError, match=r"no subscriber is named 'busapp\.nobody'.*busapp\.record_thing"):
        call_command("eventbus", "backfill", "busapp.nobody", stdout=StringIO())


def _effects(subscriber: str = "busapp.record_thing") -> list[int]:
    from tests.eventbus.busapp.models import Effect

    return list(Effect.objects.filter(subscriber=subscriber).order_by("id").values_list("n", flat=True))


@pytest.mark.django_db
def test_a_paused_subscriber_waits_in_order_while_the_others_go_on_and_resumes_where_it_stopped() -> None:
    _publish(ThingHappened(n=1), key="a")
    deliver_pending()
    out = StringIO()
    call_command("eventbus", "pause", "busapp.record_thing", "--reason", "projection being repaired", stdout=out)
    assert "busapp.record_thing: paused" in out.getvalue()

    _publish(ThingHappened(n=2), key="a")
    _publish(ThingHappened(n=3), key="a")
    _publish(ThingHappenedV2(n=7, label="v2"), key="a")  # another subscriber is not held up
    deliver_pending()

    assert _effects() == [1]
    assert _effects("busapp.record_thing_v2") == [1, 2, 3, 7]  # v1 events upcast to it too
    assert Delivery.objects.filter(subscriber="busapp.record_thing", status="pending").count() == 2
    status = StringIO()
    call_command("eventbus", "status", stdout=status)
    assert "PAUSED busapp.record_thing since" in status.getvalue()
    assert "projection being repaired" in status.getvalue()
    from shop.eventbus.delivery import drain

    drain(timeout=5)  # what the demo seed waits on: a paused subscriber's backlog is not "busy"

    out = StringIO()
    call_command("eventbus", "resume", "busapp.*", stdout=out)
    assert "busapp.record_thing: resumed" in out.getvalue()
    assert "Resumed 1 subscriber(s)." in out.getvalue()
    deliver_pending()
    assert _effects() == [1, 2, 3]


@pytest.mark.django_db
def test_redeliver_gives_a_paused_subscriber_its_whole_history_again_to_rebuild_its_projection() -> None:
    from django.core.management.base import CommandError

    from tests.eventbus.busapp.models import Effect

    for n, key in [(1, "a"), (2, "b"), (3, "a")]:
        _publish(ThingHappened(n=n), key=key)
    deliver_pending()
    assert _effects() == [1, 2, 3]
    with pytest.raises(CommandError, match=r"pause busapp\.record_thing first"):
        call_command("eventbus", "redeliver", "busapp.record_thing", stdout=StringIO())
    with pytest.raises(CommandError, match=r"no subscriber matches 'nobody\.\*'"):
        call_command("eventbus", "pause", "nobody.*", stdout=StringIO())

    call_command("eventbus", "pause", "busapp.record_thing", stdout=StringIO())
    Delivery.objects.filter(subscriber="busapp.record_thing", event__key="b").delete()  # as prune does, after 30 days
    Effect.objects.filter(subscriber="busapp.record_thing").delete()  # the projection emptied, to rebuild
    dry = StringIO()
    call_command("eventbus", "redeliver", "busapp.record_thing", "--dry-run", stdout=dry)
    expected = "Would deliver 3 event(s) again to busapp.record_thing (2 it had, 1 it had no delivery for)"
    assert expected in dry.getvalue()
    assert Delivery.objects.filter(subscriber="busapp.record_thing", status="done").count() == 2  # dry: nothing moved

    out = StringIO()
    call_command("eventbus", "redeliver", "busapp.record_thing", stdout=out)
    assert "Will deliver 3 event(s) again" in out.getvalue()
    assert "manage.py eventbus resume busapp.record_thing" in out.getvalue()
    _publish(ThingHappened(n=4), key="a")  # published during the rebuild: waits behind the history
    deliver_pending()
    assert _effects() == []  # still paused

    call_command("eventbus", "resume", "busapp.record_thing", stdout=StringIO())
    deliver_pending()
    rebuilt = list(Effect.objects.filter(subscriber="busapp.record_thing").values_list("key", "n").order_by("id"))
    assert sorted(rebuilt) == [("0", 1), ("0", 2), ("0", 3), ("0", 4)]
    by_key_a = [n for n in _effects() if n in (1, 3, 4)]
    assert by_key_a == [1, 3, 4]  # one key's events in publish order
    assert not Delivery.objects.filter(subscriber="busapp.record_thing").exclude(status="done").exists()


@pytest.mark.django_db
def test_staff_pause_and_resume_a_subscriber_in_the_admin(client) -> None:
    from shop.accounts.models import User
    from shop.eventbus.models import PausedSubscriber

    User.objects.create_superuser("ops@example.in", PASSWORD)
    client.login(email="ops@example.in", password=PASSWORD)
    form = client.get("/admin/eventbus/pausedsubscriber/add/").content.decode()
    assert '<option value="busapp.record_thing">' in form

    added = client.post(
        "/admin/eventbus/pausedsubscriber/add/", {"subscriber": "busapp.record_thing", "reason": "SMTP down"}
    )
    assert added.status_code == 302
    paused = PausedSubscriber.objects.get()
    assert (paused.subscriber, paused.reason) == ("busapp.record_thing", "SMTP down")
    assert paused.paused_by == "ops@example.in"
    _publish(ThingHappened(n=1), key="a")
    deliver_pending()
    assert _effects() == []

    resumed = client.post(
        "/admin/eventbus/pausedsubscriber/",
        {"action": "resume", "_selected_action": ["busapp.record_thing"]},
        follow=True,
    )
    assert "Resumed 1 subscriber(s): busapp.record_thing." in resumed.content.decode()
    deliver_pending()
    assert _effects() == [1]


@pytest.mark.django_db
def test_a_dead_letter_discarded_with_a_reason_leaves_the_list_and_the_alert_and_is_never_delivered(client) -> None:
    from django.core.management.base import CommandError

    from shop.accounts.models import User

    _publish(Poison(mode="permanent"), key="p1")
    _publish(Poison(mode="permanent"), key="p2")
    deliver_pending(ignore_backoff=True)
    first, second = Delivery.objects.filter(status="dead").order_by("id")
    with pytest.raises(CommandError, match="--reason"):
        call_command("eventbus", "discard", str(first.id), stdout=StringIO(), stderr=StringIO())

    out = StringIO()
    call_command("eventbus", "discard", str(first.id), "--reason", "poison from the import", stdout=out)
    assert "Discarded 1 dead letter(s)." in out.getvalue()
    first.refresh_from_db()
    assert first.status == "discarded"
    assert "poison from the import" in first.last_error
    assert "this can never work" in first.last_error  # the error stays on record

    User.objects.create_superuser("ops@example.in", PASSWORD)
    client.login(email="ops@example.in", password=PASSWORD)
    listed = client.get("/admin/eventbus/deadletter/").content.decode()
    assert f'value="{second.id}"' in listed
    assert f'value="{first.id}"' not in listed
    asked = client.post("/admin/eventbus/deadletter/", {"action": "discard", "_selected_action": [second.id]})
    assert "Yes, discard 1 dead letter" in asked.content.decode()
    assert Delivery.objects.get(pk=second.id).status == "dead"  # nothing yet
    done = client.post(
        "/admin/eventbus/deadletter/",
        {"action": "discard", "_selected_action": [second.id], "confirm": "yes", "reason": "fixed by hand"},
        follow=True,
    )
    assert "Discarded 1 dead letter(s)." in done.content.decode()
    assert 'eventbus_dead_letters{subscriber="busapp.poisoned"}' not in client.get("/metrics").content.decode()
    call_command("eventbus", "replay", "--all", stdout=StringIO())  # replay takes dead letters only
    deliver_pending(ignore_backoff=True)
    assert set(Delivery.objects.filter(subscriber="busapp.poisoned").values_list("status", flat=True)) == {"discarded"}


@pytest.mark.django_db
def test_dead_says_when_there_are_none_and_when_it_shows_only_some() -> None:
    for command in (["dead"], ["dead", "--group"]):
        out = StringIO()
        call_command("eventbus", *command, stdout=out)
        assert out.getvalue().strip() == "No dead letters."
    _publish(Poison(mode="permanent"), key="a")
    _publish(Poison(mode="permanent"), key="b")
    deliver_pending()
    out = StringIO()
    call_command("eventbus", "dead", "--limit", "1", stdout=out)
    assert "Showing the newest 1 of 2" in out.getvalue()


@pytest.mark.django_db
def test_replay_and_discard_refuse_ids_that_are_not_dead_letters_and_unknown_subscribers() -> None:
    from django.core.management.base import CommandError

    _publish(Poison(mode="permanent"), key="a")
    _publish(ThingHappened(n=1), key="other")
    deliver_pending()
    dead = Delivery.objects.get(status="dead")
    done = Delivery.objects.filter(status="done").first()
    assert done is not None
    with pytest.raises(CommandError, match=rf"Not dead letters: {done.id} \(done\), 999999 \(no such delivery\)"):
        call_command("eventbus", "replay", str(dead.id), str(done.id), "999999", stdout=StringIO())
    assert Delivery.objects.get(id=dead.id).status == "dead"  # nothing done
    with pytest.raises(CommandError, match="Not dead letters: 999999"):
        call_command("eventbus", "discard", "999999", "--reason", "typo", stdout=StringIO())
    with pytest.raises(CommandError, match=r"no subscriber is named 'busapp\.nobody'"):
        call_command("eventbus", "replay", "--all", "--subscriber", "busapp.nobody", stdout=StringIO())
    out = StringIO()
    call_command("eventbus", "replay", "--all", "--subscriber", "busapp.record_thing", stdout=out)
    assert "Replayed 0 dead letter(s): none matched." in out.getvalue()


@pytest.mark.django_db
def test_redeliver_tells_a_resume_command_the_shell_takes_as_is() -> None:
    call_command("eventbus", "pause", "busapp.*", stdout=StringIO())
    out = StringIO()
    call_command("eventbus", "redeliver", "busapp.*", stdout=out)
    assert "manage.py eventbus resume 'busapp.*'" in out.getvalue()
