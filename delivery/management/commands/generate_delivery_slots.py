"""Create the slots of every active template for the days ahead (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from delivery import services


class Command(BaseCommand):
    help = "Generate delivery slots from the zones' templates for the next N days (existing slots are kept)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=7, help="How many days ahead, from today (default 7).")

    def handle(self, *args: Any, **options: Any) -> None:
        created = services.generate_slots(days=options["days"])
        self.stdout.write(f"Created {created} slots.")
