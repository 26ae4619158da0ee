"""Issue 15's "Done when", from outside, through the real CLI (subprocess), on SQLite and PostgreSQL.

A township seeded by ``kiosk db seed-demo --as-of`` (as it stood 20 months ago, so that months of
runs can be posted: a run is refused for a month still to come), its demo supervisor's PIN read from
the seeding's output, then ``kiosk benefit run`` month after month:

- every run's bank file (代发文件) control total equals the run's JSON total and the database total;
  a second run of a month pays nothing and says so; no benefit month is paid twice;
- a pensioner overdue for 资格认证 is skipped (suspended) and, after ``kiosk benefit certify``,
  paid the skipped month back with the next run;
- ``kiosk resident deceased`` reported late stops the payments from the month after the death and
  names the month paid after it as the overpayment; the next run does not pay that pension;
- an unemployment benefit of 18 months (a worker with 7 years of contributions, claimed at the
  counter) is paid 18 times over the runs, then finished and never paid again.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import peewee

from db import audit
from db.models import Benefit, BenefitPayment, Resident, Staff
from kiosk.clock import Clock, FixedClock
from kiosk.rules.retirement import add_months
from kiosk.services import ServiceContext
from kiosk.services.benefit_run import benefit_ids
from kiosk.services.registration import new_card
from tests.cli.test_audit_cli import Cli
from tests.entitlement.township import Records
from tests.services.benefit_town import Town, claim, register_unemployed

RUNS = 20  # months of runs: the 18-month unemployment and the month after it


def call(cli: Cli, *args: str, pin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk", *args], env=cli.env(), capture_output=True, text=True,
                          cwd=cli.folder, timeout=300, input=pin)


def ok_json(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.returncode == 0, result.stdout[-1500:] + result.stderr[-1500:]
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def file_total(path: Path) -> tuple[int, int]:
    """(rows, control total in fen) of a 代发文件 (.csv): the lines and the 合计 line."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    body = [r for r in rows[1:] if r and r[0] != "合计"]
    control = next(r for r in rows if r and r[0] == "合计")
    total = sum(round(float(r[6]) * 100) for r in body)
    assert round(float(control[6]) * 100) == total  # the control line is the sum of the lines
    return len(body), total


def db_total(database: peewee.Database, month: dt.date) -> int:
    with database.connection_context():
        return int(BenefitPayment.select(peewee.fn.SUM(BenefitPayment.amount_fen))
                   .where(BenefitPayment.run_month == month).scalar() or 0)


def paid_periods(database: peewee.Database, benefit_id: int) -> list[dt.date]:
    with database.connection_context():
        return [p.period if isinstance(p.period, dt.date) else dt.date.fromisoformat(str(p.period))
                for p in BenefitPayment.select().where((BenefitPayment.benefit == benefit_id)
                                                       & (BenefitPayment.kind == "monthly"))
                .order_by(BenefitPayment.period)]


def add_unemployed_worker(database: peewee.Database, claim_day: dt.date, folder: Path) -> int:
    """A worker with 84 months of unemployment contributions (→ 18 months, 失业保险条例 Art. 17),
    registered and claimed at the counter on ``claim_day`` by the demo clerk, approved by the
    demo supervisor (受审分离); returns the Benefit id."""
    clock = FixedClock()
    ctx = ServiceContext(database, clock, terminal="C01")
    with database.connection_context():
        clerk = Staff.get(Staff.role == "clerk")
        boss = Staff.get(Staff.role == "supervisor")
    town = Town(database, ctx, ctx.as_staff(clerk.id, clerk.number), ctx.as_staff(boss.id, boss.number))
    town.at(claim_day - dt.timedelta(days=6))
    records = Records(town.clerk, folder)
    rid = records.person(dt.date(1986, 4, 4))
    ended = add_months(claim_day.replace(day=1), -1)
    records.enrol(rid, "unemployment", "employee", add_months(ended, -84).isoformat(),
                  end=(claim_day.replace(day=1) - dt.timedelta(days=1)).isoformat(), status="终止")
    records.pay_months(rid, "unemployment", "employee", f"{add_months(ended, -83):%Y-%m}", 84)
    records.load()
    new_card(ctx, rid)
    with database.connection_context():  # the 社保卡金融账户 the run pays into (never the card number)
        Resident.update(bank_account="6217000098765432101").where(Resident.id == rid).execute()
    register_unemployed(town, rid, claim_day - dt.timedelta(days=5))
    claim(town, rid, "benefit_unemployment", claim_day)
    database.close()
    with database.connection_context():
        return int(Benefit.get((Benefit.resident == rid) & (Benefit.kind == "unemployment")).id)


