"""PostgreSQL with django-prometheus's query metrics, counted for less.

The same series as `django_prometheus.db.backends.postgresql` (django_db_execute_total,
django_db_query_duration_seconds, django_db_errors_total, connections), but the labelled
children are looked up once per process, not on every statement: the stock wrapper
spent about as much CPU on `labels()` and its context managers as psycopg did sending a
prepared statement.
"""

from __future__ import annotations

from time import perf_counter
from typing import Any

from django.db.backends.postgresql import base as postgresql
from django_prometheus.db.backends.postgresql import base as prometheus
from django_prometheus.db.metrics import errors_total, execute_many_total, execute_total, query_duration_seconds


def counted_cursor(cursor_class: Any, alias: str, vendor: str) -> Any:
    """A cursor class that counts and times its statements under (alias, vendor)."""
    executed = execute_total.labels(alias, vendor)
    executed_many = execute_many_total.labels(alias, vendor)
    duration = query_duration_seconds.labels(alias, vendor)

    def counted(run: Any, statements: int, *args: Any, **kwargs: Any) -> Any:
        executed.inc(statements)
        started = perf_counter()
        try:
            return run(*args, **kwargs)
        except Exception as exc:
            errors_total.labels(alias, vendor, type(exc).__name__).inc()
            raise
        finally:
            duration.observe(perf_counter() - started)

    class CountedCursor(cursor_class):
        def execute(self, *args: Any, **kwargs: Any) -> Any:
            return counted(super().execute, 1, *args, **kwargs)

        def executemany(self, query: Any, params_seq: Any, *args: Any, **kwargs: Any) -> Any:
            params_seq = list(params_seq)
            executed_many.inc(len(params_seq))
            return counted(super().executemany, len(params_seq), query, params_seq, *args, **kwargs)

    return CountedCursor


_cursor_classes: dict[tuple[Any, str, str], Any] = {}


class DatabaseWrapper(prometheus.DatabaseWrapper):  # its connection counters, our cursors
    def get_connection_params(self) -> dict[str, Any]:
        params = postgresql.DatabaseWrapper.get_connection_params(self)
        key = (params["cursor_factory"], self.alias, self.vendor)
        if key not in _cursor_classes:  # one class per process, not one per connection
            _cursor_classes[key] = counted_cursor(*key)
        params["cursor_factory"] = _cursor_classes[key]
        return params
