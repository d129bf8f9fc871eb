"""Staff get one near-expiry email per store and day: the batches that expire soon, what to do with
them, and the admin's list of exactly those batches."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from inventory import services as inventory
from inventory.models import Batch, Store
from inventory.tasks import announce_batches_near_expiry_task
from notifications import messages, services
from notifications.models import Notification
from shop.eventbus.testing import deliver_pending
from tests.inventory.factories import SkuFactory, StoreFactory

K = Notification.Kind


def _receive(store: Store, *, name: str, code: str, days: int, quantity: int, grams: bool = False) -> Batch:
    sku = SkuFactory(name=name, sku_code=f"SKU-{code}", base_unit="g" if grams else "pcs", step=1)
    return inventory.receive_stock(
        store_id=store.id,
        sku_id=sku.sku_id,
        quantity=quantity,
        expires_on=timezone.localdate() + timedelta(days=days),
        batch_code=code,
    )


def _digests() -> list[Notification]:
    return list(Notification.objects.filter(kind=K.STAFF_NEAR_EXPIRY).order_by("subject"))


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


@pytest.mark.django_db
@override_settings(SHOP_PUBLIC_URL="https://shop.example.in", SHOP_STAFF_EMAILS=["ops@shop.example.in"])
def test_the_daily_task_emails_each_stores_staff_once_with_the_batches_and_what_to_do(admin_client) -> None:
    today = timezone.localdate()
    hsr = StoreFactory(code="blr-hsr", title="HSR Layout")
    quiet = StoreFactory(code="blr-ind", title="Indiranagar")
    wfd = StoreFactory(code="blr-wfd", title="Whitefield")
    _receive(hsr, name="Amul Taaza Toned Milk 500 ml", code="GRN-MILK", days=0, quantity=12)
    _receive(hsr, name="Baby Potato", code="GRN-POT", days=1, quantity=1500, grams=True)
    _receive(hsr, name="Brown Bread 400 g", code="GRN-BREAD", days=2, quantity=1)
    _receive(hsr, name="Paneer 200 g", code="GRN-PANEER", days=3, quantity=4)  # a day past the window
    _receive(quiet, name="Curd 400 g", code="GRN-CURD", days=9, quantity=3)
    _receive(wfd, name="Eggs x 6", code="GRN-EGGS", days=1, quantity=6)

    assert announce_batches_near_expiry_task.apply().get() == 2
    deliver_pending()
    assert announce_batches_near_expiry_task.apply().get() == 0  # beat ran it twice today
    deliver_pending()

    # One each for HSR and Whitefield, nothing for Indiranagar, nothing twice.
    assert [n.subject for n in _digests()] == [
        f"1 batch at BLR-WFD expires by {_day(today + timedelta(days=1))}",
        f"3 batches at BLR-HSR expire by {_day(today + timedelta(days=2))}",
    ]
    digest = _digests()[1]
    last = today + timedelta(days=2)
    assert digest.to == "ops@shop.example.in"
    assert digest.subject == f"3 batches at BLR-HSR expire by {_day(last)}"
    url = f"https://shop.example.in/admin/inventory/batch/?expiry=2&stock__store__id__exact={hsr.id}"
    assert digest.body == (
        f"3 batches on the shelf at HSR Layout (BLR-HSR) expire by {_day(last)}:\n\n"
        f"- Amul Taaza Toned Milk 500 ml (SKU-GRN-MILK), batch GRN-MILK: 12 packs, expires {_day(today)} (today)\n"
        f"- Baby Potato (SKU-GRN-POT), batch GRN-POT: 1.5 kg, expires {_day(today + timedelta(days=1))} (tomorrow)\n"
        f"- Brown Bread 400 g (SKU-GRN-BREAD), batch GRN-BREAD: 1 pack, expires {_day(last)}\n\n"
        "What to do:\n"
        "- Sell them first: move them to the front of the shelf, ahead of later batches of the same item.\n"
        '- Mark them down: on the SKU\'s page in the admin (Catalog > Skus) add a "Store price" for BLR-HSR, '
        "and remove it once the batch is gone.\n"
        "- Damaged or unfit to sell before its date: on the item's stock page (Inventory > Stocks) use "
        '"Adjust stock" with a negative change and the reason; it comes out of the first-expiring batch.\n'
        "- After its expiry date: take what is left off the shelf and throw it away. The books write it off "
        "by themselves the next day (the batch sweep); book nothing.\n\n"
        f"The store's batches expiring within 2 days, in the admin: {url}\n"
    )
    services.send_pending(older_than_seconds=-1)
    assert sorted((m.subject, m.to) for m in mail.outbox) == [(n.subject, ["ops@shop.example.in"]) for n in _digests()]

    # The link opens the admin's list of exactly these batches (this store, not Whitefield; this window).
    page = admin_client.get(url.removeprefix("https://shop.example.in")).content.decode()
    listed = sorted(set(re.findall(r">(GRN-[A-Z]+)<", page)))
    assert listed == ["GRN-BREAD", "GRN-MILK", "GRN-POT"]


def test_one_batch_all_expiring_today_reads_so() -> None:
    today = date(2026, 11, 25)
    context = messages.near_expiry_context(
        lines=[
            messages.near_expiry_line(
                name="Curd", sku_code="CURD", batch_code="B1", quantity=250, by_weight=True, expires_on=today,
                today=today,
            )
        ],
        last_day=today,
        today=today,
    )  # fmt: skip
    subject, body = messages.render(
        K.STAFF_NEAR_EXPIRY, store_code="BLR-HSR", store_title="HSR", within_days=2, admin_url="u", **context
    )
    assert subject == "1 batch at BLR-HSR expires today, Wed 25 Nov"
    assert "- Curd (CURD), batch B1: 250 g, expires Wed 25 Nov (today)\n" in body


def test_a_long_digest_lists_fifty_batches_and_points_to_the_rest() -> None:
    day = date(2026, 11, 25)
    lines = [f"- item {n}" for n in range(53)]
    context = messages.near_expiry_context(lines=lines, last_day=day + timedelta(days=2), today=day)
    assert context["batch_count"] == "53 batches"
    assert context["deadline"] == "by Fri 27 Nov"
    assert context["lines"].splitlines()[-2:] == ["- item 49", "- and 3 more: see the admin's list below"]
