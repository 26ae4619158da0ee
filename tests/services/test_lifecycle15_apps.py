"""Lifecycle events as applications (issue 15, Deliver 2) on SQLite and PostgreSQL: 资格认证,
死亡注销, 个人账户继承及丧葬补助金 and 停保/恢复/终止参保 walked through the application
engine with steps, materials, receipts and audit, including the refusals (the acceptor may
not 审核; the inheritance is paid once; a certification resumes and the next run pays back)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import peewee
import pytest

from db.models import Account, AuditEntry, Benefit, BenefitPayment, Enrolment, LedgerEntry, PrintJob, Resident
from kiosk.clock import FixedClock
from kiosk.rules.workflows import WORKFLOWS
from kiosk.services import ServiceError
from kiosk.services import applications as apps
from kiosk.services import benefit_run as run
from kiosk.services.applications import ApplicationInfo
from kiosk.services.staff import PermissionDenied
from tests.services.benefit_town import Town, build

JAN, FEB = dt.date(2026, 1, 1), dt.date(2026, 2, 1)
HEIR = "36072619880315002X"  # valid check digit, born 1988


@pytest.fixture
def town(database: peewee.Database, clock: FixedClock, tmp_path: Path) -> Town:
    return build(database, clock, tmp_path, unemployment=False)


def _all(type_: str) -> list[str]:
    return [m.code for m in WORKFLOWS[type_].materials]


def _receipt_text(town: Town, info: ApplicationInfo) -> str:
    with town.db.connection_context():
        job = PrintJob.get_by_id(info.data["receipt_job"])
        return str(job.document)


def _audited(town: Town, action: str, entity_id: str) -> bool:
    with town.db.connection_context():
        return AuditEntry.select().where((AuditEntry.action == action) & (AuditEntry.entity_id == entity_id)).exists()


def test_certification_resumes_and_the_next_run_pays_back(town: Town) -> None:
    b = town.benefits
    with town.db.connection_context():
        Benefit.update(certified_on=dt.date(2024, 11, 20)).where(Benefit.id == b["suspended"]).execute()
    town.at(dt.date(2026, 1, 20))
    jan = run.post(town.boss, JAN, None)
    assert jan.skipped == {"not_certified": 1}
    town.at(dt.date(2026, 2, 5))
    # Without the ID card (required) the certification cannot be completed.
    first = apps.submit(town.clerk, town.people["suspended"], "certification", {}, ["ss_card"])
    with pytest.raises(ServiceError, match="材料不齐"):
        apps.advance(town.clerk, first.number, "certified")
    apps.advance(town.clerk, first.number, "rejected", "未带身份证")
    info = apps.submit(town.clerk, town.people["suspended"], "certification", {}, _all("certification"))
    assert info.data["preview"] == {"pensions": 1, "suspended": [b["suspended"]]}
    done = apps.advance(town.clerk, info.number, "certified")
    assert done.finished and done.data["result"]["resumed"] == [b["suspended"]]
    with town.db.connection_context():
        assert Benefit.get_by_id(b["suspended"]).status == "in_payment"
    assert "待遇领取资格认证办结回执" in _receipt_text(town, done)
    assert _audited(town, "benefit.certify", str(town.people["suspended"]))
    town.at(dt.date(2026, 2, 20))
    feb = run.post(town.boss, FEB, None)
    back = next(line for line in feb.lines if line.benefit_id == b["suspended"])
    assert [i.period for i in back.items] == [JAN, FEB]
    # A person without a pension in payment has nothing to certify.
    town.at(dt.date(2026, 2, 21))
    lifecycle_dead = apps.submit(town.clerk, town.people["retiree"], "death_report",
                                 {"death_date": "2026-02-20", "applicant_name": "王小明", "relationship": "子女"},
                                 _all("death_report"))
    apps.advance(town.boss, lifecycle_dead.number, "reviewed")
    apps.advance(town.clerk, lifecycle_dead.number, "closed")
    with pytest.raises(ServiceError, match="已登记死亡"):
        apps.submit(town.clerk, town.people["retiree"], "certification", {}, _all("certification"))


def test_death_report_separation_overpayment_and_receipt(town: Town) -> None:
    rid = town.people["retiree"]
    town.at(dt.date(2026, 1, 20))
    run.post(town.boss, JAN, None)
    town.at(dt.date(2026, 2, 3))
    data = {"death_date": "2025-12-20", "applicant_name": "王小明", "relationship": "子女"}
    with pytest.raises(ServiceError, match="晚于今天"):
        apps.submit(town.clerk, rid, "death_report", {**data, "death_date": "2026-03-01"}, _all("death_report"))
    with pytest.raises(ServiceError, match="申请人与死者关系"):
        apps.submit(town.clerk, rid, "death_report", {**data, "relationship": " "}, _all("death_report"))
    info = apps.submit(town.clerk, rid, "death_report", data, _all("death_report"), print_receipt=True)
    preview = info.data["preview"]
    assert preview["overpaid_fen"] > 0 and preview["funeral_grant_fen"] > 0 and preview["scheme"] == "employee"
    # 受审分离: the acceptor may not 审核 (even a supervisor who accepted), a clerk may not at all.
    with pytest.raises(PermissionDenied):
        apps.advance(town.clerk, info.number, "reviewed")
    own = apps.submit(town.boss, town.people["villager"], "death_report",
                      {**data, "death_date": "2026-01-02"}, _all("death_report"))
    with pytest.raises(PermissionDenied, match="受审分离"):
        apps.advance(town.boss, own.number, "reviewed")
    with town.db.connection_context():
        assert Resident.get_by_id(rid).death_date is None  # nothing recorded before 办结
    reviewed = apps.advance(town.boss, info.number, "reviewed")
    assert reviewed.status == "reviewed"
    with town.db.connection_context():
        assert Resident.get_by_id(rid).death_date is None
    done = apps.advance(town.clerk, info.number, "closed")
    result = done.data["result"]
    assert set(result) >= {"stopped", "overpaid_fen", "funeral_grant_fen", "survivor_fen", "inheritable_fen"}
    # What the confirmation showed is what 办结 did.
    for key in ("overpaid_fen", "funeral_grant_fen", "survivor_fen", "inheritable_fen", "account_fen"):
        assert result[key] == reviewed.data["preview"][key], key
    assert result["stopped"][0]["overpaid_months"] == ["2026-01"]
    with town.db.connection_context():
        assert Resident.get_by_id(rid).death_date == dt.date(2025, 12, 20)
        assert Benefit.get_by_id(town.benefits["retiree"]).status == "stopped"
        assert not Enrolment.select().where((Enrolment.resident == rid) & (Enrolment.status == "active")).exists()
    receipt = _receipt_text(town, done)
    assert "死亡注销办结回执" in receipt and "多发待遇（须追回）" in receipt and "丧葬补助金" in receipt
    assert _audited(town, "resident.deceased", str(rid)) and _audited(town, "application.advance", info.number)
    # A second report of the same death is refused.
    with pytest.raises(ServiceError, match="无需重复注销"):
        apps.submit(town.clerk, rid, "death_report", data, _all("death_report"))


def _dead(town: Town, key: str, day: str) -> None:
    info = apps.submit(town.clerk, town.people[key], "death_report",
                       {"death_date": day, "applicant_name": "李四", "relationship": "配偶"}, _all("death_report"))
    apps.advance(town.boss, info.number, "reviewed")
    apps.advance(town.clerk, info.number, "closed")


def test_inheritance_is_paid_once(town: Town) -> None:
    rid = town.people["villager"]
    town.at(dt.date(2026, 1, 10))
    heir = {"heir_name": "李四", "heir_id_number": HEIR, "relationship": "配偶", "bank_account": "6217000012345678"}
    with pytest.raises(ServiceError, match="尚未办结死亡注销"):
        apps.submit(town.clerk, rid, "inheritance", heir, _all("inheritance"))
    _dead(town, "villager", "2026-01-02")
    with pytest.raises(ServiceError, match="继承人身份证号码"):
        apps.submit(town.clerk, rid, "inheritance", {**heir, "heir_id_number": "360726198803150021"},
                    _all("inheritance"))
    with pytest.raises(ServiceError, match="银行账号"):
        apps.submit(town.clerk, rid, "inheritance", {**heir, "bank_account": "12ab"}, _all("inheritance"))
    info = apps.submit(town.clerk, rid, "inheritance", heir, _all("inheritance"))
    with town.db.connection_context():
        account = Account.get((Account.resident == rid) & (Account.kind == "pension_resident"))
        part = int(Benefit.get_by_id(town.benefits["villager"]).account_part_fen)
    # January (the month of death) is still due and its account part will be paid out by the January
    # run: the heir inherits the balance after it (fix15money 1).
    assert info.data["inheritable_fen"] == account.balance_fen - part > 0
    assert info.amount_fen == info.data["funeral_grant_fen"] + info.data["inheritable_fen"]
    with pytest.raises(ServiceError, match="请勿重复"):
        apps.submit(town.clerk, rid, "inheritance", heir, _all("inheritance"))
    with pytest.raises(PermissionDenied, match="受审分离"):
        _separation(town, info.number)
    apps.advance(town.boss, info.number, "reviewed")
    paid = apps.advance(town.clerk, info.number, "paid")
    with town.db.connection_context():
        rows = {p.benefit_type: p.amount_fen for p in BenefitPayment.select().where(
            BenefitPayment.application == paid.id)}
        assert rows == {"funeral": info.data["funeral_grant_fen"], "inheritance": info.data["inheritable_fen"]}
        assert Account.get_by_id(account.id).balance_fen == part  # left for January's account part
        payout = LedgerEntry.get((LedgerEntry.account == account.id) & (LedgerEntry.reference == info.number))
        assert payout.kind == "payout" and payout.amount_fen == -info.data["inheritable_fen"]
    receipt = _receipt_text(town, paid)
    assert "支付合计" in receipt and HEIR not in receipt and "李四" not in receipt  # masked on paper
    assert _audited(town, "inheritance.pay", info.number)
    # The rule audit finds nothing wrong with the grant and the inheritance (the monthly run would refuse).
    from kiosk.services import rule_audit

    assert rule_audit.unexplained_findings(town.boss, resident_ids=[rid], application_ids=[paid.id]) == []
    # Never twice: a second application is refused at 受理.
    with pytest.raises(ServiceError, match="不能重复办理"):
        apps.submit(town.clerk, rid, "inheritance", heir, _all("inheritance"))


def _separation(town: Town, number: str) -> None:
    """The clerk who accepted the inheritance, made a supervisor for the day, still may not 审核 it."""
    from db.models import Staff

    with town.db.connection_context():
        Staff.update(role="supervisor").where(Staff.id == town.clerk.staff_id).execute()
    try:
        apps.advance(town.clerk, number, "reviewed")
    finally:
        with town.db.connection_context():
            Staff.update(role="clerk").where(Staff.id == town.clerk.staff_id).execute()


def test_enrolment_suspend_resume_end(town: Town) -> None:
    rid = town.people["villager"]
    town.at(dt.date(2026, 1, 10))
    pension = {"insurance": "pension", "scheme": "resident"}
    with pytest.raises(ServiceError, match="没有暂停缴费"):
        apps.submit(town.clerk, rid, "enrolment_resume", pension, _all("enrolment_resume"))
    with pytest.raises(ServiceError, match="请选择险种"):
        apps.submit(town.clerk, rid, "enrolment_suspend", {}, _all("enrolment_suspend"))

    def status() -> str:
        with town.db.connection_context():
            return str(Enrolment.get((Enrolment.resident == rid) & (Enrolment.insurance == "pension")).status)

    for type_, expected in (("enrolment_suspend", "suspended"), ("enrolment_resume", "active"),
                            ("enrolment_end", "ended")):
        info = apps.submit(town.clerk, rid, type_, dict(pension), _all(type_))
        assert status() != expected  # nothing changes at 受理
        done = apps.advance(town.clerk, info.number, "done")
        assert status() == expected and done.data["result"]["status"] == expected
        assert "办结回执" in _receipt_text(town, done)
    with town.db.connection_context():
        assert AuditEntry.select().where(AuditEntry.action.in_(
            ("enrolment.suspend", "enrolment.resume", "enrolment.end"))).count() == 3
