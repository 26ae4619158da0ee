"""The persistent spool: nothing lost while the printer is down, nothing printed twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import peewee
import pytest

from db.models import PrintJob
from kiosk.clock import FixedClock
from printers.devices import open_device
from printers.escpos_render import RenderOptions
from printers.spool import PrintSpool, ReprintRefused, SpoolWorker, backoff_seconds, enqueue
from printers.templates import ReceiptContext, TicketInput, queue_ticket
from tests.printers.escpos_decode import decode
from tests.printers.fake_printer import fake_printer, refusing_port

ROOT = Path(__file__).resolve().parents[2]


def _ticket(ctx: ReceiptContext, n: int):  # type: ignore[no-untyped-def]
    return queue_ticket(ctx, TicketInput(f"A{n:03d}", "社保卡业务", f"T20261129A{n:03d}", n, n * 8))


def _codes(jobs: list[bytes]) -> list[str]:
    import re

    out = []
    for job in jobs:
        found = re.findall(r"校验码：\s*(RC[0-9A-Z]{10})", decode(job).text)
        out.append(found[0])
    return out


def test_backoff_doubles_to_a_minute() -> None:
    assert [backoff_seconds(n) for n in range(1, 8)] == [2, 4, 8, 16, 32, 60, 60]


def test_twenty_receipts_while_the_printer_is_down_print_exactly_once_later(
    database: peewee.Database, clock: FixedClock
) -> None:
    import random

    ctx = ReceiptContext("示范镇社保服务大厅", "T01", clock.now_local(), rng=random.Random(3))
    port = refusing_port()
    spool = PrintSpool(database, open_device(f"network://127.0.0.1:{port}", timeout=0.5), clock,
                       terminal="T01", options=RenderOptions(paper=58))
    ids = [spool.submit(_ticket(ctx, n)) for n in range(1, 21)]
    assert spool.run_once() == 0
    first = spool.job(ids[0])
    assert first.status == "pending" and first.attempts == 1 and "无法连接" in first.last_error
    assert spool.run_once() == 0  # backing off: no attempt at all
    assert spool.job(ids[0]).attempts == 1
    assert "20张小票未打印" not in (spool.alert() or "") and "无法连接" in (spool.alert() or "")
    clock.advance(seconds=2)
    assert spool.run_once() == 0
    assert spool.blocked_until is not None
    # staff try to reprint two receipts while the printer is still down: they are still waiting
    # to print, so a 补打 would make a second paper (attack D2): refused, nothing added
    for job_id in (ids[4], ids[9]):
        with pytest.raises(ReprintRefused) as refused:
            spool.reprint(job_id)
        assert (refused.value.reason, refused.value.terminal) == ("waiting", "T01")
    assert len(spool.pending()) == 20
    # a restart loses nothing: a new spool on the same database, printer back on the same port
    clock.advance(seconds=5)  # the retry of the first job falls due
    with fake_printer("ok", port=port) as printer:
        restarted = PrintSpool(database, open_device(printer.url, timeout=2), clock, terminal="T01",
                               options=RenderOptions(paper=58))
        assert restarted.run_once() == 20
        # now printed: the resident lost two of them, 补打 makes one copy each
        reprints = [restarted.reprint(ids[4]), restarted.reprint(ids[9])]
        assert restarted.run_once() == 2
        assert restarted.run_once() == 0
        deadline = time.monotonic() + 5
        while len(printer.jobs) < 22 and time.monotonic() < deadline:
            time.sleep(0.02)
    codes = _codes(printer.jobs)
    assert len(codes) == len(set(codes)) == 22
    stored = {j.id: j for j in PrintJob.select()}
    assert all(j.status == "printed" for j in stored.values())
    assert {stored[i].code for i in ids} | {stored[i].code for i in reprints} == set(codes)
    texts = [decode(job).text for job in printer.jobs]
    assert sum("【补打】" in t for t in texts) == 2
    reprinted = [t for t in texts if "【补打】" in t]
    assert stored[ids[4]].code in reprinted[0] and stored[ids[9]].code in reprinted[1]  # 原校验码


@pytest.mark.parametrize("mode", ["hung", "close_mid_job", "paper_out"])
def test_failures_keep_the_job_pending(database: peewee.Database, clock: FixedClock, mode: str) -> None:
    import random

    ctx = ReceiptContext("示范镇社保服务大厅", "T01", clock.now_local(), rng=random.Random(4))
    with fake_printer("ok" if mode == "hung" else mode) as printer:
        device = open_device(printer.url, timeout=0.3)
        if mode == "hung":  # a printer known to answer status stops answering: busy or hung, send nothing
            assert device.status(timeout=2).paper_ok
            printer.mode = "silent"
        spool = PrintSpool(database, device, clock, terminal="T01")
        job_id = spool.submit(_ticket(ctx, 1))
        assert spool.run_once() == 0
        assert printer.jobs == []
    job = spool.job(job_id)
    assert job.status == "pending" and job.attempts == 1 and job.last_error
    assert job.next_try_at > clock.now_utc().replace(tzinfo=None)


def test_a_job_the_printer_took_is_never_sent_again(database: peewee.Database, clock: FixedClock) -> None:
    """A printer that takes every byte but never answers and never closes: sent once, marked unconfirmed."""
    import random

    ctx = ReceiptContext("示范镇社保服务大厅", "T01", clock.now_local(), rng=random.Random(9))
    with fake_printer("silent") as printer:
        spool = PrintSpool(database, open_device(printer.url, timeout=0.3), clock, terminal="T01")
        job_id = spool.submit(_ticket(ctx, 1))
        assert spool.run_once() == 1
        for _ in range(3):
            clock.advance(minutes=5)
            assert spool.run_once(force=True) == 0
        assert printer.connections == 1  # one connection: the job was sent once
    job = spool.job(job_id)
    assert job.status == "printed" and not job.confirmed and spool.alert() is None


def test_unrenderable_job_fails_once_with_a_reason(database: peewee.Database, clock: FixedClock,
                                                   tmp_path: Path) -> None:
    import random

    ctx = ReceiptContext("大厅", "T01", clock.now_local(), rng=random.Random(10))
    spool = PrintSpool(database, open_device(f"preview:{tmp_path}"), clock, terminal="T01")
    with database.atomic():
        broken = enqueue(_ticket(ctx, 1), clock)
        fine = enqueue(_ticket(ctx, 2), clock)
        stored = PrintJob.get_by_id(broken)
        stored.document = {**stored.document, "blocks": [{"type": "no-such-block"}]}
        stored.save()
    assert spool.run_once() == 1  # the other job is not held up
    job = spool.job(broken)
    assert job.status == "failed" and "no-such-block" in job.last_error and job.attempts == 1
    clock.advance(hours=1)
    assert spool.run_once(force=True) == 0 and spool.job(broken).attempts == 1  # never retried
    assert [j.id for j in spool.attention()] == [broken] and spool.job(fine).status == "printed"


def test_other_terminals_jobs_are_left_alone(database: peewee.Database, clock: FixedClock, tmp_path: Path) -> None:
    import random

    other = ReceiptContext("大厅", "T02", clock.now_local(), rng=random.Random(5))
    with database.atomic():
        job_id = enqueue(_ticket(other, 1), clock)
    spool = PrintSpool(database, open_device(f"preview:{tmp_path}"), clock, terminal="T01")
    assert spool.run_once() == 0 and spool.job(job_id).status == "pending"


def test_worker_thread_prints_in_the_background(database: peewee.Database, clock: FixedClock, tmp_path: Path) -> None:
    import random

    ctx = ReceiptContext("大厅", "T01", clock.now_local(), rng=random.Random(6))
    spool = PrintSpool(database, open_device(f"preview:{tmp_path}"), clock, terminal="T01")
    worker = SpoolWorker(spool, idle_poll=0.2).start()
    try:
        job_id = spool.submit(_ticket(ctx, 1))
        deadline = time.monotonic() + 5
        while spool.job(job_id).status != "printed" and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        worker.stop()
    assert spool.job(job_id).status == "printed"
    assert list(tmp_path.glob("*.png"))


CHILD = """
import random, sys, time
from db.connection import open_database
from kiosk.clock import FixedClock
from printers.devices import open_device
from printers.escpos_render import RenderOptions
from printers.spool import PrintSpool
db = open_database(sys.argv[1]); db.connect()
spool = PrintSpool(db, open_device(sys.argv[2], timeout=2), FixedClock(), terminal="T01",
                   options=RenderOptions(paper=58))
