"""待遇按月发放 at the counter (issue 15): a supervisor's key 9 previews the month (payments,
total, what is not paid and why), 4 asks for a confirmation showing what will happen, only
``+`` posts it (bank file written 0600, audited), and the month then says it was paid.
A clerk's home has no key 9. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

import peewee
import pytest
from textual.widgets import DataTable

from db.models import AuditEntry, BenefitRun
from kiosk.clock import FixedClock
from kiosk.services import benefit_run
from screens.counter.benefit_run import BenefitRunScreen
from screens.counter.home import CounterHomeScreen
from screens.counter.keys import ConfirmActionModal
from tests.screens.counter.helpers import login, make_counter_app, message, text_of, until
from tests.services.benefit_town import build


async def test_supervisor_previews_and_posts(database: peewee.Database, clock: FixedClock, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    town = build(database, clock, tmp_path)
    out = tmp_path / "bank" / "daifa-2026-01.csv"
    out.parent.mkdir()
    monkeypatch.setattr(benefit_run, "default_path", lambda month, folder=None: out)
    town.at(dt.date(2026, 1, 20))
    app = make_counter_app(database, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, "2001", "3691")
        await pilot.press("9")
        await until(pilot, lambda: isinstance(app.screen, BenefitRunScreen) and app.screen.result is not None)
        screen = app.screen
        assert isinstance(screen, BenefitRunScreen) and screen.result is not None
        assert screen.result.paid == 4
        assert "2026-01：应发 4 笔" in text_of(app, "#run-summary")
        table = screen.query_one("#run-lines", DataTable)
        assert table.row_count == 4
        cells = [str(table.get_row_at(i)[1]) for i in range(4)]
        assert all("*" in cell for cell in cells)  # masked on the screen
        await pilot.press("4")
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        await pilot.press("enter")  # Enter only cancels
        await until(pilot, lambda: isinstance(app.screen, BenefitRunScreen))
        assert not BenefitRun.select().exists() and not out.exists()
        await pilot.press("4")
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        assert str(out) in text_of(app, "#confirm-what")
        await pilot.press("plus")
        await until(pilot, lambda: "已发放 2026-01" in message(app))
        assert BenefitRun.get().paid == 4
        assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
        assert benefit_run.read_file_total(out)[0] == 4
        assert AuditEntry.select().where(AuditEntry.action == "benefit.run").count() == 1
        await pilot.press("1")
        await until(pilot, lambda: "已经发放过" in message(app))


async def test_clerk_has_no_run_key(database: peewee.Database, clock: FixedClock, tmp_path: Path) -> None:
    build(database, clock, tmp_path, pensions=False)
    app = make_counter_app(database, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, "1001", "2580")
        await pilot.press("9")
        await pilot.pause(0.2)
        assert isinstance(app.screen, CounterHomeScreen)
        assert not app.screen.query("#choice-run")


async def test_run_uses_the_disbursement_dir_and_names_its_policy_in_english(
        database: peewee.Database, clock: FixedClock, tmp_path: Path) -> None:
    """Issue 17: the screen writes into ``[payment] disbursement_dir`` and shows the policy
    (file, version, hash) and, when it differs from the previous run's, a note naming both."""
    town = build(database, clock, tmp_path)
    town.at(dt.date(2026, 1, 20))
    BenefitRun.create(month=dt.date(2025, 12, 1), paid=0, total_fen=0, approved_by=0, created_at=dt.datetime(2025, 12, 20),
                      policy_digest="ab" * 32, policy_version="old-policy.toml 版本2025-01-01")
    folder = tmp_path / "bank-folder"
    app = make_counter_app(database, clock)
    app.settings.payment.disbursement_dir = str(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        app.set_language("en")
        await login(pilot, "2001", "3691")
        await pilot.press("9")
        await until(pilot, lambda: isinstance(app.screen, BenefitRunScreen) and app.screen.result is not None)
        summary = text_of(app, "#run-summary")
        assert "Policy: " in summary and ", version " in summary
        assert "differs from \"old-policy.toml, version 2025-01-01\" (abababababab) used for the 2025-12 run" in summary
        await pilot.press("4")
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        assert str(folder / "daifa-2026-01.csv") in text_of(app, "#confirm-what")
        assert "differs from" in text_of(app, "#confirm-what")
        await pilot.press("plus")
        await until(pilot, lambda: (folder / "daifa-2026-01.csv").exists())
