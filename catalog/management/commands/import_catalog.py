"""Import products and SKUs from a CSV file: all or nothing, or --skip-invalid."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from catalog.services.importing import COLUMNS, REQUIRED, import_rows, validate_rows


def _records(reader: csv.DictReader[str]) -> Iterator[tuple[int, dict[str, str]]]:
    for raw in reader:
        yield reader.line_num, raw


class Command(BaseCommand):
    help = (
        "Import the catalogue from a CSV file with the columns: " + ", ".join(COLUMNS) + ". Every row is checked "
        "first; if any is bad nothing is imported (each bad row is listed with its line number), unless --skip-invalid."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--skip-invalid", action="store_true", help="Import the good rows and list the bad ones.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        quiet = options["verbosity"] == 0
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            missing = [name for name in REQUIRED if name not in (reader.fieldnames or [])]
            if missing:
                raise CommandError(f"{path}: missing columns {', '.join(missing)}")
            report = validate_rows(tqdm(_records(reader), desc="checking", unit="row", disable=quiet))
        for line, reason in report.errors:
            self.stderr.write(f"line {line}: {reason}")
        if report.errors and not options["skip_invalid"]:
            raise CommandError(
                f"{len(report.errors)} bad row(s); nothing was imported. Fix them, or pass --skip-invalid."
            )
        with tqdm(total=len(report.rows), desc="importing", unit="row", disable=quiet) as bar:
            try:
                import_rows(report=report, progress=bar.update)
            except ValidationError as exc:
                raise CommandError(f"{' '.join(exc.messages)}; nothing was imported.") from exc
        skipped = f", {len(report.errors)} bad row(s) skipped" if report.errors else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {len(report.rows)} row(s): {report.created_skus} SKU(s) created, "
                f"{report.updated_skus} updated, {report.published} product(s) published{skipped}."
            )
        )
