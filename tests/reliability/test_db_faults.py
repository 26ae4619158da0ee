"""Database faults (issue 13.3) and kept connections (issue 18.1), on real servers.

A PostgreSQL restart must not stop the kiosk: the print spool thread and
the app's service executor notice the dead connection and open a new one,
without running anybody's statement twice. These tests start a private
throwaway PostgreSQL server (same binaries as scripts/pg-test-server, its
own folder and port) because they restart it; the shared test server is
never touched. A listener that accepts TCP and never answers (the "silent"
fake printer is exactly that) stands for a hung database server.
"""

from __future__ import annotations

import datetime as dt
import os
import pty
import random
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import peewee
import pytest

from db.connection import check_connection, make_database, open_database
from db.executor import ExecutorClosed, ServiceExecutor
from db.models import PrintJob
from db.schema import init_schema
from kiosk.clock import Clock, FixedClock
from kiosk.config import ConfigError, settings_from_mapping
from kiosk.services import queue as queue_service
from printers.devices import open_device
from printers.escpos_render import RenderOptions
from printers.spool import PrintSpool, SpoolWorker
from printers.templates import ReceiptContext, TicketInput, queue_ticket
from tests.printers.fake_printer import fake_printer, refusing_port
from tests.reliability.kiosk_pilot import build

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: [int(x) for x in p.parent.name.split(".")
                                                                             if x.isdigit()])


def _until(condition: Callable[[], bool], seconds: float = 30.0, step: float = 0.1) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(step)
    raise AssertionError("condition not reached")


@dataclass
class PrivateServer:
    """A throwaway PostgreSQL cluster only these tests use (so they may restart it)."""

    folder: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def pg_ctl(self, *args: str) -> None:
        _as_postgres([str(PG_BIN[-1] / "pg_ctl"), "-D", str(self.folder / "data"), *args])

    def restart(self) -> None:
        """A fast restart: the server ends every backend (clients see their connection die)."""
        self.pg_ctl("-m", "fast", "-w", "-t", "60", "restart")


def _as_postgres(argv: list[str]) -> None:
    if os.geteuid() == 0:  # the server refuses to run as root
        argv = ["runuser", "-u", "postgres", "--", *argv]
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)


