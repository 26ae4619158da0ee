"""Attack E6 and E11 at the command line (both backends): `kiosk staff add` refuses a name with
an escape sequence or markup in one line (exit 2, nothing stored); `[terminal] id` must be
visible text; `staff add/reset-pin/unlock`, `card password/unlock`, `audit rules` and `pension estimate` are
audited as ``admin-cli`` with the OS user who ran them."""

from __future__ import annotations

import json
from pathlib import Path

import peewee
import pytest

from db.files import os_user
from db.models import AuditEntry, Staff, bind
from tests.services.resident_factory import LI_ID, ZHANG_ID, seed_residents
from tests.support import run_cli, use_cli_environment


@pytest.fixture
def cli_env(database: peewee.Database, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> peewee.Database:
    use_cli_environment(monkeypatch, tmp_path, db_url)
    return database


@pytest.mark.parametrize(("name", "needle"), [("王\x1b[31m五", "U+001B"), ("[@click=app.quit]x[/]", "“[”")])
def test_staff_add_refuses_a_name_no_person_has(cli_env: peewee.Database, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str], name: str, needle: str) -> None:
    assert run_cli(monkeypatch, ["staff", "add", "S8", "--name", name, "--role", "clerk"], "739146\n739146\n") == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert needle in err and "姓名" in err and len(err.splitlines()) == 1
    assert "\x1b" not in captured.out + captured.err and "Traceback" not in err
    bind(cli_env)
    assert not Staff.select().exists()


def test_staff_list_never_prints_a_stored_escape_sequence(cli_env: peewee.Database, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(monkeypatch, ["staff", "add", "S8", "--name", "王五", "--role", "clerk"], "739146\n") == 0
    bind(cli_env)
    Staff.update(name="王\x1b]0;pwned\x07五").where(Staff.number == "S8").execute()  # a row from before the rule
    capsys.readouterr()
    assert run_cli(monkeypatch, ["staff", "list"]) == 0
    out = capsys.readouterr().out
    assert "王\ufffd]0;pwned\ufffd五" in out and "\x1b" not in out and "\x07" not in out


@pytest.mark.parametrize("value", ['""', '"Q\\u0007Z"'])
def test_a_terminal_id_must_be_visible_text(cli_env: peewee.Database, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str], tmp_path: Path, value: str) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(f"[terminal]\nid = {value}\n", encoding="utf-8")
    monkeypatch.setenv("KIOSK_CONFIG", str(config))
    assert run_cli(monkeypatch, ["config", "show"]) == 2
    err = capsys.readouterr().err.strip()
    assert "[terminal] id" in err and "control" in err and len(err.splitlines()) == 1


def test_admin_commands_are_audited_as_admin_cli_with_the_os_user(cli_env: peewee.Database,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    seed_residents(cli_env)
    for argv, stdin in ((["staff", "add", "S9", "--name", "王五", "--role", "clerk"], "739146\n"),
                        (["staff", "reset-pin", "S9"], "582039\n"), (["staff", "unlock", "S9"], ""),
                        (["card", "password", LI_ID, "--id-card-checked"], "518273\n518273\n"),
                        (["card", "unlock", LI_ID], ""), (["audit", "rules"], ""),
                        (["pension", "estimate", ZHANG_ID], "")):
        assert run_cli(monkeypatch, argv, stdin) in (0, 1), argv  # audit rules: 1 when it finds something
    bind(cli_env)
    made = {e.action: e for e in AuditEntry.select().where(AuditEntry.action.in_(
        ("staff.add", "staff.reset_pin", "staff.unlock", "resident.password_set", "resident.password_unlock",
         "ruleaudit.run", "pension.estimate")))}
    assert len(made) == 7
    for action, entry in made.items():
        detail = json.loads(entry.detail) if isinstance(entry.detail, str) else entry.detail
        assert (action, entry.actor, detail.get("os_user")) == (action, "admin-cli", os_user())
