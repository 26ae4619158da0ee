"""CLI side of the payment-run fixes (attack D6, D7, D15), subprocess on SQLite and PostgreSQL:
``kiosk benefit run-check`` finds an edited 银行账号 and masks it; the command-line audit actor."""

from __future__ import annotations

import json
from pathlib import Path

import peewee
import pytest

from db import audit
from db.models import AuditEntry, BenefitRun
from kiosk.clock import FixedClock
from tests.cli.test_audit_cli import Cli, one_line
from tests.cli.test_benefit_run_cli import as_json, call
from tests.services.benefit_town import Town, build


@pytest.fixture
def town_cli(database: peewee.Database, db_url: str, clock: FixedClock, tmp_path: Path) -> tuple[Cli, Town]:
    """A benefit township (tests.services.benefit_town) and a command line on its database."""
    cli = Cli(tmp_path, db_url)
    audit.use_key(audit.create_key_file(cli.key_file))
    town = build(database, clock, tmp_path)
    database.close()  # the commands open their own connections
    return cli, town


def _post(cli: Cli, out: Path) -> dict[str, object]:
    return as_json(call(cli, "benefit", "run", "2026-01", "--staff", "2001", "--out", str(out), "--json",
                        pin="3691\n"))


def test_run_check_finds_an_edited_account_and_masks_it(town_cli: tuple[Cli, Town], database: peewee.Database,
                                             tmp_path: Path) -> None:
    cli, _town = town_cli
    out = tmp_path / "daifa-2026-01.csv"
    posted = _post(cli, out)
    checked = as_json(call(cli, "benefit", "run-check", "2026-01", "--file", str(out), "--json"))
    assert list(checked) == ["month", "file", "sha256", "recorded_sha256", "hash_matches", "lines",
                             "accounts_recorded", "differences", "ok"]
    assert checked["ok"] is True and checked["hash_matches"] is True and checked["lines"] == posted["paid"]
    with database.connection_context():
        assert BenefitRun.get().file_sha256 == checked["sha256"]

    text = out.read_text(encoding="utf-8-sig")
    row = text.splitlines()[2]  # the second payee
    account = row.split(",")[5].strip()
    assert len(account) >= 12
    forged = account[:-4] + ("0000" if not account.endswith("0000") else "1111")
    edited = tmp_path / "edited.csv"
    edited.write_text(text.replace(account, forged), encoding="utf-8-sig")
    bad = call(cli, "benefit", "run-check", "2026-01", "--file", str(edited), "--json")
    assert bad.returncode == 1, bad.stderr
    data = json.loads(bad.stdout)
    assert data["ok"] is False and data["hash_matches"] is False
    assert [(d["line"], d["field"]) for d in data["differences"]] == [(2, "bank_account")]
    assert account not in bad.stdout and forged not in bad.stdout  # masked: last 4 digits only
    plain = call(cli, "benefit", "run-check", "2026-01", "--file", str(edited))
    assert plain.returncode == 1 and "第2行" in plain.stdout and "银行账号" in plain.stdout
    assert account not in plain.stdout and forged not in plain.stdout and "Traceback" not in plain.stderr

    missing = call(cli, "benefit", "run-check", "2026-01", "--file", str(tmp_path / "nope.csv"))
    assert missing.returncode != 0 and "nope.csv" in one_line(missing) and "Traceback" not in missing.stderr
    not_posted = call(cli, "benefit", "run-check", "2026-02", "--file", str(out))
    assert not_posted.returncode != 0 and "2026-02" in one_line(not_posted)
    with database.connection_context():
        entries = list(AuditEntry.select().where(AuditEntry.action == "benefit.run_check").order_by(AuditEntry.seq))
    assert len(entries) == 3 and {e.actor for e in entries} == {"admin-cli"}
    assert [e.detail["ok"] for e in entries] == [True, False, False] and entries[0].detail["os_user"]


def test_run_check_of_an_xlsx_file(town_cli: tuple[Cli, Town], tmp_path: Path) -> None:
    cli, _town = town_cli
    out = tmp_path / "daifa-2026-01.xlsx"
    posted = _post(cli, out)
    checked = as_json(call(cli, "benefit", "run-check", "2026-01", "--file", str(out), "--json"))
    assert checked["ok"] is True and checked["lines"] == posted["paid"] and checked["differences"] == []


def test_run_of_a_month_already_paid_outside_a_run_says_so_and_writes_nothing(
        town_cli: tuple[Cli, Town], database: peewee.Database, tmp_path: Path) -> None:
    cli, _town = town_cli
    posted = _post(cli, tmp_path / "first.csv")
    with database.connection_context():
        BenefitRun.delete().execute()  # payments of the month that no run explains (the seeded demo)
    out = tmp_path / "second.csv"
    again = call(cli, "benefit", "run", "2026-01", "--staff", "2001", "--out", str(out), "--json", pin="3691\n")
    data = as_json(again)
    assert (data["paid"], data["total_fen"], data["file"]) == (0, 0, None)
    assert data["covered"] == {"payments": 4, "total_fen": posted["total_fen"], "outside_runs": 4}
    assert not out.exists() and "已由 4 笔支付覆盖" in again.stderr and "未发放" in again.stderr
    plain = call(cli, "benefit", "run", "2026-01", "--staff", "2001", "--out", str(out), pin="3691\n")
    assert plain.returncode == 0 and "已由 4 笔支付覆盖" in plain.stdout and "已发放 posted" not in plain.stdout
    assert not out.exists()
    with database.connection_context():
        assert not BenefitRun.select().exists()


def test_cli_entries_name_the_command_line_not_a_resident(town_cli: tuple[Cli, Town],
                                                          database: peewee.Database) -> None:
    """Attack D15: ``kiosk audit rules`` (a ServiceContext without staff) was audited as ``resident``."""
    cli, _town = town_cli
    rules = call(cli, "audit", "rules", "--json")
    assert rules.returncode in (0, 1) and "findings" in json.loads(rules.stdout)
    with database.connection_context():
        entry = AuditEntry.select().where(AuditEntry.action == "ruleaudit.run").order_by(AuditEntry.seq.desc()).get()
        assert entry.actor == "admin-cli"
        assert not AuditEntry.select().where((AuditEntry.actor == "resident")
                                             & (AuditEntry.seq > entry.seq - 1)).exists()
