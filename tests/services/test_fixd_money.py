"""Payment-run fixes from the hostile audit (attack D6, D7, D10, one-off kinds), on SQLite and PostgreSQL.

D6: every paid line records the account it went to and its reference; the run records its file's
SHA-256; :func:`kiosk.services.run_check.check_file` finds an edited line. D10: a raise in force
for the run's month raises the monthly amount itself (no same-month arrears, ever again).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tomllib
from pathlib import Path

import peewee
import pytest

from db.demo import seed_demo
from db.models import AuditEntry, Benefit, BenefitPayment, BenefitRun, Resident, Staff
from kiosk.clock import FixedClock
from kiosk.policy import policy_from_mapping
from kiosk.policy.loader import DEFAULT_POLICY_FILE
from kiosk.rules.money import format_yuan
from kiosk.services import ServiceContext, ServiceError
from kiosk.services import benefit_run as run
from kiosk.services.payments import policy_book
from kiosk.services.run_check import check_file
from tests.entitlement.township import Records
from tests.services.benefit_town import Town, build, claim

JAN, FEB, MAR = (dt.date(2026, m, 1) for m in (1, 2, 3))


@pytest.fixture
def town(database: peewee.Database, clock: FixedClock, tmp_path: Path) -> Town:
    return build(database, clock, tmp_path)


def _post(town: Town, month: dt.date, out: Path) -> run.RunResult:
    town.at(month + dt.timedelta(days=19))
    return run.post(town.boss, month, out)


def _raised_book(town: Town, effective: dt.date) -> object:
    """The policy in force plus a national basic pension 20.00 higher from ``effective``."""
    national = policy_book(town.ctx).policy_for(effective).basic_pension_fen
    raw = tomllib.loads(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"))
    raw["national_basic_pension"].append({"effective": effective,
                                          "monthly": format_yuan(national + 2000, grouping=False)})
    return policy_from_mapping(raw, "raised.toml")


def test_each_line_records_account_and_reference_and_the_run_its_file_hash(town: Town, tmp_path: Path) -> None:
    out = tmp_path / "daifa-2026-01.csv"
    result = _post(town, JAN, out)
    assert result.posted and result.paid == 4
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    with town.db.connection_context():
        assert BenefitRun.get(BenefitRun.month == JAN).file_sha256 == digest
        entry = AuditEntry.select().where(AuditEntry.action == "benefit.run").get()
        assert entry.detail["file_sha256"] == digest
        rows = list(BenefitPayment.select(BenefitPayment, Resident).join(Resident)
                    .where(BenefitPayment.run_month == JAN))
        assert rows
        for row in rows:
            assert row.bank_account == row.resident.bank_account != ""
            assert row.reference == f"DF202601{row.__data__['benefit']:07d}"
    check = check_file(town.boss, JAN, out)
    assert check.ok and check.hash_matches is True and check.differences == [] and check.lines == 4

    # A later 信息变更 of the account: the database still says where January's money went.
    first = result.lines[0]
    with town.db.connection_context():
        Resident.update(bank_account="6228480000000000001").where(Resident.id == first.resident_id).execute()
        paid_to = {r.bank_account for r in BenefitPayment.select()
                   .where((BenefitPayment.run_month == JAN) & (BenefitPayment.resident == first.resident_id))}
    assert paid_to == {first.bank_account}
    assert check_file(town.boss, JAN, out).ok


def test_an_edited_account_or_amount_in_the_file_is_named_by_line(town: Town, tmp_path: Path) -> None:
    out = tmp_path / "daifa-2026-01.csv"
    result = _post(town, JAN, out)
    second = result.lines[1]
    forged = "6228480099999999999"
    text = out.read_text(encoding="utf-8-sig")
    assert text.count(second.bank_account) == 1
    edited = tmp_path / "edited.csv"
    edited.write_text(text.replace(second.bank_account, forged), encoding="utf-8-sig")
    check = check_file(town.boss, JAN, edited)
    assert not check.ok and check.hash_matches is False
    assert [(d.line, d.reference, d.field) for d in check.differences] == [(2, second.reference, "bank_account")]
    diff = check.differences[0]
    assert diff.file_value.endswith("9999") and forged not in diff.file_value  # masked on any screen
    assert second.bank_account not in diff.database_value and diff.database_value.endswith(second.bank_account[-4:])

    amount = format_yuan(second.amount_fen, grouping=False)
    moved = "".join(row.replace(f",{amount},", f",{format_yuan(second.amount_fen + 100, grouping=False)},", 1)
                    if second.reference in row else row for row in text.splitlines(keepends=True))
    (tmp_path / "amount.csv").write_text(moved, encoding="utf-8-sig")
    fields = [(d.line, d.field) for d in check_file(town.boss, JAN, tmp_path / "amount.csv").differences]
    assert (2, "amount") in fields and (0, "total") in fields

    with pytest.raises(ServiceError) as refused:
        check_file(town.boss, FEB, out)
    assert refused.value.code == "not_posted"


def test_a_raise_in_force_for_the_run_month_raises_the_monthly_amount_not_arrears(town: Town, tmp_path: Path) -> None:
    b = town.benefits
    _post(town, JAN, tmp_path / "jan.csv")
    with town.db.connection_context():
        before = Benefit.get_by_id(b["villager"])
        approved, basic = int(before.monthly_fen), int(before.basic_fen)
    # A raise of 20.00 from February, known before the February run.
    town.ctx.extras["policy"] = _raised_book(town, FEB)
    feb = _post(town, FEB, tmp_path / "feb.csv")
    line = next(x for x in feb.lines if x.benefit_id == b["villager"])
    assert [(i.period, i.kind, i.amount_fen) for i in line.items] == [(FEB, "monthly", approved + 2000)]
    assert line.note(FEB) == ""
    with town.db.connection_context():
        after = Benefit.get_by_id(b["villager"])
        assert (int(after.monthly_fen), int(after.basic_fen)) == (approved + 2000, basic + 2000)
        entry = AuditEntry.select().where(AuditEntry.action == "benefit.run").order_by(AuditEntry.seq.desc()).get()
        raised = [r for r in entry.detail["raised"] if r["benefit"] == b["villager"]]
        assert raised == [{"benefit": b["villager"], "from_fen": approved, "to_fen": approved + 2000,
                           "effective": "2026-02", "policy": raised[0]["policy"]}] and raised[0]["policy"]
    mar = _post(town, MAR, tmp_path / "mar.csv")
    line = next(x for x in mar.lines if x.benefit_id == b["villager"])
    assert [(i.period, i.kind, i.amount_fen) for i in line.items] == [(MAR, "monthly", approved + 2000)]
    with town.db.connection_context():
        assert not BenefitPayment.select().where(BenefitPayment.kind == "arrears").exists()


def test_a_raise_for_months_already_paid_is_arrears_named_in_the_file(town: Town, tmp_path: Path) -> None:
    b = town.benefits
    _post(town, JAN, tmp_path / "jan.csv")
    with town.db.connection_context():
        approved = int(Benefit.get_by_id(b["villager"]).monthly_fen)
    town.ctx.extras["policy"] = _raised_book(town, JAN)  # from January, announced in February
    feb = _post(town, FEB, tmp_path / "feb.csv")
    line = next(x for x in feb.lines if x.benefit_id == b["villager"])
    assert [(i.period, i.kind, i.amount_fen) for i in line.items] == [
        (JAN, "arrears", 2000), (FEB, "monthly", approved + 2000)]
    assert line.note(FEB) == "2026-01调整补差"
    assert "2026-01调整补差" in (tmp_path / "feb.csv").read_text(encoding="utf-8-sig")


def test_a_month_paid_outside_any_run_posts_nothing_and_writes_no_file(town: Town, tmp_path: Path) -> None:
    jan = _post(town, JAN, tmp_path / "jan.csv")
    with town.db.connection_context():
        # As the seeded demo has it: the month's payments exist, no benefit_run row explains them.
        BenefitRun.delete().execute()
    out = tmp_path / "again.csv"
    again = run.post(town.boss, JAN, out)
    assert (again.posted, again.already, again.paid, again.file) == (False, False, 0, None)
    assert not out.exists()
    assert again.covered == run.Covered(4, jan.total_fen, 4)
    assert again.as_json()["covered"] == {"payments": 4, "total_fen": jan.total_fen, "outside_runs": 4}
    assert run.preview(town.boss, JAN).covered == run.Covered(4, jan.total_fen, 4)
    with town.db.connection_context():
        assert not BenefitRun.select().exists()
        assert AuditEntry.select().where(AuditEntry.action == "benefit.run").count() == 1
    assert _post(town, FEB, tmp_path / "feb.csv").posted  # a later month with money still posts


def test_a_maternity_allowance_paid_at_the_counter_is_a_one_off(town: Town, tmp_path: Path) -> None:
    records = Records(town.clerk, tmp_path)
    mother = records.person(dt.date(1995, 2, 3), female=True)
    records.enrol(mother, "medical", "employee", "2020-01-01")
    records.load()
    number = claim(town, mother, "benefit_maternity", JAN + dt.timedelta(days=9), {"employer_wage_fen": 600000})
    with town.db.connection_context():
        payment = BenefitPayment.get(BenefitPayment.resident == mother)
        assert (payment.benefit_type, payment.kind, payment.benefit) == ("maternity", "lump_sum", None)
        assert payment.application is not None and payment.application.number == number
        # A monthly benefit's first month stays a month.
        first = BenefitPayment.get((BenefitPayment.benefit == town.benefits["villager"])
                                   & (BenefitPayment.run_month.is_null()))
        assert first.kind == "monthly"


def test_seed_demo_records_the_runs_its_payments_imply(database: peewee.Database, clock: FixedClock,
                                                      tmp_path: Path) -> None:
    today = dt.date(2026, 11, 29)
    seed_demo(database, residents=400, seed=5, today=today, now=dt.datetime(2026, 11, 29, 1, 30))
    with database.connection_context():
        implied = {(m if isinstance(m, dt.date) else dt.date.fromisoformat(str(m))): (int(n), int(t))
                   for m, n, t in run._tuples(BenefitPayment.select(
                       BenefitPayment.run_month, peewee.fn.COUNT(BenefitPayment.benefit.distinct()),
                       peewee.fn.SUM(BenefitPayment.amount_fen)).where(BenefitPayment.run_month.is_null(False))
                       .group_by(BenefitPayment.run_month))}
        runs = {r.month: (r.paid, r.total_fen) for r in BenefitRun.select()}
        assert implied and runs == implied  # every seeded run payment is explained by a run
        assert all(r.policy_digest for r in BenefitRun.select())
        assert AuditEntry.select().where(AuditEntry.action == "benefit.run").count() == len(runs)
        one_offs = {k for (k,) in run._tuples(BenefitPayment.select(BenefitPayment.kind)
                    .where(BenefitPayment.benefit_type.in_(("maternity", "medical_reimbursement"))))}
        assert one_offs == {"lump_sum"}
        boss = Staff.get(Staff.role == "supervisor")
    clock.set_local(dt.datetime.combine(today, dt.time(10, 0)))
    ctx = ServiceContext(database, clock).as_staff(boss.id, boss.number)
    last = max(runs)
    again = run.post(ctx, last, tmp_path / "again.csv")
    assert again.already and not (tmp_path / "again.csv").exists()
