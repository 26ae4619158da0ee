"""Lifecycle events as applications at the counter and in the kiosk's 办理进度 (issue 15,
Deliver 2 and 4), driven by keys on the real app.

- Key 5 on the resident detail starts a 待遇领取资格认证: materials, how (staff-assisted), +, the application
  screen; 认证完成's confirmation says a suspended pension will be resumed; the 办结回执 prints.
- Key 8 starts a 死亡注销: materials, the form (date, who reports, a survivor), +; the clerk cannot 审核
  (key disabled), the supervisor's confirmation names the overpaid month and the amounts, the
  clerk's 办结 records the death and prints the receipt.
- 4 受理业务 → 资格认证/死亡注销/继承/停保 → 个人账户继承及丧葬补助金: the heir's form; 审核 by the
  supervisor, 支付 by the clerk, each confirmation showing the amounts; the resident's
  application list shows the lifecycle applications and the screen their step history.
- The kiosk's 办理进度 shows a 暂停缴费 application with its step timeline.

The every-type walk (tests/screens/counter/test_every_type.py) walks each lifecycle type too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import peewee
from textual.pilot import Pilot

from db.models import Benefit, BenefitPayment, Resident
from kiosk.app import KioskApp
from kiosk.clock import FixedClock
from kiosk.rules.workflows import WORKFLOWS
from kiosk.services import ServiceContext
from kiosk.services import applications as apps
from kiosk.services import benefit_run as run
from kiosk.services.applications import ApplicationInfo
from kiosk.services.registration import get_resident
from kiosk.services.staff import add_staff
from screens.counter.accept import MaterialsScreen
from screens.counter.application import ApplicationScreen
from screens.counter.keys import ConfirmActionModal
from screens.counter.resident_detail import ResidentDetailScreen
from screens.counter.steps.lifecycle import CertificationForm, DeathReportForm
from screens.resident.progress import ProgressScreen
from screens.widgets.plain import DataTable
from tests.screens.counter.helpers import login, make_counter_app, text_of, until
from tests.screens.counter.test_every_type import _accept, _info, _key_of, _opened, drive
from tests.screens.test_resident_flows import settle
from tests.services.benefit_town import build
from tests.services.resident_factory import ZHANG_CARD, Seeded
from tests.support import RecordingPrinter, sign_in

CLERK, BOSS = ("1001", "2580"), ("2001", "3691")


async def _as(pilot: Pilot[Any], who: tuple[str, str], number: str) -> ApplicationInfo:
    """Log out, log in as ``who`` and open application ``number``."""
    from screens.counter.home import CounterHomeScreen
    from screens.counter.login import LoginScreen

    app = pilot.app
    while not isinstance(app.screen, CounterHomeScreen):
        await pilot.press("escape")
        await pilot.pause()
    await pilot.press("0", "plus")  # 0 asks, + logs out
    await until(pilot, lambda: isinstance(app.screen, LoginScreen))
    await login(pilot, *who)
    app.push_screen(ApplicationScreen(number))
    return await _opened(pilot)


async def _step(pilot: Pilot[Any], to_status: str, *expected: str) -> str:
    """Press the step's key; the confirmation must name ``expected``; + takes the step. Returns its text."""
    app = pilot.app
    await pilot.press((await _key_of(pilot, to_status)).key)
    await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
    shown = text_of(app, "#confirm-what")
    for text in expected:
        assert text in shown, (text, shown)
    await pilot.press("plus")
    await until(pilot, lambda: _info(app) is not None and _info(app).status == to_status)  # type: ignore[union-attr]
    return shown


def _printed(printer: RecordingPrinter, title: str) -> bool:
    return any(getattr(d, "title", "") == title for d in printer.documents)


async def _printed_soon(pilot: Pilot[Any], printer: RecordingPrinter, title: str) -> None:
    await until(pilot, lambda: _printed(printer, title))


