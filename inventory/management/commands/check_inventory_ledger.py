"""Prove that stock, batches and reservations reconcile with the movements ledger (exit 1 if not)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from inventory import selectors
from inventory.models import Movement, Stock


class Command(BaseCommand):
    help = "Check that every stock level and batch equals the sum of its ledger movements."

    def handle(self, *args: Any, **options: Any) -> None:
        problems = selectors.reconcile_ledger()
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} discrepancies between stock and the ledger.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Ledger reconciles: {Stock.objects.count()} stock rows, {Movement.objects.count()} movements."
            )
        )
