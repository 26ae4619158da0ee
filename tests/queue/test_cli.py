"""``kiosk queue take | status | categories`` through the CLI entry point."""

from __future__ import annotations

from pathlib import Path

import peewee
import pytest

from db.models import PrintJob, Ticket
from kiosk.cli import main


@pytest.fixture
def cli_env(database: peewee.Database, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[terminal]\nid = "K09"\n[printer]\nurl = "preview:{tmp_path / "out"}"\n', encoding="utf-8")
    monkeypatch.setenv("KIOSK_DATABASE_URL", db_url)
    monkeypatch.setenv("KIOSK_CONFIG", str(config))
    return tmp_path


def test_take_prints_the_number_first_and_the_ticket(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["queue", "take", "a"]) == 0
    assert main(["queue", "take", "A"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "A001"
    assert "A002" in lines
    job = PrintJob.get(PrintJob.code.is_null(False))
    assert (job.kind, job.status, job.terminal) == ("ticket", "printed", "K09")
    text = "".join(p.read_text(encoding="utf-8") for p in (cli_env / "out").glob("*.txt"))
    assert "A001" in text and "A002" in text and "T" in text


def test_take_without_printing(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["queue", "take", "V", "--no-print"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "V001"
    assert PrintJob.select().count() == 0
    assert Ticket.get(Ticket.code == "V001").priority


def test_unknown_category_is_one_line_and_exit_2(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["queue", "take", "Z"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip().count("\n") == 0 and "没有业务类别「Z」" in captured.err
    assert Ticket.select().count() == 0


def test_status_and_categories(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["queue", "take", "B", "--no-print"])
    main(["queue", "take", "B", "--no-print"])
    capsys.readouterr()
    assert main(["queue", "status"]) == 0
    out = capsys.readouterr().out
    assert "等候 waiting: 2" in out and "B 缴费" in out and "1号窗口" in out
    assert main(["queue", "categories"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("A  参保登记") and "V  优先窗口" in out


def test_take_in_a_real_process_starts_stdout_with_the_number(cli_env: Path) -> None:
    """DESIGN.md §4 / README: `kiosk queue take A` prints the number (A001) as stdout's whole first
    line and first token, whatever the printer does; the details follow on the next line."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=str(root))
    result = subprocess.run([sys.executable, "-m", "kiosk", "queue", "take", "A"], env=env, capture_output=True,
                            text=True, cwd=root, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "A001" and result.stdout.splitlines()[0] == "A001"
    assert "A001" in result.stdout.splitlines()[1]  # the scan code on the details line ends with the number
