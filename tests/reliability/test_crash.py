"""Crash safety: SIGKILL a process in the middle of registering residents,
submitting and advancing applications and recording payments — 50 times on
SQLite and 50 times on PostgreSQL. After every kill the database passes
``run_checks`` (integrity, ledgers, audit chain), every resident,
application and payment is whole or absent, and ledger sums equal balances.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import peewee
import pytest

from db.models import Application, Payment, Resident
from kiosk.clock import FixedClock
from kiosk.services import ServiceContext
from kiosk.services.staff import add_staff

from .wholeness import problems

ROOT = Path(__file__).resolve().parents[2]
KILLS_PER_BACKEND = 50


def _gone(pid: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.002)
    raise AssertionError(f"worker {pid} survived SIGKILL")


def _paid_since(count: int, timeout: float = 60.0) -> None:
    """Wait until the worker has recorded a payment beyond ``count`` (its work goes on after)."""
    deadline = time.monotonic() + timeout
    while Payment.select().count() == count:
        assert time.monotonic() < deadline, "the worker recorded no payment in a minute"
        time.sleep(0.005)


@pytest.mark.slow
def test_sigkill_mid_business_loses_nothing_and_leaves_nothing_half(
        database: peewee.Database, db_url: str, clock: FixedClock) -> None:
    ctx = ServiceContext(database, clock, terminal="K01")
    clerk = add_staff(ctx, "1001", "王芳", "clerk", "2580")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    harness = subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.crash_harness", db_url, str(clerk.id), clerk.number],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env)
    assert harness.stdin is not None and harness.stdout is not None
    rng = random.Random(20261129)
    progressed = 0
    before = (0, 0)
    try:
        for kill in range(KILLS_PER_BACKEND):
            harness.stdin.write("go\n")
            harness.stdin.flush()
            pid = int(harness.stdout.readline())
            # Wait for fresh work rather than a fixed time (a loaded machine runs the worker
            # slowly), then kill at a random point of the next resident's business.
            _paid_since(before[1])
            time.sleep(rng.uniform(0.0, 0.1))
            os.kill(pid, signal.SIGKILL)
            _gone(pid)
            found = problems(database)
            assert found == [], f"after kill {kill + 1}: {found[:5]}"
            now = (Application.select().count(), Payment.select().count())
            progressed += now != before
            before = now
    finally:
        harness.stdin.close()
        harness.wait(timeout=10)
    # The kills really landed in the middle of work, which went on between them.
    residents = Resident.select().count()
    applications, payments = before
    print(f"\n[crash] {KILLS_PER_BACKEND} kills survived; {residents} residents, {applications} applications, "
          f"{payments} payments whole; {progressed} kills after fresh commits")
    assert progressed == KILLS_PER_BACKEND
    assert applications >= 1 and payments >= KILLS_PER_BACKEND
