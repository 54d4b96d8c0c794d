# SQL text here is assembled from model metadata (quoted) only; every value is a parameter.
# ruff: noqa: S608
"""Writing many rows of one model fast: ``COPY`` on PostgreSQL, one prepared ``executemany``
on SQLite, with ids reserved beforehand so that the caller can write dependent rows (events of
a complaint) without reading anything back.

The ORM's ``bulk_create`` spends most of its time preparing values field by field and building
one statement per batch; here every column has one converter chosen once per table, and a row
is a tuple. Column lists come from the model's metadata, so a field another app adds gets its
default here without changes. Callers run inside a transaction: rows and reserved ids are
rolled back together.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models

Converter = Callable[[Any], Any]


def _json_converter(field: models.JSONField) -> Converter:
    encoder = field.encoder

    def convert(v: Any) -> Any:
        return None if v is None else json.dumps(v, cls=encoder)

    return convert


def _converter(field: models.Field[Any, Any], vendor: str) -> Converter | None:
    """How a Python value becomes a column value (``None``: as it is). The same stored form as
    the ORM's ``get_db_prep_save`` (JSON as text, SQLite datetimes as naive UTC text)."""
    if isinstance(field, models.JSONField):
        return _json_converter(field)
    if field.choices:
        # TextChoices members: their value (psycopg would dump an Enum by name)
        return lambda v: v.value if isinstance(v, enum.Enum) else v
    if vendor == "postgresql":
        return None
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        # ``ops.adapt_datetimefield_value`` without its per-call checks: aware → the
        # connection's zone (UTC), naive text
        tz = connection.timezone

        def adapt_datetime(v: Any) -> Any:
            if v.tzinfo is not None:
                v = v.astimezone(tz).replace(tzinfo=None)
            return str(v)

        return adapt_datetime
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(field, models.DecimalField):
        return lambda v: field.get_db_prep_save(v, connection)
    if isinstance(field, models.BooleanField):
        return lambda v: None if v is None else int(v)
    return None


def _const(value: Any) -> Callable[[], Any]:
    return lambda: value


class BulkTable:
    """A model's concrete columns, their converters and the defaults of unset fields."""

    def __init__(self, model: type[models.Model]) -> None:
        vendor = connection.vendor
        self.model = model
        self.name = model._meta.db_table
        fields = list(model._meta.concrete_fields)
        self.columns = [f.column for f in fields]
        self.pairs = [(f.attname, _converter(f, vendor)) for f in fields]
        self.defaults: dict[str, Callable[[], Any]] = {}
        for f in fields:
            if f.has_default():
                self.defaults[f.attname] = f.default if callable(f.default) else _const(f.default)
            elif f.null:
                self.defaults[f.attname] = _const(None)
            elif isinstance(f, models.CharField | models.TextField):
                self.defaults[f.attname] = _const("")

    def row(self, values: dict[str, Any]) -> tuple[Any, ...]:
        defaults = self.defaults
        out = []
        for attname, convert in self.pairs:
            v = values[attname] if attname in values else defaults[attname]()
            out.append(v if convert is None or v is None else convert(v))
        return tuple(out)

    def write(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert ``rows`` (from ``row``) in the current transaction."""
        if not rows:
            return
        qn = connection.ops.quote_name
        cols = ", ".join(qn(c) for c in self.columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # the raw psycopg cursor: its errors wrapped as Django's (IntegrityError …) so
                # that callers can catch them as they would from the ORM
                with (
                    connection.wrap_database_errors,
                    cursor.cursor.copy(f"COPY {qn(self.name)} ({cols}) FROM STDIN") as copy,
                ):
                    for r in rows:
                        copy.write_row(r)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(f"INSERT INTO {qn(self.name)} ({cols}) VALUES ({marks})", rows)


def reserve_ids(model: type[models.Model], n: int) -> list[int]:
    """``n`` new primary keys of ``model``'s auto id, taken from its sequence so that no other
    writer gets them (call inside the transaction that inserts the rows)."""
    if n <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, n],
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite, AUTOINCREMENT: ``sqlite_sequence`` holds the largest id ever used; moving it
        # takes the write lock, so the range is ours until the transaction ends
        cursor.execute("UPDATE sqlite_sequence SET seq = seq + %s WHERE name = %s", [n, table])
        if cursor.rowcount == 0:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")
            first = int(cursor.fetchone()[0]) + 1
            cursor.execute(
                "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, first + n - 1]
            )
        else:
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            first = int(cursor.fetchone()[0]) - n + 1
    return list(range(first, first + n))
