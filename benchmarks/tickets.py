"""Figure 5: ticket issuance with 4 concurrent processes, on SQLite and PostgreSQL.

Subject: :func:`kiosk.services.queue.take_ticket` (the day counter upsert,
the ticket and its event in one transaction, then people ahead and the
wait estimate read after the commit). Floor: a raw loop of the day-counter upsert alone, one
transaction per number, on a plain ``sqlite3`` / ``psycopg`` connection with
the same durability (SQLite WAL + synchronous FULL). Four processes start
together on a barrier; throughput is all tickets ÷ the wall time from the
first start to the last finish. The ratio is subject ÷ floor throughput
(≥ 0.5 wanted); median and p99 are per-ticket latencies in milliseconds.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote

from benchmarks.core import Config, Figure, Stats, figure

PROCESSES = 4
MIN_RATIO = 0.5
DAY = dt.date(2026, 11, 29)
SQLITE_UPSERT = ("INSERT INTO {table} (day, prefix, last) VALUES (?, 'A', 1) "
                 "ON CONFLICT (day, prefix) DO UPDATE SET last = last + 1 RETURNING last")
PG_UPSERT = ("INSERT INTO {table} (day, prefix, last) VALUES (%s, 'A', 1) "
             "ON CONFLICT (day, prefix) DO UPDATE SET last = {table}.last + 1 RETURNING last")


def _worker(kind: str, url: str, count: int, barrier: Any, queue: Any) -> None:
    try:
        _work(kind, url, count, barrier, queue)
    except BaseException as exc:
        barrier.abort()
        queue.put(f"{type(exc).__name__}: {exc}")
        raise


def _work(kind: str, url: str, count: int, barrier: Any, queue: Any) -> None:
    from db.models import DayCounter

    table = DayCounter._meta.table_name  # type: ignore[attr-defined]
    latencies: list[float] = []
    if kind == "service":
        from db.connection import open_database
        from kiosk.clock import FixedClock
        from kiosk.services import ServiceContext
        from kiosk.services.queue import take_ticket

        ctx = ServiceContext(database=open_database(url),
                             clock=FixedClock(moment=dt.datetime(2026, 11, 29, 1, 30, tzinfo=dt.UTC)))
        call = lambda: take_ticket(ctx, "A")  # noqa: E731
    elif url.startswith("sqlite"):
        import sqlite3

        connection = sqlite3.connect(url[len("sqlite:///"):], timeout=15, isolation_level=None)
        for pragma in ("journal_mode=wal", "synchronous=full", "busy_timeout=15000"):
            connection.execute(f"PRAGMA {pragma}")

        def call() -> Any:
            connection.execute("BEGIN IMMEDIATE")
            number = connection.execute(SQLITE_UPSERT.format(table=table), (DAY.isoformat(),)).fetchone()[0]
            connection.execute("COMMIT")
            return number
    else:
        import psycopg

        base, _, query = url.partition("?")
        options = dict(parse_qsl(query))
        pg = psycopg.connect(base, options=options.get("options", ""))

        def call() -> Any:
            with pg.transaction():
                return pg.execute(PG_UPSERT.format(table=table), (DAY,)).fetchone()

    barrier.wait()
    start = time.perf_counter()
    for _ in range(count):
        t0 = time.perf_counter()
        call()
        latencies.append((time.perf_counter() - t0) * 1000)
    queue.put((time.time() - (time.perf_counter() - start), time.time(), latencies))


def _round(kind: str, url: str, count: int) -> tuple[float, list[float]]:
    """Tickets per second over all processes, and every latency."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    queue = context.Queue()
    processes = [context.Process(target=_worker, args=(kind, url, count, barrier, queue))
                 for _ in range(PROCESSES)]
    for process in processes:
        process.start()
    results = [queue.get(timeout=600) for _ in processes]
    failures = [r for r in results if isinstance(r, str)]
    if failures:
        for process in processes:
            process.join(timeout=10)
        raise RuntimeError(f"ticket worker ({kind}) failed: {failures[0]}")
    for process in processes:
        process.join(timeout=60)
        if process.exitcode != 0:
            raise RuntimeError(f"ticket worker ({kind}) exited with {process.exitcode}")
    began = min(r[0] for r in results)
    ended = max(r[1] for r in results)
    return PROCESSES * count / (ended - began), [x for r in results for x in r[2]]


def _sqlite_url(folder: Path, name: str) -> str:
    from db.connection import open_database
    from db.schema import init_schema

    url = f"sqlite:///{folder / name}"
    database = open_database(url)
    init_schema(database, dt.datetime(2026, 11, 29, 1, 30))
    database.close()
    return url


def _measure(backend: str, make_url: Any, count: int, rounds: int) -> Figure:
    service_rates, floor_rates = [], []
    service_lat: list[float] = []
    floor_lat: list[float] = []
    for r in range(rounds):
        rate, lat = _round("service", make_url(f"s{r}"), count)
        service_rates.append(rate)
        service_lat += lat
        rate, lat = _round("raw", make_url(f"f{r}"), count)
        floor_rates.append(rate)
        floor_lat += lat
    service_rate = sorted(service_rates)[len(service_rates) // 2]
    floor_rate = sorted(floor_rates)[len(floor_rates) // 2]
    ratio = service_rate / floor_rate
    floor_name = "raw sqlite3 upsert loop" if backend == "SQLite" else "raw psycopg upsert loop"
    return figure("5-sqlite" if backend == "SQLite" else "5-pg", f"ticket issuance, {PROCESSES} processes ({backend})", "ms",
                  Stats.of(service_lat), floor_name, Stats.of(floor_lat), target=f"≥ {MIN_RATIO:g}× throughput",
                  met=ratio >= MIN_RATIO, ratio=ratio, tickets_per_second=round(service_rate, 1),
                  floor_tickets_per_second=round(floor_rate, 1), tickets_per_process=count, rounds=rounds)


def run(config: Config, log: Any = print) -> list[Figure]:
    count = config.reps(150, 5)
    rounds = config.reps(3, 1)
    figures = []
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-tickets-") as tmp:
        folder = Path(tmp)
        figures.append(_measure("SQLite", lambda name: _sqlite_url(folder, f"{name}.db"), count, rounds))
    if config.pg_url:
        figures.append(_measure_pg(config.pg_url, count, rounds))
    else:
        log("  PostgreSQL: KIOSK_TEST_PG_URL not set, figure 5 on PostgreSQL skipped")
    return figures


def _measure_pg(pg_url: str, count: int, rounds: int) -> Figure:
    from db.connection import make_database, open_database
    from db.schema import init_schema

    admin = make_database(pg_url)
    admin.connect()
    schemas: list[str] = []
    sep = "&" if "?" in pg_url else "?"

    def make_url(_: str) -> str:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin.execute_sql(f'CREATE SCHEMA "{schema}"')
        schemas.append(schema)
        url = f"{pg_url}{sep}options={quote(f'-c search_path={schema}')}"
        database = open_database(url)
        init_schema(database, dt.datetime(2026, 11, 29, 1, 30))
        database.close()
        return url

    try:
        return _measure("PostgreSQL", make_url, count, rounds)
    finally:
        for schema in schemas:
            admin.execute_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()


def pg_version(pg_url: str) -> str:
    """The server's version, for the machine line."""
    if not pg_url:
        return ""
    try:
        from db.connection import make_database

        database = make_database(pg_url)
        database.connect()
        version = str(database.execute_sql("SHOW server_version").fetchone()[0])
        database.close()
        return version
    except Exception as exc:  # a missing server is reported, not fatal
        return f"unreachable ({type(exc).__name__})"
