"""Connection factory: one URL in, one configured peewee Database out.

``sqlite:///PATH`` gets WAL, foreign keys, a busy timeout and synchronous
FULL (money is written here); the file is created readable by its owner
only. ``postgresql://`` goes through psycopg 3. Nothing connects at import
time: :func:`open_database` binds the models and returns the database, which
connects on first use.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import peewee

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 15000,
    "synchronous": "full",
    "cache_size": -16000,
}


class DatabaseUrlError(ValueError):
    """A database URL that names no usable backend or path."""


def is_sqlite(database: peewee.Database) -> bool:
    return isinstance(database, peewee.SqliteDatabase)


def sqlite_path(url: str) -> Path | None:
    """The file behind a sqlite:/// URL (None for :memory: or other backends)."""
    if not url.startswith("sqlite:///"):
        return None
    rest = url[len("sqlite:///"):].split("?", 1)[0]
    return None if rest in ("", ":memory:") else Path(rest)


def make_database(url: str) -> peewee.Database:
    """Build (but do not open) the database a URL names."""
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        path = sqlite_path(url)
        if path is not None:
            _create_private_file(path)
        target = str(path) if path is not None else ":memory:"
        return peewee.SqliteDatabase(target, pragmas=SQLITE_PRAGMAS, timeout=15)
    if scheme in ("postgresql", "postgres"):
        parts = urlsplit(url)
        if not parts.path.strip("/"):
            raise DatabaseUrlError(f"{url}: a PostgreSQL URL needs a database name, e.g. postgresql://kiosk@localhost/kiosk")
        options = dict(parse_qsl(parts.query))
        from playhouse.db_url import connect as _connect_url  # only PostgreSQL pays for its imports

        database = _connect_url(url.split("?", 1)[0].replace("postgres://", "postgresql://", 1))
        if options:
            database.connect_params.update(options)
        return database
    raise DatabaseUrlError(f"{url}: allowed sqlite:///PATH or postgresql://USER@HOST/DB")


def _create_private_file(path: Path) -> None:
    """Create the SQLite file with mode 0600 before SQLite does (it would use the umask)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)


def open_database(url: str) -> peewee.Database:
    """Build the database for ``url`` and bind every model to it."""
    from db.models import bind

    database = make_database(url)
    bind(database)
    return database


@contextlib.contextmanager
def write_transaction(database: peewee.Database) -> Iterator[None]:
    """One transaction for writes that belong together.

    On SQLite it takes the write lock up front (BEGIN IMMEDIATE) so two
    writers never deadlock upgrading a read lock; PostgreSQL uses row locks.
    Nested calls become savepoints.
    """
    if is_sqlite(database) and not database.in_transaction():
        with database.atomic("IMMEDIATE"):
            yield
    else:
        with database.atomic():
            yield
