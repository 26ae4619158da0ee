"""`kiosk card password ID_NUMBER` (two stdin lines) and `kiosk card unlock ID_NUMBER`
on both backends: one-line errors, hashes stored, audited as the command."""

from __future__ import annotations

from pathlib import Path

import peewee
import pytest

from db.models import AuditEntry, Resident, bind
from kiosk.rules.pins import verify_pin
from tests.services.resident_factory import LI_ID, ZHANG_ID, seed_residents
from tests.support import run_cli, use_cli_environment


@pytest.fixture
def cli_env(database: peewee.Database, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> peewee.Database:
    seed_residents(database)
    use_cli_environment(monkeypatch, tmp_path, db_url)
    return database


def test_password_twice_on_stdin_sets_the_hash(cli_env: peewee.Database, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(monkeypatch, ["card", "password", LI_ID.lower()], "518273\n518273\n") == 0
    out = capsys.readouterr().out
    assert "1101**********002X" in out and LI_ID not in out and "518273" not in out
    bind(cli_env)
    row = Resident.get(Resident.id_number == LI_ID)
    assert verify_pin(row.service_password_hash, "518273")
    entry = AuditEntry.select().order_by(AuditEntry.seq.desc()).get()
    assert entry.action == "resident.password_set" and entry.actor == "admin-cli"


@pytest.mark.parametrize(("argv", "stdin", "needle"), [
    (["card", "password", LI_ID], "518273\n518274\n", "不一致"),
    (["card", "password", LI_ID], "518273\n", "两行"),
    (["card", "password", LI_ID], "123456\n123456\n", "连续"),
    (["card", "password", LI_ID], "900307\n900307\n", "出生日期"),
    (["card", "password", "110101197003074514"], "518273\n518273\n", "校验"),
    (["card", "password", "110101198001010037"], "518273\n518273\n", "尚未参保"),
    (["card", "unlock", "110101198001010037"], "", "尚未参保"),
])
def test_bad_input_is_one_line(cli_env: peewee.Database, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str], argv: list[str], stdin: str, needle: str) -> None:
    assert run_cli(monkeypatch, argv, stdin) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and len(err.splitlines()) == 1 and "Traceback" not in err
    bind(cli_env)
    assert Resident.select().where(Resident.service_password_hash != "").count() == 0


def test_unlock_reopens_a_locked_card(cli_env: peewee.Database, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str], clock: object) -> None:
    bind(cli_env)
    Resident.update(service_password_failures=5, service_password_locked_at=Resident.created_at).where(
        Resident.id_number == ZHANG_ID).execute()
    assert run_cli(monkeypatch, ["card", "unlock", ZHANG_ID]) == 0
    assert "已解除锁定" in capsys.readouterr().out
    bind(cli_env)
    row = Resident.get(Resident.id_number == ZHANG_ID)
    assert row.service_password_locked_at is None and row.service_password_failures == 0
    assert run_cli(monkeypatch, ["card", "unlock", ZHANG_ID]) == 0
    assert "未锁定" in capsys.readouterr().out
    bind(cli_env)
    assert AuditEntry.select().where(AuditEntry.action == "resident.password_unlock").count() == 2


def _wide(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


def test_a_full_width_id_is_echoed_normalised_and_masked(cli_env: peewee.Database, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    typed = "\u3000".join((_wide(LI_ID[:6]), _wide(LI_ID[6:14]), _wide(LI_ID[14:])))
    assert run_cli(monkeypatch, ["card", "password", "--id-card-checked", typed], "518273\n518273\n") == 0
    out = capsys.readouterr().out
    assert "1101**********002X" in out and "１" not in out
    assert run_cli(monkeypatch, ["card", "unlock", typed]) == 0
    assert "1101**********002X" in capsys.readouterr().out


@pytest.mark.parametrize(("flag", "checked"), [([], False), (["--id-card-checked"], True)])
def test_the_audit_records_whether_the_id_card_check_was_declared(
        cli_env: peewee.Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        flag: list[str], checked: bool) -> None:
    assert run_cli(monkeypatch, ["card", "password", *flag, LI_ID], "518273\n518273\n") == 0
    err = capsys.readouterr().err
    assert ("--id-card-checked" in err) is not checked
    bind(cli_env)
    entry = AuditEntry.select().where(AuditEntry.action == "resident.password_set").get()
    assert entry.detail["id_card_checked"] is checked and entry.detail["channel"] == "cli"