@pytest.fixture(scope="module")
def private_pg() -> Iterator[PrivateServer]:
    if not PG_BIN or (os.geteuid() == 0 and not shutil.which("runuser")):
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL server binaries not found (scripts/system-deps --test)")
        pytest.skip("PostgreSQL server binaries not found")
    # Not under pytest's tmp folder: the postgres user must be able to reach it.
    folder = Path(tempfile.mkdtemp(prefix="kiosk-dbfaults-pg."))
    (folder / "data").mkdir()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
        shutil.chown(folder / "data", "postgres", "postgres")
    server = PrivateServer(folder, refusing_port())
    _as_postgres([str(PG_BIN[-1] / "initdb"), "-D", str(folder / "data"), "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--locale=C.UTF-8"])
    server.pg_ctl("-l", str(folder / "server.log"), "-w", "-t", "60", "-o",
                  f"-h 127.0.0.1 -p {server.port} -k {folder} -c fsync=off", "start")
    try:
        yield server
    finally:
        server.pg_ctl("-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def private_db(private_pg: PrivateServer, clock: FixedClock) -> Iterator[peewee.Database]:
    """The models bound to a fresh schema on the private server."""
    schema = f"t_{random.randrange(16**10):010x}"
    admin = make_database(private_pg.url)
    admin.execute_sql(f'CREATE SCHEMA "{schema}"')
    database = open_database(f"{private_pg.url}?options=-c%20search_path%3D{schema}")
    init_schema(database, clock.now_utc().replace(tzinfo=None))
    try:
        yield database
    finally:
        check_connection(database)
        database.close()
        check_connection(admin)
        admin.execute_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()


def _backend_pid(database: peewee.Database) -> int:
    return int(database.execute_sql("SELECT pg_backend_pid()").fetchone()[0])


def _ticket(n: int) -> Any:
    moment = dt.datetime(2026, 11, 29, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    ctx = ReceiptContext("示范镇社保服务大厅", "T01", moment, rng=random.Random(n))
    return queue_ticket(ctx, TicketInput(f"A{n:03d}", "社保卡业务", f"T20261129A{n:03d}", n, n * 8))


# -- timeouts --------------------------------------------------------------------------------


def test_postgresql_connections_get_connect_and_statement_timeouts() -> None:
    database = make_database("postgresql://kiosk@db.example/kiosk?options=-c%20search_path%3Dhall",
                             connect_timeout=7, statement_timeout=20)
    assert database.connect_params["connect_timeout"] == "7"
    assert database.connect_params["options"] == "-c search_path=hall -c statement_timeout=20000"
    explicit = make_database("postgresql://kiosk@db.example/kiosk?connect_timeout=2")
    assert explicit.connect_params["connect_timeout"] == "2"  # the URL wins
    assert "statement_timeout=15000" in explicit.connect_params["options"]


def test_timeouts_are_settings_with_limits() -> None:
    settings = settings_from_mapping({"database": {"connect_timeout": 3, "statement_timeout": 30}})
    assert (settings.database.connect_timeout, settings.database.statement_timeout) == (3, 30)
    assert settings_from_mapping({}).database.connect_timeout == 5
    with pytest.raises(ConfigError, match=r"\[database\] connect_timeout = 0: allowed 1 to 120 seconds"):
        settings_from_mapping({"database": {"connect_timeout": 0}})


@pytest.mark.postgres
def test_a_server_that_goes_silent_is_given_up_by_the_client_socket(pg_schema_url: str) -> None:
    """The kept connection's own socket carries keepalives and a TCP user timeout (the client's side
    of a cut network: the server cannot enforce statement_timeout when it cannot be reached)."""
    database = make_database(pg_schema_url, connect_timeout=2, statement_timeout=8)
    try:
        database.connect()
        fd = database.connection().fileno()
        sock = socket.socket(fileno=os.dup(fd))
        try:
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 30
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT) == 10_000
        finally:
            sock.close()
    finally:
        database.close()


@pytest.mark.postgres
def test_the_server_cancels_a_statement_that_runs_too_long(pg_schema_url: str) -> None:
    database = make_database(pg_schema_url, statement_timeout=1)
    try:
        assert database.execute_sql("SHOW statement_timeout").fetchone()[0] == "1s"
        with pytest.raises(peewee.OperationalError, match="statement timeout"):
            database.execute_sql("SELECT pg_sleep(5)")
    finally:
        database.close()


def test_connecting_to_a_server_that_never_answers_gives_up() -> None:
    with fake_printer("silent") as silent:  # accepts TCP, never reads or answers
        database = make_database(f"postgresql://kiosk@127.0.0.1:{silent.port}/kiosk", connect_timeout=1)
        with pytest.raises(peewee.OperationalError, match="timeout"):
            database.connect()


def test_kiosk_run_against_a_silent_server_says_so_calmly_and_exits_non_zero(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    with fake_printer("silent") as silent:
        config.write_text(f'[database]\nurl = "postgresql://kiosk@127.0.0.1:{silent.port}/kiosk"\n'
                          f'connect_timeout = 2\n[printer]\nurl = "preview:{tmp_path / "receipts"}"\n',
                          encoding="utf-8")
        env = {**os.environ, "KIOSK_LOG_DIR": str(tmp_path / "logs"), "COLUMNS": "80", "LINES": "24"}
        env.pop("KIOSK_DATABASE_URL", None)
        primary, secondary = pty.openpty()
        process = subprocess.Popen([sys.executable, "-m", "kiosk", "--config", str(config), "run"], cwd=ROOT,
                                   env=env, stdin=secondary, stdout=secondary, stderr=secondary, close_fds=True)
        os.close(secondary)
        output = b""
        try:
            deadline = time.monotonic() + 15  # the limit for the calm message
            while time.monotonic() < deadline and process.poll() is None:
                ready, _, _ = select.select([primary], [], [], 0.2)
                if ready:
                    try:
                        output += os.read(primary, 65536)
                    except OSError:
                        break
            status = process.wait(timeout=5)
            while select.select([primary], [], [], 0.1)[0]:
                try:
                    chunk = os.read(primary, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                output += chunk
        finally:
            if process.poll() is None:
                process.kill()
            os.close(primary)
    text = output.decode("utf-8", "replace")
    assert status != 0
    assert "在 2 秒内没有应答" in text and "资料不会丢失" in text, text
    assert "Traceback" not in text


# -- reconnecting after a server restart ------------------------------------------------------


def test_the_spool_prints_queued_receipts_after_the_server_restarts(
    private_pg: PrivateServer, private_db: peewee.Database
) -> None:
    spool = PrintSpool(private_db, open_device(f"network://127.0.0.1:{refusing_port()}", timeout=0.5),
                       Clock("Asia/Shanghai"), terminal="T01", options=RenderOptions(paper=58), max_delay=0.5)
    worker = SpoolWorker(spool, idle_poll=0.2).start()
    with fake_printer("ok") as printer:
        try:
            before = spool.submit(_ticket(1))  # the printer is down: kept pending
            _until(lambda: PrintJob.get_by_id(before).attempts >= 1)
            private_pg.restart()
            check_connection(private_db)  # this test thread's own connection was lost too
            spool.device = open_device(printer.url, timeout=2)
            after = spool.submit(_ticket(2))
            _until(lambda: PrintJob.select().where(PrintJob.status == "printed").count() == 2)
            assert {PrintJob.get_by_id(before).status, PrintJob.get_by_id(after).status} == {"printed"}
        finally:
            worker.stop()
    assert len(printer.jobs) == 2


def test_the_executor_keeps_its_connection_and_reconnects_after_a_restart(
    private_pg: PrivateServer, private_db: peewee.Database
) -> None:
    executor = ServiceExecutor(private_db)
    try:
        first = [executor.call(lambda: _backend_pid(private_db), timeout=30) for _ in range(5)]
        assert len(set(first)) == 1 and executor.threads == 1  # one kept connection, not one per call
        private_pg.restart()
        after = executor.call(lambda: _backend_pid(private_db), timeout=30)
        assert after != first[0] and executor.reconnects == 1
        assert executor.call(lambda: PrintJob.select().count(), timeout=30) == 0
    finally:
        executor.close()


def test_a_failed_write_is_never_replayed(private_pg: PrivateServer, private_db: peewee.Database) -> None:
    """A statement whose connection dies mid-call fails back to the caller; it is not run again."""
    executor = ServiceExecutor(private_db)
    calls: list[int] = []

    def insert_then_restart() -> None:
        calls.append(1)
        private_db.execute_sql("CREATE TABLE IF NOT EXISTS marks (n int)")
        private_db.execute_sql("INSERT INTO marks VALUES (1)")
        private_pg.restart()  # the connection dies under this very call
        private_db.execute_sql("INSERT INTO marks VALUES (2)")

    try:
        with pytest.raises(peewee.DatabaseError):
            executor.call(insert_then_restart, timeout=90)
        assert calls == [1]
        rows = executor.call(lambda: private_db.execute_sql("SELECT n FROM marks").fetchall(), timeout=30)
        assert rows == [(1,)]
    finally:
        executor.close()


async def test_a_kiosk_on_postgresql_serves_screens_after_the_server_restarts(
    private_pg: PrivateServer, private_db: peewee.Database, clock: FixedClock
) -> None:
    app = build(private_db, clock, mode="display")
    results: list[Any] = []
    errors: list[str] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.2)
        await app.workers.wait_for_complete()
        pid = app.executor.call(lambda: _backend_pid(private_db), timeout=30)
        private_pg.restart()
        app.screen.run_service(lambda: queue_service.queue_status(app.ctx), results.append,  # type: ignore[attr-defined]
                               errors.append)
        for _ in range(600):
            await pilot.pause(0.05)
            if results or errors:
                break
        assert not errors and results and results[0].total_waiting == 0
        assert app.executor.call(lambda: _backend_pid(private_db), timeout=30) != pid
    assert app.executor.threads >= 1


async def test_the_kiosk_app_hands_service_calls_to_one_kept_connection(tmp_path: Path, clock: FixedClock) -> None:
    """SQLite too: screens' calls run on the executor's kept thread, not a fresh thread each."""
    database = open_database(f"sqlite:///{tmp_path / 'kiosk.db'}")
    init_schema(database, clock.now_utc().replace(tzinfo=None))
    database.close()
    app = build(database, clock, mode="counter")  # its login screen makes no calls of its own
    threads: list[str] = []

    def status() -> Any:
        threads.append(threading.current_thread().name)
        return queue_service.queue_status(app.ctx)

    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(3):
            done: list[Any] = []
            app.screen.run_service(status, done.append)  # type: ignore[attr-defined]
            for _ in range(200):
                await pilot.pause(0.05)
                if done:
                    break
            assert done and done[0].total_waiting == 0
        assert app.executor.threads == 1
    assert threads and all(name.startswith("kiosk-service-") for name in threads)
    assert database.is_closed()  # this thread never needed a connection; the executor closed its own


# -- cold start: the PostgreSQL driver only for PostgreSQL URLs (issue 18.4) --------------------

DRIVER_CHECK = """
import sys, kiosk
import db.schema, kiosk.app, kiosk.commands.context  # what `kiosk run` imports before it opens the database
from db.connection import open_database
open_database("sqlite:///" + sys.argv[1] + "/kiosk.db").execute_sql("SELECT 1")
print("after sqlite:", "psycopg" in sys.modules)
if len(sys.argv) > 2:
    database = open_database(sys.argv[2])
    database.execute_sql("CREATE TEMP TABLE j (doc jsonb)")
    with database.atomic():
        database.execute_sql("INSERT INTO j VALUES (%s)", (__import__("peewee").Json_pg3({"a": 1}),))
    print("after postgresql:", "psycopg" in sys.modules, database.execute_sql("SELECT doc FROM j").fetchone()[0],
          database.is_connection_usable())
"""


def test_the_postgresql_driver_is_imported_only_for_postgresql_urls(tmp_path: Path) -> None:
    argv = [sys.executable, "-c", DRIVER_CHECK, str(tmp_path)]
    pg_url = os.environ.get("KIOSK_TEST_PG_URL", "")
    if pg_url:
        argv.append(pg_url)
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    assert "after sqlite: False" in done.stdout
    if pg_url:
        assert "after postgresql: True {'a': 1} True" in done.stdout, done.stdout + done.stderr


def test_sequential_calls_reuse_one_thread_and_a_closed_executor_refuses(tmp_path: Path, clock: FixedClock) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'kiosk.db'}")
    init_schema(database, clock.now_utc().replace(tzinfo=None))
    database.close()
    executor = ServiceExecutor(database, max_threads=3)
    names = {executor.call(lambda: threading.current_thread().name, timeout=30) for _ in range(300)}
    assert names == {"kiosk-service-1"} and executor.threads == 1  # never a second thread for one caller
    assert executor.call(lambda: PrintJob.select().count(), timeout=30) == 0
    executor.close()
    with pytest.raises(ExecutorClosed):
        executor.submit(lambda: None)
