"""The monthly payment run, 资格认证 and 死亡注销 on a seeded township (SQLite and PostgreSQL).

Issue 15's "Done when": three consecutive runs pay each benefit once a month
with file totals equal to the database totals; a second run of a month pays
nothing; a suspended pensioner is skipped and paid back after certification;
a raise in the policy is paid from its effective month with arrears; a death
stops payment from the next month and names the overpayment of a late report;
18 months of unemployment are paid 18 times and then stop.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import stat
import tomllib
from pathlib import Path

import peewee
import pytest

from db.models import AuditEntry, Benefit, BenefitPayment, BenefitRun, Enrolment, Resident
from kiosk.clock import FixedClock
from kiosk.policy import policy_from_mapping
from kiosk.policy.loader import DEFAULT_POLICY_FILE
from kiosk.services import ServiceError, lifecycle
from kiosk.services import benefit_run as run
from kiosk.services.staff import PermissionDenied
from tests.services.benefit_town import CLAIM_DAY, Town, build

JAN, FEB, MAR, APR = (dt.date(2026, m, 1) for m in (1, 2, 3, 4))


@pytest.fixture
def town(database: peewee.Database, clock: FixedClock, tmp_path: Path) -> Town:
    return build(database, clock, tmp_path)


def _monthly_rows(db: peewee.Database) -> dict[tuple[int, dt.date], int]:
    with db.connection_context():
        query = run._tuples(BenefitPayment.select(BenefitPayment.benefit, BenefitPayment.period, peewee.fn.COUNT(1))
                            .where(BenefitPayment.benefit.is_null(False) & (BenefitPayment.kind == "monthly"))
                            .group_by(BenefitPayment.benefit, BenefitPayment.period))
        return {(int(b), p if isinstance(p, dt.date) else dt.date.fromisoformat(str(p))): int(n) for b, p, n in query}


def _run_total(db: peewee.Database, month: dt.date) -> int:
    with db.connection_context():
        return int(BenefitPayment.select(peewee.fn.SUM(BenefitPayment.amount_fen))
                   .where(BenefitPayment.run_month == month).scalar() or 0)


def _post(town: Town, month: dt.date, folder: Path) -> run.RunResult:
    town.at(month + dt.timedelta(days=19))
    out = folder / f"daifa-{month:%Y-%m}.csv"
    result = run.post(town.boss, month, out)
    assert result.posted and result.file == str(out)
    rows, total = run.read_file_total(out)
    assert (rows, total) == (result.paid, result.total_fen)
    assert total == _run_total(town.db, month)  # the bank file's control total is the database's
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    return result


def _raised_book(monthly: str) -> object:
    raw = tomllib.loads(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"))
    raw["national_basic_pension"].append({"effective": JAN, "monthly": monthly})
    return policy_from_mapping(raw, "raised.toml")


def test_three_months_suspension_raise_and_death(town: Town, tmp_path: Path) -> None:
    db, b = town.db, town.benefits
    with db.connection_context():
        # The second villager's yearly 资格认证 fell due before January: suspended by the January run.
        Benefit.update(certified_on=dt.date(2024, 11, 20)).where(Benefit.id == b["suspended"]).execute()
        amounts = {k: int(Benefit.get_by_id(v).monthly_fen) for k, v in b.items()}
        assert Benefit.get_by_id(b["villager"]).basic_fen > 0 and Benefit.get_by_id(b["retiree"]).basic_fen == 0
        assert Benefit.get_by_id(b["worker"]).months == 18

    preview = run.preview(town.clerk, JAN)
    assert (preview.paid, preview.skipped) == (3, {"not_certified": 1})
    with db.connection_context():
        assert not BenefitRun.select().exists() and Benefit.get_by_id(b["suspended"]).status == "in_payment"
    with pytest.raises(PermissionDenied):
        run.post(town.clerk, JAN, tmp_path / "clerk.csv")  # a clerk cannot post the run
    assert not (tmp_path / "clerk.csv").exists()

    jan = _post(town, JAN, tmp_path)
    assert jan.paid == 3 and jan.skipped == {"not_certified": 1}
    assert jan.total_fen == amounts["villager"] + amounts["retiree"] + amounts["worker"]
    with db.connection_context():
        assert Benefit.get_by_id(b["suspended"]).status == "suspended"
        assert AuditEntry.select().where(AuditEntry.action == "benefit.run").count() == 1

    again = run.post(town.boss, JAN, tmp_path / "again.csv")
    assert again.already and again.paid == 0 and not again.posted
    assert not (tmp_path / "again.csv").exists()
    assert _run_total(db, JAN) == jan.total_fen

    town.at(dt.date(2026, 2, 5))
    certified = lifecycle.certify(town.clerk, town.people["suspended"])
    assert certified.resumed == (b["suspended"],)
    feb = _post(town, FEB, tmp_path)
    assert feb.paid == 4 and feb.skipped == {}
    back = next(line for line in feb.lines if line.benefit_id == b["suspended"])
    assert [i.period for i in back.items] == [JAN, FEB] and back.amount_fen == 2 * amounts["suspended"]

    town.ctx.extras["policy"] = _raised_book("163")  # +20 from January, announced in March
    mar = _post(town, MAR, tmp_path)
    villager = next(line for line in mar.lines if line.benefit_id == b["villager"])
    assert [(i.period, i.kind, i.amount_fen) for i in villager.items] == [
        (JAN, "arrears", 2000), (FEB, "arrears", 2000), (MAR, "monthly", amounts["villager"] + 2000)]
    # Arrears only for months already paid; the raise is the monthly amount itself from now on (attack D10).
    retiree = next(line for line in mar.lines if line.benefit_id == b["retiree"])
    assert retiree.amount_fen == amounts["retiree"]  # the employee pension does not follow the basic pension

    counts = _monthly_rows(db)
    for key, benefit_id in b.items():
        for month in (JAN, FEB, MAR):
            assert counts.get((benefit_id, month)) == 1, (key, month)
        assert counts.get((benefit_id, dt.date(2025, 12, 1))) == 1  # paid at 待遇支付

    # The retiree died on 15 February; the family reports it in April: March was paid after it.
    town.at(dt.date(2026, 4, 10))
    with db.connection_context():
        retiree_id = town.people["retiree"]
        account_before = Resident.get_by_id(retiree_id).death_date
    assert account_before is None
    death = lifecycle.record_death(town.clerk, retiree_id, dt.date(2026, 2, 15))
    assert [s.id for s in death.stopped] == [b["retiree"]]
    assert death.overpaid_fen == amounts["retiree"] and death.stopped[0].overpaid_months == ("2026-03",)
    assert death.funeral_grant_fen == 500000 and death.survivor_fen == 9 * amounts["retiree"]
    assert death.scheme == "employee" and death.inheritable_fen == death.account_fen > 0
    with db.connection_context():
        assert Resident.get_by_id(retiree_id).death_date == dt.date(2026, 2, 15)
        stopped = Benefit.get_by_id(b["retiree"])
        assert (stopped.status, stopped.reason, stopped.overpaid_fen) == ("stopped", "deceased", amounts["retiree"])
        assert not Enrolment.select().where((Enrolment.resident == retiree_id)
                                            & (Enrolment.status != "ended")).exists()
        assert AuditEntry.select().where(AuditEntry.action == "benefit.overpaid").count() == 1
    with pytest.raises(ServiceError):
        lifecycle.record_death(town.clerk, retiree_id, dt.date(2026, 2, 15))
    apr = _post(town, APR, tmp_path)
    assert b["retiree"] not in {line.benefit_id for line in apr.lines}
    assert apr.skipped == {"deceased": 1} and apr.paid == 3  # stopped by the death: says deceased


def test_certification_due_list_by_village(town: Town) -> None:
    with town.db.connection_context():
        Benefit.update(certified_on=dt.date(2025, 1, 3)).where(Benefit.id == town.benefits["villager"]).execute()
        Resident.update(village="东村").where(Resident.id == town.people["villager"]).execute()
    due = lifecycle.due_for_certification(town.clerk, JAN)
    assert [(r.resident_id, r.village, r.due) for r in due] == [(town.people["villager"], "东村", dt.date(2026, 1, 3))]
    assert "*" in due[0].name_masked and "*" in due[0].id_masked
    assert lifecycle.due_for_certification(town.clerk, dt.date(2026, 12, 1))  # everyone a year after the claim


def test_unemployment_paid_eighteen_times_then_finished(database: peewee.Database, clock: FixedClock,
                                                        tmp_path: Path) -> None:
    town = build(database, clock, tmp_path, pensions=False)
    benefit_id = town.benefits["worker"]
    month = JAN
    town.at(JAN)
    with pytest.raises(ServiceError):
        run.post(town.boss, FEB, None)  # a month not yet come is never posted
    for _ in range(17):
        town.at(month + dt.timedelta(days=19))
        result = run.post(dataclasses.replace(town.boss), month, None)
        assert result.paid == 1, month
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    with database.connection_context():
        assert BenefitPayment.select().where(BenefitPayment.benefit == benefit_id).count() == 18
        assert Benefit.get_by_id(benefit_id).status == "finished"
    town.at(month + dt.timedelta(days=19))
    last = run.post(town.boss, month, None)
    assert (last.paid, last.skipped) == (0, {"finished": 1})
    with database.connection_context():
        assert BenefitPayment.select().where(BenefitPayment.benefit == benefit_id).count() == 18
        periods = sorted(p.period for p in BenefitPayment.select().where(BenefitPayment.benefit == benefit_id))
    assert periods[0] == CLAIM_DAY.replace(day=1) and periods[-1] == dt.date(2027, 5, 1)


def test_run_refuses_while_the_rule_audit_has_unexplained_findings(town: Town, tmp_path: Path) -> None:
    """Issue 16.3: a second payment of one month to a pensioner (冒领-like) stops the run until explained."""
    from kiosk.services import rule_audit

    with town.db.connection_context():
        first = BenefitPayment.get(BenefitPayment.benefit == town.benefits["villager"])
        copy = BenefitPayment.create(resident=first.resident, application=first.application,
                                     benefit_type=first.benefit_type, period=first.period,
                                     amount_fen=first.amount_fen, paid_at=first.paid_at, benefit=first.benefit)
    town.at(JAN + dt.timedelta(days=19))
    out = tmp_path / "daifa.csv"
    with pytest.raises(ServiceError) as refused:
        run.post(town.boss, JAN, out)
    assert "duplicate_payment" in refused.value.message and not out.exists()
    with town.db.connection_context():
        assert not BenefitRun.select().exists()
        assert not BenefitPayment.select().where(BenefitPayment.run_month == JAN).exists()
    rule_audit.explain(town.boss, "duplicate_payment", "benefit_payment", copy.id, "银行退回后重发，已核实")
    assert run.post(town.boss, JAN, out).paid == 4  # everyone in payment (no one overdue here)


def test_resident_death_inheritance_without_the_subsidy_part(town: Town) -> None:
    """Resident scheme: the balance is inheritable (国发〔2014〕8号 §7); where the province excludes the
    government subsidy (policy resident_inherit_subsidy = false) the subsidy part stays with the fund."""
    from db.models import Account, Card, LedgerEntry

    raw = tomllib.loads(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"))
    for version in raw["version"]:
        if "lifecycle" in version:
            version["lifecycle"]["resident_inherit_subsidy"] = False
    town.ctx.extras["policy"] = policy_from_mapping(raw, "no-subsidy.toml")
    rid = town.people["villager"]
    with town.db.connection_context():
        account = Account.get((Account.resident == rid) & (Account.kind == "pension_resident"))
        subsidy = sum(e.amount_fen for e in LedgerEntry.select().where(
            (LedgerEntry.account == account.id) & (LedgerEntry.kind == "subsidy")))
    assert subsidy > 0
    with town.db.connection_context():
        card = Card.create(resident=rid, card_number="T26010201", issued_on=dt.date(2020, 1, 1),
                           status_changed_at=dt.datetime(2020, 1, 1))
    town.at(dt.date(2026, 1, 5))
    death = lifecycle.record_death(town.clerk, rid, dt.date(2026, 1, 2))
    with town.db.connection_context():
        assert Card.get_by_id(card.id).status == "cancelled"  # 死亡注销 cancels the 社保卡
    assert death.scheme == "resident" and death.funeral_grant_fen == 100000 and death.survivor_fen == 0
    assert death.overpaid_fen == 0 and death.stopped[0].last_month == JAN
    assert death.inheritable_fen == death.account_fen - subsidy
    # January (the month of death) is still due and paid by the January run (to the estate); February is not.
    town.at(dt.date(2026, 1, 20))
    jan = run.post(town.boss, JAN, None)
    [estate] = [line for line in jan.lines if line.benefit_id == town.benefits["villager"]]
    assert [i.period for i in estate.items] == [JAN]
    town.at(dt.date(2026, 2, 20))
    feb = run.post(town.boss, FEB, None)
    assert town.benefits["villager"] not in {line.benefit_id for line in feb.lines}
    assert feb.skipped.get("deceased") == 1


def test_injury_allowance_of_grades_1_to_4_is_a_benefit_in_payment(town: Town) -> None:
    """工伤条例 Art. 35: the fund pays grades 1-4 monthly; grades 5-6 are the employer's (Art. 36)."""
    from db.models import Application

    with town.db.connection_context():
        app = Application.get(Application.resident == town.people["retiree"])
        for grade, expected in ((2, True), (5, False)):
            with town.db.atomic() as tx:
                opened = run.open_benefit(town.clerk, type("App", (), {"type": "benefit_injury", "id": app.id,
                                                                       "__data__": {"resident": app.__data__["resident"]}})(),
                                          {"grade": grade, "monthly_fen": 450000, "amount_fen": 9000000}, None)
                assert (opened is not None) is expected
                if opened is not None:
                    assert (opened.kind, opened.monthly_fen, opened.months, opened.account_part_fen) == \
                        ("injury", 450000, None, 0)
                tx.rollback()
