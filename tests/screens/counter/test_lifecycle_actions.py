"""资格认证 and 死亡注销 at the counter (issue 15), from the resident detail: key 5 certifies after
a + confirmation and resumes a pension suspended as overdue; key 8 asks the date of death,
shows what will happen and records it only on +. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import peewee
from textual.widgets import Input

from db.models import Benefit, Resident
from kiosk.clock import FixedClock
from kiosk.services import benefit_run as run
from kiosk.services.registration import get_resident
from screens.counter.keys import ConfirmActionModal
from screens.counter.lifecycle import DeathDateModal
from screens.counter.resident_detail import ResidentDetailScreen
from tests.screens.counter.helpers import login, make_counter_app, message, text_of, type_text, until
from tests.services.benefit_town import build


async def test_certify_and_record_death(database: peewee.Database, clock: FixedClock, tmp_path: Path) -> None:
    town = build(database, clock, tmp_path, unemployment=False)
    with database.connection_context():
        Benefit.update(certified_on=dt.date(2024, 11, 20)).where(Benefit.id == town.benefits["suspended"]).execute()
    town.at(dt.date(2026, 1, 20))
    run.post(town.boss, dt.date(2026, 1, 1), None)
    town.at(dt.date(2026, 2, 3))
    villager = get_resident(town.ctx, town.people["suspended"])
    retiree = get_resident(town.ctx, town.people["retiree"])
    app = make_counter_app(database, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, "1001", "2580")
        app.push_screen(ResidentDetailScreen(villager))
        await until(pilot, lambda: isinstance(app.screen, ResidentDetailScreen))
        await pilot.press("5")
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        assert villager.masked_name in text_of(app, "#confirm-what")
        await pilot.press("plus")
        await until(pilot, lambda: "资格认证完成" in message(app))
        assert "恢复发放 1 项" in message(app)
        with database.connection_context():
            assert Benefit.get_by_id(town.benefits["suspended"]).status == "in_payment"

        app.pop_screen()
        app.push_screen(ResidentDetailScreen(retiree))
        await until(pilot, lambda: isinstance(app.screen, ResidentDetailScreen) and app.screen.resident.id
                    == retiree.id)
        await pilot.press("8")
        await until(pilot, lambda: isinstance(app.screen, DeathDateModal))
        await type_text(pilot, "2026-13-40")
        await pilot.press("enter")
        await until(pilot, lambda: "YYYY-MM-DD" in text_of(app, "#death-message"))
        app.screen.query_one("#death-date", Input).value = ""
        await type_text(pilot, "2025-12-20")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        assert "2025-12-20" in text_of(app, "#confirm-what")
        await pilot.press("enter")  # Enter cancels: nothing recorded
        await until(pilot, lambda: isinstance(app.screen, ResidentDetailScreen))
        with database.connection_context():
            assert Resident.get_by_id(retiree.id).death_date is None
        await pilot.press("8")
        await until(pilot, lambda: isinstance(app.screen, DeathDateModal))
        await type_text(pilot, "2025-12-20")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        await pilot.press("plus")
        await until(pilot, lambda: "已注销" in message(app))
        assert "2026-01 多发" in message(app)
        with database.connection_context():
            assert Resident.get_by_id(retiree.id).death_date == dt.date(2025, 12, 20)
            assert Benefit.get_by_id(town.benefits["retiree"]).status == "stopped"
