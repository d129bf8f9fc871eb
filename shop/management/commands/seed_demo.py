"""Build the demo shop: each app seeds its own part, events carry what the next needs.

An app takes part by shipping a `seed_demo_<app>` management command. They run in
the order below; between two steps the pending events are delivered in-process, so
that (say) inventory's seed finds the SKUs catalog's seed published.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import OperationalError, connection

from shop.eventbus.delivery import drain
from shop.eventbus.models import Delivery

# Producers before their consumers: catalog's SKUs feed inventory, whose stores feed delivery.
# Between two steps the bus is drained (also what a running web process or worker holds).
ORDER = ["catalog", "inventory", "delivery", "payments", "cart", "orders", "notifications", "analytics"]

# SQLite (the embedded default) has one writer at a time: `make run` seeds while its web
# process delivers events and runs beat's tasks, and on a busy machine a step can wait
# longer than SQLite's timeout. A step is idempotent (a rolled-back one left nothing), so
# it is tried again rather than leaving a half-seeded shop behind a traceback.
LOCKED_ATTEMPTS = 5
LOCKED_WAIT_SECONDS = 5.0


class Command(BaseCommand):
    help = (
        "Seed the demo shop (catalogue, stores and stock, zones and slots ...); idempotent. "
        "Ends with 'Demo data ready.'"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if the demo was seeded before.")

    def handle(self, *args: Any, **options: Any) -> None:
        commands = get_commands()
        for app in ORDER:
            name = f"seed_demo_{app}"
            if name not in commands:
                continue
            self.stdout.write(self.style.MIGRATE_HEADING(f"Seeding {app}"))
            for attempt in range(1, LOCKED_ATTEMPTS + 1):
                try:
                    self._step(name, if_empty=options["if_empty"])
                    break
                except OperationalError as exc:
                    if connection.vendor != "sqlite" or "locked" not in str(exc):
                        raise
                    if attempt == LOCKED_ATTEMPTS:
                        raise CommandError(
                            f"The database stayed locked by another process ({exc}); {app} is not seeded. "
                            "Run `manage.py seed_demo --if-empty` again once the shop is idle: "
                            "it goes on from where it stopped."
                        ) from exc
                    self.stderr.write(
                        f"  the database is busy (another process is writing: {exc}); "
                        f"trying {app} again in {LOCKED_WAIT_SECONDS:g} s ({attempt + 1} of {LOCKED_ATTEMPTS})"
                    )
                    time.sleep(LOCKED_WAIT_SECONDS)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))

    def _step(self, name: str, *, if_empty: bool) -> None:
        call_command(name, if_empty=if_empty, stdout=self.stdout, stderr=self.stderr)
        waiting = Delivery.objects.filter(status__in=[Delivery.Status.PENDING, Delivery.Status.IN_FLIGHT]).count()
        if waiting:
            # Thousands after the stock step: say so, the next line comes only once they are done.
            self.stdout.write(f"  delivering {waiting} event deliveries ...")
        delivered = drain(timeout=600)
        if delivered:
            self.stdout.write(f"  delivered {delivered} event deliveries")
