"""Demo data: believable, consistent (db check passes), deterministic, on both backends."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

import peewee
import pytest

from db.check import run_checks
from db.demo import DEMO_WORKFLOWS, REGION, DemoError, seed_demo
from db.models import (
    Account,
    Application,
    ApplicationEvent,
    AuditEntry,
    Benefit,
    BenefitPayment,
    BenefitRun,
    Card,
    Contribution,
    Employer,
    Enrolment,
    LedgerEntry,
    QueueCategory,
    Resident,
    Staff,
)
from kiosk.cli import main
from kiosk.rules.codes import APPLICATION_NO
from kiosk.rules.identity import is_valid_uscc, parse_id_number
from kiosk.rules.pins import verify_pin
from kiosk.rules.workflows import END_STATES, WORKFLOWS

TODAY = dt.date(2026, 11, 29)
NOW = dt.datetime(2026, 11, 29, 1, 30)


def snapshot() -> list[tuple[object, ...]]:
    """The generated content, without the surrogate keys and hashes."""
    people = list(Resident.select(Resident.id_number, Resident.name, Resident.phone, Resident.village,
                                  Resident.hukou).order_by(Resident.id).tuples())
    money = list(Contribution.select(Contribution.insurance, Contribution.month, Contribution.individual_fen,
                                     Contribution.subsidy_fen).order_by(Contribution.id).tuples())
    apps = list(Application.select(Application.number, Application.type, Application.status)
                .order_by(Application.id).tuples())
    return [*people, *money, *apps]


def test_seed_is_believable_and_passes_check(database: peewee.Database) -> None:
    summary = seed_demo(database, residents=50, seed=7, today=TODAY, now=NOW)
    assert run_checks(database) == []
    assert summary.counts["resident"] == Resident.select().count() == 50

    residents = list(Resident.select())
    ages = [parse_id_number(r.id_number, today=TODAY).age_on(TODAY) for r in residents]
    assert all(16 <= age <= 90 for age in ages)
    assert all(r.id_number.startswith(REGION) for r in residents)
    assert {r.sex for r in residents} == {"male", "female"}
    assert all(parse_id_number(r.id_number).sex == r.sex for r in residents)
    names = [r.name for r in residents]
    assert any(n.startswith("欧阳") for n in names) and any(len(n) == 2 for n in names)
    assert sum(r.hukou == "农业" for r in residents) > len(residents) / 2
    assert len({r.village for r in residents}) >= 6
    assert all(is_valid_uscc(e.uscc) for e in Employer.select())
    employees = Resident.select().where(Resident.employer.is_null(False))
    assert all(r.retirement_category in ("male", "female_cadre", "female_worker") for r in employees)

    schemes = set(Enrolment.select(Enrolment.insurance, Enrolment.scheme).tuples())
    assert {("pension", "resident"), ("medical", "resident")} <= schemes
    assert {(i, "employee") for i in ("pension", "medical", "unemployment", "injury")} <= schemes
    # maternity is part of employee medical since 2019 (国办发〔2019〕10号): never enrolled or collected apart
    assert not Contribution.select().where(Contribution.insurance == "maternity").exists()
    # employee pension: 8% individual, 16% employer, monthly
    for c in Contribution.select().where(Contribution.insurance == "pension", Contribution.scheme == "employee"):
        assert c.individual_fen == round(c.base_fen * 0.08) and c.employer_fen == round(c.base_fen * 0.16)
        assert c.month.day == 1
    resident_pension = Contribution.select().where(Contribution.scheme == "resident",
                                                   Contribution.insurance == "pension")
    assert resident_pension.count() > 0 and all(c.month.month == 1 and c.subsidy_fen > 0 for c in resident_pension)
    assert all(c.paid_at <= NOW for c in Contribution.select())
    for account in Account.select():
        last = LedgerEntry.select().where(LedgerEntry.account == account).order_by(LedgerEntry.seq.desc()).get()
        assert last.balance_after_fen == account.balance_fen >= 0
    # Pensions are benefits in payment (moneyfix 1): paid as the monthly run pays them.
    assert (BenefitPayment.select().join(Benefit, on=(BenefitPayment.benefit == Benefit.id))
            .where((BenefitPayment.benefit_type == "pension") & (Benefit.scheme == "resident")).count() > 0)

    for type_ in DEMO_WORKFLOWS:
        flow = WORKFLOWS[type_]
        seen = {a.status for a in Application.select().where(Application.type == type_)}
        assert {s.code for s in flow.steps} <= seen
        assert all(s in {st.code for st in flow.steps} | set(END_STATES) for s in seen)
    assert {"returned", "rejected", "withdrawn"} <= {a.status for a in Application.select()}
    for app in Application.select():
        assert APPLICATION_NO.match(app.number)
        events = list(app.events.order_by(ApplicationEvent.id))
        assert events[0].from_status == "" and events[-1].to_status == app.status
        assert all(a.to_status == b.from_status for a, b in pairwise(events))

    staff = {s.number: s for s in Staff.select()}
    assert {n: s.role for n, s in staff.items()} == {"S001": "clerk", "S002": "supervisor", "S003": "admin"}
    for demo in summary.staff:
        assert demo.pin not in staff[demo.number].pin_hash and verify_pin(staff[demo.number].pin_hash, demo.pin)
    for sample in summary.samples:
        assert Card.get(Card.card_number == sample.card_number).resident.id_number == sample.id_number
    assert summary.samples
    entry = AuditEntry.get(AuditEntry.action == "demo.seed")
    assert entry.detail["counts"]["resident"] == 50
    assert QueueCategory.select().count() > 0


def test_same_seed_same_data_other_seed_other_data(database: peewee.Database) -> None:
    seed_demo(database, residents=30, seed=11, today=TODAY, now=NOW)
    first = snapshot()
    for model in (Application, Account, Contribution, Enrolment, BenefitPayment, Benefit, BenefitRun, Card, Resident,
                  Employer, Staff):
        model.delete().execute()
    second_summary = seed_demo(database, residents=30, seed=11, today=TODAY, now=NOW)
    assert snapshot() == first
    assert [s.pin for s in second_summary.staff]
    for model in (Application, Account, Contribution, Enrolment, BenefitPayment, Benefit, BenefitRun, Card, Resident,
                  Employer, Staff):
        model.delete().execute()
    seed_demo(database, residents=30, seed=12, today=TODAY, now=NOW)
    assert snapshot() != first


def test_refuses_a_database_with_residents(database: peewee.Database) -> None:
    seed_demo(database, residents=5, seed=1, today=TODAY, now=NOW)
    with pytest.raises(DemoError, match="空数据库"):
        seed_demo(database, residents=5, seed=2, today=TODAY, now=NOW)
    with pytest.raises(DemoError):
        seed_demo(database, residents=0, seed=2, today=TODAY, now=NOW)


def test_cli_seed_demo_then_check(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("KIOSK_DATABASE_URL", db_url)
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    run: Callable[..., int] = lambda *a: main([str(x) for x in a])  # noqa: E731
    assert run("db", "init") == 0
    assert run("db", "seed-demo", "--residents", 50, "--seed", 3) == 0
    out = capsys.readouterr().out
    assert "resident" in out and "S001" in out and "PIN" in out
    assert run("db", "check") == 0
    assert run("db", "seed-demo", "--residents", 50) == 2
    assert "空数据库" in capsys.readouterr().err
    assert run("export", "contributions", tmp_path / "c.csv") == 0
    assert len((tmp_path / "c.csv").read_text(encoding="utf-8-sig").splitlines()) > 50
