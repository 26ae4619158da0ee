"""Queue changes pushed by PostgreSQL itself: ``NOTIFY`` to publish, ``LISTEN`` to wait.

Publishing: :func:`publish` runs ``pg_notify`` on the caller's connection,
inside the caller's transaction, so PostgreSQL delivers the event only when
the change commits (and never for a rolled-back one). The channel is
``kiosk_queue:<schema>`` (the hall's tables live in one database schema; a
county server holds many halls), so the server delivers a hall's events to
that hall's listeners only. The payload is a small JSON object::

    {"hall": "示范镇…", "terminal": "T03", "category": "A", "event": "call", "counter": 3, "code": "A007"}

``event`` is one of take, call, recall, start, hold, no_show, transfer,
finish. On SQLite :func:`publish` does nothing (screens keep polling).

Listening: :class:`QueueListener` owns ONE dedicated psycopg 3 connection
(autocommit, never shared with the service executor) on a daemon thread that
sits in ``connection.notifies()`` and calls ``on_event(payload_dict)`` for
every event. When the server goes away (restart, network) it reconnects with
a growing pause (0.5 s → 10 s), LISTENs again and calls ``on_event({})``
once, because events sent while it was away are lost and the screen must
re-read. Screens hand the callback to the UI thread (``call_from_thread``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Callable
from typing import Any

import peewee

from db.connection import is_sqlite

log = logging.getLogger(__name__)

CHANNEL = "kiosk_queue"
EVENTS = ("take", "call", "recall", "start", "hold", "no_show", "transfer", "finish")

#: ``SELECT`` that names the hall's channel server-side (the connection's schema).
CHANNEL_SQL = f"'{CHANNEL}:' || current_schema()"

# Seconds between reconnection attempts, growing to the last value.
_BACKOFF = (0.5, 1.0, 2.0, 5.0, 10.0)


def payload(*, hall: str, terminal: str, category: str, event: str, counter: int | None = None,
            code: str = "") -> str:
    """The JSON text of one event (well under PostgreSQL's 8000-byte payload limit)."""
    return json.dumps({"hall": hall[:40], "terminal": terminal[:20], "category": category, "event": event,
                       "counter": counter, "code": code}, ensure_ascii=False, separators=(",", ":"))


def supports_push(database: peewee.Database | peewee.DatabaseProxy) -> bool:
    """True for PostgreSQL (LISTEN/NOTIFY); False for SQLite (poll instead)."""
    real = database.obj if isinstance(database, peewee.DatabaseProxy) else database
    return real is not None and not is_sqlite(real)


def publish(database: peewee.Database, *, hall: str, terminal: str, category: str, event: str,
            counter: int | None = None, code: str = "") -> None:
    """Send one queue event with the caller's transaction (PostgreSQL); no-op on SQLite."""
    if not supports_push(database):
        return
    database.execute_sql(f"SELECT pg_notify({CHANNEL_SQL}, %s)",
                         (payload(hall=hall, terminal=terminal, category=category, event=event, counter=counter,
                                 code=code),))


class QueueListener:
    """A thread with its own connection that LISTENs for the hall's queue events.

    ``database`` is the app's (PostgreSQL) peewee database: the listener opens
    a separate driver connection with the same parameters (``_connect``) and
    keeps it. ``on_event`` runs on the listener thread with the decoded
    payload (``{}`` after a reconnection: re-read everything); it must be
    quick and must not raise (exceptions are logged). :meth:`stop` ends the
    thread within about ``wait`` seconds and closes the connection.
    """

    def __init__(self, database: peewee.Database, on_event: Callable[[dict[str, Any]], object], *,
                 wait: float = 1.0, name: str = "queue-listen") -> None:
        self.database = database
        self.on_event = on_event
        self.wait = wait
        self.name = name
        self.connected = threading.Event()
        """Set while LISTEN is active (tests wait for it before making changes)."""
        self.reconnects = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn: Any = None

    def start(self) -> QueueListener:
        """Start the thread (once); returns self."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop listening and close the connection."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    # -- the thread -------------------------------------------------------------------

    def _open(self) -> Any:
        from psycopg import sql  # only PostgreSQL halls import the driver

        conn = self.database._connect()  # type: ignore[attr-defined]  # a new driver connection, same parameters as the app's
        conn.autocommit = True
        schema = conn.execute("SELECT current_schema()").fetchone()[0]
        conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(f"{CHANNEL}:{schema}")))
        return conn

    def _run(self) -> None:
        attempt = 0
        first = True
        while not self._stop.is_set():
            try:
                self._conn = self._open()
            except Exception as exc:  # server down or restarting: wait and try again
                pause = _BACKOFF[min(attempt, len(_BACKOFF) - 1)]
                attempt += 1
                log.warning("queue listener cannot connect (%s); retrying in %.1f s", type(exc).__name__, pause)
                self._stop.wait(pause)
                continue
            attempt = 0
            self.connected.set()
            if not first:
                self.reconnects += 1
                self._deliver({})  # events sent while away are lost: re-read everything
            first = False
            try:
                self._listen(self._conn)
            except Exception as exc:
                if not self._stop.is_set():
                    log.warning("queue listener lost its connection (%s); reconnecting", type(exc).__name__)
            finally:
                self.connected.clear()
                with contextlib.suppress(Exception):  # already dead
                    self._conn.close()
                self._conn = None

    def _listen(self, conn: Any) -> None:
        while not self._stop.is_set():
            # notifies(timeout=) returns after ``wait`` seconds without events, so stop() is seen.
            for note in conn.notifies(timeout=self.wait):
                try:
                    data = json.loads(note.payload) if note.payload else {}
                except ValueError:
                    data = {}
                self._deliver(data if isinstance(data, dict) else {})
            if conn.closed or conn.broken:
                raise ConnectionError("listener connection closed")

    def _deliver(self, data: dict[str, Any]) -> None:
        try:
            self.on_event(data)
        except Exception:  # a screen's callback must never kill the listener
            log.warning("queue event handler failed", exc_info=True)
