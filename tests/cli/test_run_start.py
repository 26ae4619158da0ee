"""``kiosk run`` at start (issue 18.4): a bad policy file stops it before the interface opens,
also when an earlier version of the file was seen valid; a file seen valid is parsed only after
the start; the receipt renderer, the spool and the policy parser are not loaded before the app runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kiosk.app import KioskApp
from kiosk.i18n import CACHE_ENV
from kiosk.policy import DEFAULT_POLICY_FILE, PolicyBook
from tests.support import run_cli, use_cli_environment

ROOT = Path(__file__).resolve().parents[2]
LATE = ("kiosk.policy.loader", "kiosk.rules.parameters", "printers.spool", "printers.escpos_render",
        "printers.document")


@pytest.fixture
def config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An initialised SQLite database and a kiosk.toml naming a local policy file."""
    use_cli_environment(monkeypatch, tmp_path, f"sqlite:///{tmp_path / 'kiosk.db'}")
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    (tmp_path / "local.toml").write_text(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    path = tmp_path / "kiosk.toml"
    path.write_text(f'[policy]\nfile = "{tmp_path / "local.toml"}"\n'
                    f'[printer]\nurl = "preview:{tmp_path / "receipts"}"\n', encoding="utf-8")
    assert run_cli(monkeypatch, ["--config", str(path), "db", "init"]) == 0
    return path


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[KioskApp]:
    """Apps that `kiosk run` got as far as running (the interface itself is not started)."""
    apps: list[KioskApp] = []

    def run(self: KioskApp, *args: Any, **kwargs: Any) -> None:
        apps.append(self)

    monkeypatch.setattr(KioskApp, "run", run)
    return apps


def test_a_policy_seen_valid_is_parsed_after_the_start(config: Path, monkeypatch: pytest.MonkeyPatch,
                                                        started: list[KioskApp]) -> None:
    assert run_cli(monkeypatch, ["--config", str(config), "run"]) == 0
    assert run_cli(monkeypatch, ["--config", str(config), "run"]) == 0
    first, second = started
    assert isinstance(first.ctx.extras["policy"], PolicyBook)  # a file not seen before: parsed at start
    assert "policy" not in second.ctx.extras  # seen valid: not parsed yet
    book = second.services.policy
    assert book.source == "local.toml" and repr(book) == repr(first.services.policy)
    # Any service call finds the book in place, even one queued before the first paint.
    assert second.executor.submit(lambda: second.ctx.extras.get("policy")).result(30) is book
    for app in started:
        app.executor.close()


def test_a_bad_policy_file_stops_the_kiosk_before_its_interface(config: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 started: list[KioskApp], tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(monkeypatch, ["--config", str(config), "run"]) == 0  # seen valid once
    local = tmp_path / "local.toml"
    local.write_text(local.read_text(encoding="utf-8").replace("priority_age = 70", "priority_age = 20", 1),
                     encoding="utf-8")
    capsys.readouterr()
    for _ in range(2):
        assert run_cli(monkeypatch, ["--config", str(config), "run"]) == 2
        error = capsys.readouterr().err.strip()
        assert "local.toml" in error and "priority_age" in error and len(error.splitlines()) == 1, error
    assert len(started) == 1
    started[0].executor.close()


START = """
import sys
from textual.app import App
def run(self, *args, **kwargs):
    print(" ".join(name for name in sys.argv[2:] if name in sys.modules))
App.run = run
from kiosk.cli import main
raise SystemExit(main(["--config", sys.argv[1], "run"]))
"""


def test_the_renderer_spool_and_policy_parser_load_after_the_start(config: Path, monkeypatch: pytest.MonkeyPatch,
                                                                    started: list[KioskApp]) -> None:
    assert run_cli(monkeypatch, ["--config", str(config), "run"]) == 0  # the policy seen valid once
    started[0].executor.close()
    done = subprocess.run([sys.executable, "-c", START, str(config), *LATE], cwd=ROOT, env=dict(os.environ),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"loaded before the app runs: {done.stdout}"
