"""Figure 2: identify → resident home data at 10k and 100k residents.

The identify screen calls :func:`kiosk.services.residents.identify` with
what the card reader typed; its :class:`ResidentSummary` is all the home
screen shows. The contributions view (key 2 on the home menu) then calls
:func:`contribution_history`, the heaviest read at scale (240 months × up
to five insurances), so it is measured too. Each is timed against the
equivalent hand-written SQL on one open ``sqlite3`` connection, interleaved
on the same resident, over residents that have the full twenty years.

The subject is what a screen's ``run_service`` now does: hand the call to
the app's :class:`db.executor.ServiceExecutor`, whose thread keeps its
connection, and wait for the result (the thread hand-off is included), with
the threads kept on one CPU as ``kiosk run`` keeps them (kiosk.affinity). The
floor keeps one connection open. ``detail.fresh_connection_ms`` is the same
call the old way (on this thread, opening and closing its connection per
call, as each worker thread used to), ``detail.service_with_open_connection_ms``
the call alone on a held connection, ``detail.empty_call_through_executor_ms`` the
hand-off alone (an empty call through the same executor), and ``detail.floor_with_connect_ms``
what a fresh sqlite3 connection with the kiosk's pragmas costs on its own.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from typing import Any

from benchmarks.core import Config, Figure, Stats, figure, time_interleaved
from benchmarks.data import TODAY, Township, open_township, township

IDENTIFY_SQL = ("SELECT id, name, id_number, sex, birth_date, hukou, retirement_category, phone "
                "FROM resident WHERE id_number = ?")
HISTORY_SQL = ("SELECT insurance, scheme, month, base_fen, individual_fen, employer_fen, subsidy_fen "
               "FROM contribution WHERE resident_id = ? ORDER BY month, insurance")
SPANS_SQL = ("SELECT start_date, end_date FROM enrolment WHERE resident_id = ? AND insurance = 'pension' "
             "AND scheme IN ('employee', 'flexible')")
TARGET_MS = 15.0
#: Issue 18: identify → home data within 5× of the raw SELECT, the contributions view within 2×.
MAX_RATIO = {"identify": 5.0, "card": 5.0, "history": 2.0}
#: "No growth": the large database's median may be at most this much above the small one's.
MAX_GROWTH = 1.3
OPEN = {"identify": "identify_open", "card": "identify_open", "history": "history_open"}
FRESH = {"identify": "identify_fresh", "card": "identify_fresh", "history": "history_fresh"}
LETTERS = {"identify": "a", "card": "b", "history": "c"}


def _context(town: Township) -> Any:
    from kiosk.clock import FixedClock
    from kiosk.services import ServiceContext

    database = open_township(town)
    clock = FixedClock(moment=dt.datetime(TODAY.year, TODAY.month, TODAY.day, 1, 30, tzinfo=dt.UTC))
    return ServiceContext(database=database, clock=clock)


def _nothing() -> None:
    return None


def _measure(config: Config, town: Township) -> dict[str, tuple[Stats, Stats]]:
    from kiosk.services import residents

    ctx = _context(town)
    raw = sqlite3.connect(town.path)
    raw.execute("PRAGMA cache_size=-16000")
    people = town.samples
    reps = config.reps(300, 10)
    ids = [people[i % len(people)] for i in range(reps)]
    out: dict[str, tuple[Stats, Stats]] = {}

    def cycle(name: str, subject: Any, floor: Any) -> None:
        position = [0]

        def subject_call() -> None:
            subject(ids[position[0] % len(ids)])

        def floor_call() -> None:
            floor(ids[position[0] % len(ids)])
            position[0] += 1

        out[name] = time_interleaved(subject_call, floor_call, reps)

    def identify_floor(person: dict[str, Any]) -> tuple[Any, ...]:
        row = raw.execute(IDENTIFY_SQL, (person["id_number"],)).fetchone()
        return (row[0], row[1], row[2], row[3], dt.date.fromisoformat(row[4]), row[5], row[6], bool(row[7]))

    def history_floor(person: dict[str, Any]) -> tuple[list[Any], list[Any]]:
        return (raw.execute(HISTORY_SQL, (person["id"],)).fetchall(),
                raw.execute(SPANS_SQL, (person["id"],)).fetchall())

    from db.executor import ServiceExecutor

    # Warm the OS page cache for every sampled resident first: otherwise the
    # first phase measured pays the disk reads the later phases (and each
    # interleaved floor, which reads the same resident just after) get free.
    for person in people:
        history_floor(person)
        identify_floor(person)
        if person["card"]:  # the card phase reads the card table's pages too
            raw.execute("SELECT status, resident_id FROM card WHERE card_number = ?", (person["card"],)).fetchone()

    # What the screens do: the call runs on the app's executor thread, which keeps its connection.
    executor = ServiceExecutor(ctx.database, max_threads=1)
    cycle("identify", lambda p: executor.call(lambda: residents.identify(ctx, p["id_number"])), identify_floor)
    cycle("card", lambda p: executor.call(lambda: residents.identify(ctx, p["card"] or p["id_number"])),
          identify_floor)
    cycle("history", lambda p: executor.call(lambda: residents.contribution_history(ctx, p["id"])), history_floor)
    # The hand-off alone: an empty call through the same executor (what any call pays to leave the screen's thread).
    cycle("handoff", lambda p: executor.call(_nothing), identify_floor)
    executor.close()

    # The old way, for the report: each call opens and closes its connection.
    cycle("identify_fresh", lambda p: residents.identify(ctx, p["id_number"]), identify_floor)
    cycle("history_fresh", lambda p: residents.contribution_history(ctx, p["id"]), history_floor)

    # The same calls with this thread's connection held open around them
    # (what keeping one connection per worker thread would give).
    with ctx.database.connection_context():
        cycle("identify_open", lambda p: residents.identify(ctx, p["id_number"]), identify_floor)
        cycle("history_open", lambda p: residents.contribution_history(ctx, p["id"]), history_floor)

    # The cost of a fresh connection with the kiosk's pragmas, for the report.
    def connect_query() -> None:
        fresh = sqlite3.connect(town.path, timeout=15)
        for pragma in ("journal_mode=wal", "foreign_keys=1", "busy_timeout=15000", "synchronous=full",
                       "cache_size=-16000"):
            fresh.execute(f"PRAGMA {pragma}")
        fresh.execute(IDENTIFY_SQL, (ids[0]["id_number"],)).fetchone()
        fresh.close()

    samples = []
    for _ in range(config.reps(100, 5)):
        t0 = time.perf_counter()
        connect_query()
        samples.append((time.perf_counter() - t0) * 1000)
    out["connect"] = (Stats.of(samples), Stats.of(samples))
    raw.close()
    ctx.database.close()
    return out


def _measured_as_kiosk_run(config: Config, town: Township) -> dict[str, tuple[Stats, Stats]]:
    """:func:`_measure` with this process's threads kept on one CPU, as ``kiosk run`` keeps the
    kiosk's (kiosk.affinity, ``[terminal] one_cpu``); the other figures run unpinned."""
    import os

    from kiosk.affinity import keep_on_one_cpu

    allowed = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    keep_on_one_cpu()
    try:
        return _measure(config, town)
    finally:
        if allowed is not None:
            os.sched_setaffinity(0, allowed)


