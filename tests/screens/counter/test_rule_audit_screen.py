"""基金稽核 at the counter (issue 16): a supervisor's key 8 lists the findings by kind, marks
one explained with a reason (audited; the list then shows it as known), and Enter opens its
record. A clerk's home has no key 8. SQLite and PostgreSQL."""

from __future__ import annotations

import peewee
from textual.widgets import DataTable

from db.models import AuditEntry, RuleFindingNote
from kiosk.clock import FixedClock
from screens.counter.application import ApplicationScreen
from screens.counter.home import CounterHomeScreen
from screens.counter.reason import ReasonModal
from screens.counter.rule_audit import RuleAuditScreen
from screens.widgets.menu import MenuButton
from tests.screens.counter.helpers import login, make_counter_app, message, staff, text_of, type_text, until
from tests.services.test_rule_audit import _merged, _same_person, build_town


async def test_supervisor_audit_screen(database: peewee.Database, clock: FixedClock) -> None:
    staff(database, clock, "Z01", "赵主管", "supervisor")
    with database.atomic():
        town = build_town()
        merged = _merged(town)
        same = _same_person(town)
    app = make_counter_app(database, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, "Z01")
        await pilot.press("8")
        await until(pilot, lambda: isinstance(app.screen, RuleAuditScreen) and bool(app.screen.rows))
        screen = app.screen
        assert isinstance(screen, RuleAuditScreen)
        keys = {(f.kind, f.table, f.id) for f in screen.rows.values()}
        assert {merged, same} <= keys
        assert "已合并险种单独缴费" in text_of(app, "#audit-summary")
        table = screen.query_one("#findings", DataTable)
        row = next(i for i, f in enumerate(screen.rows.values()) if (f.kind, f.table, f.id) == merged)
        table.move_cursor(row=row)
        await pilot.press("2")
        await until(pilot, lambda: isinstance(app.screen, ReasonModal))
        await type_text(pilot, "县局统一代收")
        await pilot.press("enter")
        await until(pilot, lambda: "已标记为已说明" in message(app))
        await until(pilot, lambda: any(f.known and (f.kind, f.table, f.id) == merged
                                       for f in screen.rows.values()))
        assert RuleFindingNote.get().reason == "县局统一代收"
        assert AuditEntry.select().where(AuditEntry.action == "ruleaudit.explain").count() == 1
        row = next(i for i, f in enumerate(screen.rows.values()) if (f.kind, f.table, f.id) == same)
        table.move_cursor(row=row)
        table.focus()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ApplicationScreen))
        assert app.screen.number == "SQ20251201001"


async def test_clerk_has_no_audit_key(database: peewee.Database, clock: FixedClock) -> None:
    staff(database, clock)
    app = make_counter_app(database, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot)
        assert not app.screen.query("#choice-audit")
        await pilot.press("8")
        await pilot.pause(0.2)
        assert isinstance(app.screen, CounterHomeScreen)
        assert all(b.choice != "audit" for b in app.screen.query(MenuButton))
