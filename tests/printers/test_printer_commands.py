"""``kiosk printer status`` with a printer that never answers, and ``kiosk printer jobs``."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest

from db.connection import open_database
from db.models import AuditEntry, PrintJob
from kiosk.cli import main
from kiosk.clock import FixedClock
from printers.spool import enqueue
from printers.templates import ReceiptContext, TicketInput, queue_ticket
from tests.printers.fake_printer import fake_printer


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KIOSK_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.delenv("KIOSK_DATABASE_URL", raising=False)
    path = tmp_path / "kiosk.toml"
    path.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "k.db"}"\n[terminal]\nid = "T01"\n'
                    f'[printer]\nurl = "preview:{tmp_path / "r"}"\n', encoding="utf-8")
    return path


def test_status_of_a_printer_that_never_answers_is_unknown_not_refused(
        config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with fake_printer("mute") as printer:
        code = main(["--config", str(config), "printer", "status", "--printer", printer.url])
    out = capsys.readouterr().out
    assert code == 0 and "状态未知" in out


def test_jobs_lists_an_abandoned_receipt_and_a_clerk_settles_it(
        config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(config), "db", "init"]) == 0
    database = open_database(f"sqlite:///{tmp_path / 'k.db'}")
    database.connect()
    long_ago = FixedClock(moment=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    ctx = ReceiptContext("大厅", "T01", long_ago.now_local(), rng=random.Random(2))
    with database.atomic():
        job_id = enqueue(queue_ticket(ctx, TicketInput("A001", "社保卡业务", "T20261129A001", 0, 0)), long_ago)
        PrintJob.update(status="printing").where(PrintJob.id == job_id).execute()  # the kiosk died sending it
    database.close()
    capsys.readouterr()
    assert main(["--config", str(config), "printer", "jobs"]) == 0
    out = capsys.readouterr().out
    database.connect(reuse_if_open=True)
    code = PrintJob.get_by_id(job_id).code
    assert f"{job_id}  {code}" in out and "不确定是否已打印" in out
    assert main(["--config", str(config), "printer", "jobs", "--printed", str(job_id)]) == 0
    assert main(["--config", str(config), "printer", "jobs", "--printed", str(job_id)]) != 0  # only once
    capsys.readouterr()
    assert main(["--config", str(config), "printer", "jobs"]) == 0
    assert "没有待核实的小票" in capsys.readouterr().out
    assert PrintJob.get_by_id(job_id).status == "printed"
    assert AuditEntry.select().where(AuditEntry.action == "receipt.settle").count() == 1
    database.close()


def test_jobs_lists_a_job_still_printing_in_its_first_minutes(
        config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A kiosk killed while sending leaves the job "printing" for STALE_PRINTING: never "nothing"."""
    assert main(["--config", str(config), "db", "init"]) == 0
    database = open_database(f"sqlite:///{tmp_path / 'k.db'}")
    database.connect()
    now = FixedClock(moment=dt.datetime.now(dt.UTC))
    ctx = ReceiptContext("大厅", "T01", now.now_local(), rng=random.Random(3))
    with database.atomic():
        job_id = enqueue(queue_ticket(ctx, TicketInput("A002", "社保卡业务", "T20261129A002", 0, 0)), now)
        PrintJob.update(status="printing", next_try_at=now.now_utc().replace(tzinfo=None)) \
            .where(PrintJob.id == job_id).execute()
    database.close()
    capsys.readouterr()
    assert main(["--config", str(config), "printer", "jobs"]) == 0
    out = capsys.readouterr().out
    assert "没有待核实的小票" not in out and "正在打印/待确认" in out
    assert f"{job_id}  " in out


def test_printer_test_fails_for_a_printer_that_accepts_and_never_reads(
        config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Attack D1: the test page "sent" with 32 KB still in our queue, exit 0. Now: not printed, why, exit 2."""
    with fake_printer("silent", rcvbuf=1024) as printer:
        code = main(["--config", str(config), "printer", "test", "--printer", printer.url + "?status=off"])
    captured = capsys.readouterr()
    assert code == 2 and "测试页已发送" not in captured.out
    assert "测试页未打印" in captured.err and "不接收数据" in captured.err and "纸仓盖" in captured.err


def test_jobs_lists_receipts_waiting_for_the_printer_with_the_reason(
        config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(config), "db", "init"]) == 0
    database = open_database(f"sqlite:///{tmp_path / 'k.db'}")
    database.connect()
    now = FixedClock(moment=dt.datetime.now(dt.UTC))
    ctx = ReceiptContext("大厅", "T01", now.now_local(), rng=random.Random(4))
    with database.atomic():
        job_id = enqueue(queue_ticket(ctx, TicketInput("A003", "社保卡业务", "T20261129A003", 0, 0)), now)
        fresh = enqueue(queue_ticket(ctx, TicketInput("A004", "社保卡业务", "T20261129A004", 0, 0)), now)
        PrintJob.update(attempts=2, last_error="打印机不接收数据，请检查纸张、纸仓盖和电源（发送后：已送出 1152/22881 字节）") \
            .where(PrintJob.id == job_id).execute()
    database.close()
    capsys.readouterr()
    assert main(["--config", str(config), "printer", "jobs"]) == 0
    out = capsys.readouterr().out
    database.connect(reuse_if_open=True)
    waiting_code, fresh_code = PrintJob.get_by_id(job_id).code, PrintJob.get_by_id(fresh).code
    database.close()
    assert "1 张小票等待打印机" in out and f"  {job_id}  {waiting_code}  " in out and "不接收数据" in out
    assert fresh_code not in out  # not tried yet: nothing wrong with it
    assert "没有待核实的小票" not in out
