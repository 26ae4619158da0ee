"""Figure 9: a county on one PostgreSQL — 20 halls, 140 terminals, a morning's traffic.

The benchmark starts its own PostgreSQL (:mod:`benchmarks.pgserver`: temp
folder, free loopback port, fsync on) and stops it at the end. Each hall is
one database schema (its own tables, numbers and NOTIFY channel
``kiosk_queue:<schema>``) with the default categories and counters, made by
``init_schema``.

Halls are simulated by ``PROCESSES`` OS processes (this machine has 2
cores), each running several halls, one thread per terminal: per hall 2
kiosks, 4 counters and 1 board, each with its own kept connection (as the
app's service executor keeps it), and the board's listener with one more
(LISTEN). Thread = terminal; the terminals of one hall share a process.

Traffic for ``duration`` seconds, then everything stops by itself:

* kiosks take tickets (``take_ticket``) as a Poisson process whose county
  rate rises linearly from 2/s to 10/s over the first 60% of the run and
  stays at 10/s (the morning rush), spread evenly over the halls;
* counters ``call_next``; after a service time of 3–9 s (compressed: a real
  one takes minutes, which would need hours of run time for the same load)
  they ``finish`` and call again, or wait 0.5 s when nobody waits;
* boards re-read ``queue_status`` when their listener hears an event (and
  every 30 s as the fallback).

Measured: tickets/s (plateau), **call → board** latency (from ``call_next``
returning, i.e. its commit, to the hall's board having re-read a status that
shows the call), the latency of every service call, PostgreSQL connections
(``pg_stat_activity``, sampled each second) and CPU (server processes from
/proc; simulator processes from rusage), and errors. Floors, in the same run
and under the same load: a raw psycopg NOTIFY → LISTEN delivery followed by
one raw SELECT of a hall's called tickets for the call latency, a raw psycopg one-row SELECT round trip for service calls.
"""

from __future__ import annotations

import datetime as dt
import math
import multiprocessing
import os
import queue
import random
import resource
import threading
import time
import traceback
from typing import Any
from urllib.parse import quote

from benchmarks.core import Config, Figure, Stats, figure

HALLS = 20
PROCESSES = 4
KIOSKS, COUNTERS = 2, 4
PEAK_RATE = 10.0  # tickets per second across the county
START_RATE = 2.0
RAMP = 0.6  # share of the run spent rising to the peak
SERVICE_SECONDS = (3.0, 9.0)
FALLBACK_POLL = 30.0
TARGET_P99_MS = 300.0
NOW = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)  # 09:00 in the hall


def _schema_url(url: str, schema: str) -> str:
    return f"{url}?options={quote(f'-c search_path={schema}')}"


def _rate(elapsed: float, duration: float) -> float:
    """County tickets per second at ``elapsed`` seconds into the run."""
    ramp = duration * RAMP
    return PEAK_RATE if elapsed >= ramp else START_RATE + (PEAK_RATE - START_RATE) * elapsed / ramp


# ----------------------------------------------------------------------- the simulator process


class _Hall:
    """One hall's shared state inside a simulator process."""

    def __init__(self, schema: str, index: int) -> None:
        self.schema = schema
        self.index = index
        self.pending: dict[str, float] = {}  # code → monotonic time call_next returned
        self.shown: set[str] = set()  # codes the board has shown as called
        self.lock = threading.Lock()
        self.wake = threading.Event()


def _simulate(url: str, schemas: list[str], duration: float, halls_total: int, start_at: float, seed: int,
              out: Any) -> None:
    try:
        out.put(_run_halls(url, schemas, duration, halls_total, start_at, seed))
    except BaseException:
        out.put({"fatal": traceback.format_exc()})
        raise


