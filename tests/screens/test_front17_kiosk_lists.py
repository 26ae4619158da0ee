"""Every row of a long resident list is reachable (issue 17): a resident with
430 ledger movements (36 years) and 430 benefit payments sees the newest and
the oldest row on screen by End/Home, PgDn/PgUp and the bar's ▲/▼ buttons, at
80x24 and at 160x48 (the ledger used to stop at about 20 rows)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import peewee
import pytest

from db.models import Account, BenefitPayment, LedgerEntry
from kiosk.clock import FixedClock
from screens.resident.account import AccountScreen
from screens.resident.benefits import BenefitsScreen
from tests.screens.counter.helpers import until
from tests.screens.test_front17_kiosk_cards import visible_text
from tests.screens.test_identity import build
from tests.services.resident_factory import LI_ID, ZHANG_ID, Seeded, seed_residents
from tests.support import give_passwords, sign_in

ROWS = 430
FIRST = dt.date(1990, 1, 1)


def _month(index: int) -> dt.date:
    year, month = divmod(FIRST.month - 1 + index, 12)
    return dt.date(FIRST.year + year, month + 1, 1)


@pytest.fixture
def long_lists(database: peewee.Database) -> tuple[peewee.Database, Seeded]:
    """李秀英 with 430 monthly ledger movements and 430 monthly pension payments."""
    seeded = seed_residents(database)
    give_passwords(database, ZHANG_ID, LI_ID)
    now = dt.datetime(2026, 11, 29, 1, 30)
    with database.atomic():
        account = Account.get(Account.resident == seeded.li)
        LedgerEntry.delete().where(LedgerEntry.account == account.id).execute()
        LedgerEntry.insert_many([
            {"account": account.id, "seq": i + 1, "entry_date": _month(i).replace(day=15), "kind": "contribution",
             "amount_fen": 1_000 + i, "balance_after_fen": sum(1_000 + j for j in range(i + 1)), "created_at": now}
            for i in range(ROWS)]).execute()
        account.balance_fen = sum(1_000 + j for j in range(ROWS))
        account.save()
        BenefitPayment.insert_many([
            {"resident": seeded.li, "benefit_type": "pension_resident", "period": _month(i),
             "amount_fen": 20_000 + i, "paid_at": now, "kind": "monthly"}
            for i in range(ROWS)]).execute()
    return database, seeded


OLDEST_LEDGER, NEWEST_LEDGER = f"{_month(0):%Y-%m}-15", f"{_month(ROWS - 1):%Y-%m}-15"
OLDEST_PERIOD, NEWEST_PERIOD = f"{_month(0):%Y-%m}", f"{_month(ROWS - 1):%Y-%m}"


async def _open(pilot: Any, key: str, screen_type: type) -> None:
    app = pilot.app
    await sign_in(pilot, LI_ID, home=True)
    await pilot.press(key)
    await until(pilot, lambda: isinstance(app.screen, screen_type) and app.screen.data is not None)
    await app.workers.wait_for_complete()
    await pilot.pause(0.1)


async def _shows(pilot: Any, text: str) -> bool:
    await pilot.pause(0.05)
    return text in visible_text(pilot.app)


async def _reach_both_ends(pilot: Any, newest: str, oldest: str) -> None:
    assert await _shows(pilot, newest) and not await _shows(pilot, oldest)
    await pilot.press("end")
    assert await _shows(pilot, oldest) and not await _shows(pilot, newest)
    await pilot.press("home")
    assert await _shows(pilot, newest)
    for _ in range(ROWS):  # PgDn until the oldest row shows (each page moves on)
        if await _shows(pilot, oldest):
            break
        await pilot.press("pagedown")
    assert await _shows(pilot, oldest)
    for _ in range(ROWS):
        if await _shows(pilot, newest):
            break
        await pilot.press("pageup")
    assert await _shows(pilot, newest)
    for _ in range(ROWS):  # the bar's ▼ button, by touch
        if await _shows(pilot, oldest):
            break
        await pilot.click("#page-down")
    assert await _shows(pilot, oldest)
    for _ in range(ROWS):
        if await _shows(pilot, newest):
            break
        await pilot.click("#page-up")
    assert await _shows(pilot, newest)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_the_whole_ledger_reaches_its_oldest_row(long_lists: tuple[peewee.Database, Seeded],
                                                      clock: FixedClock, size: tuple[int, int]) -> None:
    app = build(long_lists[0], clock)
    async with app.run_test(size=size) as pilot:
        await _open(pilot, "3", AccountScreen)
        assert sum(len(account.entries) for account in app.screen.data) == ROWS  # type: ignore[attr-defined]
        await _reach_both_ends(pilot, NEWEST_LEDGER, OLDEST_LEDGER)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_every_benefit_payment_is_reachable(long_lists: tuple[peewee.Database, Seeded],
                                                  clock: FixedClock, size: tuple[int, int]) -> None:
    app = build(long_lists[0], clock)
    async with app.run_test(size=size) as pilot:
        await _open(pilot, "4", BenefitsScreen)
        await _reach_both_ends(pilot, NEWEST_PERIOD, OLDEST_PERIOD)
