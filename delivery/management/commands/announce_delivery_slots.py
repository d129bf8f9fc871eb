"""Publish SlotOpened again for every slot still open for booking (for a subscriber that joined late)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from delivery import services


class Command(BaseCommand):
    help = (
        "Announce every slot whose cut-off is still ahead (SlotOpened), e.g. once after deploying a "
        "subscriber that needs the slots generated before it listened. Safe to repeat."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        announced = services.announce_open_slots()
        self.stdout.write(f"Announced {announced} open slots.")
