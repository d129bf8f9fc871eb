"""The demo seed: zones over Bengaluru pincodes for the known stores, riders and a week of slots."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from delivery.events import SlotOpened
from delivery.management.commands.seed_demo_delivery import AREAS
from delivery.models import Rider, Slot, SlotTemplate, Zone, ZonePincode
from inventory.events import StoreUpdated
from shop.accounts.models import User
from shop.eventbus import publish
from shop.eventbus.testing import captured_events, deliver_pending


def _announce_store(code: str, pincode: str) -> uuid.UUID:
    store_id = uuid.uuid4()
    event = StoreUpdated(
        store_id=store_id, code=code, title=code, address="-", city="Bengaluru", pincode=pincode, is_open=True
    )
    with transaction.atomic():
        publish(event, key=store_id)
    return store_id


def _counts() -> tuple[int, int, int, int, int]:
    return (
        Zone.objects.count(),
        ZonePincode.objects.count(),
        SlotTemplate.objects.count(),
        Slot.objects.count(),
        Rider.objects.count(),
    )


@pytest.mark.django_db
def test_the_seed_serves_the_demo_stores_and_is_idempotent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_RIDER_PASSWORD", "rider-demo-pass")
    koramangala = _announce_store("BLR-KOR", "560034")
    indiranagar = _announce_store("BLR-IND", "560038")
    deliver_pending()
    out = io.StringIO()

    with captured_events() as seeded:
        call_command("seed_demo_delivery", if_empty=True, stdout=out)
    first = _counts()
    with captured_events() as reseeded:
        call_command("seed_demo_delivery", if_empty=True, stdout=io.StringIO())
        call_command("seed_demo_delivery", stdout=io.StringIO())

    assert _counts() == first
    assert sum(isinstance(event, SlotOpened) for event in seeded) == first[3]  # every slot announced
    assert not any(isinstance(event, SlotOpened) for event in reseeded)
    assert first[:3] == (4, sum(len(p) for _, _, p in AREAS), 4 * (7 + 14))
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert Slot.objects.filter(date=tomorrow).count() == 4 * (7 + 14)
    assert Slot.objects.filter(date=tomorrow + timedelta(days=6)).count() == 0  # a week: today + 6 days
    assert first[4] == 4
    assert Zone.objects.get(code="koramangala").store_id == koramangala
    assert Zone.objects.get(code="indiranagar").store_id == indiranagar
    assert {z.store_id for z in Zone.objects.filter(code__in=["central", "hsr-layout"])} == {koramangala, indiranagar}
    assert ZonePincode.objects.filter(pincode__in=["560001", "560038", "560034", "560102"]).count() == 4
    rider_user = User.objects.get(email="rider1.blr-kor@demo.shop.in")
    assert rider_user.check_password("rider-demo-pass")
    assert Rider.objects.get(user_id=rider_user.pk).store_id == koramangala
    assert "rider-demo-pass" in out.getvalue()


@pytest.mark.django_db
def test_without_stores_the_seed_does_nothing() -> None:
    err = io.StringIO()
    call_command("seed_demo_delivery", if_empty=True, stdout=io.StringIO(), stderr=err)
    assert _counts() == (0, 0, 0, 0, 0)
    assert "no stores known yet" in err.getvalue()


def test_each_store_serves_its_own_area_and_the_rest_go_to_stores_without_one() -> None:
    from delivery.management.commands.seed_demo_delivery import assign_areas
    from delivery.models import Store

    central, elsewhere, hsr = (
        Store(code="A", pincode="560001"),
        Store(code="B", pincode="110001"),
        Store(code="C", pincode="560102"),
    )

    served = assign_areas([central, elsewhere, hsr])

    assert {code: store.code for code, store in served.items()} == {
        "central": "A",
        "hsr-layout": "C",
        "indiranagar": "B",
        "koramangala": "B",
    }


@pytest.mark.django_db
def test_a_generated_rider_password_is_kept_in_var_for_later(
    monkeypatch: pytest.MonkeyPatch, settings, tmp_path
) -> None:
    monkeypatch.delenv("DEMO_RIDER_PASSWORD", raising=False)
    settings.BASE_DIR = tmp_path
    _announce_store("BLR-KOR", "560034")
    deliver_pending()
    out = io.StringIO()

    call_command("seed_demo_delivery", stdout=out)

    saved = (tmp_path / "var" / "rider-password.txt").read_text().splitlines()
    assert User.objects.get(email="rider1.blr-kor@demo.shop.in").check_password(saved[0])
    assert "rider1.blr-kor@demo.shop.in" in saved[1:]
    assert "saved in var/rider-password.txt" in out.getvalue()
    assert (tmp_path / "var" / "rider-password.txt").stat().st_mode & 0o777 == 0o600