def test_issue15_done_when(database: peewee.Database, db_url: str, tmp_path: Path) -> None:
    database.close()
    cli = Cli(tmp_path, db_url)
    audit.use_key(audit.create_key_file(cli.key_file))
    first = add_months(Clock().today().replace(day=1), -RUNS)  # the hall's month 20 months ago
    as_of = first.replace(day=5)
    assert call(cli, "db", "init").returncode == 0
    future = call(cli, "db", "seed-demo", "--as-of", (Clock().today() + dt.timedelta(days=2)).isoformat())
    assert future.returncode == 2 and "--as-of" in future.stderr and "Traceback" not in future.stderr
    seeded = call(cli, "db", "seed-demo", "--residents", "300", "--seed", "15", "--as-of", as_of.isoformat())
    assert seeded.returncode == 0, seeded.stderr
    pins = {m.group(2): (m.group(1), m.group(3)) for m in
            re.finditer(r"^\s+(\S+) \S+ (\w+)\s+PIN (\d+)$", seeded.stdout, re.M)}
    boss_number, boss_pin = pins["supervisor"]
    clerk_number, clerk_pin = pins["clerk"]
    unemployment = add_unemployed_worker(database, as_of + dt.timedelta(days=5), tmp_path)
    assert paid_periods(database, unemployment) == [first]  # the first month at 待遇支付

    def run(month: dt.date) -> dict[str, Any]:
        out = tmp_path / f"daifa-{month:%Y-%m}.csv"
        preview = ok_json(call(cli, "benefit", "run", f"{month:%Y-%m}", "--dry-run", "--json"))
        result = ok_json(call(cli, "benefit", "run", f"{month:%Y-%m}", "--staff", boss_number, "--out", str(out),
                              "--json", pin=boss_pin + "\n"))
        assert (result["paid"], result["total_fen"]) == (preview["paid"], preview["total_fen"])
        assert file_total(out) == (result["paid"], result["total_fen"]) and result["file"] == str(out)
        assert db_total(database, month) == result["total_fen"]  # the bank's total is the database's
        again = call(cli, "benefit", "run", f"{month:%Y-%m}", "--staff", boss_number, pin=boss_pin + "\n")
        assert again.returncode == 0 and "已经发放过" in again.stdout
        assert db_total(database, month) == result["total_fen"]  # nothing paid twice
        return result

    months = [add_months(first, i) for i in range(RUNS)]
    m1, m2, m3, m4 = months[:4]
    jan = run(m1)
    assert jan["paid"] > 20
    with database.connection_context():
        paid_m1 = {int(p.__data__["benefit"]) for p in BenefitPayment.select(BenefitPayment.benefit)
                   .where((BenefitPayment.run_month == m1) & (BenefitPayment.benefit_type == "pension"))}
        pensions = list(Benefit.select().where(benefit_ids(sorted(paid_m1)) & (Benefit.status == "in_payment"))
                        .order_by(Benefit.id))
        overdue, dies = pensions[0], pensions[1]
        # The first pensioner's yearly 资格认证 fell due last year: the next run suspends it.
        Benefit.update(certified_on=add_months(m1, -13)).where(Benefit.id == overdue.id).execute()
        overdue_number = Resident.get_by_id(overdue.__data__["resident"]).id_number
        dies_number = Resident.get_by_id(dies.__data__["resident"]).id_number
    feb = run(m2)
    assert feb["skipped"].get("not_certified", 0) >= 1
    assert m2 not in paid_periods(database, overdue.id)
    with database.connection_context():
        assert Benefit.get_by_id(overdue.id).status == "suspended"
    certified = ok_json(call(cli, "benefit", "certify", overdue_number, "--staff", clerk_number, "--json",
                             pin=clerk_pin + "\n"))
    assert overdue.id in certified["resumed"]
    run(m3)
    assert paid_periods(database, overdue.id)[-2:] == [m2, m3]  # the skipped month paid back
    with database.connection_context():
        back = [p.run_month for p in BenefitPayment.select().where((BenefitPayment.benefit == overdue.id)
                                                                  & (BenefitPayment.period == m2))]
    assert set(back) == {m3}  # paid by the third run (a raise since the claim adds a 补差 row)

    # The second pensioner died in the middle of the second month; the family reports it after the third run.
    died = ok_json(call(cli, "resident", "deceased", dies_number, "--date", m2.replace(day=15).isoformat(),
                        "--json"))
    stopped = next(s for s in died["stopped"] if s["id"] == dies.id)
    assert stopped["overpaid_months"] == [f"{m3:%Y-%m}"] and stopped["last_month"] == f"{m2:%Y-%m}"
    assert died["overpaid_fen"] >= stopped["overpaid_fen"] > 0
    run(m4)
    assert paid_periods(database, dies.id)[-1] == m3  # nothing after the report; m3 is to recover

    for month in months[4:]:
        result = run(month)
    assert paid_periods(database, unemployment) == months[:18]  # 18 months paid, once each
    with database.connection_context():
        assert Benefit.get_by_id(unemployment).status == "finished"
        assert BenefitPayment.select().where((BenefitPayment.benefit == unemployment)
                                             & (BenefitPayment.run_month == months[19])).count() == 0
        # No benefit month paid twice over all the runs.
        dupes = (BenefitPayment.select(BenefitPayment.benefit, BenefitPayment.period, peewee.fn.COUNT(1))
                 .where(BenefitPayment.benefit.is_null(False) & (BenefitPayment.kind == "monthly"))
                 .group_by(BenefitPayment.benefit, BenefitPayment.period)
                 .having(peewee.fn.COUNT(1) > 1))
        assert list(dupes.tuples()) == []
    assert result["skipped"].get("finished", 0) >= 1
