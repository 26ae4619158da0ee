"""CLI contracts of issue 15 (subprocess, ``--json`` parsed, SQLite and PostgreSQL):
``kiosk benefit run``, ``kiosk resident deceased``, ``kiosk benefit due-certification``."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import peewee
import pytest

from db import audit
from db.models import AuditEntry, Benefit, BenefitPayment, BenefitRun, Resident
from kiosk.clock import FixedClock
from printers.document import QR
from tests.cli.test_audit_cli import Cli, one_line
from tests.services.benefit_town import Town, build

JAN = dt.date(2026, 1, 1)


def call(cli: Cli, *args: str, pin: str = "") -> subprocess.CompletedProcess[str]:
    """``python -m kiosk ARGS`` with ``pin`` on stdin."""
    return subprocess.run([sys.executable, "-m", "kiosk", *args], env=cli.env(), capture_output=True, text=True,
                          cwd=cli.folder, timeout=120, input=pin)


def as_json(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.returncode == 0, result.stdout + result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


@pytest.fixture
def setup(database: peewee.Database, db_url: str, clock: FixedClock, tmp_path: Path) -> tuple[Cli, Town]:
    cli = Cli(tmp_path, db_url)
    audit.use_key(audit.create_key_file(cli.key_file))
    town = build(database, clock, tmp_path)
    database.close()  # the commands open their own connections
    return cli, town


def test_run_contract(setup: tuple[Cli, Town], database: peewee.Database, tmp_path: Path) -> None:
    cli, _town = setup
    preview = as_json(call(cli, "benefit", "run", "2026-01", "--dry-run", "--json"))
    assert list(preview) == ["month", "paid", "total_fen", "skipped", "file"]
    assert preview["month"] == "2026-01" and preview["paid"] == 4 and preview["file"] is None
    assert isinstance(preview["total_fen"], int) and preview["total_fen"] > 0
    with database.connection_context():
        assert not BenefitRun.select().exists()

    unapproved = call(cli, "benefit", "run", "2026-01", "--json")
    assert unapproved.returncode != 0 and "主管" in one_line(unapproved)
    clerk = call(cli, "benefit", "run", "2026-01", "--staff", "1001", "--json", pin="2580\n")
    assert clerk.returncode != 0 and "主管" in one_line(clerk)
    wrong = call(cli, "benefit", "run", "2026-01", "--staff", "2001", "--json", pin="0000\n")
    assert wrong.returncode != 0 and one_line(wrong)
    bad = call(cli, "benefit", "run", "2026-13", "--dry-run")
    assert bad.returncode != 0 and "YYYY-MM" in one_line(bad)

    out = tmp_path / "daifa.xlsx"
    posted = as_json(call(cli, "benefit", "run", "2026-01", "--staff", "2001", "--out", str(out), "--json",
                          pin="3691\n"))
    assert (posted["paid"], posted["total_fen"], posted["file"]) == (4, preview["total_fen"], str(out))
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    sheet = openpyxl.load_workbook(out).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:7] == ["序号", "姓名", "证件号码(掩码)", "公民身份号码", "社保卡号", "银行账号", "金额(元)"]
    assert rows[-1][0] == "合计" and len(rows) == 1 + 4 + 1
    total = sum(round(float(r[6]) * 100) for r in rows[1:-1])
    assert total == posted["total_fen"] and round(float(rows[-1][6]) * 100) == total
    assert all("*" in str(r[2]) and len(str(r[3])) == 18 for r in rows[1:-1])
    with database.connection_context():
        assert int(BenefitPayment.select(peewee.fn.SUM(BenefitPayment.amount_fen))
                   .where(BenefitPayment.run_month == JAN).scalar()) == total
        entry = AuditEntry.get(AuditEntry.action == "benefit.run")
        assert entry.actor == "2001" and entry.detail["file"] == str(out)

    again = as_json(call(cli, "benefit", "run", "2026-01", "--staff", "2001", "--json", pin="3691\n"))
    assert (again["paid"], again["total_fen"]) == (0, 0)
    text = call(cli, "benefit", "run", "2026-01", "--staff", "2001", pin="3691\n")
    assert text.returncode == 0 and "已经发放过" in text.stdout


def test_deceased_and_due_contract(setup: tuple[Cli, Town], database: peewee.Database) -> None:
    cli, town = setup
    as_json(call(cli, "benefit", "run", "2026-01", "--staff", "2001", "--json", pin="3691\n"))
    with database.connection_context():
        number = Resident.get_by_id(town.people["retiree"]).id_number
        monthly = int(Benefit.get_by_id(town.benefits["retiree"]).monthly_fen)
    died = as_json(call(cli, "resident", "deceased", number, "--date", "2025-12-20", "--json"))
    assert list(died)[:5] == ["stopped", "overpaid_fen", "funeral_grant_fen", "survivor_fen", "inheritable_fen"]
    # No survivor named: the 抚恤金 due once one is named, and the JSON says none is recorded (fix15money 10).
    assert died["survivor_fen"] > 0 and died["survivor_recorded"] is False and died["survivor_benefits"] == []
    assert [s["id"] for s in died["stopped"]] == [town.benefits["retiree"]]
    assert died["overpaid_fen"] == monthly and died["stopped"][0]["overpaid_months"] == ["2026-01"]
    assert died["funeral_grant_fen"] > 0 and died["inheritable_fen"] >= 0
    twice = call(cli, "resident", "deceased", number, "--date", "2025-12-20", "--json")
    assert twice.returncode != 0 and "已于" in one_line(twice)

    due = as_json(call(cli, "benefit", "due-certification", "--month", "2026-12", "--json"))
    assert due["month"] == "2026-12" and len(due["due"]) == 2  # the two villagers; the dead man is not asked
    assert all("*" in row["id_number"] for row in due["due"])


def test_verify_contract(setup: tuple[Cli, Town], database: peewee.Database, tmp_path: Path) -> None:
    """``kiosk verify CODE``: the genuine certificate code (typed or scanned) exits 0; altered ones exit 1."""
    from kiosk.services.certificates import issue_certificate

    cli, town = setup
    town.at(dt.date(2026, 3, 2))
    _job, document = issue_certificate(town.clerk, town.people["villager"], dt.date(2020, 1, 1), dt.date(2024, 12, 1))
    database.close()
    qr = next(b.data for b in document.blocks if isinstance(b, QR))
    genuine = as_json(call(cli, "verify", qr, "--json"))
    assert genuine["genuine"] is True and genuine["kind"] == "certificate" and genuine["title"] == "参保证明"
    typed = call(cli, "verify", document.code)  # the genuine answer goes on to say what the certificate says
    assert typed.returncode == 0 and "Traceback" not in typed.stderr
    assert "真实有效" in typed.stdout.splitlines()[0] and "2020-01 至 2024-12" in typed.stdout
    altered = call(cli, "verify", qr[:-1] + ("A" if qr[-1] != "A" else "B"))  # the QR's last fact changed
    assert altered.returncode == 1 and "无效" in one_line(altered)
    unknown = call(cli, "verify", document.code[:-1] + ("0" if document.code[-1] != "0" else "1"), "--json")
    assert unknown.returncode == 1 and json.loads(unknown.stdout)["reason"] == "unknown"


def test_certify_contract(setup: tuple[Cli, Town], database: peewee.Database) -> None:
    cli, town = setup
    with database.connection_context():
        number = Resident.get_by_id(town.people["villager"]).id_number
        Benefit.update(status="suspended", reason="not_certified").where(
            Benefit.id == town.benefits["villager"]).execute()
    wrong = call(cli, "benefit", "certify", number, "--staff", "1001", "--json", pin="9999\n")
    assert wrong.returncode != 0 and one_line(wrong)
    done = as_json(call(cli, "benefit", "certify", number, "--staff", "1001", "--json", pin="2580\n"))
    assert done["certified"] == 1 and done["resumed"] == [town.benefits["villager"]]
    with database.connection_context():
        assert Benefit.get_by_id(town.benefits["villager"]).status == "in_payment"
        assert AuditEntry.select().where(AuditEntry.action == "benefit.certify").get().actor == "1001"