def _run_halls(url: str, schemas: list[str], duration: float, halls_total: int, start_at: float,
               seed: int) -> dict[str, Any]:
    from db.connection import make_database, open_database
    from db.notify import QueueListener
    from kiosk.clock import FixedClock
    from kiosk.services import NotFound, ServiceContext
    from kiosk.services import queue as q

    database = open_database(url)  # one database object; each thread's connection sets its hall's schema
    clock = FixedClock(moment=NOW)
    rng = random.Random(seed)
    halls = [_Hall(schema, i) for i, schema in enumerate(schemas)]
    calls_ms: list[float] = []
    board_ms: list[float] = []
    errors: list[str] = []
    counts = {"tickets": 0, "plateau_tickets": 0, "calls": 0, "finished": 0, "board_reads": 0, "events": 0}
    stat_lock = threading.Lock()
    stop = threading.Event()

    def ctx_for(hall: _Hall, terminal: str) -> ServiceContext:
        return ServiceContext(database=database, clock=clock, terminal=terminal, hall_name=hall.schema)

    def connect(hall: _Hall) -> None:
        # This thread's kept connection, held open as db.executor holds it (a service's own
        # connection_context is then never the outermost and never closes it).
        database.connection_context().__enter__()
        database.execute_sql(f'SET search_path TO "{hall.schema}"')

    def timed(call: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return call()
        finally:
            with stat_lock:
                calls_ms.append((time.perf_counter() - t0) * 1000)

    def error(where: str, exc: BaseException) -> None:
        with stat_lock:
            errors.append(f"{where}: {type(exc).__name__}: {exc}")

    def wait_start() -> None:
        time.sleep(max(0.0, start_at - time.time()))

    def kiosk(hall: _Hall, number: int, prefixes: list[str]) -> None:
        connect(hall)
        ctx = ctx_for(hall, f"K{number:02d}")
        local = random.Random(rng.random())
        wait_start()
        began = time.monotonic()
        next_at = began
        peak = PEAK_RATE / halls_total / KIOSKS  # this kiosk's share of the county's peak rate
        while not stop.is_set():
            # A Poisson process whose rate follows the morning (thinning: candidates at the peak
            # rate, each kept with probability rate(t) / peak).
            next_at += local.expovariate(peak)
            delay = next_at - time.monotonic()
            if delay > 0 and stop.wait(delay):
                break
            if local.random() * PEAK_RATE > _rate(time.monotonic() - began, duration):
                continue
            try:
                timed(lambda: q.take_ticket(ctx, local.choice(prefixes)))
                with stat_lock:
                    counts["tickets"] += 1
                    if time.monotonic() - began >= duration * RAMP:
                        counts["plateau_tickets"] += 1
            except Exception as exc:
                error("take", exc)
        database.close()

    def counter(hall: _Hall, number: int) -> None:
        connect(hall)
        ctx = ctx_for(hall, f"C{number:02d}")
        local = random.Random(rng.random())
        wait_start()
        while not stop.is_set():
            try:
                ticket = timed(lambda: q.call_next(ctx, number))
            except NotFound:
                stop.wait(0.5)  # nobody waiting: the clerk looks again shortly
                continue
            except Exception as exc:
                error("call", exc)
                stop.wait(0.5)
                continue
            with hall.lock:
                if ticket.code in hall.shown:  # the board re-read it before call_next returned here
                    with stat_lock:
                        board_ms.append(0.0)
                else:
                    hall.pending[ticket.code] = time.monotonic()
            with stat_lock:
                counts["calls"] += 1
            stop.wait(local.uniform(*SERVICE_SECONDS))
            try:
                timed(lambda: q.finish(ctx, number))
                with stat_lock:
                    counts["finished"] += 1
            except Exception as exc:
                error("finish", exc)
        database.close()

    def board(hall: _Hall) -> None:
        connect(hall)
        ctx = ctx_for(hall, "B01")
        wait_start()
        while not stop.is_set():
            hall.wake.wait(FALLBACK_POLL)
            hall.wake.clear()
            if stop.is_set():
                break
            try:
                status = timed(lambda: q.queue_status(ctx))
            except Exception as exc:
                error("board", exc)
                continue
            seen = time.monotonic()
            shown = {c.code for c in status.recent} | {c.ticket.code for c in status.counters if c.ticket}
            with hall.lock:
                hall.shown |= shown
                done = [code for code in hall.pending if code in shown]
                latencies = [(seen - hall.pending.pop(code)) * 1000 for code in done]
            with stat_lock:
                board_ms.extend(latencies)
                counts["board_reads"] += 1
        database.close()

    def listener_for(hall: _Hall) -> Any:
        def heard(event: dict[str, Any]) -> None:
            with stat_lock:
                counts["events"] += 1
            hall.wake.set()

        listen_db = make_database(_schema_url(url.split("?", 1)[0], hall.schema))
        return QueueListener(listen_db, heard, wait=0.5, name=f"listen-{hall.schema}").start()

    first = halls[0]
    connect(first)
    prefixes = sorted({c.prefix for n in range(1, COUNTERS + 1) for c in q.categories_for_counter(n)})
    database.close()

    listeners = [listener_for(hall) for hall in halls]
    for listener in listeners:
        listener.connected.wait(30)
    threads: list[threading.Thread] = []
    for hall in halls:
        threads.append(threading.Thread(target=board, args=(hall,), daemon=True))
        threads += [threading.Thread(target=kiosk, args=(hall, k + 1, prefixes), daemon=True) for k in range(KIOSKS)]
        threads += [threading.Thread(target=counter, args=(hall, c + 1), daemon=True) for c in range(COUNTERS)]
    for thread in threads:
        thread.start()
    wait_start()
    time.sleep(duration)
    stop.set()
    stopped_at = time.monotonic()
    for hall in halls:
        hall.wake.set()
    for thread in threads:
        thread.join(30)
    for listener in listeners:
        listener.stop()
    # Calls made in the last second before the stop may not have reached a board.
    cutoff = stopped_at - 1.0
    missed = sum(1 for hall in halls for at in hall.pending.values() if at < cutoff)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"calls_ms": calls_ms, "board_ms": board_ms, "errors": errors, "counts": counts, "missed": missed,
            "cpu_seconds": usage.ru_utime + usage.ru_stime,
            "threads": len(threads) + len(listeners)}


