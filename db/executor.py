"""The service executor: a few long-lived threads that keep their database connection.

Peewee connections are thread-local. Before this executor each service call
from a screen ran on a fresh thread that opened and closed its own
connection (a TCP and login round trip on PostgreSQL). Now every app owns
one :class:`ServiceExecutor`: calls queue up and run on its threads (one,
growing to ``max_threads`` only while all are busy, e.g. one waits for a
printer), each of which opens its connection once and keeps it.

Before each call the thread runs :func:`db.connection.check_connection`
(no round trip while the connection is healthy); after a failure it drops a
connection the driver reports lost. So after a PostgreSQL restart the next
call reconnects by itself. A call is never run twice: a write whose
connection died may already have committed, so the failure goes back to the
caller (the screen shows its calm message) and only the next call gets the
new connection.

A server that hangs (a frozen process, a paused host) answers nothing while
its kernel still acknowledges, so neither the server's statement_timeout nor
the socket's tcp_user_timeout ends the call: the caller gives up after its
own deadline (screens.base.run_service) and :meth:`ServiceExecutor.release`
lets the hung thread go. It no longer counts towards ``max_threads`` (the
next call gets a fresh thread and connection instead of queueing behind it)
and, when its call ends at last, closes its connection and ends; the late
result goes to a Future nobody waits for. At most :data:`MAX_RELEASED`
threads are let go at once, so a long outage does not pile up connections.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

import peewee

from db.connection import check_connection, drop_connection, drop_if_broken

log = logging.getLogger(__name__)

T = TypeVar("T")

_Task = tuple["Future[Any]", Callable[[], Any]]

#: How many hung threads may be let go (:meth:`ServiceExecutor.release`) at once; beyond
#: that a call waits for a thread as before (the screen still says the database does not answer).
MAX_RELEASED = 4


class ExecutorClosed(RuntimeError):
    """A call was submitted after :meth:`ServiceExecutor.close`."""


class CallOverdue(TimeoutError):
    """A service call gave no answer within its caller's deadline (``seconds``): the database
    is taken not to answer. The call may still end later; its result is dropped."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"no answer from the service call within {seconds:g} s")
        self.seconds = seconds


class ServiceExecutor:
    """Runs callables on kept-connection threads; :meth:`submit` returns a Future.

    ``database`` is the peewee database the calls use (each thread holds
    its own connection to it open between calls). ``max_threads`` bounds
    the pool; threads start lazily, so an app that never calls a service
    opens no connection. Close with :meth:`close` (closes the connections).
    """

    def __init__(self, database: peewee.Database, *, max_threads: int = 3, name: str = "kiosk-service") -> None:
        self.database = database
        self.max_threads = max(1, max_threads)
        self.name = name
        self._queue: queue.SimpleQueue[_Task | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._idle = 0  # threads waiting for work, not yet promised to a submitted call
        self._lock = threading.Lock()
        self._closed = False
        self._running: dict[Future[Any], threading.Thread] = {}  # calls running now, by their thread
        self._released: set[threading.Thread] = set()  # let go while hung: they end after their call
        self.reconnects = 0
        """How many times a thread replaced a lost connection (for logs and tests)."""

    @property
    def threads(self) -> int:
        """How many threads (and so at most how many kept connections) serve calls now; threads let
        go while hung (:meth:`release`) are not counted: each ends with its call."""
        return len(self._threads)

    def submit(self, call: Callable[[], T]) -> Future[T]:
        """Queue ``call``; its result or exception arrives in the returned Future.

        Raises :class:`ExecutorClosed` after :meth:`close`.
        """
        future: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise ExecutorClosed("the service executor is closed")
            self._queue.put((future, call))
            if self._idle:
                self._idle -= 1  # an idle thread will take it
            elif len(self._threads) < self.max_threads:
                self._start_thread()
        return future

    def _start_thread(self) -> None:
        """Start one more thread (the caller holds the lock)."""
        thread = threading.Thread(target=self._run, name=f"{self.name}-{len(self._threads) + 1}", daemon=True)
        self._threads.append(thread)
        thread.start()

    def call(self, call: Callable[[], T], timeout: float | None = None) -> T:
        """Run ``call`` on the executor and wait for it (for code that is not on the UI thread)."""
        return self.submit(call).result(timeout)

    def release(self, future: Future[Any]) -> bool:
        """Let go of the thread running ``future`` (its caller gave up waiting: the database hangs).

        The thread stops counting towards ``max_threads``, so a queued or next call gets a new
        thread with a new connection; it ends (closing its connection) once its call returns.
        Returns False when the call is not running (done, or still queued: cancel it instead)
        or :data:`MAX_RELEASED` threads are already let go.
        """
        with self._lock:
            thread = self._running.get(future)
            if thread is None or thread not in self._threads or len(self._released) >= MAX_RELEASED:
                return False
            self._threads.remove(thread)
            self._released.add(thread)
            log.warning("a service call gave no answer in time; its thread is let go (database hung?)")
            if not self._closed and not self._queue.empty() and len(self._threads) < self.max_threads:
                self._start_thread()  # a call already queued behind the hung one gets a thread now
            return True

    def close(self, timeout: float = 5.0) -> None:
        """Finish the queued calls, stop the threads and close their connections."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            threads = list(self._threads)
        for _ in threads:
            self._queue.put(None)
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join(timeout)

    # -- the threads ------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while True:
                task = self._queue.get()
                if task is None:
                    return
                future, call = task
                if future.set_running_or_notify_cancel():
                    if not self._execute(future, call):
                        return  # let go while its call hung (release): it takes no more work
                else:
                    self._mark_idle()
        finally:
            try:
                if not self.database.is_closed():
                    self.database.close()
            except Exception:  # a dead connection or an open transaction: just forget it
                drop_connection(self.database)

    def _mark_idle(self) -> None:
        with self._lock:
            self._idle += 1

    def _execute(self, future: Future[Any], call: Callable[[], Any]) -> bool:
        """Run one call; False when this thread was let go meanwhile (:meth:`release`)."""
        # Counted idle before the result is handed over: a caller woken by it
        # and submitting at once must find this thread, not start another.
        with self._lock:
            self._running[future] = threading.current_thread()
        try:
            self._keep_connection()
            result = call()
        except BaseException as exc:
            if drop_if_broken(self.database):
                log.warning("database connection lost during a service call; the next call reconnects")
            kept = self._finished(future)
            future.set_exception(exc)
        else:
            kept = self._finished(future)
            future.set_result(result)
        return kept

    def _finished(self, future: Future[Any]) -> bool:
        """The call is over: idle again, unless the thread was let go (then False)."""
        with self._lock:
            thread = self._running.pop(future, None)
            if thread is not None and thread in self._released:
                self._released.discard(thread)
                return False
            self._idle += 1
            return True

    def _keep_connection(self) -> None:
        """Replace a lost connection, open one if needed, and hold it open.

        Services wrap their work in ``connection_context()``, which closes
        the connection when the outermost context ends; the context entered
        here stays open, so theirs never is the outermost.
        """
        database = self.database
        if check_connection(database):
            self.reconnects += 1
            log.warning("database connection was lost (server restart?); reconnecting")
        if database.is_closed():
            database.connection_context().__enter__()  # connects; held until close() or a drop
