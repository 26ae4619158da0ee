"""SQL-injection strings in every text field are stored verbatim and do no
harm (both backends); and ``kiosk db backup`` taken while another process
keeps writing restores (``kiosk db restore``) into a new file that passes
``kiosk db check`` with the backup's row counts."""

from __future__ import annotations

import csv
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import peewee
import pytest

from db.check import run_checks
from db.models import Application, ApplicationEvent, Resident
from db.roster import import_residents
from kiosk.clock import FixedClock
from kiosk.services import ServiceContext, ServiceError
from kiosk.services import applications as apps
from kiosk.services.registration import register_resident
from kiosk.services.staff import add_staff
from tests.support import numbered_name

from .crash_harness import id_number

ROOT = Path(__file__).resolve().parents[2]
NASTY = ["'); DROP TABLE resident;--", "张三' OR '1'='1", "\"; DELETE FROM application; --",
         "1; UPDATE account SET balance_fen = 0", "Robert'); DROP TABLE audit_entry;--", "%_\\' \\\" ;"]


def test_injection_strings_are_stored_verbatim_and_harmless(database: peewee.Database, clock: FixedClock,
                                                             tmp_path: Path) -> None:
    ctx = ServiceContext(database, clock, terminal="C01")
    staff = add_staff(ctx, "1001", "王芳", "clerk", "2580")
    clerk = ctx.as_staff(staff.id, staff.number)
    for k, text in enumerate(NASTY):
        # As a name it is refused (no name has quotes, semicolons or =): nothing stored.
        with pytest.raises(ServiceError) as refused:
            register_resident(clerk, id_number(3000 + k), text[:30])
        assert refused.value.code == "name_symbol"
        person = register_resident(clerk, id_number(3000 + k), numbered_name("注入", k), address=text, village=text)
        row = Resident.get_by_id(person.id)
        assert (row.address, row.village) == (text.strip(), text.strip())
        info = apps.submit(clerk, person.id, "enrol_resident_medical", materials_received=["id_card", "hukou"],
                           note=text)
        info = apps.advance(clerk, info.number, "returned", note=text, expected_version=info.version)
        assert info.reason == text.strip()
        notes = [e.note for e in ApplicationEvent.select().where(ApplicationEvent.application == info.id)
                 .order_by(ApplicationEvent.id)]
        assert notes == [text, text.strip()]
    # the roster file route
    path = tmp_path / "nasty.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["姓名", "公民身份号码", "联系电话", "户籍地址", "村(社区)", "户口性质"])
        for k, text in enumerate(NASTY):
            writer.writerow([numbered_name("注入", k), id_number(4000 + k), "", text, text, "农业"])
    report = import_residents(database, path, today=clock.today(), now=clock.now_utc())
    assert report.written and report.added == len(NASTY)
    for k, text in enumerate(NASTY):
        row = Resident.get(Resident.id_number == id_number(4000 + k))
        assert (row.name, row.address) == (numbered_name("注入", k), text.strip())
    # every table is still there and whole
    assert Resident.select().count() == 2 * len(NASTY)
    assert Application.select().count() == len(NASTY)
    assert run_checks(database) == []


def _kiosk(args: list[str], url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "kiosk.toml"
    config.write_text("", encoding="utf-8")
    env = dict(os.environ, KIOSK_DATABASE_URL=url, KIOSK_CONFIG=str(config), PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "kiosk", *args], env=env, capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def _counts(path: Path) -> dict[str, int]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: connection.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        connection.close()


@pytest.mark.slow
def test_cli_backup_while_writing_restores_and_checks(sqlite_database: peewee.Database, clock: FixedClock,
                                                      tmp_path: Path) -> None:
    source = tmp_path / "kiosk.db"
    url = f"sqlite:///{source}"
    staff = add_staff(ServiceContext(sqlite_database, clock), "1001", "王芳", "clerk", "2580")
    harness = subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.crash_harness", url, str(staff.id), staff.number],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert harness.stdin is not None and harness.stdout is not None
    harness.stdin.write("go\n")
    harness.stdin.flush()
    writer = int(harness.stdout.readline())
    try:
        deadline = time.monotonic() + 30
        while Application.select().count() < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        before = Application.select().count()
        assert before >= 5  # the writer is busy
        backup_file = tmp_path / "backup.db"
        result = _kiosk(["db", "backup", str(backup_file)], url, tmp_path)
        assert result.returncode == 0, result.stderr
        time.sleep(0.3)
        during = Application.select().count()
        assert during > before  # it kept writing through the backup
    finally:
        os.kill(writer, signal.SIGKILL)
        harness.stdin.close()
        harness.wait(timeout=10)
    restored = tmp_path / "restored.db"
    result = _kiosk(["db", "restore", str(backup_file)], f"sqlite:///{restored}", tmp_path)
    assert result.returncode == 0, result.stderr
    check = _kiosk(["db", "check"], f"sqlite:///{restored}", tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    counts = _counts(restored)
    assert counts == _counts(backup_file)
    assert before <= counts["application"] <= Application.select().count()
    print(f"\n[backup] backup under a live writer: {counts['application']} applications, "
          f"{counts['payment']} payments, {counts['audit_entry']} audit entries restored and checked")
