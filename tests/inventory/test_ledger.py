"""The movements ledger: append-only, and stock always reconciles with it."""

from __future__ import annotations

import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, transaction

from inventory import services
from inventory.models import Movement, Stock
from inventory.services import Line

pytestmark = pytest.mark.django_db


def test_the_ledger_reconciles_after_every_kind_of_movement(store, stocked, capsys):
    milk, curd = stocked(20), stocked(8, days=1)
    picked = uuid.uuid4()
    services.reserve_stock(order_id=picked, store_id=store.id, lines=[Line(milk.sku_id, 5), Line(curd.sku_id, 2)])
    services.commit_stock(order_id=picked, picked=[Line(milk.sku_id, 4), Line(curd.sku_id, 2)])
    cancelled = uuid.uuid4()
    services.reserve_stock(order_id=cancelled, store_id=store.id, lines=[Line(milk.sku_id, 3)])
    services.release_stock(order_id=cancelled)
    services.reserve_stock(order_id=uuid.uuid4(), store_id=store.id, lines=[Line(milk.sku_id, 1)])
    services.adjust_stock(store_id=store.id, sku_id=milk.sku_id, delta=-2, reason="broken")
    services.adjust_stock(store_id=store.id, sku_id=curd.sku_id, delta=1, reason="recount")

    call_command("check_inventory_ledger")

    assert "Ledger reconciles: 2 stock rows, 12 movements." in capsys.readouterr().out
    assert set(Movement.objects.values_list("kind", flat=True)) == {
        "receipt",
        "reservation",
        "pick",
        "release",
        "adjustment",
    }


def test_the_check_fails_when_stock_drifts_from_the_ledger(store, stocked, capsys):
    milk = stocked(20)
    Stock.objects.filter(sku=milk).update(on_hand=21)

    with pytest.raises(CommandError, match="2 discrepancies"):
        call_command("check_inventory_ledger")

    err = capsys.readouterr().err
    assert f"{store.code}/{milk.sku_code}: on hand 21 but the ledger sums to 20" in err
    assert f"{store.code}/{milk.sku_code}: on hand 21 but its batches hold 20" in err


def test_the_check_fails_when_a_reservation_is_lost(store, stocked):
    milk = stocked(20)
    services.reserve_stock(order_id=uuid.uuid4(), store_id=store.id, lines=[Line(milk.sku_id, 5)])
    Stock.objects.filter(sku=milk).update(reserved=0)

    with pytest.raises(CommandError, match="2 discrepancies"):
        call_command("check_inventory_ledger")


def test_movements_cannot_be_changed_or_deleted(store, stocked):
    stocked(3)
    movement = Movement.objects.get()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Movement.objects.filter(pk=movement.pk).update(reason="rewritten")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Movement.objects.filter(pk=movement.pk).delete()
    assert Movement.objects.get().reason == movement.reason


def test_the_database_refuses_reserving_more_than_on_hand(store, stocked):
    milk = stocked(3)
    with pytest.raises(DatabaseError, match="inventory_stock_reserved_le_on_hand"), transaction.atomic():
        Stock.objects.filter(sku=milk).update(reserved=4)
    with pytest.raises(DatabaseError, match="inventory_stock_on_hand_not_negative"), transaction.atomic():
        Stock.objects.filter(sku=milk).update(on_hand=-1)
