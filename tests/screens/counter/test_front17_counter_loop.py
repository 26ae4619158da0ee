"""Issue 17 (counter forms and flows, Deliver 1): the application screen never
acts on an old version after a sub-screen or modal wrote.

The whole closed loop by keyboard only, on SQLite and PostgreSQL: an
application submitted at the kiosk (``applications.submit`` without staff) is
found by the clerk, whose materials checklist (key 2) marks two materials
received and one missing, prints the 一次性告知单 and returns it for 补正 from
inside the checklist; back on the application screen (which must now show
退回补正 and its new version), the resident brings the material, the clerk
marks it received in the checklist again and — back on the application
screen — advances to completion. Before the fix the screen kept the version
it had before the checklist and every next step was refused with
"该业务已被其他工作人员处理".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import peewee
from textual.pilot import Pilot

from db.models import Application, ApplicationMaterial
from kiosk.clock import FixedClock
from kiosk.services import ServiceContext
from kiosk.services import applications as apps
from kiosk.services.registration import register_resident
from screens.counter.application import ApplicationScreen
from screens.counter.keys import ConfirmActionModal
from screens.counter.materials import MaterialsCheckScreen
from screens.counter.resident_detail import ResidentDetailScreen
from tests.screens.counter.helpers import id_number, login, make_counter_app, message, staff, type_text, until
from tests.support import RecordingPrinter

BIRTH = dt.date(1975, 6, 1)


def _status(number: str) -> str:
    return str(Application.get(Application.number == number).status)


def _status_is(number: str, status: str) -> Callable[[], bool]:
    return lambda: _status(number) == status


async def _on_application(pilot: Pilot[Any], status: str) -> ApplicationScreen:
    """Wait until the application screen shows ``status`` and its buttons (none once finished)."""
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, ApplicationScreen) and app.screen.info is not None
                and app.screen.info.status == status
                and (app.screen.info.finished or bool(app.screen.query("#transitions .menu-button"))))
    screen = app.screen
    assert isinstance(screen, ApplicationScreen)
    return screen


async def test_closed_loop_by_keyboard_never_uses_an_old_version(database: peewee.Database,
                                                                 clock: FixedClock) -> None:
    staff(database, clock)
    ctx = ServiceContext(database=database, clock=clock)
    id_no = id_number(BIRTH)
    resident = register_resident(ctx, id_no, "赵春梅")
    applied = apps.submit(ctx, resident.id, "enrol_resident_pension")  # at the kiosk: nothing received
    number = applied.number
    printer = RecordingPrinter()
    app = make_counter_app(database, clock, printer, counter=1)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        # 2 find by ID number → the detail → Enter on the application (its table row).
        await pilot.press("2")
        await until(pilot, lambda: bool(app.screen.query("#find-input")))
        await type_text(pilot, id_no)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ResidentDetailScreen)
                    and app.screen.query_one("#detail-applications").row_count > 0)  # type: ignore[attr-defined]
        app.screen.query_one("#detail-applications").focus()
        await pilot.press("enter")
        await _on_application(pilot, "submitted")
        # 2 材料清单: 1 身份证 and 2 户口簿 received, 3 银行账户 stays missing.
        await pilot.press("2")
        await until(pilot, lambda: isinstance(app.screen, MaterialsCheckScreen))
        await pilot.press("1")
        await until(pilot, lambda: ApplicationMaterial.get(code="id_card").received)
        await pilot.press("2")
        await until(pilot, lambda: ApplicationMaterial.get(code="hukou").received)
        # 6 一次性告知单 for the missing one.
        await pilot.press("6")
        await until(pilot, lambda: any(d.kind == "notice" for d in printer.documents))
        # 7 退回补正 from inside the checklist (+ confirms), then 0 back to the application.
        await pilot.press("7")
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        await pilot.press("plus")
        await until(pilot, lambda: _status(number) == "returned")
        await until(pilot, lambda: isinstance(app.screen, MaterialsCheckScreen) and not app.screen._busy)
        await pilot.press("0")
        # The application screen shows what the checklist did: returned, with its new version.
        screen = await _on_application(pilot, "returned")
        assert screen.info is not None
        assert screen.info.version == Application.get(Application.number == number).version
        # The resident brings the bank card: 2, mark 3 received, 0 back.
        await pilot.press("2")
        await until(pilot, lambda: isinstance(app.screen, MaterialsCheckScreen))
        await pilot.press("3")
        await until(pilot, lambda: ApplicationMaterial.get(code="bank").received)
        await pilot.press("0")
        # 1 重新受理 and every further step: 1 asks, + does it; never "processed by someone else".
        for status in ("submitted", "reviewed", "account_opened", "card_issued"):
            current = await _on_application(pilot, _status(number))
            assert current.info is not None and not current.info.missing_materials
            await pilot.press("1")
            await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
            await pilot.press("plus")
            await until(pilot, _status_is(number, status), timeout=15)
            await _on_application(pilot, status)
            assert "其他工作人员" not in message(app)
    done = apps.get_application(ctx, number)
    assert done.finished and done.status == "card_issued" and not done.missing_materials
