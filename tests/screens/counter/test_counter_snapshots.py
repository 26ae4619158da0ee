"""SVG snapshots of the counter's application screen, its materials checklist and
the 退回补正 confirmation, in Chinese and in English, at 80x24 (issue 17: fixed
keys per action, the legend, the confirmation's second key). Deterministic: the
fixed clock, the seeded SQLite township and one kiosk application with the ID
card received. Update with ``--snapshot-update`` and look at the SVGs first.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import peewee
import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from kiosk.app import make_app
from kiosk.clock import FixedClock
from kiosk.config import Settings
from kiosk.services import ServiceContext
from kiosk.services import applications as apps
from kiosk.services.registration import register_resident
from screens.counter.application import ApplicationScreen
from tests.screens.counter.helpers import id_number, login, staff, until
from tests.services.resident_factory import Seeded
from tests.support import RecordingPrinter

SIZE = (80, 24)
#: snapshot name → keys pressed on the application screen.
ROUTES: dict[str, tuple[str, ...]] = {
    "application": (),
    "materials": ("2",),
    "return_confirm": ("2", "7"),
}


def _application(database: peewee.Database, clock: FixedClock) -> str:
    import datetime as dt

    from db.models import Staff

    staff(database, clock)
    ctx = ServiceContext(database=database, clock=clock)
    person = register_resident(ctx, id_number(dt.date(1975, 6, 1)), "赵春梅")
    info = apps.submit(ctx, person.id, "enrol_resident_pension")  # at the kiosk: nothing received
    clerk = ctx.as_staff(int(Staff.get(Staff.number == "S001").id), "S001")
    apps.mark_material(clerk, info.number, "id_card", state="received")
    return info.number


def _route(number: str, keys: tuple[str, ...]) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await login(pilot)
        pilot.app.push_screen(ApplicationScreen(number))
        await until(pilot, lambda: bool(pilot.app.screen.query("#transitions .menu-button")))
        for key in keys:
            await pilot.press(key)
            await pilot.pause(0.1)
            await pilot.app.workers.wait_for_complete()
        await pilot.pause(0.1)
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("language", ["zh_CN", "en"])
@pytest.mark.parametrize("name", list(ROUTES))
def test_counter_screen(name: str, language: str, snap_compare: Any, seeded_db: tuple[peewee.Database, Seeded],
                        clock: FixedClock) -> None:
    database = seeded_db[0]
    number = _application(database, clock)
    settings = Settings(source="(test)")
    settings.terminal.mode = "counter"
    settings.terminal.counter = 1
    settings.terminal.language = language
    app = make_app(settings, database, RecordingPrinter(), clock, mode="counter")
    assert snap_compare(app, terminal_size=SIZE, run_before=_route(number, ROUTES[name]))
