"""养老金测算 for the demo township's people (issue 17): a pensioner (a pension
Benefit row) sees the pension she draws — since when, its status, the amount
paid and the contribution months that made it — and never a projection (which
once said "0 months" beside 143 元); a person not yet retired gets the projection."""

from __future__ import annotations

from typing import Any

import peewee
import pytest

from db.demo import DemoSummary
from db.models import Benefit, Resident
from kiosk.clock import FixedClock
from kiosk.rules.money import format_yuan
from kiosk.services import ServiceContext
from kiosk.services.estimate import pension_in_payment
from kiosk.services.residents import _summary
from screens.resident.estimate import EstimateScreen
from tests.screens.counter.helpers import until
from tests.screens.test_every_screen_every_resident import demo_town
from tests.screens.test_identity import build
from tests.screens.test_resident_flows import screen_text

__all__ = ["demo_town"]  # the fixture: a small demo township on SQLite and PostgreSQL


async def _estimate_text(app: Any, pilot: Any, resident: Resident) -> str:
    app.start_session(_summary(resident))
    await pilot.pause()
    app.push_screen(EstimateScreen())
    await until(pilot, lambda: isinstance(app.screen, EstimateScreen)
                and (app.screen.data is not None or bool(app.screen.error)))
    await app.workers.wait_for_complete()
    await pilot.pause()
    return screen_text(app)


@pytest.mark.parametrize("language", ["zh_CN", "en"])
async def test_a_pensioner_sees_her_pension_and_the_months_behind_it(
        demo_town: tuple[peewee.Database, DemoSummary], clock: FixedClock, language: str) -> None:
    database, _ = demo_town
    ctx = ServiceContext(database, clock)
    pensioners = {row.resident_id for row in Benefit.select(Benefit.resident).where(Benefit.kind.startswith("pension"))}
    people = list(Resident.select().order_by(Resident.id))
    assert pensioners and len(pensioners) < len(people)  # both kinds of people are in the township
    app = build(database, clock)
    if language == "en":
        app.settings.terminal.language = "en"
    projection = "预计每月养老金" if language == "zh_CN" else "Estimated monthly pension"
    months_word = "核定时" if language == "zh_CN" else "when it was decided"
    async with app.run_test(size=(160, 48)) as pilot:
        if language == "en":
            app.set_language("en")
        for resident in people:
            text = await _estimate_text(app, pilot, resident)
            if resident.id in pensioners:
                pension = pension_in_payment(ctx, resident.id)
                assert pension is not None
                assert format_yuan(pension.monthly_fen) in text, (resident.id, text)
                assert f"{pension.start_month:%Y-%m}" in text
                assert months_word in text
                if pension.months:
                    assert str(pension.months) in text
                assert projection not in text, (resident.id, text)
            else:
                assert projection in text, (resident.id, text)
                assert months_word not in text
            app.end_session()
            await pilot.pause()


async def test_the_months_are_the_ones_on_record_before_the_pension(
        demo_town: tuple[peewee.Database, DemoSummary], clock: FixedClock) -> None:
    """A demo pensioner of the resident scheme: the months are whole years paid before it started."""
    database, _ = demo_town
    ctx = ServiceContext(database, clock)
    seen = 0
    for benefit in Benefit.select().where(Benefit.kind.startswith("pension")):
        pension = pension_in_payment(ctx, benefit.resident_id)
        assert pension is not None and pension.status in ("in_payment", "suspended", "stopped", "finished")
        if pension.scheme == "resident":
            assert pension.months % 12 == 0
        seen += 1
    assert seen