async def test_certify_and_death_from_the_resident_detail(database: peewee.Database, clock: FixedClock,
                                                          tmp_path: Path) -> None:
    town = build(database, clock, tmp_path, unemployment=False)
    with database.connection_context():
        Benefit.update(certified_on=dt.date(2024, 11, 20)).where(Benefit.id == town.benefits["suspended"]).execute()
    town.at(dt.date(2026, 1, 20))
    run.post(town.boss, dt.date(2026, 1, 1), None)
    town.at(dt.date(2026, 2, 3))
    villager = get_resident(town.ctx, town.people["suspended"])
    retiree = get_resident(town.ctx, town.people["retiree"])
    widow = get_resident(town.ctx, town.people["villager"])  # his survivor (遗属)
    printer = RecordingPrinter()
    app = make_counter_app(database, clock, printer)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, *CLERK)
        app.push_screen(ResidentDetailScreen(villager))
        await until(pilot, lambda: isinstance(app.screen, ResidentDetailScreen))
        await pilot.press("5")
        await until(pilot, lambda: isinstance(app.screen, MaterialsScreen))
        materials = app.screen
        assert isinstance(materials, MaterialsScreen) and materials.draft.type == "certification"
        await pilot.press("1", "enter")  # 居民身份证 received
        await until(pilot, lambda: isinstance(app.screen, CertificationForm) and app.screen.ready)
        await pilot.press("2", "enter")  # 工作人员协助自助认证, 确认
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        await pilot.press("plus")
        info = await _opened(pilot)
        assert info.type == "certification" and info.status == "accepted" and info.data["channel"] == "self_assisted"
        await _step(pilot, "certified", "恢复因逾期暂停的 1 项")
        await _printed_soon(pilot, printer, "待遇领取资格认证办结回执")
        with database.connection_context():
            assert Benefit.get_by_id(town.benefits["suspended"]).status == "in_payment"

        app.pop_screen()
        app.push_screen(ResidentDetailScreen(retiree))
        await until(pilot, lambda: isinstance(app.screen, ResidentDetailScreen)
                    and app.screen.resident.id == retiree.id)
        await pilot.press("8")
        await until(pilot, lambda: isinstance(app.screen, MaterialsScreen))
        await pilot.press("1", "2", "3", "enter")
        await until(pilot, lambda: isinstance(app.screen, DeathReportForm) and app.screen.ready)
        await drive(pilot, ("2026-13-40", "enter", "王小明", "enter", "子女", "enter", widow.id_number, "enter"))
        await until(pilot, lambda: "2026-13-40" in text_of(app, "#step-message"))  # refused in the form
        form = app.screen
        assert app.focused is form.query_one("#field-death_date")
        form.query_one("#field-death_date").value = "2025-12-20"  # type: ignore[attr-defined]
        await drive(pilot, ("enter", "enter", "enter", "enter"))
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        await pilot.press("plus")
        info = await _opened(pilot)
        assert info.type == "death_report" and info.data["death_date"] == "2025-12-20"
        # 受审分离: the clerk who accepted sees 审核 disabled.
        assert (await _key_of(pilot, "reviewed")).disabled
        await _as(pilot, BOSS, info.number)
        await _step(pilot, "reviewed", "2025-12-20", "2026-01 多发", "丧葬补助金")
        with database.connection_context():
            assert Resident.get_by_id(retiree.id).death_date is None  # recorded only at 办结
        await _as(pilot, CLERK, info.number)
        await _step(pilot, "closed", "2026-01 多发")
        await _printed_soon(pilot, printer, "死亡注销办结回执")
        with database.connection_context():
            assert Resident.get_by_id(retiree.id).death_date == dt.date(2025, 12, 20)
            assert Benefit.get_by_id(town.benefits["retiree"]).status == "stopped"
            # The survivor named in the form gets the survivor benefits per policy (kiosk.services.survivors).
            assert Benefit.select().where((Benefit.resident == widow.id)
                                          & Benefit.kind.startswith("survivor")).exists()


async def test_inheritance_paid_by_two_people_and_listed(database: peewee.Database, clock: FixedClock,
                                                         tmp_path: Path) -> None:
    town = build(database, clock, tmp_path, unemployment=False)
    town.at(dt.date(2026, 1, 10))
    rid = town.people["villager"]
    death = apps.submit(town.clerk, rid, "death_report",
                        {"death_date": "2026-01-02", "applicant_name": "李四", "relationship": "配偶"},
                        [m.code for m in WORKFLOWS["death_report"].materials])
    apps.advance(town.boss, death.number, "reviewed")
    apps.advance(town.clerk, death.number, "closed")
    person = get_resident(town.ctx, rid)
    printer = RecordingPrinter()
    app = make_counter_app(database, clock, printer)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, *CLERK)
        app.push_screen(ResidentDetailScreen(person))
        await until(pilot, lambda: isinstance(app.screen, ResidentDetailScreen))
        wf = WORKFLOWS["inheritance"]
        await _accept(pilot, wf, [m.code for m in wf.materials],
                      ("李四", "enter", "36072619880315002X", "enter", "配偶", "enter", "6217000012345678", "enter"))
        info = await _opened(pilot)
        total = info.amount_fen
        assert total is not None and total > 0
        await _as(pilot, BOSS, info.number)
        await _step(pilot, "reviewed", "李*", "6217****5678", "只支付一次")
        await _as(pilot, CLERK, info.number)
        shown = await _step(pilot, "paid", "丧葬补助金")
        assert f"{total // 100:,}" in shown
        await _printed_soon(pilot, printer, "个人账户继承及丧葬补助金办结回执")
        history = text_of(app, "#application-events")
        assert "审核" in history and "支付" in history and "2001" in history and "1001" in history
        # The counter's list of the resident's applications shows both lifecycle applications.
        app.push_screen(ResidentDetailScreen(person))
        await until(pilot, lambda: isinstance(app.screen, ResidentDetailScreen)
                    and bool(app.screen.query("#detail-applications")))
        table = app.screen.query_one("#detail-applications", DataTable)
        await until(pilot, lambda: table.row_count >= 2)
        rows = [" ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]
        assert any("死亡注销" in r and "办结" in r for r in rows)
        assert any("个人账户继承及丧葬补助金" in r and "支付" in r for r in rows)
    with database.connection_context():
        assert BenefitPayment.select().where((BenefitPayment.resident == rid)
                                             & (BenefitPayment.benefit_type == "funeral")).count() == 1


async def test_kiosk_progress_shows_a_lifecycle_application(seeded_db: tuple[peewee.Database, Seeded],
                                                            clock: FixedClock,
                                                            make_kiosk: Callable[..., KioskApp]) -> None:
    database, seeded = seeded_db
    base = ServiceContext(database, clock, terminal="C01")
    clerk_info = add_staff(base, "1001", "王芳", "clerk", "2580")
    clerk = base.as_staff(clerk_info.id, clerk_info.number)
    info = apps.submit(clerk, seeded.zhang, "enrolment_suspend", {"insurance": "pension", "scheme": "employee"},
                       ["id_card"])
    apps.advance(clerk, info.number, "done")
    app = make_kiosk()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, ZHANG_CARD)
        await settle(pilot)
        await pilot.press("5")
        await until(pilot, lambda: isinstance(app.screen, ProgressScreen) and app.screen.data is not None)
        await settle(pilot)
        text = "\n".join(str(s.render()) for s in app.screen.query(".application"))
        assert "暂停缴费（停保）" in text and info.number in text
        block = text[text.index("暂停缴费（停保）"):]
        assert "[完成] 受理" in block and "[完成] 办结" in block  # the step timeline
