"""补打 of a receipt that has not printed yet (attack D2): one payment, one paper.

While a copy of a receipt is still waiting in this terminal's spool (the printer is down),
补打 is refused with a message saying it prints when the printer is back; once it printed
(or finally failed) 补打 makes exactly one marked copy. A copy still waiting at another
terminal (a kiosk whose printer is down) is replaced by the counter's 补打, not doubled.
Real spools on SQLite and PostgreSQL, a real refusing port and a real loopback printer.
"""

from __future__ import annotations

import random
import time

import peewee
import pytest

from db.models import AuditEntry, PrintJob
from kiosk.clock import FixedClock
from kiosk.i18n import Translator, translate_message
from kiosk.services import Conflict, ServiceContext, ServiceError
from kiosk.services.payments import reprint_receipt
from printers.devices import open_device
from printers.spool import PrintSpool, ReprintRefused
from printers.templates import ReceiptContext, TicketInput, queue_ticket
from tests.printers.escpos_decode import decode
from tests.printers.fake_printer import fake_printer, refusing_port


def _ticket(clock: FixedClock, terminal: str, seed: int):  # type: ignore[no-untyped-def]
    ctx = ReceiptContext("示范镇社保服务大厅", terminal, clock.now_local(), rng=random.Random(seed))
    return queue_ticket(ctx, TicketInput("A001", "社保卡业务", "T20261129A001", 0, 0))


def _refusing_spool(database: peewee.Database, clock: FixedClock, terminal: str) -> PrintSpool:
    return PrintSpool(database, open_device(f"network://127.0.0.1:{refusing_port()}", timeout=0.5), clock,
                      terminal=terminal)


def _wait_for(printer_jobs: list[bytes], count: int) -> None:
    deadline = time.monotonic() + 10
    while len(printer_jobs) < count and time.monotonic() < deadline:
        time.sleep(0.02)


def test_reprint_of_a_receipt_still_waiting_is_refused_and_one_paper_comes_out(
        database: peewee.Database, clock: FixedClock) -> None:
    counter = ServiceContext(database, clock, terminal="T02", staff_number="1001")
    spool = _refusing_spool(database, clock, "T02")
    job_id = spool.submit(_ticket(clock, "T02", 1))
    assert spool.run_once(force=True) == 0  # refused: the receipt waits (无法连接打印机)
    code = spool.job(job_id).code
    for _ in range(2):  # the clerk presses 补打 twice, as in the report
        with pytest.raises(Conflict) as refused:
            reprint_receipt(counter, code)
        assert refused.value.code == "reprint_waiting"
        assert "还在 T02 等待打印" in refused.value.message and "不必补打" in refused.value.message
    english = translate_message(Translator("en"), refused.value.key, refused.value.params)
    assert "still waiting to print at T02" in english and code in english
    assert PrintJob.select().count() == 1
    assert AuditEntry.select().where(AuditEntry.action == "receipt.reprint").count() == 0
    with fake_printer("ok") as printer:  # the printer is back
        spool.device = open_device(printer.url, timeout=2)
        assert spool.run_once(force=True) == 1
        _wait_for(printer.jobs, 1)
        # printed, and the resident lost it: 补打 makes exactly one copy; a second 补打 while that
        # copy waits is refused again, whichever code is typed
        copy = reprint_receipt(counter, code)
        for typed in (code, copy.code):
            with pytest.raises(ServiceError, match="等待打印"):
                reprint_receipt(counter, typed)
        assert spool.run_once(force=True) == 1
        _wait_for(printer.jobs, 2)
        assert spool.run_once(force=True) == 0
    texts = [decode(job).text for job in printer.jobs]
    assert len(texts) == 2 and "【补打】" not in texts[0] and "【补打】" in texts[1] and code in texts[1]
    assert PrintJob.get_by_id(copy.job_id).terminal == "T02"
    assert AuditEntry.select().where(AuditEntry.action == "receipt.reprint").count() == 1


def test_reprint_at_a_counter_replaces_a_copy_waiting_at_the_kiosk(
        database: peewee.Database, clock: FixedClock) -> None:
    """The kiosk's printer is down and tells the resident to bring the code to a counter: the
    counter's 补打 prints it there, and the kiosk's waiting copy is cancelled, not printed later too."""
    kiosk = _refusing_spool(database, clock, "K01")
    job_id = kiosk.submit(_ticket(clock, "K01", 2))
    assert kiosk.run_once(force=True) == 0
    code = kiosk.job(job_id).code
    counter = ServiceContext(database, clock, terminal="T02", staff_number="1001")
    copy = reprint_receipt(counter, code)
    assert kiosk.job(job_id).status == "cancelled" and "T02" in kiosk.job(job_id).last_error
    assert PrintJob.get_by_id(copy.job_id).terminal == "T02"
    with fake_printer("ok") as kiosk_printer, fake_printer("ok") as counter_printer:
        kiosk.device = open_device(kiosk_printer.url, timeout=2)
        clock.advance(minutes=5)
        assert kiosk.run_once(force=True) == 0  # its copy was replaced: nothing for the kiosk
        here = PrintSpool(database, open_device(counter_printer.url, timeout=2), clock, terminal="T02")
        assert here.run_once(force=True) == 1
        _wait_for(counter_printer.jobs, 1)
    assert kiosk_printer.jobs == [] and len(counter_printer.jobs) == 1


def test_a_copy_being_sent_refuses_reprint_until_it_is_abandoned(
        database: peewee.Database, clock: FixedClock) -> None:
    spool = _refusing_spool(database, clock, "T02")
    job_id = spool.submit(_ticket(clock, "T02", 3))
    with database.atomic():  # claimed by a spool that is sending it right now
        PrintJob.update(status="printing", next_try_at=clock.now_utc().replace(tzinfo=None)) \
            .where(PrintJob.id == job_id).execute()
    with pytest.raises(ReprintRefused) as refused:
        spool.reprint(job_id)
    assert refused.value.reason == "printing"
    clock.advance(minutes=3)  # the sender died long ago: uncertain, and 补打 is the clerk's way out
    copy = spool.reprint(job_id)
    assert spool.job(job_id).status == "uncertain" and spool.job(copy).status == "pending"
