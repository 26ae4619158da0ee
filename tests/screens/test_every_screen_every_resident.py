"""Every resident screen with every demo resident (a small demo township with
villagers, employees, flexible workers, students and retirees of both
schemes), in both languages: no raw catalog key ever shows, and an
enterprise retiree's contributions and estimate make sense."""

from __future__ import annotations

import re
from typing import Any

import peewee
import pytest

from db.demo import DemoSummary, seed_demo
from db.models import BenefitPayment, Resident
from kiosk.app import KioskApp, make_app
from kiosk.clock import FixedClock
from kiosk.config import Settings
from kiosk.services.residents import _summary
from screens.resident.home import CHOICES
from tests.screens.counter.helpers import until
from tests.screens.test_resident_flows import screen_text
from tests.support import RecordingPrinter

#: A catalog key: dotted lower-case words (resident.benefit_type.pension_employee).
RAW_KEY = re.compile(r"\b[a-z][a-z0-9_]*(?:\.[a-z0-9_]+){1,}\b")
SCREENS = [choice for _, choice in CHOICES if choice not in ("logout", "apply", "ticket")]


@pytest.fixture
def demo_town(database: peewee.Database, clock: FixedClock) -> tuple[peewee.Database, DemoSummary]:
    """A small demo township (db.demo) on SQLite and PostgreSQL."""
    return database, seed_demo(database, residents=12, today=clock.today(), now=clock.now_utc())


def _raw_keys(text: str) -> list[str]:
    return [key for key in RAW_KEY.findall(text) if "." in key and not re.fullmatch(r"[\d.]+", key)]


async def _visit_every_screen(app: KioskApp, pilot: Any, resident: Resident) -> dict[str, str]:
    shown: dict[str, str] = {}
    for choice in SCREENS:
        app.start_session(_summary(resident))
        await pilot.pause()
        app.screen.choose(choice)  # type: ignore[attr-defined]
        await until(pilot, lambda: type(app.screen).__name__ != "ResidentHomeScreen")
        screen = app.screen
        await until(pilot, lambda s=screen: getattr(s, "data", None) is not None or bool(getattr(s, "error", "")))
        await app.workers.wait_for_complete()
        await pilot.pause()
        shown[choice] = screen_text(app)
    return shown


@pytest.mark.parametrize("language", ["zh_CN", "en"])
async def test_no_raw_catalog_key_on_any_resident_screen(demo_town: tuple[peewee.Database, DemoSummary],
                                                         clock: FixedClock, language: str) -> None:
    database, summary = demo_town
    settings = Settings(source="(test)")
    settings.terminal.language = language
    app = make_app(settings, database, RecordingPrinter(), clock)
    notes = {sample.id_number: sample.note for sample in summary.samples}
    people = list(Resident.select().order_by(Resident.id))
    assert any("退休" in note or "养老金" in note for note in notes.values())  # retirees are among them
    found: dict[str, set[str]] = {}
    retired = "您已退休" if language == "zh_CN" else "You are retired"
    pensioners = {row.resident_id for row in BenefitPayment.select(BenefitPayment.resident)
                  .where(BenefitPayment.benefit_type.startswith("pension"))}
    assert pensioners  # retirees of the demo township draw pensions
    async with app.run_test(size=(160, 48)) as pilot:
        for resident in people:
            shown = await _visit_every_screen(app, pilot, resident)
            for choice, text in shown.items():
                for key in _raw_keys(text):
                    found.setdefault(key, set()).add(choice)
            # A pensioner gets her pension, never an estimate of a retirement date in the past.
            assert (retired in shown["estimate"]) is (resident.id in pensioners), (resident.id, shown["estimate"])
            assert (retired in shown["contributions"]) is (resident.id in pensioners)
            app.end_session()
            await pilot.pause()
    assert found == {}, found
