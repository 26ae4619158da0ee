"""The contracts, run as a person would (``python -m kiosk`` in a subprocess):
``kiosk import residents|enrolments|contributions`` then ``kiosk benefit check``
and ``kiosk pension estimate`` with ``--json`` parsed — on SQLite and PostgreSQL.
The issue's cases are rebuilt from imported files only."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import peewee
import pytest

from db import audit
from db.models import AuditEntry, Contribution, Enrolment, LedgerEntry, bind
from kiosk.rules.identity import check_digit
from tests.cli.test_audit_cli import Cli, one_line
from tests.entitlement.township import policy


def _id(birth: str, seq: int) -> str:
    first17 = f"360726{birth.replace('-', '')}{seq:03d}"
    return first17 + check_digit(first17)


FLEX45 = _id("1981-06-10", 11)  # man, flexible worker aged 45, 12 months
WOMAN60 = _id("1966-05-10", 22)  # woman of 60, 4 resident years
MAN = _id("1990-01-01", 31)  # no insurance at all
VILLAGER = _id("1980-01-01", 41)  # resident pension only, never in unemployment insurance
MIXED = _id("1975-08-01", 52)  # 13 resident years + 23 flexible months
WORKER = _id("1985-01-01", 61)  # 84 unemployment months, registered
PEOPLE = {FLEX45: "张一", WOMAN60: "李二", MAN: "王三", VILLAGER: "赵四", MIXED: "钱五", WORKER: "孙六"}

USCC = "91350100M000100Y43"
ENROLMENTS = [
    (FLEX45, "养老", "灵活就业", "2025-01-01", "参保", "", ""),
    (WOMAN60, "养老", "城乡居民", "2021-01-01", "参保", "", ""),
    (VILLAGER, "养老", "城乡居民", "2010-01-01", "参保", "", ""),
    (MIXED, "养老", "城乡居民", "2007-01-01", "终止", "2020-12-31", ""),
    (MIXED, "养老", "灵活就业", "2021-01-01", "参保", "", ""),
    (WORKER, "失业", "职工", "2018-01-01", "终止", "2026-10-31", USCC),  # through the employer
]


def _months(first: str, count: int) -> list[str]:
    year, month = (int(x) for x in first.split("-"))
    out = []
    for _ in range(count):
        out.append(f"{year}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _contributions() -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    rows += [(FLEX45, "养老", "灵活就业", m, "4200.00", "840.00", "0", "0") for m in _months("2025-01", 12)]
    rows += [(WOMAN60, "养老", "城乡居民", str(y), "", "500.00", "0", "60.00") for y in range(2022, 2026)]
    rows += [(MIXED, "养老", "城乡居民", str(y), "", "500.00", "0", "60.00") for y in range(2008, 2021)]
    rows += [(MIXED, "养老", "灵活就业", m, "4500.00", "900.00", "0", "0") for m in _months("2021-01", 23)]
    rows += [(WORKER, "失业", "职工", m, "5000.00", "25.00", "25.00", "0") for m in _months("2019-11", 84)]
    return rows


def _write(path: Path, header: list[str], rows: Sequence[tuple[str, ...]], encoding: str = "utf-8-sig") -> Path:
    lines = [",".join(header)] + [",".join(row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


ENROL_HEADER = ["公民身份号码", "险种", "制度", "参保日期", "状态", "终止日期", "单位统一社会信用代码"]
CONTRIB_HEADER = ["公民身份号码", "险种", "制度", "所属期", "缴费基数", "个人缴费", "单位缴费", "政府补贴"]


@pytest.fixture
def cli(database: peewee.Database, db_url: str, tmp_path: Path) -> Cli:
    """An initialised database with its key file; the roster, enrolments and contributions imported."""
    runner = Cli(tmp_path, db_url)
    audit.use_key(audit.create_key_file(runner.key_file))
    roster = _write(tmp_path / "roster.csv", ["姓名", "公民身份号码", "联系电话", "户籍地址", "村(社区)"],
                    [(name, number, "13800000000", "示范镇", "东村") for number, name in PEOPLE.items()])
    assert runner("import", "residents", str(roster)).returncode == 0
    result = runner("import", "enrolments", str(_write(tmp_path / "enrol.csv", ENROL_HEADER, ENROLMENTS)))
    assert result.returncode == 0, result.stdout + result.stderr
    result = runner("import", "contributions", str(_write(tmp_path / "contrib.csv", CONTRIB_HEADER,
                                                          _contributions(), encoding="gb18030")))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "GBK" in result.stdout  # the office's Excel saved it as GBK: read all the same
    return runner


def check(cli: Cli, number: str, kind: str, *extra: str) -> dict[str, Any]:
    result = cli("benefit", "check", number, kind, *extra, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == ["eligible", "reasons", "monthly_fen", "lump_sum_fen", "months", "steps"]
    assert all(isinstance(s, str) and s for s in data["steps"])
    return data


def test_issue_cases_through_the_command_line(cli: Cli, database: peewee.Database) -> None:
    flex = check(cli, FLEX45, "pension", "--date", "2026-11-29")
    assert not flex["eligible"] and set(flex["reasons"]) == {"below_pension_age", "too_few_months"}
    assert flex["monthly_fen"] is None
    woman = check(cli, WOMAN60, "pension", "--date", "2026-11-29")
    assert not woman["eligible"] and woman["reasons"] == ["too_few_months"]
    man = check(cli, MAN, "maternity", "--date", "2026-11-29", "--fact", "birth_date=2026-10-01",
                "--fact", "employer_wage=6000")
    assert set(man["reasons"]) == {"not_applicable", "not_enrolled"} and man["lump_sum_fen"] is None
    medical = check(cli, MAN, "medical", "--fact", "total=34580", "--fact", "level=county")
    assert medical["reasons"] == ["not_enrolled"]
    typed = check(cli, VILLAGER, "unemployment", "--fact", "contribution_months=130",
                  "--fact", "registered_on=2026-11-01")
    assert set(typed["reasons"]) == {"not_enrolled", "too_few_months"} and typed["months"] is None
    assert any("不采用" in step for step in typed["steps"])  # the typed months are named and ignored
    worker = check(cli, WORKER, "unemployment", "--date", "2026-11-29", "--fact", "registered_on=2026-11-05",
                   "--fact", "contribution_months=1")
    paid = policy(dt.date(2026, 11, 29)).unemployment
    assert worker["eligible"] and worker["months"] == 18  # 84 months on record, whatever was typed
    assert worker["monthly_fen"] == (paid.minimum_wage_fen * 9 + 5) // 10
    bind(database)
    looks = AuditEntry.select().where(AuditEntry.action == "entitlement.check").count()
    assert looks == 6  # every look at a person's records is audited


def test_estimate_keeps_the_schemes_apart(cli: Cli) -> None:
    result = cli("pension", "estimate", MIXED, "--date", "2026-11-29", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == ["scheme", "retirement_date", "required_months", "paid_months", "projected_months",
                          "shortfall_months", "account_balance_fen", "monthly_fen", "steps"]
    assert data["scheme"] == "employee" and data["paid_months"] == 23  # 13 resident years not counted
    assert data["retirement_date"] == "2025-12-01"  # female worker born 1975-08: 50 + 4 months
    assert data["required_months"] == 180 and data["projected_months"] == 23 and data["shortfall_months"] == 157
    text = "\n".join(data["steps"])
    assert "城乡居民养老保险缴费 13 年，不计入职工缴费年限" in text
    assert "人社部发〔2014〕17号" in text and "一次性缴纳" in text and "弹性退休" in text
    # 23 × 8% of 4,500 in the account (plus interest): far from the 1,222 a month of the mixed count.
    assert 23 * 36000 < data["account_balance_fen"] < 23 * 36000 * 125 // 100
    assert 0 < data["monthly_fen"] < 60000
    woman = json.loads(cli("pension", "estimate", WOMAN60, "--date", "2026-11-29", "--json").stdout)
    assert woman["scheme"] == "resident" and woman["paid_months"] == 48 and woman["shortfall_months"] == 132


def test_imports_are_idempotent_and_never_overwrite_records(cli: Cli, database: peewee.Database) -> None:
    bind(database)
    before = (Enrolment.select().count(), Contribution.select().count(), LedgerEntry.select().count())
    again = cli("import", "contributions", str(cli.folder / "contrib.csv"))
    assert again.returncode == 0 and "新增 added 0" in again.stdout and f"未变 unchanged {len(_contributions())}" \
        in again.stdout
    assert cli("import", "enrolments", str(cli.folder / "enrol.csv")).returncode == 0
    assert (Enrolment.select().count(), Contribution.select().count(), LedgerEntry.select().count()) == before
    changed = _write(cli.folder / "changed.csv", CONTRIB_HEADER,
                     [(WOMAN60, "养老", "城乡居民", "2022", "", "800.00", "0", "60.00")])
    result = cli("import", "contributions", str(changed))
    assert result.returncode == 1 and "第2行 所属期: 该期已有不同金额的缴费记录" in result.stdout
    assert Contribution.select().count() == before[1]


def test_bad_rows_are_named_and_nothing_is_written(cli: Cli, database: peewee.Database) -> None:
    bind(database)
    count = Contribution.select().count()
    # The command reads the real clock in the hall's zone: "next month" is computed, never written in.
    this_month = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date().replace(day=1)
    next_month = f"{this_month + dt.timedelta(days=32):%Y-%m}"
    rows = [
        (FLEX45, "养老", "灵活就业", next_month, "4200.00", "840.00", "0", "0"),  # next month
        (FLEX45, "养老", "灵活就业", "2024-06", "4200.00", "840.00", "0", "0"),  # before the enrolment
        (FLEX45, "养老", "灵活就业", "2026-01", "4200.00", "840.00", "100.00", "0"),  # employer share
        (WOMAN60, "养老", "城乡居民", "2026-03", "", "500.00", "0", "60.00"),  # a month, not a year
        (VILLAGER, "失业", "城乡居民", "2025", "", "10.00", "0", "0"),  # no such insurance
        (MAN, "养老", "灵活就业", "2025-01", "4200.00", "84O.00", "0", "0"),  # not money
        (FLEX45, "养老", "灵活就业", "2026-02", "4200.00", "840.00", "0", "0"),  # good
    ]
    result = cli("import", "contributions", str(_write(cli.folder / "bad.csv", CONTRIB_HEADER, rows)))
    assert result.returncode == 1
    out = result.stdout
    for expected in (f"第2行 所属期: 所属期 {next_month} 晚于本月", "第3行 所属期: 该期没有灵活就业养老保险参保登记",
                     "第4行 单位缴费:", "第5行 所属期: 城乡居民按年缴费", "第6行 险种: 城乡居民没有失业保险",
                     "第7行 个人缴费: 金额", "没有导入任何数据"):
        assert expected in out, out
    assert "第8行" not in out and Contribution.select().count() == count  # all or nothing
    skipped = cli("import", "contributions", str(cli.folder / "bad.csv"), "--skip-invalid")
    assert skipped.returncode == 0 and "新增 added 1" in skipped.stdout
    assert (cli.folder / "bad.invalid.csv").exists()
    overlap = _write(cli.folder / "overlap.csv", ENROL_HEADER,
                     [(WOMAN60, "养老", "灵活就业", "2024-01-01", "参保", "", ""),
                      (MAN, "养老", "职工", "2024-01-01", "参保", "", "")])
    result = cli("import", "enrolments", str(overlap))
    assert result.returncode == 1
    assert "第2行 制度: 与已有的城乡居民养老保险（2021-01-01起）重叠" in result.stdout
    assert "第3行 单位统一社会信用代码: 职工参保须通过用人单位" in result.stdout


def test_command_errors_are_one_line(cli: Cli) -> None:
    assert "身份证号码无效" in one_line(cli("benefit", "check", "12345", "pension", "--json"))
    assert "待遇种类应为" in one_line(cli("benefit", "check", FLEX45, "lottery", "--json"))
    assert "KEY=VALUE" in one_line(cli("benefit", "check", FLEX45, "injury", "--fact", "grade", "--json"))
    assert "birth_date" in one_line(cli("benefit", "check", MAN, "maternity", "--fact", "birth_date=2026-02-30",
                                        "--json"))
    assert "没有参保人" in one_line(cli("pension", "estimate", _id("1999-09-09", 71), "--json"))
    for result in (cli("benefit", "check", FLEX45, "pension", "--date", "2026-13-01"),
                   cli("import", "contributions", str(cli.folder / "missing.csv"))):
        assert result.returncode != 0 and "Traceback" not in result.stderr
