"""What a counter says when its printer fails (attack D9) and when 补打 meets a receipt still waiting
(attack D2), on the real counter app with a real refused network printer, in Chinese and English.

At counter 2 a failed print said "please collect it at counter 1": the clerk was told to send the
resident elsewhere. A counter's receipt prints at that counter when its printer is back."""

from __future__ import annotations

import random

import peewee
import pytest

from db.models import PrintJob
from kiosk.clock import FixedClock
from printers.devices import open_device
from printers.spool import enqueue
from printers.templates import ReceiptContext, TicketInput, queue_ticket
from screens.counter.reprint import ReprintScreen
from tests.printers.fake_printer import refusing_port
from tests.screens.counter.helpers import login, make_counter_app, message, staff, type_text, until

WORDS = {  # the counter's own words, and what it must never say
    "zh_CN": ("打印机无法连接", "打印机恢复后会自动打出", "还在 T01 等待打印", ("1号窗口", "请到", "窗口领取")),
    "en": ("The printer cannot be reached", "prints by itself when the printer is back",
           "still waiting to print at T01", ("counter 1", "collect it", "at counter")),
}


@pytest.mark.parametrize("language", ["zh_CN", "en"])
async def test_counter_two_keeps_a_failed_receipt_here_and_refuses_a_second_copy(
        database: peewee.Database, clock: FixedClock, language: str) -> None:
    refused, kept, waiting, never = WORDS[language]
    staff(database, clock)
    ctx = ReceiptContext("示范镇社保服务大厅", "T01", clock.now_local(), rng=random.Random(9))
    with database.connection_context():
        printed = enqueue(queue_ticket(ctx, TicketInput("A001", "社保卡业务", "T20261129A001", 0, 0)), clock)
        PrintJob.update(status="printed").where(PrintJob.id == printed).execute()  # printed this morning
        code = PrintJob.get_by_id(printed).code
    device = open_device(f"network://127.0.0.1:{refusing_port()}", timeout=0.5)  # the printer is off
    app = make_counter_app(database, clock, counter=2, language=language)
    app.services.printer = device
    app.services.spool.device = device
    async with app.run_test(size=(120, 36)) as pilot:
        await login(pilot)
        await pilot.press("7")  # 补打: the resident lost the receipt
        await until(pilot, lambda: isinstance(app.screen, ReprintScreen))
        await type_text(pilot, code)
        await pilot.press("enter")
        await until(pilot, lambda: kept in message(app))
        said = message(app)
        copy = PrintJob.get(PrintJob.reprint_of == printed)
        assert refused in said and copy.code in said and copy.status == "pending"
        assert not any(word in said for word in never), said
        await type_text(pilot, code)  # 补打 again while the copy waits for the printer
        await pilot.press("enter")
        await until(pilot, lambda: waiting in message(app))
    assert PrintJob.select().where(PrintJob.reprint_of == printed).count() == 1  # one copy on its way
