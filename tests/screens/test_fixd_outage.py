"""A database outage at the kiosk and the display board (attack D11, fixer FS).

The database "goes down" and comes back: while :class:`Outage` is down every statement fails as
the driver's lost connection does (peewee's OperationalError, what psycopg's "server closed the
connection" or "connection refused" becomes), on SQLite and PostgreSQL alike; the shared server is
never stopped.

- 取号 shows the fault, retries on a slow timer and shows the categories once the database answers;
- the display board marks its data "数据暂未更新 (HH:MM)" while its reads fail and drops the mark
  once one succeeds.
"""

from __future__ import annotations

from typing import Any

import peewee
import pytest


class Outage:
    """Makes ``database``'s statements fail while :attr:`down` (installed with ``monkeypatch``)."""

    def __init__(self, database: peewee.Database, monkeypatch: pytest.MonkeyPatch) -> None:
        self.down = False
        self.failed = 0
        real = database.execute_sql

        def execute_sql(sql: str, params: Any = None, *args: Any, **kwargs: Any) -> Any:
            if self.down:
                self.failed += 1
                raise peewee.OperationalError("server closed the connection unexpectedly")
            return real(sql, params, *args, **kwargs)

        monkeypatch.setattr(database, "execute_sql", execute_sql)
