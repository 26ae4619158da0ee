"""Done-when checks under real concurrency, on SQLite and PostgreSQL.

- 8 processes taking tickets at once through ``kiosk queue take A`` get 200
  distinct, consecutive numbers A001–A200, and every ticket is spooled and
  printed (to a preview directory) by its own terminal.
- Two counters calling next at the same time over 200 waiting tickets call
  each ticket exactly once.

By default each of the 8 processes runs the command 25 times in a loop (the
race is between processes and connections either way, and 200 interpreter
starts cost about a minute of CPU per backend); set KIOSK_SLOW_TESTS=1 to
also run the literal form, one fresh ``python -m kiosk queue take A``
process per ticket.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import peewee
import pytest

from db.models import PrintJob, Ticket
from kiosk.clock import FixedClock
from kiosk.services import NotFound
from kiosk.services import queue as q

from .helpers import make_ctx

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 8
PER_WORKER = 25
LOOP = (
    "import sys\n"
    "from kiosk.cli import main\n"
    f"sys.exit(max(main(['queue', 'take', 'A']) for _ in range({PER_WORKER})))\n"
)


def _env(tmp_path: Path, db_url: str, worker: int) -> dict[str, str]:
    config = tmp_path / f"kiosk-{worker}.toml"
    config.write_text(
        f'[terminal]\nid = "T{worker:02d}"\n[printer]\nurl = "preview:{tmp_path / "preview"}"\n',
        encoding="utf-8",
    )
    env = dict(os.environ, KIOSK_DATABASE_URL=db_url, KIOSK_CONFIG=str(config), PYTHONPATH=str(ROOT))
    return env


def _run_worker(command: list[str], env: dict[str, str], times: int) -> list[str]:
    codes: list[str] = []
    for _ in range(times):
        result = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert result.returncode == 0, result.stderr
        codes += [line for line in result.stdout.splitlines() if re.fullmatch(r"A\d{3}", line)]
    return codes


def _check_numbers(codes: list[str], tmp_path: Path) -> None:
    total = WORKERS * PER_WORKER
    assert len(codes) == total
    assert sorted(codes) == [f"A{n:03d}" for n in range(1, total + 1)]
    assert sorted(t.number for t in Ticket.select()) == list(range(1, total + 1))
    jobs = list(PrintJob.select())
    assert len(jobs) == total and {j.kind for j in jobs} == {"ticket"}
    assert {j.status for j in jobs} == {"printed"}
    assert len({j.terminal for j in jobs}) == WORKERS
    assert len(list((tmp_path / "preview").glob("*.bin"))) == total


def test_parallel_take_gives_distinct_consecutive_numbers(
    database: peewee.Database, db_url: str, tmp_path: Path
) -> None:
    command = [sys.executable, "-c", LOOP]
    with ThreadPoolExecutor(WORKERS) as pool:
        batches = list(pool.map(lambda w: _run_worker(command, _env(tmp_path, db_url, w), 1), range(1, WORKERS + 1)))
    _check_numbers([c for batch in batches for c in batch], tmp_path)


@pytest.mark.skipif(not os.environ.get("KIOSK_SLOW_TESTS"), reason="set KIOSK_SLOW_TESTS=1 (200 process starts)")
def test_parallel_take_one_process_per_ticket(database: peewee.Database, db_url: str, tmp_path: Path) -> None:
    command = [sys.executable, "-m", "kiosk", "queue", "take", "A"]
    with ThreadPoolExecutor(WORKERS) as pool:
        batches = list(pool.map(lambda w: _run_worker(command, _env(tmp_path, db_url, w), PER_WORKER),
                                range(1, WORKERS + 1)))
    _check_numbers([c for batch in batches for c in batch], tmp_path)


def test_two_counters_never_call_the_same_ticket(database: peewee.Database, clock: FixedClock) -> None:
    ctx = make_ctx(database, clock)
    total = 200
    for _ in range(total):
        q.take_ticket(ctx, "A")  # counters 1 and 2 both serve A
    database.close()  # each thread opens its own connection
    start = threading.Barrier(2)
    called: dict[int, list[str]] = {1: [], 2: []}
    errors: list[BaseException] = []

    def counter(number: int) -> None:
        try:
            start.wait()
            while True:
                try:
                    ticket = q.call_next(ctx, number)
                except NotFound:
                    return
                called[number].append(ticket.code)
                time.sleep(0.003)  # a clerk is not instant; lets SQLite's busy handler in
                q.no_show(ctx, number)
        except BaseException as exc:  # reported below, with the thread's failure
            errors.append(exc)
        finally:
            database.close()

    threads = [threading.Thread(target=counter, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    everything = called[1] + called[2]
    assert len(everything) == total
    assert sorted(everything) == [f"A{n:03d}" for n in range(1, total + 1)]
    assert called[1] and called[2]  # both really took part
    database.connect(reuse_if_open=True)
    assert Ticket.select().where(Ticket.status == "no_show").count() == total
    assert all(t.call_count == 1 for t in Ticket.select())
