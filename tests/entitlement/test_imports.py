"""``db.records_import`` beyond the CSV happy path: an .xlsx with a title row,
an ID number Excel damaged, and personal-account credits exactly as the
counter makes them (dated on their period) — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

import openpyxl
import peewee
import pytest

from db.models import Account, Contribution, LedgerEntry
from db.records_import import import_contributions, import_enrolments
from kiosk.clock import FixedClock
from kiosk.rules.money import round_fen
from kiosk.services import ServiceContext
from tests.entitlement.township import Records, policy


@pytest.fixture
def records(database: peewee.Database, clock: FixedClock, tmp_path: Path) -> Records:
    return Records(ServiceContext(database, clock, extras={"rng": random.Random(3)}), tmp_path)


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_xlsx_with_a_title_row_and_ledger_credits_as_the_counter(records: Records, tmp_path: Path) -> None:
    ctx = records.ctx
    flex = records.person(dt.date(1980, 1, 1))
    emp = records.person(dt.date(1981, 1, 1))
    res = records.person(dt.date(1970, 1, 1), female=True)
    enrol = _xlsx(tmp_path / "enrol.xlsx", [
        ["示范镇2025年参保登记表"],
        ["公民身份号码", "险种", "制度", "参保日期", "状态", "单位统一社会信用代码"],
        [records.ids[flex], "养老保险", "灵活就业", dt.datetime(2024, 1, 1), "正常", None],
        [records.ids[emp], "养老", "职工", "2024-01-01", "参保", "91350100M000100Y43"],
        [records.ids[res], "养老", "城乡居民", "2020-01-01", None, None],
    ])
    report = import_enrolments(ctx.database, enrol, today=ctx.today(), now=ctx.now())
    assert report.written and report.added == 3 and any("第2行" in n for n in report.notes)
    contrib = _xlsx(tmp_path / "contrib.xlsx", [
        ["id_number", "insurance", "scheme", "period", "base", "individual", "employer", "subsidy"],
        [records.ids[flex], "pension", "flexible", "2024-03", 5000, 1000, 0, 0],
        [records.ids[emp], "pension", "employee", "2024-03", "6000.00", "480.00", "960.00", "0"],
        [records.ids[res], "pension", "resident", 2024, None, "300", 0, "45.5"],
    ])
    report = import_contributions(ctx.database, contrib, today=ctx.today(), now=ctx.now(), policy=policy)
    assert report.written and report.added == 3, [str(e) for e in report.errors]
    rates = policy(dt.date(2024, 3, 1)).rates
    with ctx.database.connection_context():
        def entries(rid: int, kind: str) -> list[tuple[str, int, dt.date]]:
            account = Account.get((Account.resident == rid) & (Account.kind == kind))
            return [(e.kind, e.amount_fen, e.entry_date) for e in
                    LedgerEntry.select().where(LedgerEntry.account == account.id).order_by(LedgerEntry.seq)]
        march = dt.date(2024, 3, 1)
        assert entries(flex, "pension_employee") == [
            ("contribution", round_fen(Decimal(500000) * rates.flexible_account_rate), march)]
        assert entries(emp, "pension_employee") == [
            ("contribution", round_fen(Decimal(600000) * rates.pension.individual), march)]
        assert entries(res, "pension_resident") == [("contribution", 30000, dt.date(2024, 1, 1)),
                                                    ("subsidy", 4550, dt.date(2024, 1, 1))]
        assert Contribution.get(Contribution.resident == res).subsidy_fen == 4550


def test_an_id_number_excel_shortened_is_refused_naming_excel(records: Records, tmp_path: Path) -> None:
    ctx = records.ctx
    who = records.person(dt.date(1980, 1, 1))
    records.enrol(who, "pension", "flexible", "2024-01-01")
    records.load()
    path = tmp_path / "damaged.csv"
    path.write_text("公民身份号码,险种,制度,所属期,缴费基数,个人缴费,单位缴费,政府补贴\n"
                    "3.60726E+17,养老,灵活就业,2024-03,5000,1000,0,0\n", encoding="utf-8")
    report = import_contributions(ctx.database, path, today=ctx.today(), now=ctx.now(), policy=policy)
    assert not report.written and report.invalid == 1
    assert "Excel" in str(report.errors[0]) and str(report.errors[0]).startswith("第2行 公民身份号码:")


def test_imports_apply_the_audit_rules_and_keep_historic_dates(records: Records, tmp_path: Path) -> None:
    """Moneyfix 4: what the import accepts the rule audit does not flag. A woman with no recorded
    category (女工人 by default: 50) has no employee months after her retirement date; historic
    resident years keep their own year's date, so none is a contribution_year finding."""
    from db.models import Resident
    from kiosk.rules.enrolment import category_for
    from kiosk.rules.retirement import retirement_date
    from kiosk.services import rule_audit

    ctx = records.ctx
    woman = records.person(dt.date(1970, 1, 5), female=True)
    records.enrol(woman, "pension", "employee", "2005-01-01", end="2020-12-31", status="终止")
    records.pay_months(woman, "pension", "employee", "2005-01", 192)  # to 2020-12
    villager = records.person(dt.date(1975, 6, 1))
    records.enrol(villager, "pension", "resident", "2012-01-01")
    records.pay_years(villager, range(2012, 2027))
    with pytest.raises(AssertionError):
        records.load()  # all or nothing: the months after her retirement refuse the file
    path = sorted(tmp_path.glob("contrib*.csv"))[-1]
    report = import_contributions(ctx.database, path, today=ctx.today(), now=ctx.now(), policy=policy)
    with ctx.database.connection_context():
        person = Resident.get_by_id(woman)
    retired = retirement_date(person.birth_date, category_for(person.sex, person.retirement_category))
    refused = [e for e in report.errors if "法定退休年龄" in str(e)]
    after = [m for m in range(1, 13) if dt.date(2020, m, 1) >= retired]  # months that start after it
    assert refused and len(refused) == len(after), [str(e) for e in report.errors[:3]]
    report = import_contributions(ctx.database, path, today=ctx.today(), now=ctx.now(), policy=policy,
                                  skip_invalid=True)
    assert report.written
    with ctx.database.connection_context():
        stamps = {c.month.year: c.paid_at for c in Contribution.select().where(
            (Contribution.resident == villager) & (Contribution.scheme == "resident"))}
        assert all(stamp.year == year for year, stamp in stamps.items() if year < ctx.today().year)
        # The account opens with its first period (not the import day in any time zone).
        opened = {a.kind: a.opened_on for a in Account.select().where(Account.resident.in_([woman, villager]))}
        assert opened == {"pension_employee": dt.date(2005, 1, 1), "pension_resident": dt.date(2012, 1, 1)}
    findings = rule_audit.run_audit(ctx).findings
    assert not [f.as_json() for f in findings if f.resident_id in (woman, villager)]
