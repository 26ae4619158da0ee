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
