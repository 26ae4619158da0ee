"""Issue 17: every demo resident's every counter screen renders with no raw
catalog key, in both languages — the resident detail (identity, card,
enrolments, applications, contribution history, personal-account balances,
benefits paid) and each of the resident's applications — for villagers,
employees, students and retirees of both schemes. The resident screens are
covered by test_every_screen_every_resident; this is the counter's half.
An enterprise retiree's detail shows the months that made her one."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import peewee
import pytest

from db.demo import DemoSummary
from db.models import Application, Benefit, BenefitPayment, Resident
from kiosk.clock import FixedClock
from kiosk.services import ServiceContext
from kiosk.services.registration import get_resident
from tests.screens.counter.helpers import login, make_counter_app, until
from tests.screens.test_every_screen_every_resident import _raw_keys
from tests.screens.test_resident_flows import screen_text

MONTHS = {"zh_CN": re.compile(r"累计缴费 (\d+) 个月"), "en": re.compile(r"(\d+) months paid")}


@pytest.fixture
def counter_town(database: peewee.Database, clock: FixedClock) -> tuple[peewee.Database, DemoSummary]:
    """A small demo township (db.demo) with retirees of both schemes (20 people is the
    smallest seed-2026 town with an enterprise retiree), on SQLite and PostgreSQL."""
    from db.demo import seed_demo

    return database, seed_demo(database, residents=20, today=clock.today(), now=clock.now_utc())


@pytest.mark.parametrize("language", ["zh_CN", "en"])
async def test_no_raw_catalog_key_on_any_counter_screen(counter_town: tuple[peewee.Database, DemoSummary],
                                                        clock: FixedClock, language: str) -> None:
    from screens.counter.application import ApplicationScreen
    from screens.counter.resident_detail import ResidentDetailScreen

    database, summary = counter_town
    app = make_counter_app(database, clock, counter=1, language=language)
    supervisor = next(s for s in summary.staff if s.role == "supervisor")
    ctx = ServiceContext(database, clock)
    pensioners = _ids(BenefitPayment.select(BenefitPayment.resident)
                      .where(BenefitPayment.benefit_type.startswith("pension")))
    enterprise_retirees = _ids(Benefit.select(Benefit.resident)
                               .where(Benefit.kind == "pension", Benefit.scheme == "employee"))
    assert pensioners and enterprise_retirees
    found: dict[str, set[str]] = {}
    async with app.run_test(size=(160, 48)) as pilot:
        await login(pilot, supervisor.number, supervisor.pin)
        for resident in Resident.select().order_by(Resident.id):
            screen = ResidentDetailScreen(get_resident(ctx, resident.id))
            app.push_screen(screen)
            await until(pilot, _holds(lambda screen: getattr(screen, "_file", None) is not None, screen))
            await app.workers.wait_for_complete()
            await pilot.pause()
            text = screen_text(app)
            for key in _raw_keys(text):
                found.setdefault(key, set()).add(f"detail {resident.id}")
            if resident.id in pensioners:
                assert _benefit_rows(screen) > 0, (resident.id, text)
            if resident.id in enterprise_retirees:
                months = MONTHS[language].search(text)
                assert months and int(months.group(1)) >= 180, (resident.id, text)  # 15 years at least
            app.pop_screen()
            await pilot.pause()
            for number in _numbers(resident.id):
                page = ApplicationScreen(number)
                app.push_screen(page)
                await until(pilot, _holds(lambda page: page.info is not None, page))
                await app.workers.wait_for_complete()
                await pilot.pause()
                for key in _raw_keys(screen_text(app)):
                    found.setdefault(key, set()).add(f"application {number}")
                app.pop_screen()
                await pilot.pause()
    assert found == {}, found


def _ids(query: Any) -> set[int]:
    """The first column of a query's rows, as ids."""
    return {int(value) for (value, *_rest) in query.tuples()}


def _numbers(resident_id: int) -> list[str]:
    query: Any = Application.select(Application.number).where(Application.resident == resident_id)
    return [str(number) for (number,) in query.tuples()]


def _holds(check: Callable[[Any], bool], subject: Any) -> Callable[[], bool]:
    return lambda: check(subject)


def _benefit_rows(screen: object) -> int:
    """How many benefit payments the detail lists (its file, as loaded)."""
    file = getattr(screen, "_file", None)
    return len(getattr(file, "benefits", ()) or ())
