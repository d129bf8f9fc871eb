"""Operate the event bus: status, dead letters, replay, discard, backfill, pause, resume, redeliver, prune, deliver."""

from __future__ import annotations

import getpass
import re
import shlex
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q
from django.utils import timezone

from shop.eventbus import delivery, selectors, services
from shop.eventbus.models import Delivery

_DURATION = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_duration(text: str) -> timedelta:
    match = _DURATION.match(text.strip())
    if not match:
        raise CommandError(f"{text!r} is not a duration like 30d, 12h, 15m or 90s")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


class Command(BaseCommand):
    help = (
        "Operate the event bus. Subcommands: status, dead, replay, discard, backfill, pause, resume, redeliver, "
        "prune, deliver."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("status", help="Pending, in flight, dead and oldest pending age per subscriber")
        dead = sub.add_parser("dead", help="List dead letters (or --group them by error)")
        dead.add_argument("--group", action="store_true")
        dead.add_argument("--limit", type=int, default=50)
        replay = sub.add_parser("replay", help="Send dead letters back to their subscribers")
        replay.add_argument("ids", nargs="*", type=int, help="Delivery ids (see `eventbus dead`)")
        replay.add_argument("--subscriber")
        replay.add_argument("--error-type")
        replay.add_argument("--all", action="store_true", help="Every dead letter matching the filters")
        discard = sub.add_parser("discard", help="Give up on dead letters for good (never delivered; say why)")
        discard.add_argument("ids", nargs="*", type=int, help="Delivery ids (see `eventbus dead`)")
        discard.add_argument("--subscriber")
        discard.add_argument("--error-type")
        discard.add_argument("--all", action="store_true", help="Every dead letter matching the filters")
        discard.add_argument("--reason", required=True, help="Why they will never be delivered (kept on each)")
        backfill = sub.add_parser(
            "backfill",
            help="Queue the stored events a subscriber that joined late never had (keys it knows are skipped)",
        )
        backfill.add_argument("subscriber", help="e.g. orders.record_store (see `eventbus status` or the admin)")
        backfill.add_argument("--since", help="Only events younger than this, e.g. 30d (default: the whole log)")
        backfill.add_argument("--dry-run", action="store_true", help="Count what would be queued; queue nothing")
        pause = sub.add_parser(
            "pause", help="Stop delivering to subscribers (their events wait, in order) until `resume`"
        )
        pause.add_argument("subscribers", nargs="+", help="Names or globs, e.g. orders.record_store or 'cart.*'")
        pause.add_argument("--reason", default="", help="Why (shown by `status` and in the admin)")
        resume = sub.add_parser("resume", help="Deliver to paused subscribers again, from where they waited")
        resume.add_argument("subscribers", nargs="+", help="Names or globs")
        redeliver = sub.add_parser(
            "redeliver",
            help="Deliver a paused subscriber its whole stored history again (rebuild a projection), then `resume`",
        )
        redeliver.add_argument("subscribers", nargs="+", help="Names or globs; each must be paused")
        redeliver.add_argument("--since", help="Only events younger than this, e.g. 30d (default: the whole log)")
        redeliver.add_argument("--dry-run", action="store_true", help="Count what would be delivered again")
        prune = sub.add_parser("prune", help="Delete done deliveries (and events past retention)")
        prune.add_argument("--older-than", default="30d", help="e.g. 30d, 12h (default 30d)")
        deliver = sub.add_parser("deliver", help="Deliver pending events in this process, then exit")
        deliver.add_argument("--seconds", type=float, default=60.0)

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _status(self, options: dict[str, Any]) -> None:
        rows = selectors.backlog()
        for paused in selectors.paused_subscribers():
            why = f": {paused.reason}" if paused.reason else ""
            by = f" by {paused.paused_by}" if paused.paused_by else ""
            self.stdout.write(
                self.style.WARNING(f"PAUSED {paused.subscriber} since {paused.paused_at:%Y-%m-%d %H:%M}{by}{why}")
            )
        if not rows:
            self.stdout.write("Nothing pending, in flight or dead.")
            return
        self.stdout.write(f"{'subscriber':45} {'pending':>8} {'in flight':>9} {'dead':>6} {'oldest pending':>15}")
        for row in rows:
            self.stdout.write(
                f"{row.subscriber:45} {row.pending:>8} {row.in_flight:>9} {row.dead:>6} "
                f"{row.oldest_pending_age_seconds:>14.1f}s"
            )

    def _dead(self, options: dict[str, Any]) -> None:
        if options["group"]:
            groups = selectors.dead_letter_groups()
            if not groups:
                self.stdout.write("No dead letters.")
                return
            self.stdout.write(f"{'count':>6}  subscriber  error kind  error type  since")
            for group in groups:
                self.stdout.write(
                    f"{group['count']:>6}  {group['subscriber']}  {group['error_kind']}  {group['error_type']}"
                    f"  since {group['first']:%Y-%m-%d %H:%M}"
                )
            return
        letters = selectors.dead_letters()
        total = letters.count()
        if not total:
            self.stdout.write("No dead letters.")
            return
        self.stdout.write(f"{'id':>8}  subscriber  event  key  attempts  error")
        for d in letters[: options["limit"]]:
            self.stdout.write(
                f"{d.id:>8}  {d.subscriber}  {d.event.name}  key={d.key}  attempts={d.attempts}  "
                f"{d.error_kind}: {d.last_error[:100]}"
            )
        if total > options["limit"]:
            self.stdout.write(
                f"Showing the newest {options['limit']} of {total} (--limit N for more, --group to count)."
            )

    def _dead_letters(self, options: dict[str, Any]) -> Any:
        if not options["ids"] and not options["all"]:
            raise CommandError("Name delivery ids, or pass --all (with --subscriber/--error-type to narrow it).")
        subscriber = options["subscriber"]
        if subscriber and not Delivery.objects.filter(subscriber=subscriber).exists():
            try:
                services.match_subscribers([subscriber])
            except services.UnknownSubscriber as exc:
                raise CommandError(str(exc).replace("matches", "is named", 1)) from exc
        filters = Q(status=Delivery.Status.DEAD)
        if options["ids"]:
            filters &= Q(id__in=options["ids"])
            # A mistyped id, or one already replayed, must not pass for done: say which, act on none.
            statuses = dict(Delivery.objects.filter(id__in=options["ids"]).values_list("id", "status"))
            wrong = [
                f"{i} ({statuses[i]})" if i in statuses else f"{i} (no such delivery)"
                for i in dict.fromkeys(options["ids"])
                if statuses.get(i) != Delivery.Status.DEAD
            ]
            if wrong:
                raise CommandError(
                    f"Not dead letters: {', '.join(wrong)}. Nothing done; `manage.py eventbus dead` lists them."
                )
        if subscriber:
            filters &= Q(subscriber=subscriber)
        if options["error_type"]:
            filters &= Q(error_type=options["error_type"])
        return Delivery.objects.filter(filters)

    def _replay(self, options: dict[str, Any]) -> None:
        count = services.replay_dead_letters(self._dead_letters(options))
        if not count:
            self.stdout.write("Replayed 0 dead letter(s): none matched.")
            return
        self.stdout.write(self.style.SUCCESS(f"Replayed {count} dead letter(s)."))

    def _discard(self, options: dict[str, Any]) -> None:
        try:
            count = services.discard_dead_letters(self._dead_letters(options), reason=options["reason"], by=_operator())
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Discarded {count} dead letter(s)."))

    def _backfill(self, options: dict[str, Any]) -> None:
        since = timezone.now() - parse_duration(options["since"]) if options["since"] else None
        dry_run = options["dry_run"]
        verb = "Would queue" if dry_run else "Queued"

        so_far = [0]

        def on_batch(count: int) -> None:  # progress on a long log
            so_far[0] += count
            self.stdout.write(f"  {so_far[0]} ...")

        try:
            result = services.backfill(
                subscriber=options["subscriber"], since=since, dry_run=dry_run, on_batch=on_batch
            )
        except services.UnknownSubscriber as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {result.queued} event(s) ({', '.join(result.event_names)}) for {result.subscriber}; "
                f"skipped {result.skipped_keys} key(s) it already knows."
            )
        )

    def _subscribers(self, options: dict[str, Any]) -> list[str]:
        try:
            return services.match_subscribers(options["subscribers"])
        except services.UnknownSubscriber as exc:
            raise CommandError(str(exc)) from exc

    def _pause(self, options: dict[str, Any]) -> None:
        names = self._subscribers(options)
        newly = services.pause(names, reason=options["reason"], by=_operator())
        for name in names:
            self.stdout.write(f"  {name}: {'paused' if name in newly else 'was already paused'}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Paused {len(newly)} subscriber(s). Deliveries in flight finish; new ones wait until "
                f"`manage.py eventbus resume`."
            )
        )

    def _resume(self, options: dict[str, Any]) -> None:
        names = self._subscribers(options)
        resumed = services.resume(names)
        for name in names:
            self.stdout.write(f"  {name}: {'resumed' if name in resumed else 'was not paused'}")
        self.stdout.write(self.style.SUCCESS(f"Resumed {len(resumed)} subscriber(s)."))

    def _redeliver(self, options: dict[str, Any]) -> None:
        since = timezone.now() - parse_duration(options["since"]) if options["since"] else None
        verb = "Would deliver" if options["dry_run"] else "Will deliver"
        for name in self._subscribers(options):
            try:
                result = services.redeliver_history(subscriber=name, since=since, dry_run=options["dry_run"])
            except services.NotPaused as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(
                self.style.SUCCESS(
                    f"{verb} {result.reset + result.queued} event(s) again to {name} "
                    f"({result.reset} it had, {result.queued} it had no delivery for)."
                )
            )
        if not options["dry_run"]:
            names = " ".join(shlex.quote(name) for name in options["subscribers"])
            self.stdout.write(f"Resume it to start: manage.py eventbus resume {names}")

    def _prune(self, options: dict[str, Any]) -> None:
        result = services.prune(older_than=parse_duration(options["older_than"]))
        self.stdout.write(
            self.style.SUCCESS(
                f"Pruned {result['deliveries']} done deliveries, {result['events']} events, "
                f"{result['inbox']} inbox entries."
            )
        )

    def _deliver(self, options: dict[str, Any]) -> None:
        delivery.reap_expired_leases()
        count = delivery.deliver_until_empty(max_seconds=options["seconds"])
        self.stdout.write(f"Delivered {count}.")


def _operator() -> str:
    """Who runs the command, as far as the machine knows (containers may have no user name)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""
