"""Model instances from raw SQL rows, as the ORM would build them: the hot paths (the closed loop's
row lock, notify's recipients) read many columns in one hand-written statement, because compiling the
ORM query cost more than running it (bench/closed_loop.py)."""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections


def converters(fields) -> list[tuple[Any, list]]:
    """What the ORM would apply to each column read (JSON decoding, SQLite's datetimes …), for the
    current connection's vendor."""
    found = []
    for field in fields:
        column = field.get_col(field.model._meta.db_table)
        found.append((column, connection.ops.get_db_converters(column) + column.get_db_converters(connection)))
    return found


def instance_from_row(model, fields, converters_of_fields, values):
    """The instance the ORM would build from these columns (their converters applied)."""
    db = connections[DEFAULT_DB_ALIAS]  # `connection` itself, without its proxy's per-access look-up
    converted = []
    for value, (column, functions) in zip(values, converters_of_fields, strict=True):
        for convert in functions:
            value = convert(value, column, db)
        converted.append(value)
    return model.from_db(db.alias, [f.attname for f in fields], converted)
