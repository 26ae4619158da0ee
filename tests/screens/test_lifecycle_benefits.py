"""待遇领取 at the kiosk (issue 15.5): the resident's benefits in payment with their status and
why (a pension suspended for an overdue 资格认证), then every monthly payment with its month,
a raise's 补差 named; SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import peewee
from textual.widgets import DataTable

from db.models import Benefit, Resident
from kiosk.app import make_app
from kiosk.clock import FixedClock
from kiosk.config import Settings
from kiosk.services import benefit_run as run
from screens.resident.benefits import BenefitsScreen
from tests.screens.counter.helpers import until
from tests.services.benefit_town import build
from tests.support import RecordingPrinter, give_passwords, sign_in


async def test_benefits_show_status_and_every_month(database: peewee.Database, clock: FixedClock,
                                                    tmp_path: Path) -> None:
    town = build(database, clock, tmp_path, unemployment=False)
    with database.connection_context():
        Benefit.update(certified_on=dt.date(2024, 11, 20)).where(Benefit.id == town.benefits["suspended"]).execute()
        number = Resident.get_by_id(town.people["suspended"]).id_number
    town.at(dt.date(2026, 1, 20))
    run.post(town.boss, dt.date(2026, 1, 1), None)  # suspends the overdue pensioner
    give_passwords(database, number)
    town.at(dt.date(2026, 1, 25))
    app = make_app(Settings(source="(test)"), database, RecordingPrinter(), clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot, number)
        await until(pilot, lambda: not isinstance(app.screen, BenefitsScreen) and "home" in type(app.screen).__name__
                    .lower())
        await pilot.press("4")
        await until(pilot, lambda: isinstance(app.screen, BenefitsScreen) and bool(app.screen.query(".benefit-status")))
        text = " ".join(str(w.render()) for w in app.screen.query(".benefit-status"))
        assert "养老金：暂停发放（未按期资格认证），每月" in text
        # The due date is past: overdue, suspended since January, come to the counter (fix15money 7).
        assert "前办理资格认证" not in text and "资格认证已于 2025-11-20 到期未办理，自 2026-01 起暂停发放" in text
        assert "到窗口办理" in text
        table = app.screen.query_one("#benefits-table", DataTable)
        assert table.row_count == 1  # December, paid at 待遇支付; January was not paid