while True:
    # one job per pass, then report and wait: the parent kills us between jobs
    from db.models import PrintJob
    due = PrintJob.select().where(PrintJob.status == "pending").count()
    if not due:
        print("idle", flush=True); time.sleep(0.05); continue
    n = spool.run_once(limit=1)
    print(f"printed {n}", flush=True)
    time.sleep(0.2)
"""


def test_sigkill_between_jobs_loses_nothing_and_prints_nothing_twice(
    sqlite_database: peewee.Database, clock: FixedClock, tmp_path: Path
) -> None:
    import random

    url = f"sqlite:///{tmp_path / 'kiosk.db'}"
    ctx = ReceiptContext("大厅", "T01", clock.now_local(), rng=random.Random(8))
    with sqlite_database.atomic():
        codes = [PrintJob.get_by_id(enqueue(_ticket(ctx, n), clock)).code for n in range(1, 11)]
    sqlite_database.close()
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with fake_printer("ok") as printer:
        for _ in range(10):
            child = subprocess.Popen([sys.executable, str(script), url, printer.url], stdout=subprocess.PIPE,
                                     text=True, env=env, cwd=ROOT)
            assert child.stdout is not None
            line = child.stdout.readline()
            os.kill(child.pid, signal.SIGKILL)  # between jobs: after one was marked printed
            child.wait()
            if line.startswith("idle"):
                break
            assert line.startswith("printed 1"), line
        deadline = time.monotonic() + 5
        while len(printer.jobs) < 10 and time.monotonic() < deadline:
            time.sleep(0.02)
    assert sorted(_codes(printer.jobs)) == sorted(codes)  # each exactly once
    sqlite_database.connect(reuse_if_open=True)
    assert PrintJob.select().where(PrintJob.status == "pending").count() == 0


SENDER = """
import sys
from db.connection import open_database
from kiosk.clock import FixedClock
from printers.devices import open_device
from printers.spool import PrintSpool
db = open_database(sys.argv[1]); db.connect()
# a long confirmation wait: the parent kills us after the printer has the bytes, before we record it
spool = PrintSpool(db, open_device(sys.argv[2], timeout=60), FixedClock(), terminal="T01")
print("sending", flush=True)
spool.run_once(limit=1)
print("done", flush=True)
"""


def test_job_left_printing_by_a_kill_is_never_resent_and_goes_to_a_clerk(
    sqlite_database: peewee.Database, clock: FixedClock, tmp_path: Path
) -> None:
    import random

    url = f"sqlite:///{tmp_path / 'kiosk.db'}"
    ctx = ReceiptContext("大厅", "T01", clock.now_local(), rng=random.Random(12))
    with sqlite_database.atomic():
        job_id = enqueue(_ticket(ctx, 1), clock)
    sqlite_database.close()
    script = tmp_path / "sender.py"
    script.write_text(SENDER)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with fake_printer("late", delay=120) as late:
        child = subprocess.Popen([sys.executable, str(script), url, late.url], stdout=subprocess.PIPE,
                                 text=True, env=env, cwd=ROOT)
        try:
            deadline = time.monotonic() + 60
            while not late.jobs and time.monotonic() < deadline and child.poll() is None:
                time.sleep(0.02)
            assert late.jobs, "the printer never got the job"
        finally:
            os.kill(child.pid, signal.SIGKILL)  # between the printer taking it and the database update
            child.wait()
    sqlite_database.connect(reuse_if_open=True)
    assert PrintJob.get_by_id(job_id).status == "printing"
    with fake_printer("ok") as printer:
        spool = PrintSpool(sqlite_database, open_device(printer.url, timeout=2), clock, terminal="T01")
        assert spool.run_once(force=True) == 0  # a restarted kiosk does not send it again
        clock.advance(minutes=3)  # past STALE_PRINTING: nobody is sending it any more
        assert spool.run_once(force=True) == 0
        job = spool.job(job_id)
        assert job.status == "uncertain" and "不确定" in job.last_error
        assert [j.id for j in spool.attention()] == [job_id] and "待核实" in (spool.alert() or "")
        copy = spool.reprint(job_id)  # the clerk decides: 补打
        assert spool.run_once() == 1
        deadline = time.monotonic() + 10
        while not printer.jobs and time.monotonic() < deadline:
            time.sleep(0.02)
    assert len(printer.jobs) == 1 and "【补打】" in decode(printer.jobs[0]).text
    assert spool.job(copy).status == "printed" and spool.attention() == [] and spool.alert() is None
    assert spool.job(job_id).status == "uncertain"  # kept as it was: the history shows what happened


def test_clerk_can_settle_an_uncertain_job(database: peewee.Database, clock: FixedClock, tmp_path: Path) -> None:
    import random

    ctx = ReceiptContext("大厅", "T01", clock.now_local(), rng=random.Random(13))
    spool = PrintSpool(database, open_device(f"preview:{tmp_path}"), clock, terminal="T01")
    with database.atomic():
        job_id = enqueue(_ticket(ctx, 1), clock)
        PrintJob.update(status="printing").where(PrintJob.id == job_id).execute()
    clock.advance(minutes=3)
    assert spool.run_once() == 0 and spool.job(job_id).status == "uncertain"
    assert spool.settle(job_id) and spool.job(job_id).status == "printed" and spool.attention() == []
    assert not list(tmp_path.glob("*.png"))  # nothing was printed automatically
