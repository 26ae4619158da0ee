"""Figure 9c/9d: identify and the contributions view on the county's PostgreSQL
with 100,000 residents and 10 million contribution rows.

Runs on the server figure 9a/9b started (same run), in a schema of its own made
by ``init_schema``. Data are generated server-side in seconds, not through
the services: residents (valid ID numbers, made in Python) are sent with
``COPY``; contributions with one ``INSERT … SELECT … generate_series``
(indexes dropped during the load and rebuilt after, FK triggers off for the
load only). 10,000 residents have twenty years (240 months) of four
insurances each (960 rows, like figure 2's deepest histories, with their
enrolments), the other 90,000 five recent months of the pension: 10.05 M
rows in all. ``--quick`` makes 1,000 residents and 100 with history.

Subject: the service call as a screen makes it (through the app's
:class:`db.executor.ServiceExecutor`, a kept connection). Floor: the same
rows by hand-written SQL on one raw psycopg connection, interleaved.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Any
from urllib.parse import quote

from benchmarks.core import Config, Figure, figure, time_interleaved

SCHEMA = "records"
TODAY = dt.date(2026, 11, 30)
NOW = dt.datetime(2026, 11, 30, 1, 0)
INSURANCES = ("pension", "medical", "unemployment", "injury")
IDENTIFY_SQL = ("SELECT id, name, id_number, sex, birth_date, hukou, retirement_category, phone "
                "FROM resident WHERE id_number = %s")
HISTORY_SQL = ("SELECT insurance, scheme, month, base_fen, individual_fen, employer_fen, subsidy_fen "
               "FROM contribution WHERE resident_id = %s ORDER BY month, insurance")
SPANS_SQL = ("SELECT start_date, end_date FROM enrolment WHERE resident_id = %s AND insurance = 'pension' "
             "AND scheme IN ('employee', 'flexible')")
DAYS = 365 * 50  # birth dates spread over 1950-1999
MAX_RATIO = {"identify": 5.0, "history": 2.0}
TARGET_MS = 15.0


def _id_numbers(count: int, seed: int) -> list[tuple[str, dt.date, str]]:
    from kiosk.rules.identity import check_digit

    rng = random.Random(seed)
    out = []
    for i in range(count):
        # (birth date, sequence) differs for every i, so no two numbers collide.
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=i % DAYS)
        sequence = f"{(i // DAYS) * 10 + rng.randrange(10):03d}"
        first17 = f"360726{birth:%Y%m%d}{sequence}"
        sex = "male" if int(sequence[-1]) % 2 else "female"
        out.append((first17 + check_digit(first17), birth, sex))
    return out


def generate(url: str, residents: int, with_history: int, log: Any) -> dict[str, Any]:
    """Create the schema and its rows; returns counts, seconds and sample residents."""
    import psycopg

    from db.connection import open_database
    from db.models import Resident
    from db.schema import init_schema

    t0 = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')
        admin.execute(f'CREATE SCHEMA "{SCHEMA}"')
    schema_url = f"{url}?options={quote(f'-c search_path={SCHEMA}')}"
    database = open_database(schema_url)
    init_schema(database, NOW)
    database.close()
    people = _id_numbers(residents, 2026)
    with psycopg.connect(url, options=f"-c search_path={SCHEMA}") as conn:
        conn.execute("SET session_replication_role = replica")  # no FK triggers during the load
        # Every column the model has (its Python-side defaults included: the tables have no server defaults).
        fields = [f for f in Resident._meta.sorted_fields if f.name != "id"]
        defaults = {f.name: (f.default() if callable(f.default) else f.default) for f in fields}
        columns = ", ".join(f.column_name for f in fields)
        with conn.cursor().copy(f"COPY resident ({columns}) FROM STDIN") as copy:
            for number, birth, sex in people:
                row = {**defaults, "id_number": number, "name": f"居民{number[-4:]}", "sex": sex,
                       "birth_date": birth, "created_at": NOW, "updated_at": NOW}
                copy.write_row([row[f.name] for f in fields])
        t_residents = time.perf_counter() - t0
        indexes = conn.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = %s "
                               "AND tablename = 'contribution' AND indexname NOT LIKE '%%pkey'",
                               (SCHEMA,)).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{SCHEMA}"."{name}"')
        # 20 years × 4 insurances for the first ``with_history`` residents.
        conn.execute(
            "INSERT INTO contribution (resident_id, insurance, scheme, month, base_fen, individual_fen, "
            "employer_fen, subsidy_fen, paid_at) "
            "SELECT r.id, i.insurance, 'employee', (DATE '2006-12-01' + make_interval(months => m))::date, "
            "500000, 40000, 80000, 0, %s "
            "FROM (SELECT id FROM resident ORDER BY id LIMIT %s) r "
            "CROSS JOIN unnest(%s::text[]) AS i(insurance) CROSS JOIN generate_series(0, 239) AS m",
            (NOW, with_history, list(INSURANCES)))
        conn.execute(
            "INSERT INTO contribution (resident_id, insurance, scheme, month, base_fen, individual_fen, "
            "employer_fen, subsidy_fen, paid_at) "
            "SELECT r.id, 'pension', 'resident', (DATE '2026-06-01' + make_interval(months => m))::date, "
            "0, 30000, 0, 3000, %s "
            "FROM (SELECT id FROM resident ORDER BY id OFFSET %s) r CROSS JOIN generate_series(0, 4) AS m",
            (NOW, with_history))
        conn.execute(
            "INSERT INTO enrolment (resident_id, insurance, scheme, status, start_date) "
            "SELECT r.id, i.insurance, 'employee', 'active', DATE '2006-12-01' "
            "FROM (SELECT id FROM resident ORDER BY id LIMIT %s) r CROSS JOIN unnest(%s::text[]) AS i(insurance)",
            (with_history, list(INSURANCES)))
        t_rows = time.perf_counter() - t0
        for _, definition in indexes:
            conn.execute(definition)
        conn.execute("SET session_replication_role = origin")
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE resident")
        conn.execute("VACUUM ANALYZE contribution")
        conn.execute("VACUUM ANALYZE enrolment")
        count = int(_one(conn, "SELECT count(*) FROM contribution"))
        size = int(_one(conn, "SELECT pg_database_size(current_database())"))
        samples = conn.execute("SELECT id, id_number FROM resident ORDER BY id LIMIT 200").fetchall()
    seconds = time.perf_counter() - t0
    log(f"  county records: {residents:,} residents, {count:,} contribution rows generated in {seconds:.0f} s")
    return {"url": schema_url, "contribution_rows": count, "residents": residents, "with_history": with_history,
            "seconds_total": round(seconds, 1), "seconds_residents": round(t_residents, 1),
            "seconds_rows": round(t_rows - t_residents, 1), "database_mb": round(size / 2**20),
            "samples": [{"id": int(i), "id_number": str(n)} for i, n in samples[:with_history]]}


def run(config: Config, url: str, log: Any = print) -> list[Figure]:
    import psycopg

    from db.connection import open_database
    from db.executor import ServiceExecutor
    from kiosk.clock import FixedClock
    from kiosk.services import ServiceContext, residents

    residents_n, history_n = (1_000, 100) if config.quick else (100_000, 10_000)
    info = generate(url, residents_n, history_n, log)
    database = open_database(info["url"])
    ctx = ServiceContext(database=database, clock=FixedClock(moment=dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)))
    raw = psycopg.connect(url, options=f"-c search_path={SCHEMA}", autocommit=True)
    people = info["samples"]
    reps = config.reps(300, 10)
    executor = ServiceExecutor(database, max_threads=1)
    position = [0]

    def person() -> dict[str, Any]:
        return dict(people[position[0] % len(people)])

    def advance(call: Any) -> Any:
        def run_floor() -> Any:
            result = call(person())
            position[0] += 1
            return result
        return run_floor

    identify = time_interleaved(
        lambda: executor.call(lambda: residents.identify(ctx, person()["id_number"])),
        advance(lambda p: raw.execute(IDENTIFY_SQL, (p["id_number"],)).fetchone()), reps)
    history = time_interleaved(
        lambda: executor.call(lambda: residents.contribution_history(ctx, person()["id"])),
        advance(lambda p: (raw.execute(HISTORY_SQL, (p["id"],)).fetchall(),
                           raw.execute(SPANS_SQL, (p["id"],)).fetchall())), reps)
    executor.close()
    raw.close()
    database.close()
    size = {k: info[k] for k in ("residents", "contribution_rows", "with_history", "seconds_total",
                                 "seconds_rows", "database_mb")}
    figures = []
    for key, name, (subject, floor), floor_name in (
            ("9c", "identify by ID number → home data", identify, "raw psycopg SELECT by id_number"),
            ("9d", "contributions view: 20-year history", history, "raw psycopg SELECTs (months, spans)")):
        kind = "identify" if key == "9c" else "history"
        ratio = subject.median / floor.median
        figures.append(figure(
            key, f"{name} (PostgreSQL, {residents_n:,} residents, {info['contribution_rows'] / 1e6:.2f} M rows)",
            "ms", subject, floor_name, floor, target=f"≤ {MAX_RATIO[kind]:g}×, < {TARGET_MS:g} ms",
            met=ratio <= MAX_RATIO[kind] and subject.median < TARGET_MS, **size))
    return figures


def _one(conn: Any, sql: str) -> Any:
    row = conn.execute(sql).fetchone()
    assert row is not None
    return row[0]
