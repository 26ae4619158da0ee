"""Import the PostgreSQL driver only when a postgresql:// URL is opened.

peewee imports psycopg at its own import time when it is installed (a third
of the kiosk's cold start on this machine), although a hall on SQLite never
uses it. :func:`hide_driver_while_peewee_loads` hides psycopg from peewee's
own import; :func:`load_psycopg` (called by
:func:`db.connection.make_database` for PostgreSQL URLs) imports psycopg
later and hands peewee exactly the names its own import would have set. When peewee was already imported with
the driver (a test session, a tool that imported it first) both are no-ops.

peewee 4.x sets these names when it is imported: the module globals
``psycopg``, ``TransactionStatus``, ``Json_pg3`` and ``Jsonb_pg3``, and
``Psycopg3Adapter.txn_idle/txn_inerror/txn_unknown`` (class attributes read
at class creation). :func:`load_psycopg` checks that peewee still has them,
so an upgrade that renames them fails loudly at the first PostgreSQL open
instead of misbehaving; every ``kiosk`` command run on PostgreSQL (the CLI
tests) goes through it.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from types import ModuleType
from typing import Any

_DRIVERS = ("psycopg", "psycopg2", "psycopg2cffi")
_lock = threading.Lock()


#: Modules that import the driver at their own import time, each with a name
#: it defines only after that import (so: "is its import running now?").
#: playhouse.postgres_ext comes in through playhouse.migrate (db.schema); it
#: treats a missing driver as "no hstore", which the kiosk never uses.
_IMPORTERS = {"peewee": "Model", "playhouse.postgres_ext": "PostgresqlExtDatabase"}


class _HideDriversFromPeewee:
    """Makes ``import psycopg`` fail while (and only while) peewee or
    playhouse.postgres_ext is being imported. (A meta path finder needs only
    ``find_spec``; importlib.abc.MetaPathFinder as a base would import
    importlib.resources, about 1 ms of every start.)"""

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None) -> Any:
        if fullname.split(".", 1)[0] in _DRIVERS:
            for name, last in _IMPORTERS.items():
                module = sys.modules.get(name)
                if module is not None and not hasattr(module, last):  # its import is running
                    raise ImportError(f"{fullname} is imported only for postgresql:// URLs", name=fullname)
        return None


_finder = _HideDriversFromPeewee()


def hide_driver_while_peewee_loads() -> None:
    """Install the import hook (idempotent; a no-op once peewee is imported).

    Called from ``kiosk/__init__.py`` so that it is in place before anything
    imports peewee. Importing psycopg directly stays possible at any time.
    """
    if "peewee" not in sys.modules and _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)


def load_psycopg() -> None:
    """Make psycopg 3 available to peewee's PostgresqlDatabase (idempotent).

    Raises ImportError when psycopg is not installed, RuntimeError when
    peewee no longer has the names this module fills in.
    """
    import peewee

    if getattr(peewee, "psycopg", None) is not None:
        return
    with _lock:
        if getattr(peewee, "psycopg", None) is not None:
            return
        import psycopg
        from psycopg.pq import TransactionStatus
        from psycopg.types.json import Json, Jsonb

        adapter = getattr(peewee, "Psycopg3Adapter", None)
        names = ("psycopg", "TransactionStatus", "Json_pg3", "Jsonb_pg3")
        if adapter is None or not all(hasattr(peewee, name) or name == "TransactionStatus" for name in names):
            raise RuntimeError(f"peewee {getattr(peewee, '__version__', '?')} changed how it loads psycopg; update db/pgdriver.py")
        adapter.txn_idle = TransactionStatus.IDLE
        adapter.txn_inerror = TransactionStatus.INERROR
        adapter.txn_unknown = TransactionStatus.UNKNOWN
        vars(peewee).update(TransactionStatus=TransactionStatus, Json_pg3=Json, Jsonb_pg3=Jsonb)
        vars(peewee)["psycopg"] = psycopg  # last: the "is it loaded" flag above
