"""Issue 17: on a self-service kiosk the maintenance menu (ctrl+t + staff PIN)
lets only a supervisor or an admin switch the mode or quit; a clerk is
refused both, and every action there is audited with the staff number and
the terminal (kiosk.services.maintenance)."""

from __future__ import annotations

from typing import Any

import peewee
import pytest
from textual.widgets import Input

from db.models import AuditEntry
from kiosk.app import KioskApp
from kiosk.clock import FixedClock
from kiosk.services import ServiceContext, maintenance
from kiosk.services.staff import PermissionDenied, add_staff, gate_login
from screens.resident.attract import AttractScreen
from screens.widgets.plain import Button
from screens.widgets.staff_gate import MaintenanceModal, StaffPinModal
from tests.screens.counter.helpers import until
from tests.screens.test_identity import build
from tests.screens.test_resident_flows import screen_text

CLERK, SUPERVISOR = ("7001", "2580"), ("7002", "3691")


@pytest.fixture
def gate_db(database: peewee.Database, clock: FixedClock) -> peewee.Database:
    ctx = ServiceContext(database, clock, terminal="T01")
    add_staff(ctx, CLERK[0], "王芳", "clerk", CLERK[1])
    add_staff(ctx, SUPERVISOR[0], "李强", "supervisor", SUPERVISOR[1])
    return database


def actions(number: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(action, terminal, detail) of ``number``'s maintenance entries, oldest first."""
    rows = (AuditEntry.select().where(AuditEntry.actor == number, AuditEntry.action.startswith("maintenance."))
            .order_by(AuditEntry.seq))
    return [(row.action, row.terminal, row.detail if isinstance(row.detail, dict) else {}) for row in rows]


def names(number: str) -> list[str]:
    return [action for action, _, _ in actions(number)]


async def open_menu(app: KioskApp, pilot: Any, number: str, pin: str) -> MaintenanceModal:
    await pilot.press("ctrl+t")
    await until(pilot, lambda: isinstance(app.screen, StaffPinModal))
    app.screen.query_one("#staff-number", Input).value = number
    app.screen.query_one("#staff-pin", Input).focus()
    await pilot.press(*pin, "enter")
    await until(pilot, lambda: isinstance(app.screen, MaintenanceModal))
    await until(pilot, lambda: "maintenance.enter" in names(number))
    assert isinstance(app.screen, MaintenanceModal)
    return app.screen


async def test_a_clerk_may_neither_switch_mode_nor_quit(gate_db: peewee.Database, clock: FixedClock) -> None:
    app = build(gate_db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        menu = await open_menu(app, pilot, *CLERK)
        for button in ("#m-exit", "#m-self", "#m-counter", "#m-display"):
            assert menu.query_one(button).disabled, button
        assert "审核员" in screen_text(app) and "切换模式" in screen_text(app)  # the reason, from the start
        # A press that reaches the menu anyway (a touch on a stale frame) is refused too.
        for choice in ("m-counter", "m-exit"):
            menu.on_button_pressed(Button.Pressed(menu.query_one(f"#{choice}", Button)))
            await pilot.pause()
            assert isinstance(app.screen, MaintenanceModal) and app.mode_name == "self" and app.is_running
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, AttractScreen))
        await until(pilot, lambda: "maintenance.leave" in names(CLERK[0]))
        assert app.is_running and app.mode_name == "self"
    assert names(CLERK[0]) == ["maintenance.enter", "maintenance.leave"]
    assert {terminal for _, terminal, _ in actions(CLERK[0])} == {app.ctx.terminal}


def test_the_service_refuses_a_clerk_and_audits_the_refusal(gate_db: peewee.Database, clock: FixedClock) -> None:
    ctx = ServiceContext(gate_db, clock, terminal="T09")
    clerk = gate_login(ctx, *CLERK)
    for action in ("mode", "quit"):
        with pytest.raises(PermissionDenied) as refused:
            maintenance.record(ctx, clerk, action, mode="counter")
        assert refused.value.code == maintenance.REFUSED
    assert [(a, t, d.get("wanted")) for a, t, d in actions(CLERK[0])] == [
        ("maintenance.refused", "T09", "mode"), ("maintenance.refused", "T09", "quit")]
    # A clerk may still test the printer and leave.
    maintenance.record(ctx, clerk, "printer_test")
    assert names(CLERK[0])[-1] == "maintenance.printer_test"


async def test_a_supervisor_switches_to_counter_mode_and_quits(gate_db: peewee.Database, clock: FixedClock) -> None:
    from screens.counter.login import LoginScreen

    app = build(gate_db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        # Esc on the PIN gate closes the gate only (it once closed the attract screen as well,
        # and the mode switch after it crashed the kiosk).
        await pilot.press("ctrl+t")
        await until(pilot, lambda: isinstance(app.screen, StaffPinModal))
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, AttractScreen))
        assert [type(s) for s in app.screen_stack][-1:] == [AttractScreen] and len(app.screen_stack) == 2
        menu = await open_menu(app, pilot, *SUPERVISOR)
        assert not menu.query_one("#m-counter").disabled and not menu.query_one("#m-exit").disabled
        assert "审核员" not in screen_text(app)
        await pilot.click("#m-counter")
        await until(pilot, lambda: isinstance(app.screen, LoginScreen))
        assert app.mode_name == "counter"
        await until(pilot, lambda: names(SUPERVISOR[0])[-1:] == ["maintenance.leave"])
        await open_menu(app, pilot, *SUPERVISOR)
        await pilot.click("#m-exit")
        await until(pilot, lambda: not app.is_running)
    await until_audited(lambda: names(SUPERVISOR[0]).count("maintenance.leave") == 2)
    recorded = actions(SUPERVISOR[0])
    assert [a for a, _, _ in recorded] == ["maintenance.enter", "maintenance.mode", "maintenance.leave",
                                          "maintenance.enter", "maintenance.quit", "maintenance.leave"]
    assert recorded[1][2]["mode"] == "counter" and recorded[1][2]["previous"] == "self"
    assert {terminal for _, terminal, _ in recorded} == {app.ctx.terminal}


async def until_audited(condition: Any, timeout: float = 10.0) -> None:
    """Poll the database (the leaving is written while the menu goes away)."""
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "audit entry never written"
        await asyncio.sleep(0.05)
