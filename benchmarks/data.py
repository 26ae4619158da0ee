"""The benchmark township: ``seed_demo`` (what ``kiosk db seed-demo`` loads)
deepened to twenty years of monthly contributions, cached outside the repo.

``seed_demo`` gives employees and flexible workers 12–36 months; a county
database holds up to twenty years. :func:`township` therefore runs
``seed_demo`` and then back-fills every active monthly enrolment with earlier
months (same base and rates as its first seeded month) to a random total
of 120–240 months — 60% of them the full 240 — never before the
person turned 18. At 100,000 residents that is over 10 million
contribution rows. The file is generated once per (residents, seed, schema
version, data version) into ``~/.cache/shebao-kiosk-bench/`` (or
``$KIOSK_BENCH_CACHE``) and reused; a JSON file beside it records how long
generation took, the row counts and sample residents to look up. A file
cached under an older schema version is migrated (``db migrate``), not
generated again.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import peewee

from benchmarks.core import DATA_VERSION, Config

TODAY = dt.date(2026, 11, 29)
NOW = dt.datetime(2026, 11, 29, 1, 30)  # naive UTC, 09:30 in the hall
FULL_MONTHS = 240
#: Cheap pragmas for generating a throwaway file (the kiosk itself uses WAL + FULL).
GENERATE_PRAGMAS = {"journal_mode": "off", "synchronous": 0, "cache_size": -262144, "temp_store": "memory",
                    "foreign_keys": 0}


@dataclass(frozen=True)
class Township:
    """A generated database and what is known about it."""

    path: Path
    residents: int
    info: dict[str, Any]

    @property
    def samples(self) -> list[dict[str, Any]]:
        """Residents with a full 240-month history (id, id_number, card)."""
        return list(self.info["samples"])


def _schema_version() -> str:
    """The schema a cached file was made with: the latest version and how many migrations there are
    (a migration numbered below the latest, added later, changes the count, not the latest)."""
    from db.schema import LATEST_VERSION, MIGRATIONS

    return f"{LATEST_VERSION}m{len(MIGRATIONS)}"


def township(config: Config, residents: int, seed: int = 2026, *, log: Any = print) -> Township:
    """The cached township of ``residents`` people, generated on first use."""
    config.cache_dir.mkdir(parents=True, exist_ok=True)
    stem = f"township-d{DATA_VERSION}-s{_schema_version()}-n{residents}-seed{seed}"
    path = config.cache_dir / f"{stem}.db"
    meta = config.cache_dir / f"{stem}.json"
    if path.exists() and meta.exists():
        info = json.loads(meta.read_text(encoding="utf-8"))
        info["cached"] = True
        return Township(path, residents, info)
    if (info := _migrate_older(config, stem, path, meta, residents, seed, log)) is not None:
        return Township(path, residents, info)
    log(f"  generating {residents:,} residents into {path} (once; later runs reuse it) ...")
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    info = _generate(tmp, residents, seed)
    tmp.rename(path)
    meta.write_text(json.dumps(info, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    info["cached"] = False
    log(f"  generated in {info['seconds_total']:.0f} s ({info['size_mb']:.0f} MB, "
        f"{info['counts']['contribution']:,} contribution rows)")
    return Township(path, residents, info)


def _migrate_older(config: Config, stem: str, path: Path, meta: Path, residents: int, seed: int,
                   log: Any) -> dict[str, Any] | None:
    """The same township cached under an older schema version, migrated the way a hall's database
    is (``db migrate``: new columns and tables, rows kept) and renamed to ``stem``; None when there
    is none. Generating 100,000 residents again takes minutes, migrating them seconds."""
    from db.connection import open_database
    from db.schema import SchemaError, migrate_schema

    older = sorted(config.cache_dir.glob(f"township-d{DATA_VERSION}-s*-n{residents}-seed{seed}.db"),
                   key=lambda p: p.stat().st_mtime, reverse=True)
    for candidate in older:
        old_meta = candidate.with_suffix(".json")
        if candidate == path or not old_meta.exists():
            continue
        log(f"  migrating {candidate.name} to the current schema (rows kept) ...")
        t0 = time.perf_counter()
        with sqlite3.connect(candidate) as connection:  # fold any -wal file in: only the .db is renamed
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
        database = open_database(f"sqlite:///{candidate}")
        try:
            migrate_schema(database, NOW)
        except SchemaError as exc:  # e.g. a version numbered below one it has: generate afresh
            log(f"  cannot migrate {candidate.name} ({exc}); removing it")
            candidate.unlink()
            old_meta.unlink()
            continue
        finally:
            database.close()
        candidate.rename(path)
        info = json.loads(old_meta.read_text(encoding="utf-8"))
        info["migrated_from"] = candidate.name
        info["seconds_migrate"] = round(time.perf_counter() - t0, 1)
        meta.write_text(json.dumps(info, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        old_meta.unlink()
        info["cached"] = True
        return info
    return None


def _generate(path: Path, residents: int, seed: int) -> dict[str, Any]:
    from db.demo import seed_demo
    from db.models import bind
    from db.schema import init_schema

    database = peewee.SqliteDatabase(str(path), pragmas=GENERATE_PRAGMAS)
    bind(database)
    t0 = time.perf_counter()
    init_schema(database, NOW)
    summary = seed_demo(database, residents=residents, seed=seed, today=TODAY, now=NOW)
    database.close()
    t1 = time.perf_counter()
    added, samples = _deepen(path, seed)
    t2 = time.perf_counter()
    with sqlite3.connect(path) as connection:
        connection.execute("ANALYZE")
        counts = {table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                  for table in ("resident", "card", "enrolment", "contribution", "account", "ledger_entry")}
        connection.execute("PRAGMA journal_mode=wal")
    connection.close()
    t3 = time.perf_counter()
    return {
        "residents": residents, "seed": seed, "seconds_seed_demo": round(t1 - t0, 1),
        "seconds_deepen": round(t2 - t1, 1), "seconds_total": round(t3 - t0, 1),
        "rows_added_by_deepen": added, "counts": counts, "seed_demo_counts": summary.counts,
        "size_mb": round(path.stat().st_size / 2**20, 1), "samples": samples,
    }


def _month_add(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _deepen(path: Path, seed: int) -> tuple[int, list[dict[str, Any]]]:
    """Back-fill monthly enrolments to 120–240 months; returns rows added and samples."""
    rng = random.Random(seed * 7919 + 1)
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA synchronous=OFF")
    connection.execute("PRAGMA cache_size=-262144")
    enrolments = connection.execute(
        "SELECT e.id, e.resident_id, e.insurance, e.scheme, e.start_date, r.birth_date, r.id_number "
        "FROM enrolment e JOIN resident r ON r.id = e.resident_id "
        "WHERE e.scheme IN ('employee', 'flexible') AND e.status = 'active' ORDER BY e.resident_id").fetchall()
    firsts = {(rid, ins, sch): (month, base, ind, emp, sub, employer) for rid, ins, sch, month, base, ind, emp, sub,
              employer in connection.execute(
        "SELECT resident_id, insurance, scheme, min(month), base_fen, individual_fen, employer_fen, subsidy_fen, "
        "employer_id FROM contribution WHERE scheme IN ('employee', 'flexible') "
        "GROUP BY resident_id, insurance, scheme")}
    target: dict[int, int] = {}
    full: list[int] = []
    added = 0
    connection.execute("BEGIN")
    batch: list[tuple[Any, ...]] = []
    for enrolment_id, rid, insurance, scheme, _start, birth, _ in enrolments:
        first = firsts.get((rid, insurance, scheme))
        if first is None:
            continue
        if rid not in target:
            target[rid] = FULL_MONTHS if rng.random() < 0.6 else rng.randint(120, FULL_MONTHS)
        first_month = dt.date.fromisoformat(first[0])
        have = (TODAY.year * 12 + TODAY.month) - (first_month.year * 12 + first_month.month)
        born = dt.date.fromisoformat(birth)
        adult = _month_add(dt.date(born.year + 18, born.month, 1), 1)
        new_start = max(_month_add(first_month, -(target[rid] - have)), adult)
        if new_start >= first_month:
            continue
        month = new_start
        while month < first_month:
            batch.append((rid, insurance, scheme, month.isoformat(), first[1], first[2], first[3], first[4],
                          first[5], f"{month.isoformat()[:8]}15 02:00:00"))
            month = _month_add(month, 1)
        connection.execute("UPDATE enrolment SET start_date = ? WHERE id = ?", (new_start.isoformat(), enrolment_id))
        if target[rid] == FULL_MONTHS and new_start == _month_add(first_month, -(FULL_MONTHS - have)):
            full.append(rid)
        if len(batch) >= 50_000:
            added += _insert(connection, batch)
    added += _insert(connection, batch)
    connection.execute("COMMIT")
    chosen = sorted(set(full))
    rng.shuffle(chosen)
    samples = []
    for rid in chosen[:300]:
        row = connection.execute(
            "SELECT r.id, r.id_number, (SELECT card_number FROM card c WHERE c.resident_id = r.id "
            "AND c.status = 'active') FROM resident r WHERE r.id = ?", (rid,)).fetchone()
        samples.append({"id": row[0], "id_number": row[1], "card": row[2] or ""})
    connection.close()
    return added, samples


def _insert(connection: sqlite3.Connection, batch: list[tuple[Any, ...]]) -> int:
    connection.executemany(
        "INSERT INTO contribution (resident_id, insurance, scheme, month, base_fen, individual_fen, employer_fen, "
        "subsidy_fen, employer_id, paid_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", batch)
    count = len(batch)
    batch.clear()
    return count


def open_township(town: Township) -> peewee.Database:
    """The township through the kiosk's own connection factory (WAL, FULL, busy timeout)."""
    from db.connection import open_database

    database = open_database(f"sqlite:///{town.path}")
    database.connect(reuse_if_open=True)
    return database
