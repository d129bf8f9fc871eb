"""Build the demo shop: each app seeds its own part, events carry what the next needs.

An app takes part by shipping a `seed_demo_<app>` management command. They run in
the order below; between two steps the pending events are delivered in-process, so
that (say) inventory's seed finds the SKUs catalog's seed published.
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandParser

from shop.eventbus.delivery import drain

# Producers before their consumers: catalog's SKUs feed inventory, whose stores feed delivery.
# Between two steps the bus is drained (also what a running web process or worker holds).
ORDER = ["catalog", "inventory", "delivery", "payments", "cart", "orders", "notifications", "analytics"]


class Command(BaseCommand):
    help = "Seed the demo shop (catalogue, stores and stock, zones and slots ...); idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if the demo was seeded before.")

    def handle(self, *args: Any, **options: Any) -> None:
        commands = get_commands()
        for app in ORDER:
            name = f"seed_demo_{app}"
            if name not in commands:
                continue
            self.stdout.write(self.style.MIGRATE_HEADING(f"Seeding {app}"))
            call_command(name, if_empty=options["if_empty"], stdout=self.stdout, stderr=self.stderr)
            delivered = drain(timeout=600)
            if delivered:
                self.stdout.write(f"  delivered {delivered} event deliveries")
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
