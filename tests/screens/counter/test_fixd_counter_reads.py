"""The counter's keys (attack D12): after choosing the payment method by its number key, Enter
checks the amount and asks with that method."""

from __future__ import annotations

import datetime as dt
import functools

import peewee

from kiosk.clock import FixedClock
from screens.counter.keys import ConfirmActionModal
from tests.screens.counter.helpers import clerk_and_resident, login, make_counter_app, open_payment, until
from tests.support import settle


async def test_a_method_chosen_by_its_key_is_what_enter_asks_with(database: peewee.Database,
                                                                  clock: FixedClock) -> None:
    person = clerk_and_resident(database, clock, dt.date(1980, 3, 1))
    app = make_counter_app(database, clock, language="en")
    async with app.run_test(size=(120, 36)) as pilot:
        await login(pilot)
        screen = await open_payment(pilot, person, 200_00)
        for key, method, label in (("2", "bank", "Bank card"), ("3", "card", "Social security card"),
                                   ("1", "cash", "Cash")):
            await pilot.press("shift+tab")  # the focus onto the method buttons (the tester's way there)
            await until(pilot, lambda: app.focused is not None and "method" in app.focused.classes)
            await pilot.press(key)
            await until(pilot, functools.partial(lambda chosen: screen.draft.method == chosen, method))
            await until(pilot, lambda: app.focused is screen.query_one("#tendered"))
            await pilot.press("enter")  # checks 实收 (empty: nothing to check) and asks
            await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
            modal = app.screen
            assert isinstance(modal, ConfirmActionModal)
            assert any(label in line for line in modal.lines), modal.lines
            assert screen.draft.method == method
            await pilot.press("0")  # not taken
            await until(pilot, lambda: app.screen is screen)
            await settle(pilot)
