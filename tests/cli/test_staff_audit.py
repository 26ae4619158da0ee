"""`kiosk staff add` with the PIN on stdin, and `kiosk audit verify` finding an edited row."""

from __future__ import annotations

from pathlib import Path

import peewee
import pytest

from db.models import Staff, bind
from kiosk.rules.pins import verify_pin
from tests.support import run_cli, use_cli_environment


@pytest.fixture
def cli_env(database: peewee.Database, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> peewee.Database:
    use_cli_environment(monkeypatch, tmp_path, db_url)
    return database


def test_staff_add_reads_pin_twice_from_stdin(cli_env: peewee.Database, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(monkeypatch, ["staff", "add", "0001", "--name", "王芳", "--role", "clerk"], "2580\n2580\n") == 0
    assert "0001" in capsys.readouterr().out
    bind(cli_env)
    row = Staff.get(Staff.number == "0001")
    assert row.role == "clerk" and verify_pin(row.pin_hash, "2580")


def test_staff_add_one_line_is_used_twice(cli_env: peewee.Database, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_cli(monkeypatch, ["staff", "add", "0002", "--name", "李四", "--role", "supervisor"], "3691\n") == 0
    bind(cli_env)
    assert verify_pin(Staff.get(Staff.number == "0002").pin_hash, "3691")


@pytest.mark.parametrize(("argv", "stdin", "needle"), [
    (["staff", "add", "0003", "--name", "张三", "--role", "clerk"], "2580\n2581\n", "不一致"),
    (["staff", "add", "0003", "--name", "张三", "--role", "clerk"], "1111\n", "太简单"),
    (["staff", "add", "0003", "--name", "张三", "--role", "clerk"], "", "没有读到PIN"),
])
def test_staff_add_refuses_with_one_line(cli_env: peewee.Database, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str], argv: list[str], stdin: str,
                                         needle: str) -> None:
    assert run_cli(monkeypatch, argv, stdin) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and len(err.splitlines()) == 1
    bind(cli_env)
    assert Staff.select().count() == 0


def test_staff_add_duplicate_number_exits_2(cli_env: peewee.Database, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(monkeypatch, ["staff", "add", "0001", "--name", "王芳", "--role", "clerk"], "2580\n") == 0
    assert run_cli(monkeypatch, ["staff", "add", "0001", "--name", "李四", "--role", "admin"], "3691\n") == 2
    assert "已存在" in capsys.readouterr().err


def test_audit_verify_passes_then_names_the_edited_row(cli_env: peewee.Database, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    for number, name in (("0001", "王芳"), ("0002", "李四"), ("0003", "张三")):
        assert run_cli(monkeypatch, ["staff", "add", number, "--name", name, "--role", "clerk"], "2580\n") == 0
    capsys.readouterr()
    assert run_cli(monkeypatch, ["audit", "verify"]) == 0
    out = capsys.readouterr().out
    assert "OK" in out and "3 条" in out
    bind(cli_env)
    cli_env.execute_sql("UPDATE audit_entry SET actor = 'intruder' WHERE seq = 2")
    assert run_cli(monkeypatch, ["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert "#2" in out and "被修改" in out


def test_report_daily_writes_xlsx_and_refuses_bad_date(cli_env: peewee.Database, monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import openpyxl

    target = tmp_path / "r.xlsx"
    assert run_cli(monkeypatch, ["report", "daily", "--date", "2026-11-29", str(target)]) == 0
    assert openpyxl.load_workbook(target).sheetnames == ["业务统计", "收款统计", "参保率", "审计锚点"]
    assert run_cli(monkeypatch, ["report", "daily", "--date", "29/11", str(target)]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
