"""Check, or write, docs/event-contracts.json: the JSON Schema of every published event."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shop.eventbus import contracts


class Command(BaseCommand):
    help = (
        "Compare the events the apps declare with docs/event-contracts.json (the published "
        "contracts): exits 1 on a change that would break a reader of an existing version, or when "
        "the file is out of date. --write records additive changes (new optional fields, new events)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--write", action="store_true", help="write the file (refused on a breaking change)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = contracts.contracts_path()
        stored, current = contracts.stored_contracts(path), contracts.current_contracts()
        breaking = contracts.breaking_changes(stored, current)
        if breaking:
            lines = "\n".join(f"  - {problem}" for problem in breaking)
            raise CommandError(
                f"{len(breaking)} breaking change(s) to published events:\n{lines}\n"
                "Publish a new version instead (`<app>.<fact>.v2` with an @upcaster from v1), "
                "see docs/eventbus.md, Contracts and versions."
            )
        added = sorted(set(current) - set(stored))
        changed = sorted(name for name in set(current) & set(stored) if current[name] != stored[name])
        if not added and not changed:
            self.stdout.write(f"{path.name}: {len(current)} event contracts, up to date.")
            return
        parts = [f"{len(added)} new" if added else "", f"{len(changed)} grown" if changed else ""]
        summary = ", ".join(part for part in parts if part)
        if not options["write"]:
            names = "\n".join(f"  - {name}" for name in [*added, *changed])
            raise CommandError(
                f"{path.name} is out of date ({summary}, no breaking change):\n{names}\n"
                "Run `manage.py event_contracts --write` and commit the file."
            )
        path.write_text(contracts.render(current), encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"Wrote {path} ({len(current)} event contracts; {summary})."))