# ----------------------------------------------------------------------- floors and sampling


#: The floor's re-read after a NOTIFY: a hall's called and serving tickets, one raw statement.
FLOOR_READ = ('SELECT id, code, counter, status FROM "hall_01".ticket WHERE day = %s '
              "AND status IN ('called', 'serving') ORDER BY called_at DESC")


class _Sampler:
    """In the benchmark's own process during the run: connections each second, and the raw floors."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.connections: list[int] = []
        self.notify_ms: list[float] = []
        self.select_ms: list[float] = []
        self.error = ""
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            self._sample()
        except Exception as exc:  # reported with the figure, never lost in a thread
            self.error = f"{type(exc).__name__}: {exc}"

    def _sample(self) -> None:
        import psycopg

        admin = psycopg.connect(self.url, autocommit=True)
        listen = psycopg.connect(self.url, autocommit=True)
        listen.execute("LISTEN bench_floor")
        sender = psycopg.connect(self.url)
        last = 0.0
        while not self.stop.is_set():
            t0 = time.perf_counter()
            admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", ("county",)).fetchone()
            self.select_ms.append((time.perf_counter() - t0) * 1000)
            with sender.transaction():
                sender.execute("NOTIFY bench_floor, 'x'")
            sent = time.perf_counter()  # the commit has returned: the same point as call_next returning
            heard = list(listen.notifies(timeout=5, stop_after=1))
            if heard:  # ... and the listener re-reads the called tickets with one raw statement
                listen.execute(FLOOR_READ, (NOW.date(),)).fetchall()  # (not inside notifies(): it holds the lock)
                self.notify_ms.append((time.perf_counter() - sent) * 1000)
            if time.monotonic() - last >= 1.0:
                last = time.monotonic()
                count = admin.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = 'county'").fetchone()
                self.connections.append(int(count[0]) if count else 0)
            self.stop.wait(0.2)
        for conn in (admin, listen, sender):
            conn.close()

    def __enter__(self) -> _Sampler:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(15)


# ----------------------------------------------------------------------- the figure


def _setup(url: str, halls: int) -> list[str]:
    from db.connection import make_database, open_database
    from db.schema import init_schema

    admin = make_database(url)
    admin.connect()
    schemas = [f"hall_{i + 1:02d}" for i in range(halls)]
    for schema in schemas:
        admin.execute_sql(f'CREATE SCHEMA "{schema}"')
        database = open_database(_schema_url(url, schema))
        init_schema(database, NOW.replace(tzinfo=None))
        database.close()
    admin.close()
    return schemas


def measure(url: str, data: Any, *, halls: int, processes: int, duration: float, log: Any = print) -> dict[str, Any]:
    """Run the county load against the server at ``url``; the raw results."""
    from benchmarks.pgserver import server_cpu_seconds

    t0 = time.perf_counter()
    schemas = _setup(url, halls)
    log(f"  county: {halls} halls set up in {time.perf_counter() - t0:.0f} s; {duration:.0f} s of traffic")
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    groups = [schemas[i::processes] for i in range(processes)]
    start_at = time.time() + 8.0  # time for the processes to import, connect and LISTEN
    workers = [context.Process(target=_simulate, args=(url, group, duration, halls, start_at, 1000 + i, out))
               for i, group in enumerate(groups) if group]
    for worker in workers:
        worker.start()
    time.sleep(max(0.0, start_at - time.time()))
    cpu0, wall0 = server_cpu_seconds(data), time.perf_counter()
    with _Sampler(url) as sampler:
        time.sleep(duration)
        cpu1, wall1 = server_cpu_seconds(data), time.perf_counter()
    results: list[dict[str, Any]] = []
    deadline = time.time() + duration + 120
    while len(results) < len(workers):
        try:
            results.append(out.get(timeout=5))
        except queue.Empty:
            if time.time() > deadline or not any(w.is_alive() for w in workers):
                raise RuntimeError("a county simulator process died or hung (see its traceback above)") from None
    for worker in workers:
        worker.join(60)
    fatal = [r["fatal"] for r in results if "fatal" in r]
    if fatal:
        raise RuntimeError(f"county simulator failed:\n{fatal[0]}")
    counts: dict[str, int] = {}
    for r in results:
        for key, value in r["counts"].items():
            counts[key] = counts.get(key, 0) + value
    return {
        "calls_ms": [x for r in results for x in r["calls_ms"]],
        "board_ms": [x for r in results for x in r["board_ms"]],
        "errors": [e for r in results for e in r["errors"]],
        "missed": sum(r["missed"] for r in results),
        "counts": counts,
        "sim_cpu_seconds": sum(r["cpu_seconds"] for r in results),
        "threads": sum(r["threads"] for r in results),
        "server_cpu_cores": (cpu1 - cpu0) / (wall1 - wall0),
        "connections": sampler.connections,
        "notify_ms": sampler.notify_ms,
        "select_ms": sampler.select_ms,
        "sampler_error": sampler.error,
        "processes": len(workers),
    }


def run(config: Config, log: Any = print) -> list[Figure]:
    from benchmarks.pgserver import NoServer, pg_server

    halls = 2 if config.quick else HALLS
    processes = 1 if config.quick else int(os.environ.get("KIOSK_BENCH_COUNTY_PROCESSES", PROCESSES))
    duration = 6.0 if config.quick else float(os.environ.get("KIOSK_BENCH_COUNTY_SECONDS", "60"))
    try:
        server = pg_server(max_connections=300)
        url, data = server.__enter__()
    except NoServer as exc:
        log(f"  county: {exc}; figure 9 skipped")
        return []
    try:
        r = measure(url, data, halls=halls, processes=processes, duration=duration, log=log)
        figures = _figures(r, halls=halls, duration=duration)
        for f in figures:  # printed now: the records figures below take minutes
            log(f"  {f.key}: median {f.median:.1f} ms, p99 {f.p99:.1f} ms, met {f.met}; {f.detail}")
        records = _records_figures(config, url, log)
    finally:
        server.__exit__(None, None, None)
    return figures + records


def _figures(r: dict[str, Any], *, halls: int, duration: float) -> list[Figure]:
    errors = r["errors"] + ([f"floor sampler: {r['sampler_error']}"] if r["sampler_error"] else [])
    if not r["notify_ms"] or not r["select_ms"]:
        raise RuntimeError(f"the floor sampler measured nothing ({r['sampler_error'] or 'no samples'})")
    counts = r["counts"]
    board = Stats.of(r["board_ms"] or [math.inf])
    calls = Stats.of(r["calls_ms"])
    notify = Stats.of(r["notify_ms"])
    select = Stats.of(r["select_ms"])
    plateau = duration * (1 - RAMP)
    detail = {
        "halls": halls, "terminals": halls * (1 + COUNTERS + KIOSKS), "processes": r["processes"],
        "threads": r["threads"], "seconds": duration,
        "tickets": counts.get("tickets", 0), "tickets_per_second": round(counts.get("tickets", 0) / duration, 2),
        "plateau_tickets_per_second": round(counts.get("plateau_tickets", 0) / plateau, 2),
        "calls": counts.get("calls", 0), "finished": counts.get("finished", 0),
        "board_reads": counts.get("board_reads", 0), "events_heard": counts.get("events", 0),
        "calls_never_shown": r["missed"], "errors": len(errors), "first_errors": errors[:5],
        "pg_connections_max": max(r["connections"] or [0]),
        "pg_connections_median": sorted(r["connections"] or [0])[len(r["connections"] or [0]) // 2],
        "pg_server_cpu_cores": round(r["server_cpu_cores"], 2),
        "simulator_cpu_cores": round(r["sim_cpu_seconds"] / (duration + 10), 2),
        "service_call_p99_ms": round(calls.p99, 1),
    }
    ok = not errors and r["missed"] == 0
    tps = detail["plateau_tickets_per_second"]
    return [
        figure("9a", f"county: call → board re-read, {halls} halls, {detail['terminals']} terminals "
               f"({tps:g} tickets/s at peak)", "ms", board, "raw psycopg NOTIFY → LISTEN + one SELECT of the called tickets", notify,
               target=f"p99 < {TARGET_P99_MS:g} ms, 0 errors", met=board.p99 < TARGET_P99_MS and ok, **detail),
        figure("9b", f"county: service call (take, call, finish, board read), {halls} halls", "ms", calls,
               "raw psycopg one-row SELECT", select, target="0 errors (p99 reported)", met=ok,
               **{k: detail[k] for k in ("errors", "first_errors", "pg_connections_max", "pg_server_cpu_cores",
                                         "tickets_per_second", "plateau_tickets_per_second")}),
    ]


def _records_figures(config: Config, url: str, log: Any) -> list[Figure]:
    from benchmarks import county_records

    return county_records.run(config, url, log)
