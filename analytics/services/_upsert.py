"""Counting in one statement: INSERT the rows with their increments as values, or add them to
the rows already there (ON CONFLICT ... DO UPDATE), on PostgreSQL and SQLite."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connections, router
from django.db.models import Field, Model


def column(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    if not isinstance(field, Field) or not field.column:
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return str(field.column)


def add_rows(
    model: type[Model],
    *,
    keys: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    add: Sequence[str] = (),
    replace: Sequence[str] = (),
) -> None:
    """Insert `rows` (fields not given at their defaults); where a row's `keys` are taken, add
    its `add` fields to the row there and overwrite its `replace` fields instead. All rows in
    one statement (where the database takes that many parameters: SQLite's older builds 999),
    locked in the order of their keys, so two counts of overlapping rows cannot deadlock.
    No two rows may share their keys (PostgreSQL cannot update a row twice in a statement)."""
    if not rows:
        return
    ordered = sorted(rows, key=lambda row: tuple(str(row[name]) for name in keys))
    if len({tuple(str(row[name]) for name in keys) for row in ordered}) != len(ordered):
        raise ValueError("add_rows: two rows with the same keys")
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    meta = model._meta
    fields = [field for field in meta.concrete_fields if field is not meta.auto_field]
    table = quote(str(meta.db_table))
    updates = [f"{c} = {table}.{c} + EXCLUDED.{c}" for c in (quote(column(model, name)) for name in add)]
    updates += [f"{c} = EXCLUDED.{c}" for c in (quote(column(model, name)) for name in replace)]
    on_conflict = f"DO UPDATE SET {', '.join(updates)}" if updates else "DO NOTHING"
    row_sql = f"({', '.join(['%s'] * len(fields))})"
    limit = connection.features.max_query_params
    per_statement = max(1, limit // len(fields)) if limit else len(ordered)
    for start in range(0, len(ordered), per_statement):
        chunk = ordered[start : start + per_statement]
        sql = (
            f"INSERT INTO {table} ({', '.join(quote(str(field.column)) for field in fields)}) "  # noqa: S608 - no user input
            f"VALUES {', '.join([row_sql] * len(chunk))} "
            f"ON CONFLICT ({', '.join(quote(column(model, name)) for name in keys)}) {on_conflict}"
        )
        values: list[Any] = []
        for row in chunk:
            obj = model(**row)
            values += [field.get_db_prep_save(field.pre_save(obj, add=True), connection) for field in fields]
        with connection.cursor() as cursor:
            cursor.execute(sql, values)


def add_to(model: type[Model], *, keys: Mapping[str, Any], increments: Mapping[str, int]) -> None:
    """Add `increments` to the row `keys` names, creating it (other fields at their defaults)."""
    add_rows(model, keys=list(keys), rows=[{**keys, **increments}], add=list(increments))
