"""Concurrency on SQLite and PostgreSQL, with separate processes (one
connection each), the way a hall's terminals meet:

- 8 processes issue 200 tickets while 4 counters call next at the same time:
  every ticket called exactly once, none lost, the audit chain whole.
- 2 clerks advance the same application at the same moment, 12 times over:
  one wins, the other gets Conflict with a clear message; one event each.
- 2 clerks submit the same business for the same resident at once: one
  application, the other clerk is told it already exists.
- 2 clerks record payments into the same account at once (different years):
  no lost update — the ledger chains and sums to the balance; the same year
  twice: one payment, the other a clear refusal.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import queue as queue_module
from collections import Counter as Tally
from typing import Any

import peewee
import pytest

from db.check import run_checks
from db.models import (
    Application,
    ApplicationEvent,
    Contribution,
    Counter,
    Enrolment,
    Payment,
    Ticket,
    TicketEvent,
)
from kiosk.clock import FixedClock
from kiosk.services import ServiceContext, payments
from kiosk.services import applications as apps
from kiosk.services.registration import register_resident
from kiosk.services.staff import add_staff
from tests.support import numbered_name

from . import race_worker
from .crash_harness import id_number
from .wholeness import problems

SPAWN = multiprocessing.get_context("spawn")
ISSUERS, PER_ISSUER, COUNTERS = 8, 25, 4


def _collect(out: Any, processes: list[Any], timeout: float = 180.0) -> list[tuple[str, Any, str]]:
    results: list[tuple[str, Any, str]] = []
    for process in processes:
        process.join(timeout)
        assert process.exitcode == 0, f"{process.name} exit {process.exitcode}"
    while True:
        try:
            results.append(out.get(timeout=0.2))
        except queue_module.Empty:
            return results


def _clerks(ctx: ServiceContext) -> list[tuple[int, str]]:
    staff = [add_staff(ctx, number, name, "clerk", "2580") for number, name in (("1001", "王芳"), ("1002", "李强"))]
    return [(s.id, s.number) for s in staff]


@pytest.mark.slow
def test_eight_issuers_four_counters_nothing_lost_nothing_twice(
        database: peewee.Database, db_url: str) -> None:
    Counter.update(categories="A").where(Counter.number.in_(range(1, COUNTERS + 1))).execute()
    Counter.update(active=False).where(Counter.number > COUNTERS).execute()
    database.close()
    out, start, done = SPAWN.Queue(), SPAWN.Barrier(ISSUERS + COUNTERS), SPAWN.Event()
    issuers = [SPAWN.Process(target=race_worker.issue, args=(db_url, w, PER_ISSUER, "A", start, out),
                             name=f"issuer-{w}") for w in range(1, ISSUERS + 1)]
    counters = [SPAWN.Process(target=race_worker.counter, args=(db_url, n, done, start, out), name=f"counter-{n}")
                for n in range(1, COUNTERS + 1)]
    for process in issuers + counters:
        process.start()
    results = _collect(out, issuers)
    done.set()
    results += _collect(out, counters)
    crashes = [r for r in results if r[0] == "crash"]
    assert not crashes, crashes
    issued = [code for kind, _, code in results if kind == "issued"]
    called = [code for kind, _, code in results if kind == "called"]
    total = ISSUERS * PER_ISSUER
    assert sorted(issued) == [f"A{n:03d}" for n in range(1, total + 1)]  # distinct and consecutive
    assert len(called) == total and sorted(called) == sorted(issued)  # each called once, none lost
    by_counter = Tally(who for kind, who, _ in results if kind == "called")
    # Several counters really called at the same time (which ones win the lock is the scheduler's
    # choice: on SQLite one of four can go without a call in a run).
    assert len(by_counter) >= 2 and set(by_counter) <= set(range(1, COUNTERS + 1)), by_counter
    database.connect(reuse_if_open=True)
    assert Ticket.select().count() == total
    assert all(t.call_count == 1 and t.status == "no_show" for t in Ticket.select())
    assert TicketEvent.select().where(TicketEvent.action == "call").count() == total
    assert run_checks(database) == []
    print(f"\n[queue] {total} tickets issued by {ISSUERS} processes, {len(called)} called by "
          f"{COUNTERS} counters {dict(sorted(by_counter.items()))}; duplicates 0, lost 0")


def _race(target: Any, db_url: str, clerks: list[tuple[int, str]], *args: Any) -> list[tuple[str, Any, str]]:
    out, start = SPAWN.Queue(), SPAWN.Barrier(2)
    processes = [SPAWN.Process(target=target, args=(db_url, clerk, *args, start, out)) for clerk in clerks]
    for process in processes:
        process.start()
    return _collect(out, processes)


def _residents(ctx: ServiceContext, count: int, first: int = 1000) -> list[int]:
    rows = [register_resident(ctx, id_number(first + k), numbered_name("并发", k), village="东村").id for k in range(count)]
    for row in rows:
        Enrolment.create(resident=row, insurance="pension", scheme="resident", start_date=dt.date(2020, 1, 1))
    return rows


@pytest.mark.slow
def test_two_clerks_advancing_one_application_one_wins(
        database: peewee.Database, db_url: str, clock: FixedClock) -> None:
    ctx = ServiceContext(database, clock, terminal="C00")
    clerks = _clerks(ctx)
    clerk = ctx.as_staff(*clerks[0])
    numbers = [apps.submit(clerk, rid, "enrol_resident_medical", materials_received=["id_card", "hukou"],
                           print_receipt=True).number
               for rid in _residents(ctx, 12)]
    database.close()
    results = _race(race_worker.advance, db_url, clerks, numbers)
    database.connect(reuse_if_open=True)
    assert not [r for r in results if r[0] in ("crash", "error")], results
    for number in numbers:
        mine = [r for r in results if r[2].startswith(number + ":")]
        assert sorted(r[0] for r in mine) == ["conflict", "won"], mine
        conflict = next(r for r in mine if r[0] == "conflict")
        assert conflict[2].endswith("该业务已被其他工作人员处理，请刷新后重试")
        app = Application.get(Application.number == number)
        events = list(ApplicationEvent.select().where(ApplicationEvent.application == app.id))
        assert app.version == 2 and [e.to_status for e in events] == ["submitted", "reviewed"]
    assert problems(database) == []


@pytest.mark.slow
def test_two_clerks_submitting_the_same_business_make_one_application(
        database: peewee.Database, db_url: str, clock: FixedClock) -> None:
    ctx = ServiceContext(database, clock, terminal="C00")
    clerks = _clerks(ctx)
    residents = _residents(ctx, 10)
    database.close()
    results = _race(race_worker.submit, db_url, clerks, residents)
    database.connect(reuse_if_open=True)
    assert not [r for r in results if r[0] == "crash"], results
    for resident in residents:
        mine = sorted(r[0] for r in results if r[2].startswith(f"{resident}:"))
        assert mine == ["refused", "won"], [r for r in results if r[2].startswith(f"{resident}:")]
        assert Application.select().where(Application.resident == resident).count() == 1
    assert all("已有正在办理" in r[2] for r in results if r[0] == "refused")
    assert problems(database) == []


@pytest.mark.slow
def test_two_clerks_paying_into_one_account_lose_no_update(
        database: peewee.Database, db_url: str, clock: FixedClock) -> None:
    ctx = ServiceContext(database, clock, terminal="C00")
    clerks = _clerks(ctx)
    residents = _residents(ctx, 8)
    tier = payments.resident_pension_tiers(ctx)[0].annual_fen
    database.close()
    # Different years into the same account at the same moment: both must land.
    plans = [[(r, 2020) for r in residents], [(r, 2021) for r in residents]]
    # Then the same year twice at the same moment: exactly one may land.
    plans[0] += [(r, 2022) for r in residents]
    plans[1] += [(r, 2022) for r in residents]
    out, start = SPAWN.Queue(), SPAWN.Barrier(2)
    processes = [SPAWN.Process(target=race_worker.pay, args=(db_url, clerk, plan, tier, start, out))
                 for clerk, plan in zip(clerks, plans, strict=True)]
    for process in processes:
        process.start()
    results = _collect(out, processes)
    database.connect(reuse_if_open=True)
    assert not [r for r in results if r[0] == "crash"], results
    for resident in residents:
        for year in (2020, 2021):
            assert [r[0] for r in results if r[2].startswith(f"{resident}:{year}:")] == ["paid"]
        same = sorted(r[0] for r in results if r[2].startswith(f"{resident}:2022:"))
        assert same == ["paid", "refused"], same
        assert Contribution.select().where(Contribution.resident == resident).count() == 3
    assert all("已经缴纳过" in r[2] for r in results if r[0] == "refused")
    assert Payment.select().count() == 3 * len(residents)
    assert problems(database) == []
