"""Files and the command line (issue 13.4): private, audited, formula-safe exports and
reject files; one calm line for a damaged, incomplete or unreachable database; a demo
that cleans up after itself and writes nothing outside its folder."""

from __future__ import annotations

import csv
import datetime as dt
import fcntl
import os
import pty
import select
import signal
import sqlite3
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import peewee
import pytest

from db import audit
from db.models import AuditEntry, Resident, bind
from tests.cli.test_audit_cli import ROOT, Cli, one_line
from tests.support import run_cli, use_cli_environment

NOW = dt.datetime(2026, 11, 29, 1, 30)
FORMULAS = {"name": "=HYPERLINK(\"http://x\",\"张\")", "address": "@SUM(1+1)*cmd|' /C calc'!A0",
            "village": "-2+3", "phone": "+1-2"}


@pytest.fixture
def cli_env(database: peewee.Database, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> peewee.Database:
    """The in-process CLI on the test database, everything under tmp_path."""
    use_cli_environment(monkeypatch, tmp_path, db_url)
    Resident.create(id_number="110101199003074514", sex="male", birth_date=dt.date(1990, 3, 7),
                    created_at=NOW, updated_at=NOW, **FORMULAS)
    Resident.create(id_number="36072619800101001X", name="李四", sex="male", birth_date=dt.date(1980, 1, 1),
                    created_at=NOW, updated_at=NOW)
    audit.append(actor="S001", terminal="T01", action="resident.register", now=NOW)
    return database


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_csv_export_is_0600_audited_and_formula_safe(cli_env: peewee.Database, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "x.csv"
    target.write_text("old, readable by all\n", encoding="utf-8")
    target.chmod(0o644)  # an older export with loose permissions is replaced, not reused
    assert run_cli(monkeypatch, ["export", "residents", str(target)]) == 0
    assert "0600" in capsys.readouterr().out
    assert _mode(target) == 0o600
    assert not list(tmp_path.glob(".x.csv.*"))  # no temporary file left behind
    with target.open(encoding="utf-8-sig", newline="") as handle:
        header, first, second = list(csv.reader(handle))
    cells = dict(zip(header, first, strict=False))
    assert cells["姓名"] == "'" + FORMULAS["name"]
    assert cells["户籍地址"] == "'" + FORMULAS["address"]
    assert cells["村(社区)"] == "'" + FORMULAS["village"]
    assert cells["联系电话"] == "'" + FORMULAS["phone"]
    assert first[1] == "\t110101199003074514"  # an ID number stays text in Excel
    assert second[1] == "36072619800101001X" and second[0] == "李四"
    bind(cli_env)
    entry = AuditEntry.select().order_by(AuditEntry.seq.desc()).get()
    assert entry.action == "export.residents" and entry.actor == "admin-cli"
    assert entry.detail["rows"] == 2 and entry.detail["file"] == str(target.resolve())
    assert entry.detail["os_user"]
    assert audit.check_chain().problem is None


def test_xlsx_export_keeps_formulas_and_ids_as_text(cli_env: peewee.Database, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import openpyxl

    target = tmp_path / "x.xlsx"
    assert run_cli(monkeypatch, ["export", "residents", str(target)]) == 0
    assert _mode(target) == 0o600
    sheet = openpyxl.load_workbook(target).worksheets[0]
    name, number = sheet.cell(2, 1), sheet.cell(2, 2)
    assert (name.value, name.data_type) == (FORMULAS["name"], "s")
    assert (number.value, number.data_type) == ("110101199003074514", "s")


def test_export_with_staff_and_contributions_is_audited(cli_env: peewee.Database, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_cli(monkeypatch, ["export", "contributions", str(tmp_path / "c.csv"), "--staff", "nobody"]) == 2
    assert not (tmp_path / "c.csv").exists()
    assert run_cli(monkeypatch, ["export", "contributions", str(tmp_path / "c.csv")]) == 0
    bind(cli_env)
    entry = AuditEntry.select().order_by(AuditEntry.seq.desc()).get()
    assert entry.action == "export.contributions" and entry.detail["rows"] == 0
    assert _mode(tmp_path / "c.csv") == 0o600


def test_reject_file_is_0600_and_named_in_the_audit(cli_env: peewee.Database, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "in.csv"
    source.write_text("姓名,公民身份号码,联系电话,户籍地址,村(社区)\n"
                      "王五,360726198001010028,13800001234,龙岗村1号,龙岗村\n"
                      "=cmd(),123,13800001235,龙岗村2号,龙岗村\n", encoding="utf-8")
    assert run_cli(monkeypatch, ["import", "residents", str(source), "--skip-invalid"]) == 0
    rejects = tmp_path / "in.invalid.csv"
    assert _mode(rejects) == 0o600
    with rejects.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[-1][:2] == ["'=cmd()", "123"]  # the refused cells, the formula neutralised
    bind(cli_env)
    entry = AuditEntry.select().order_by(AuditEntry.seq.desc()).get()
    assert entry.action == "roster.import" and entry.detail["invalid_file"] == str(rejects.resolve())


# -- database faults through the real command line -------------------------------------------


COMMANDS = (["run"], ["db", "check"], ["audit", "verify"])


@pytest.fixture
def sqlite_cli(tmp_path: Path) -> Cli:
    runner = Cli(tmp_path, f"sqlite:///{tmp_path / 'kiosk.db'}")
    assert runner("db", "init").returncode == 0
    return runner


@pytest.mark.parametrize("argv", COMMANDS, ids=" ".join)
def test_a_corrupt_database_file_is_one_line(sqlite_cli: Cli, tmp_path: Path, argv: list[str]) -> None:
    for leftover in tmp_path.glob("kiosk.db*"):
        leftover.unlink()
    (tmp_path / "kiosk.db").write_bytes(os.urandom(64 * 1024))
    result = sqlite_cli(*argv)
    line = one_line(result)
    assert result.returncode != 0 and "损坏" in line and "kiosk.db" in line


@pytest.mark.parametrize("argv", COMMANDS, ids=" ".join)
def test_a_missing_table_is_one_line(sqlite_cli: Cli, tmp_path: Path, argv: list[str]) -> None:
    connection = sqlite3.connect(tmp_path / "kiosk.db")
    connection.execute("DROP TABLE audit_entry")
    connection.commit()
    connection.close()
    result = sqlite_cli(*argv)
    output = (result.stdout + result.stderr).strip()
    assert result.returncode != 0 and "Traceback" not in output
    assert "audit_entry" in output and len(output.splitlines()) <= 2, output


@pytest.mark.parametrize("argv", COMMANDS, ids=" ".join)
def test_an_unreachable_server_is_one_line(tmp_path: Path, argv: list[str]) -> None:
    runner = Cli(tmp_path, "postgresql://kiosk@127.0.0.1:1/kiosk")
    audit.create_key_file(runner.key_file)
    result = runner(*argv)
    line = one_line(result)
    assert result.returncode != 0 and "127.0.0.1" in line


# -- the demo -------------------------------------------------------------------------------


def _demo(tmp_path: Path, *extra: str) -> tuple[Path, int, str]:
    """Start `kiosk demo` on a pty, wait until the kiosk is on screen, hang up; return its folder,
    exit status and output."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("KIOSK_LOG_DIR", audit.KEY_ENV)}
    env.update(TMPDIR=str(scratch), PYTHONPATH=str(ROOT), TERM="xterm-256color",
               XDG_DATA_HOME=str(tmp_path / "data"), XDG_CONFIG_HOME=str(tmp_path / "config"))
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    process = subprocess.Popen([sys.executable, "-m", "kiosk", "demo", *extra], stdin=slave, stdout=slave,
                               stderr=slave, env=env, cwd=tmp_path, start_new_session=True)
    os.close(slave)
    output = b""
    deadline = time.monotonic() + 180
    try:
        while b"\x1b[?1049h" not in output:  # the app switched to its screen
            assert process.poll() is None, output.decode(errors="replace")
            assert time.monotonic() < deadline, output.decode(errors="replace")
            if select.select([master], [], [], 0.5)[0]:
                output += os.read(master, 65536)
        folders = list(scratch.glob("kiosk-demo-*"))
        assert len(folders) == 1
        process.send_signal(signal.SIGHUP)
        while process.poll() is None and time.monotonic() < deadline + 60:
            if select.select([master], [], [], 0.5)[0]:
                try:
                    output += os.read(master, 65536)
                except OSError:
                    break
        status = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
        os.close(master)
    return folders[0], status, output.decode(errors="replace")


def test_demo_removes_its_folder_and_writes_nothing_outside(tmp_path: Path) -> None:
    folder, status, output = _demo(tmp_path)
    assert status != 0 and "Traceback" not in output  # a lost terminal ends it non-zero
    deadline = time.monotonic() + 60
    while folder.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not folder.exists()
    assert not (tmp_path / "data").exists() and not (tmp_path / "config").exists()


def test_demo_keep_leaves_the_folder(tmp_path: Path) -> None:
    folder, _, output = _demo(tmp_path, "--keep")
    assert folder.is_dir() and str(folder) in output
    assert {"kiosk.db", "audit.key", "logs"} <= {p.name for p in folder.iterdir()}
    assert (folder / "logs" / "kiosk.log").is_file()
    assert not (tmp_path / "data").exists()
