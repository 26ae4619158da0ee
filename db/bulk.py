"""Bulk inserts: many rows of one table in one prepared statement.

Used where thousands of rows are written at once (the demo township, a benefit run's
payment lines, a roster import). Rows are tuples in the order of the fields given;
values go through each field's ``db_value`` exactly as peewee's own inserts do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import peewee


def insert_rows(database: peewee.Database, model: type[peewee.Model], fields: Sequence[Any],
                rows: Sequence[Sequence[Any]]) -> None:
    """Insert ``rows`` (tuples in the order of ``fields``) with one prepared statement.

    The same as ``insert_many``, but through the driver's ``executemany``: peewee builds a
    multi-row INSERT value by value (two thirds of seeding a township was that), the
    driver binds a prepared row (sqlite3's loop in C, psycopg's pipeline). A field the
    caller leaves out gets its default, as ``insert_many`` would give it. Call it inside the
    caller's transaction: outside one, every row would be a transaction of its own.
    """
    if not rows:
        return
    fields = list(fields)
    named = {f.name for f in fields}
    defaulted = [f for f in model._meta.sorted_fields if f.name not in named and f.default is not None]
    columns = [*fields, *defaulted]
    quote = database.quote  # peewee's identifier quotes, e.g. ('"', '"')
    sql = "INSERT INTO {}{}{} ({}) VALUES ({})".format(
        quote[0], model._meta.table_name, quote[1],
        ", ".join(f"{quote[0]}{c.column_name}{quote[1]}" for c in columns),
        ", ".join([database.param] * len(columns)))
    converters = [f.db_value for f in fields]
    defaults = [f.db_value(f.default() if callable(f.default) else f.default) for f in defaulted]
    params = [[convert(value) for convert, value in zip(converters, row, strict=True)] + defaults for row in rows]
    database.cursor().executemany(sql, params)