def run(config: Config, log: Any = print) -> list[Figure]:
    small_n, large_n = config.scales
    results: dict[int, dict[str, tuple[Stats, Stats]]] = {}
    towns: dict[int, Township] = {}
    for n in (small_n, large_n):
        towns[n] = township(config, n, log=log)
        results[n] = _measured_as_kiosk_run(config, towns[n])
    figures: list[Figure] = []
    labels = {"identify": "identify by ID number → home data", "card": "identify by card number → home data",
              "history": "contributions view: 20-year history"}
    floors = {"identify": "sqlite3 SELECT by id_number", "card": "sqlite3 SELECT by id_number",
              "history": "sqlite3 SELECTs (months, spans)"}
    for name in ("identify", "card", "history"):
        for n in (small_n, large_n):
            subject, floor = results[n][name]
            ratio = subject.median / floor.median
            growth = subject.median / results[small_n][name][0].median
            large = n == large_n
            met = ratio <= MAX_RATIO[name] and subject.median < TARGET_MS and (not large or growth <= MAX_GROWTH)
            target = (f"≤ {MAX_RATIO[name]:g}×, < {TARGET_MS:g} ms"
                      + (f", ≤ {MAX_GROWTH:g}× of {small_n:,}" if large else ""))
            info = towns[n].info
            figures.append(figure(
                f"2{LETTERS[name]}-{n // 1000}k" if n >= 1000 else f"2{LETTERS[name]}-{n}",
                f"{labels[name]} ({n:,} residents)", "ms", subject, floors[name], floor, target=target, met=met,
                growth_vs_small=round(growth, 2),
                service_with_open_connection_ms=round(results[n][OPEN[name]][0].median, 3),
                fresh_connection_ms=round(results[n][FRESH[name]][0].median, 3),
                empty_call_through_executor_ms=round(results[n]["handoff"][0].median, 3),
                floor_with_connect_ms=round(results[n]["connect"][0].median, 3),
                contribution_rows=info["counts"]["contribution"], db_size_mb=info["size_mb"],
                generation_seconds=info["seconds_total"], generated_now=not info.get("cached", False)))
    return figures
