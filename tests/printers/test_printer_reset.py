"""Attack E7: a network printer that resets the connection (power cut, jam reset) after taking a part
of a receipt. The receipt is not "printed": it stays in the spool with a reason that says it prints
again whole, is retried, listed by ``kiosk printer jobs``, the screen says it was kept, and ``kiosk
printer test`` exits 2. Printers that take every byte and then close or reset still count as printed
and get no second copy.

The printers are real loopback listeners (tests.printers.fake_printer) with a small receive buffer
as a real printer has (``rcvbuf``), so what their TCP acknowledges is what they read; see
printers.devices for what a sender cannot tell.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import peewee
import pytest

from db.connection import open_database
from db.models import PrintJob
from kiosk.cli import main
from kiosk.clock import FixedClock
from kiosk.services import ServiceContext
from kiosk.services import queue as q
from printers.devices import ConnectionLost, PrinterReset, error_kind, open_device
from printers.escpos_render import RenderOptions, render_escpos
from printers.spool import UNCONFIRMED, PrintSpool
from tests.printers import samples
from tests.printers.fake_printer import fake_printer

ROOT = Path(__file__).resolve().parents[2]
RCVBUF = 1024  # a printer's receive buffer: a few KB at most (the kernel doubles this)
REPRINT_WHOLE = "整张小票会重新打印"
# The devices' stall limit: generous, so a loaded machine never turns a reset (seen at once) into
# "not taking data"; no test here waits for it.
TIMEOUT = 5.0


def _until(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)


def _spool(database: peewee.Database, clock: FixedClock, url: str) -> PrintSpool:
    options = RenderOptions()
    return PrintSpool(database, open_device(url + "?status=off", options, timeout=TIMEOUT), clock, terminal="T01",
                      options=options)


def test_a_printer_resetting_after_3000_bytes_did_not_get_the_job() -> None:
    data = render_escpos(samples.ticket())  # ~22 KB
    with fake_printer("cut", rcvbuf=RCVBUF, limit=3000) as printer:
        device = open_device(printer.url + "?status=off", timeout=TIMEOUT)
        with pytest.raises(PrinterReset) as info:
            device.send(data)
        _until(lambda: len(printer.jobs) >= 1)
    error = info.value
    assert isinstance(error, ConnectionLost) and error_kind(error) == "reset"
    assert error.total == len(data) and error.taken is not None and 0 < error.taken < len(data) // 2
    assert REPRINT_WHOLE in str(error) and f"/{len(data)} 字节" in str(error)
    assert printer.jobs and len(printer.jobs[0]) == 3000  # the torn part that came out


def test_a_torn_receipt_stays_pending_is_retried_and_prints_whole_once(
        database: peewee.Database, clock: FixedClock) -> None:
    from kiosk.app import Services
    from kiosk.policy import load_policy

    ctx = ServiceContext(database, clock, terminal="T01")
    with fake_printer("cut", rcvbuf=RCVBUF, limit=3000) as cut, fake_printer("ok") as ok:
        spool = _spool(database, clock, cut.url)
        services = Services(printer=spool.device, spool=spool, policy=load_policy(None))
        info = q.take_ticket(ctx, "A", receipt=True)
        assert info.print_job_id is not None
        outcome = services.flush(info.print_job_id)
        job = PrintJob.get_by_id(info.print_job_id)
        assert job.status == "pending" and job.attempts == 1 and job.printed_at is None
        assert REPRINT_WHOLE in job.last_error and "收到 " in job.last_error
        assert not outcome.printed and "请取走" not in outcome.message and job.code in outcome.message
        assert "已打出的半张请作废" in outcome.message and "自动打出" in outcome.message
        clock.advance(minutes=5)  # the spool tries again: the printer resets again, the job still waits
        assert spool.run_once() == 0 and cut.connections == 2
        assert PrintJob.get_by_id(job.id).status == "pending" and PrintJob.get_by_id(job.id).attempts == 2
        spool.device = open_device(ok.url, timeout=TIMEOUT)  # the printer is back
        assert spool.run_once(force=True) == 1
        _until(lambda: len(ok.jobs) >= 1)
        assert spool.run_once(force=True) == 0
    assert PrintJob.get_by_id(job.id).status == "printed"
    assert len(ok.jobs) == 1 and job.code.encode() in ok.jobs[0]  # whole, once
    assert all(len(part) == 3000 for part in cut.jobs)  # the torn parts, thrown away


@pytest.mark.parametrize(("mode", "confirmed"), [("ok", True), ("reset_after", False)])
def test_a_printer_taking_every_byte_then_closing_or_resetting_prints_once(
        database: peewee.Database, clock: FixedClock, mode: str, confirmed: bool) -> None:
    """Guards the behaviour kept: every byte acknowledged, then a close (confirmed) or a reset after
    our end of data (sent, unconfirmed): printed, never sent again."""
    ctx = ServiceContext(database, clock, terminal="T01")
    with fake_printer(mode, rcvbuf=RCVBUF) as printer:
        spool = _spool(database, clock, printer.url)
        q.take_ticket(ctx, "A", receipt=True)
        assert spool.run_once(force=True) == 1
        job = PrintJob.get()
        assert job.status == "printed" and (job.last_error == UNCONFIRMED) is not confirmed
        for _ in range(2):
            clock.advance(minutes=5)
            assert spool.run_once(force=True) == 0
        _until(lambda: len(printer.jobs) >= 1)
        assert printer.connections == 1
    assert len(printer.jobs) == 1 and job.code.encode() in printer.jobs[0]


def test_printer_jobs_lists_the_torn_receipt_with_its_reason(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("KIOSK_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.delenv("KIOSK_DATABASE_URL", raising=False)
    config = tmp_path / "kiosk.toml"
    url = f"sqlite:///{tmp_path / 'k.db'}"
    config.write_text(f'[database]\nurl = "{url}"\n[terminal]\nid = "T01"\n'
                      f'[printer]\nurl = "preview:{tmp_path / "r"}"\n', encoding="utf-8")
    assert main(["--config", str(config), "db", "init"]) == 0
    clock = FixedClock()
    database = open_database(url)
    database.connect()
    with fake_printer("cut", rcvbuf=RCVBUF, limit=3000) as printer:
        info = q.take_ticket(ServiceContext(database, clock, terminal="T01"), "A", receipt=True)
        assert _spool(database, clock, printer.url).run_once(force=True) == 0
    code = PrintJob.get_by_id(info.print_job_id).code
    database.close()
    capsys.readouterr()
    assert main(["--config", str(config), "printer", "jobs"]) == 0
    out = capsys.readouterr().out
    assert f"  {info.print_job_id}  {code}  " in out and REPRINT_WHOLE in out
    assert "没有待核实的小票" not in out


def test_printer_test_against_a_resetting_printer_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "k.db"}"\n[terminal]\nid = "T01"\n',
                      encoding="utf-8")
    env = {**os.environ, "KIOSK_LOG_DIR": str(tmp_path / "logs")}
    env.pop("KIOSK_DATABASE_URL", None)
    with fake_printer("cut", rcvbuf=RCVBUF, limit=3000) as printer:
        done = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(config), "printer", "test",
                               "--printer", printer.url + "?status=off"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
        _until(lambda: printer.connections >= 1 and len(printer.jobs) >= 1)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "测试页已发送" not in done.stdout and "测试页未打印" in done.stderr
    assert "断开了连接" in done.stderr and "收到 " in done.stderr
    assert printer.jobs and len(printer.jobs[0]) == 3000
