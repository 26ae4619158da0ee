"""`kiosk staff reset-pin NUMBER` and `kiosk staff unlock NUMBER`: the PIN twice on
stdin when it is not a terminal, both audited, one clear line for a mistake."""

from __future__ import annotations

import datetime as dt
import json

import peewee
import pytest

from db.files import os_user
from db.models import AuditEntry, Staff, bind
from kiosk.rules.pins import verify_pin
from tests.cli.test_staff_audit import cli_env
from tests.support import run_cli as run

__all__ = ["cli_env"]  # the fixture, shared with test_staff_audit


def _locked_clerk(monkeypatch: pytest.MonkeyPatch, database: peewee.Database) -> None:
    assert run(monkeypatch, ["staff", "add", "0007", "--name", "王芳", "--role", "clerk"], "2580\n2580\n") == 0
    bind(database)
    Staff.update(failed_attempts=0, locked_until=dt.datetime(2099, 1, 1)).where(Staff.number == "0007").execute()


def _actions(number: str) -> list[str]:
    return [entry.action for entry in AuditEntry.select().where(AuditEntry.entity_id == number)
            .order_by(AuditEntry.id)]


def _names_staff_and_os_user(number: str) -> None:
    """The last entry names the account acted on and who ran the command on this machine (issue 17)."""
    entry = AuditEntry.select().where(AuditEntry.entity_id == number).order_by(AuditEntry.id.desc()).get()
    detail = json.loads(entry.detail) if isinstance(entry.detail, str) else entry.detail
    assert entry.actor == "admin-cli"  # the command line, never "system" (attack E11)
    assert detail["staff"] == number and detail["os_user"] == os_user()


def test_unlock_lifts_the_lock_and_keeps_the_pin(cli_env: peewee.Database, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    _locked_clerk(monkeypatch, cli_env)
    assert run(monkeypatch, ["staff", "unlock", "0007"]) == 0
    assert "0007" in capsys.readouterr().out
    bind(cli_env)
    row = Staff.get(Staff.number == "0007")
    assert row.locked_until is None and row.failed_attempts == 0 and verify_pin(row.pin_hash, "2580")
    assert _actions("0007")[-1] == "staff.unlock"
    _names_staff_and_os_user("0007")


def test_reset_pin_reads_it_twice_and_unlocks(cli_env: peewee.Database, monkeypatch: pytest.MonkeyPatch) -> None:
    _locked_clerk(monkeypatch, cli_env)
    assert run(monkeypatch, ["staff", "reset-pin", "0007"], "3691\n3691\n") == 0
    bind(cli_env)
    row = Staff.get(Staff.number == "0007")
    assert verify_pin(row.pin_hash, "3691") and not verify_pin(row.pin_hash, "2580")
    assert row.locked_until is None
    assert _actions("0007")[-1] == "staff.reset_pin"
    _names_staff_and_os_user("0007")


@pytest.mark.parametrize(("argv", "stdin", "needle"), [
    (["staff", "reset-pin", "0007"], "3691\n3692\n", "不一致"),
    (["staff", "reset-pin", "0007"], "1111\n1111\n", "太简单"),
    (["staff", "reset-pin", "9999"], "3691\n3691\n", "9999"),
    (["staff", "unlock", "9999"], "", "9999"),
])
def test_mistakes_get_one_line_and_change_nothing(cli_env: peewee.Database, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str], argv: list[str], stdin: str,
                                                  needle: str) -> None:
    _locked_clerk(monkeypatch, cli_env)
    capsys.readouterr()
    assert run(monkeypatch, argv, stdin) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and len(err.splitlines()) == 1
    bind(cli_env)
    row = Staff.get(Staff.number == "0007")
    assert verify_pin(row.pin_hash, "2580") and row.locked_until is not None


def test_full_width_number_and_pin_are_the_same_account(cli_env: peewee.Database, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """The command line goes through the one normaliser too (issue 19 follow-up):
    a full-width number names the account, a full-width PIN typed once and a
    half-width one typed again are the same PIN."""
    assert run(monkeypatch, ["staff", "add", "ｓ００８", "--name", "李四", "--role", "clerk"], "３６９１\n3691\n") == 0
    assert "S008" in capsys.readouterr().out
    assert run(monkeypatch, ["staff", "reset-pin", "ｓ００８"], "２５８０\n2580\n") == 0
    assert "S008" in capsys.readouterr().out
    bind(cli_env)
    assert verify_pin(Staff.get(Staff.number == "S008").pin_hash, "2580")
