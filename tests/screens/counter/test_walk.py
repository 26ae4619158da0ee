"""The counter walk of issue 7: a clerk logs in, registers a new resident,
enrols them in resident pension (submit and advance every step), takes the
annual payment at a chosen tier and a receipt is printed; then reprints it
marked 补打."""

from __future__ import annotations

import datetime as dt

import peewee

from db.models import Application, ApplicationEvent, Card, Enrolment, Payment, PrintJob, Resident
from kiosk.clock import FixedClock
from kiosk.services import ServiceContext
from kiosk.services import applications as application_service
from screens.counter.accept import AcceptTypeScreen, MaterialsScreen
from screens.counter.application import ApplicationScreen
from screens.counter.keys import ConfirmActionModal
from screens.counter.payment import PaymentConfirmScreen, PaymentDoneScreen, TierScreen
from screens.counter.register import RegisterResidentScreen
from screens.counter.reprint import ReprintScreen
from screens.counter.resident_detail import ResidentDetailScreen
from tests.screens.counter.helpers import (
    RecordingPrinter,
    id_number,
    login,
    make_counter_app,
    message,
    staff,
    text_of,
    type_text,
    until,
)

BIRTH = dt.date(1980, 5, 17)


async def test_register_enrol_pay_print_and_reprint(database: peewee.Database, clock: FixedClock) -> None:
    staff(database, clock)
    printer = RecordingPrinter()
    app = make_counter_app(database, clock, printer)
    number = id_number(BIRTH)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)

        # 3 新参保登记: the ID number is checked while typed.
        await pilot.press("3")
        await until(pilot, lambda: isinstance(app.screen, RegisterResidentScreen))
        await type_text(pilot, number[:10])
        await until(pilot, lambda: "已输入10位" in text_of(app, "#id-check"))
        await type_text(pilot, "9" if number[10] != "9" else "8")
        await type_text(pilot, number[11:17])
        await type_text(pilot, "0" if number[17] != "0" else "1")  # a wrong check digit
        await until(pilot, lambda: "校验" in text_of(app, "#id-check") or "号码有误" in text_of(app, "#id-check"))
        for _ in range(18):
            await pilot.press("backspace")
        await type_text(pilot, number)
        await until(pilot, lambda: "1980-05-17" in text_of(app, "#id-check"))
        await pilot.press("enter")
        await type_text(pilot, "李秀英")
        await pilot.press("enter")
        await type_text(pilot, "13800138000")
        await pilot.press("enter", *"XX镇XX村3组", "enter", *"东村", "enter")
        await pilot.click("#register-submit")
        await until(pilot, lambda: isinstance(app.screen, ResidentDetailScreen))
        resident = Resident.get(Resident.id_number == number)
        card = Card.get(Card.resident == resident.id)
        assert card.card_number in message(app)
        # The detail shows masked personal data until 9 reveals it.
        await until(pilot, lambda: "李*英" in text_of(app, "#detail-identity"))
        assert "李秀英" not in text_of(app, "#detail-identity")
        await pilot.press("9")  # asks first: only + reveals (attack D14)
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        await pilot.press("plus")
        await until(pilot, lambda: "李秀英" in text_of(app, "#detail-identity"))
        detail = app.screen
        assert isinstance(detail, ResidentDetailScreen)
        detail.hide()
        assert "李秀英" not in text_of(app, "#detail-identity")

        # 4 受理业务 → 参保登记 → 城乡居民养老保险, all materials received, submit.
        await pilot.press("4")
        await until(pilot, lambda: isinstance(app.screen, AcceptTypeScreen))
        await pilot.press("1")
        await until(pilot, lambda: isinstance(app.screen, AcceptTypeScreen) and app.screen.group == "enrol")
        await pilot.press("1")
        await until(pilot, lambda: isinstance(app.screen, MaterialsScreen))
        await pilot.press("1", "2", "3")
        await pilot.press("enter")  # 提交受理 asks first (screens.counter.keys): + submits
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        await pilot.press("plus")
        await until(pilot, lambda: isinstance(app.screen, ApplicationScreen))
        application = Application.get(Application.resident == resident.id)
        assert application.type == "enrol_resident_pension" and application.status == "submitted"
        assert application.number in message(app)
        assert PrintJob.select().where((PrintJob.kind == "acceptance") & (PrintJob.resident == resident.id)).exists()

        # Advance 审核 → 建立个人账户 → 发放社保卡 with key 1 (and + to confirm) each time.
        for step, name in (("reviewed", "审核"), ("account_opened", "建立个人账户"), ("card_issued", "发放社保卡")):
            await until(pilot, lambda: app.screen.query("#transitions .menu-button"))
            await pilot.press("1")
            await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
            await pilot.press("plus")
            await until(pilot, lambda s=step: Application.get_by_id(application.id).status == s)
            await until(pilot, lambda n=name: f"当前状态：{n}" in message(app))
        events = [e.to_status for e in ApplicationEvent.select().where(ApplicationEvent.application == application.id)
                  .order_by(ApplicationEvent.id)]
        assert events == ["submitted", "reviewed", "account_opened", "card_issued"]
        assert Enrolment.select().where((Enrolment.resident == resident.id) & (Enrolment.insurance == "pension")
                                        & (Enrolment.scheme == "resident")).exists()

        # 6 收费: resident pension, the 500 yuan tier (key 3), cash 600 handed over.
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ResidentDetailScreen))
        await pilot.press("6")
        await pilot.press("1")
        await until(pilot, lambda: isinstance(app.screen, TierScreen) and bool(app.screen.quotes))
        assert "补贴" in str(app.screen.query_one("#choice-tier-2").label)
        await pilot.press("3")
        await until(pilot, lambda: isinstance(app.screen, PaymentConfirmScreen))
        assert "500.00" in text_of(app, "#payment-summary")
        await type_text(pilot, "600")  # 实收 has the focus: the digits are money
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        await pilot.press("plus")
        await until(pilot, lambda: isinstance(app.screen, PaymentDoneScreen))
        payment = Payment.get(Payment.resident == resident.id)
        assert payment.amount_fen == 500_00 and payment.method == "cash"
        receipt = text_of(app, "#payment-receipt")
        assert payment.receipt_code in receipt and "100.00" in receipt  # change
        job = PrintJob.get(PrintJob.code == payment.receipt_code)
        assert job.kind == "payment"
        await until(pilot, lambda: any(getattr(d, "code", "") == payment.receipt_code for d in printer.documents))

        # 7 补打 from home.
        await pilot.press("0")  # 完成: back to the resident
        await until(pilot, lambda: isinstance(app.screen, ResidentDetailScreen))
        await until(pilot, lambda: payment.receipt_code in text_of(app, "#detail-payments"))
        await pilot.press("escape")
        await pilot.press("7")
        await until(pilot, lambda: isinstance(app.screen, ReprintScreen))
        await type_text(pilot, payment.receipt_code.lower())
        await pilot.press("enter")
        await until(pilot, lambda: "补打" in message(app))
        copy = PrintJob.get(PrintJob.reprint_of == job.id)
        assert copy.document["reprint"] is True and copy.code != job.code and copy.code in message(app)
        await until(pilot, lambda: PrintJob.get_by_id(copy.id).status == "printed")
        sent = [(getattr(d, "code", None), getattr(d, "reprint", None)) for d in printer.documents]
        copy = PrintJob.get_by_id(copy.id)
        # What reached the printer, should this fail again (once in CI: "printed" said, not seen here).
        assert (copy.code, True) in sent, (sent, copy.status, copy.terminal, copy.last_error)


