"""Attack E19: a PostgreSQL server that hangs (frozen process, paused host) no longer leaves the
kiosk's identify screen silent.

The hang is real: a TCP proxy in front of the test server stops forwarding (its kernel still
accepts and acknowledges, nothing answers, as with a frozen postmaster), so neither the server's
statement_timeout nor the socket's tcp_user_timeout ends the call. The screen's deadline
(screens.base.SERVICE_DEADLINE_SECONDS) says the database does not answer, keeps the number, lets
the hung executor thread go, and the next try works once the server answers again.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import peewee
import pytest
from textual.widgets import Input

from db.connection import open_database
from db.executor import ServiceExecutor
from db.models import Resident
from kiosk.app import make_app
from kiosk.clock import FixedClock
from kiosk.config import Settings
from screens.display.board import BoardScreen
from screens.resident.attract import AttractScreen
from screens.resident.identify import IdentifyScreen
from screens.resident.password import ServicePasswordScreen
from tests.screens.counter.helpers import until
from tests.services.resident_factory import ZHANG_ID, seed_residents
from tests.support import RecordingPrinter, give_passwords, settle


class FreezableProxy:
    """Forwards TCP to ``upstream``; while :attr:`thawed` is clear it holds what it read (a hung server)."""

    def __init__(self, host: str, port: int) -> None:
        self.upstream = (host, port)
        self.thawed = threading.Event()
        self.thawed.set()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
                server = socket.create_connection(self.upstream)
            except OSError:
                return
            self._sockets += [client, server]
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                self.thawed.wait()
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                sock.close()

    def close(self) -> None:
        self.thawed.set()
        self.listener.close()
        for sock in self._sockets:
            sock.close()


@pytest.fixture
def proxied(pg_database: peewee.Database, pg_schema_url: str) -> Iterator[tuple[peewee.Database, FreezableProxy]]:
    """The seeded test schema, reached through a :class:`FreezableProxy` (the models bound to it)."""
    seed_residents(pg_database)
    give_passwords(pg_database)
    parts = urlsplit(pg_schema_url)
    proxy = FreezableProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    user = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    database = open_database(urlunsplit(parts._replace(netloc=f"{user}127.0.0.1:{proxy.port}")))
    try:
        yield database, proxy
    finally:
        proxy.close()
        database.close()


@pytest.mark.postgres
@pytest.mark.both_databases  # the hang is a real PostgreSQL connection
async def test_identify_with_a_hung_database_says_so_and_keeps_the_number(
        proxied: tuple[peewee.Database, FreezableProxy], clock: FixedClock) -> None:
    database, proxy = proxied
    app = make_app(Settings(source="(test)"), database, RecordingPrinter(), clock)
    async with app.run_test(size=(120, 36)) as pilot:
        # The executor's kept connection is open (through the proxy) when the server hangs.
        assert await asyncio.wrap_future(app.executor.submit(lambda: Resident.select().count())) > 0
        proxy.thawed.clear()
        await pilot.press(*ZHANG_ID, "enter")
        await until(pilot, lambda: isinstance(app.screen, IdentifyScreen)
                    and app.screen._message == app.t("fixd.fault.db_resident"), timeout=60)
        screen = app.screen
        assert screen.query_one("#card-input", Input).value == ZHANG_ID  # nothing typed is lost
        proxy.thawed.set()  # the server answers again: the next try works, on a new connection
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ServicePasswordScreen), timeout=60)
        await settle(pilot, 0.2)
        # The hung call's late answer was dropped: one password prompt, not a second on top.
        assert [type(s) for s in app.screen_stack].count(ServicePasswordScreen) == 1


@pytest.mark.postgres
@pytest.mark.both_databases  # the hang is a real PostgreSQL connection
async def test_the_board_marks_itself_stale_while_the_database_hangs(
        proxied: tuple[peewee.Database, FreezableProxy], clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """Attack F5: the board's read is a lookup with the deadline, so a frozen server marks it stale."""
    monkeypatch.setattr("screens.base.SERVICE_DEADLINE_SECONDS", 1.0)  # the hall's 5 s, shortened
    database, proxy = proxied
    app = make_app(Settings(source="(test)"), database, RecordingPrinter(), clock, mode="display")
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, BoardScreen) and app.screen.status is not None, timeout=60)
        board = app.screen
        assert isinstance(board, BoardScreen)
        mark = board.query_one("#board-error")
        assert not mark.display
        proxy.thawed.clear()
        board.reload()
        await until(pilot, lambda: bool(mark.display), timeout=60)
        proxy.thawed.set()


@pytest.mark.parametrize("flags", [{"writes": True}, {}], ids=["marked_write", "unmarked_call"])
async def test_a_call_without_deadline_says_please_wait_once_overdue(
        sqlite_database: peewee.Database, clock: FixedClock, monkeypatch: pytest.MonkeyPatch,
        flags: dict[str, bool]) -> None:
    """A write may still be done: it is never given up (nor said "not done"), but not silent
    either. So is any call not marked as a pure lookup (attack F1: a registration, a login, a
    password attempt, a look that writes its audit entry were told "not done" and done later)."""
    monkeypatch.setattr("screens.base.SERVICE_DEADLINE_SECONDS", 0.5)  # the hall's 5 s, shortened
    app = make_app(Settings(source="(test)"), sqlite_database, RecordingPrinter(), clock)
    gate = threading.Event()
    results: list[bool] = []
    errors: list[str] = []
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, AttractScreen))
        screen = app.screen
        assert isinstance(screen, AttractScreen)
        screen.run_service(lambda: gate.wait(60), results.append, errors.append, **flags)
        await until(pilot, lambda: app.t("robust.busy") in [n.message for n in app._notifications])
        gate.set()
        await until(pilot, lambda: bool(results or errors))
        assert results == [True] and errors == []


def test_a_hung_call_is_let_go_and_the_next_call_does_not_wait_behind_it(
        sqlite_database: peewee.Database) -> None:
    executor = ServiceExecutor(sqlite_database, max_threads=1)
    started, gate = threading.Event(), threading.Event()

    def hang() -> str:
        started.set()
        gate.wait(60)
        return "late"

    try:
        hung = executor.submit(hang)
        assert started.wait(30)
        queued = executor.submit(lambda: "queued")  # behind the hung call on the only thread
        assert executor.release(hung)
        assert queued.result(timeout=30) == "queued"
        assert executor.call(lambda: "next", timeout=30) == "next" and executor.threads == 1
        gate.set()
        assert hung.result(timeout=30) == "late"  # it ends by itself; nobody waits for it
    finally:
        gate.set()
        executor.close()
