"""How a queue screen learns of changes: pushed by PostgreSQL, polled on SQLite.

Boards, counter queue screens and the announcer call :func:`watch`. On
PostgreSQL it starts a :class:`db.notify.QueueListener` (its own connection
and thread, reconnecting after a server restart) that calls ``wake(event)``
for every committed queue change of the hall, and the screen keeps only a
slow fallback poll (:data:`FALLBACK_POLL_SECONDS`, or the service context's
``extras["queue.fallback_poll_seconds"]``) in case a notification is lost.
On SQLite there is nothing to listen to: :func:`watch` returns None and the
screen polls every :data:`SQLITE_POLL_SECONDS` as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from db.notify import QueueListener, supports_push
from kiosk.services import ServiceContext

#: Poll interval of a screen on SQLite (no push there).
SQLITE_POLL_SECONDS = 1.0
#: Fallback poll of a screen that listens (PostgreSQL): a safety net, not the path of a call.
FALLBACK_POLL_SECONDS = 30.0


def poll_seconds(ctx: ServiceContext, sqlite_seconds: float = SQLITE_POLL_SECONDS,
                 fallback_seconds: float | None = None) -> float:
    """Seconds between a screen's re-reads: ``sqlite_seconds`` without push, else the fallback."""
    if not supports_push(ctx.database):
        return sqlite_seconds
    if fallback_seconds is not None:
        return fallback_seconds
    configured = ctx.extras.get("queue.fallback_poll_seconds")
    return float(configured) if isinstance(configured, int | float) and configured > 0 else FALLBACK_POLL_SECONDS


def watch(ctx: ServiceContext, wake: Callable[[dict[str, Any]], object], *,
          name: str = "queue-listen") -> QueueListener | None:
    """Start listening for the hall's queue events (PostgreSQL); None on SQLite.

    ``wake`` runs on the listener thread with the event's payload (``{}``
    after a reconnection); hand it to the UI thread (a Textual message).
    Stop the returned listener when the screen goes away.
    """
    database = ctx.database
    if not supports_push(database):
        return None
    real = getattr(database, "obj", None) or database  # a DatabaseProxy's database
    return QueueListener(real, wake, name=name).start()
