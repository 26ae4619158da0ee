"""Issue 15 money fix 5 through the CLI (SQLite and PostgreSQL): the run's file handling — a month
already posted names its file and writes nothing, an existing file is never overwritten, a preview
writes no file, and the default folder is ``[payment] disbursement_dir``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import peewee
import pytest

from db import audit
from db.models import BenefitRun
from kiosk.clock import FixedClock
from tests.cli.test_audit_cli import Cli, one_line
from tests.services.benefit_town import build


def _call(cli: Cli, folder: Path, *args: str, pin: str = "") -> subprocess.CompletedProcess[str]:
    env = cli.env()
    config = Path(env["KIOSK_CONFIG"])
    config.write_text(config.read_text(encoding="utf-8") + f'[payment]\ndisbursement_dir = "{folder}"\n',
                      encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "kiosk", *args], env=env, capture_output=True, text=True,
                          cwd=cli.folder, timeout=120, input=pin)


@pytest.fixture
def cli(database: peewee.Database, db_url: str, clock: FixedClock, tmp_path: Path) -> Cli:
    runner = Cli(tmp_path, db_url)
    audit.use_key(audit.create_key_file(runner.key_file))
    build(database, clock, tmp_path)
    database.close()
    return runner


def test_run_file_handling(cli: Cli, database: peewee.Database, tmp_path: Path) -> None:
    folder = tmp_path / "daifa-folder"
    other = tmp_path / "other.csv"
    preview = _call(cli, folder, "benefit", "run", "2026-01", "--dry-run", "--out", str(other))
    assert preview.returncode != 0 and "--dry-run" in one_line(preview) and not other.exists()

    posted = _call(cli, folder, "benefit", "run", "2026-01", "--staff", "2001", pin="3691\n")
    assert posted.returncode == 0, posted.stderr
    january = folder / "daifa-2026-01.csv"
    assert january.exists() and str(january) in posted.stdout  # the [payment] disbursement_dir setting

    again = _call(cli, folder, "benefit", "run", "2026-01", "--staff", "2001", "--out", str(other), pin="3691\n")
    assert again.returncode == 0 and "已经发放过" in again.stdout and str(january) in again.stdout
    assert "未写入" in again.stdout and not other.exists()

    before = january.read_bytes()
    clash = _call(cli, folder, "benefit", "run", "2025-12", "--staff", "2001", "--out", str(january), pin="3691\n")
    assert clash.returncode != 0 and "从不覆盖" in one_line(clash)
    assert january.read_bytes() == before
    with database.connection_context():
        assert not BenefitRun.select().where(BenefitRun.month == "2025-12-01").exists()