async def test_register_refuses_duplicate_and_shows_reason(database: peewee.Database, clock: FixedClock) -> None:
    staff(database, clock)
    number = id_number(BIRTH)
    from kiosk.services.registration import register_resident

    register_resident(ServiceContext(database=database, clock=clock), number, "张三")
    app = make_counter_app(database, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await pilot.press("3")
        await until(pilot, lambda: isinstance(app.screen, RegisterResidentScreen))
        await pilot.click("#register-submit")
        await until(pilot, lambda: "身份证" in message(app))
        await type_text(pilot, number)
        await pilot.press("enter")
        await type_text(pilot, "张三")
        await pilot.click("#register-submit")
        await until(pilot, lambda: "已登记" in message(app))
        assert isinstance(app.screen, RegisterResidentScreen)
        assert Resident.select().count() == 1


async def test_advance_refused_when_materials_missing(database: peewee.Database, clock: FixedClock) -> None:
    staff(database, clock)
    app = make_counter_app(database, clock)
    from kiosk.services.registration import register_resident

    ctx = ServiceContext(database=database, clock=clock)
    resident = register_resident(ctx, id_number(BIRTH), "王五")
    info = application_service.submit(ctx, resident.id, "enrol_resident_pension", {}, ["id_card"])
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await pilot.press("5")
        await until(pilot, lambda: "共1件" in message(app))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ApplicationScreen) and app.screen.info is not None)
        assert "户口簿" in text_of(app, "#application-materials")
        await until(pilot, lambda: app.screen.query("#transitions .menu-button"))
        # Not offered while materials lack (issue 17): 1 is disabled and says why, no confirmation opens.
        step = app.screen.query_one("#transitions .menu-button")
        assert step.disabled and "缺材料" in str(step.label)  # type: ignore[attr-defined]
        await pilot.press("1")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, ConfirmActionModal)
        assert application_service.get_application(ctx, info.number).status == "submitted"
