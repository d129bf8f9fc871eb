"""Prometheus metrics of the bus (exported at /metrics, and by workers on their own port)."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

published = Counter("eventbus_events_published_total", "Events published", ["event"])
deliveries = Counter(
    "eventbus_deliveries_total",
    "Deliveries finished, by outcome (done, duplicate, retried, dead)",
    ["subscriber", "outcome"],
)
handler_seconds = Histogram(
    "eventbus_handler_seconds",
    "Time spent in a subscriber's handler",
    ["subscriber"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
lag_seconds = Histogram(
    "eventbus_lag_seconds",
    "From publish to handled (includes the publisher's remaining transaction time)",
    ["subscriber"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
nudge_failures = Counter("eventbus_nudge_failures_total", "Nudges to the workers that could not be sent")
leases_expired = Counter("eventbus_leases_expired_total", "Claims taken back from a worker that stopped answering")


class BacklogCollector(Collector):
    """Pending count and oldest pending age per subscriber, read at scrape time."""

    def describe(self) -> Iterator[GaugeMetricFamily]:
        # Registration asks for the names; answering without a query keeps start-up off the database.
        yield GaugeMetricFamily("eventbus_pending_deliveries", "", labels=["subscriber"])
        yield GaugeMetricFamily("eventbus_oldest_pending_age_seconds", "", labels=["subscriber"])
        yield GaugeMetricFamily("eventbus_dead_letters", "", labels=["subscriber"])
        yield GaugeMetricFamily("eventbus_paused", "", labels=["subscriber"])

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from .selectors import backlog, paused_subscribers  # the database is read only when scraped

        pending = GaugeMetricFamily("eventbus_pending_deliveries", "Deliveries not yet done", labels=["subscriber"])
        oldest = GaugeMetricFamily(
            "eventbus_oldest_pending_age_seconds", "Age of the oldest pending delivery", labels=["subscriber"]
        )
        dead = GaugeMetricFamily("eventbus_dead_letters", "Dead deliveries awaiting replay", labels=["subscriber"])
        paused = GaugeMetricFamily(
            "eventbus_paused", "1 while an operator has paused the subscriber", labels=["subscriber"]
        )
        try:
            rows = backlog()
            paused_now = paused_subscribers()
        except Exception:  # a scrape must not fail because the database is away
            return
        for subscription in paused_now:
            paused.add_metric([subscription.subscriber], 1)
        for row in rows:
            pending.add_metric([row.subscriber], row.pending + row.in_flight)
            oldest.add_metric([row.subscriber], row.oldest_pending_age_seconds)
            dead.add_metric([row.subscriber], row.dead)
        yield pending
        yield oldest
        yield dead
        yield paused
