"""Connection factory: one URL in, one configured peewee Database out.

``sqlite:///PATH`` gets WAL, foreign keys, a busy timeout and synchronous
FULL (money is written here); the file is created readable by its owner
only. ``postgresql://`` goes through psycopg 3 with a connect timeout
(libpq ``connect_timeout``) and a server-side ``statement_timeout`` (sent as
``options=-c statement_timeout=MS``), so a server that accepts TCP and never
answers costs seconds, not for ever; TCP keepalives and libpq's
``tcp_user_timeout`` cover a server that goes silent under a running kiosk. Nothing connects at import time:
:func:`open_database` binds the models and returns the database, which
connects on first use.

Threads that keep a connection (the service executor, the print spool) call
:func:`check_connection` before each piece of work and :func:`drop_if_broken`
after a failure: a connection the server closed (restart, admin kill) is
replaced by a new one. Only the health check's own ``SELECT 1`` is ever
retried; the caller's statements never are, because a write whose
connection died may already have committed.
"""

from __future__ import annotations

import contextlib
import os
import select
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


#: Seconds; the same defaults as kiosk.config.DatabaseSettings.
DEFAULT_CONNECT_TIMEOUT = 5
DEFAULT_STATEMENT_TIMEOUT = 15


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


def make_database(url: str, *, connect_timeout: int = DEFAULT_CONNECT_TIMEOUT,
                  statement_timeout: int = DEFAULT_STATEMENT_TIMEOUT) -> peewee.Database:
    """Build (but do not open) the database a URL names.

    ``connect_timeout`` and ``statement_timeout`` (seconds) apply to
    PostgreSQL only; ``connect_timeout=`` or a ``statement_timeout`` inside
    ``options=`` in the URL's query win over them. Raises
    :class:`DatabaseUrlError` for a URL naming no usable backend.
    """
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

        from db.pgdriver import load_psycopg

        load_psycopg()  # peewee was imported without the driver (see db.pgdriver)

        database = _connect_url(url.split("?", 1)[0].replace("postgres://", "postgresql://", 1))
        database.connect_params.update(_pg_timeouts(options, connect_timeout, statement_timeout))
        return database
    raise DatabaseUrlError(f"{url}: allowed sqlite:///PATH or postgresql://USER@HOST/DB")


#: TCP keepalives on every PostgreSQL connection (seconds): an idle kept connection (the executor's, a
#: board's LISTEN) whose server vanished from the county network is found dead within about a minute
#: instead of never, and replaced by the health check.
_KEEPALIVES = {"keepalives": "1", "keepalives_idle": "30", "keepalives_interval": "10", "keepalives_count": "3"}


def _pg_timeouts(options: dict[str, str], connect_timeout: int, statement_timeout: int) -> dict[str, str]:
    """The URL's query parameters plus the timeouts it does not set itself.

    ``statement_timeout`` is enforced by the server, so a server that went
    silent (a cut county link, a powered-off host) could not enforce it;
    libpq's ``tcp_user_timeout`` (milliseconds) makes the client give up when
    what it sent stays unacknowledged that long, and the keepalives find a
    dead idle connection. The URL's own values win.
    """
    params = dict(options)
    params.setdefault("connect_timeout", str(connect_timeout))
    params.setdefault("tcp_user_timeout", str((statement_timeout + connect_timeout) * 1000))
    for key, value in _KEEPALIVES.items():
        params.setdefault(key, value)
    server = params.get("options", "")
    if "statement_timeout" not in server:
        params["options"] = f"{server} -c statement_timeout={statement_timeout * 1000}".strip()
    return params


def _create_private_file(path: Path) -> None:
    """Create the SQLite file with mode 0600 before SQLite does (it would use the umask)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)


def open_database(url: str, *, connect_timeout: int = DEFAULT_CONNECT_TIMEOUT,
                  statement_timeout: int = DEFAULT_STATEMENT_TIMEOUT) -> peewee.Database:
    """Build the database for ``url`` (timeouts as in :func:`make_database`) and bind every model to it."""
    from db.models import bind

    database = make_database(url, connect_timeout=connect_timeout, statement_timeout=statement_timeout)
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


# -- kept connections: health check and replacement ----------------------------------------


def _driver_says_broken(conn: object) -> bool:
    """psycopg 3 marks a connection ``broken`` (lost) or ``closed`` once it has noticed."""
    return bool(getattr(conn, "closed", False) or getattr(conn, "broken", False))


def _has_pending_input(conn: object) -> bool:
    """An idle connection's socket has nothing to read unless the server spoke
    first: a restart or an administrator's kill sends a FATAL message and
    closes (NOTIFY deliveries also count; the ping below then reads them)."""
    try:
        fileno = conn.fileno()  # type: ignore[attr-defined]
    except Exception:  # closed under us
        return True
    readable, _, _ = select.select([fileno], [], [], 0)
    return bool(readable)


def connection_broken(database: peewee.Database) -> bool:
    """True when this thread's open PostgreSQL connection is known to be dead.

    Costs no round trip; SQLite connections (a file) never break this way.
    """
    if is_sqlite(database) or database.is_closed():
        return False
    return _driver_says_broken(database.connection())


def drop_connection(database: peewee.Database) -> None:
    """Forget this thread's connection without raising (it may be dead, or
    inside a transaction the server already rolled back); the next statement
    opens a new one."""
    if database.is_closed():
        return
    conn = database.connection()
    database.dispose()  # resets this thread's state: no transaction, no context, closed
    with contextlib.suppress(Exception):
        conn.close()


def drop_if_broken(database: peewee.Database) -> bool:
    """After a failure: drop this thread's connection when the driver says it
    is lost (server restart, network). Returns True when it was dropped."""
    if connection_broken(database):
        drop_connection(database)
        return True
    return False


def check_connection(database: peewee.Database) -> bool:
    """Health check for this thread's kept connection before new work.

    SQLite, a closed connection or one inside a transaction: nothing to do.
    PostgreSQL: when the driver already knows the connection is lost, or its
    socket has input while idle (the server said goodbye), ping it with
    ``SELECT 1``; if the ping fails, drop the connection so the next statement
    reconnects. A healthy idle connection costs one ``select()`` call and no
    round trip. Returns True when the connection was replaced (dropped).
    """
    if is_sqlite(database) or database.is_closed() or database.in_transaction():
        return False
    conn = database.connection()
    if not (_driver_says_broken(conn) or _has_pending_input(conn)):
        return False
    try:
        database.execute_sql("SELECT 1")  # a read: safe to send to a possibly dead connection
    except (peewee.DatabaseError, peewee.InterfaceError):
        drop_connection(database)
        return True
    if _driver_says_broken(conn):
        drop_connection(database)
        return True
    return False
