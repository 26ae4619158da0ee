"""``kiosk run`` pauses garbage collection while it starts and the app collects again once its
first screen is drawn (kiosk.gc_pause, issue 18.4); a run that ends before that collects again too."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk import gc_pause
from kiosk.app import KioskApp
from kiosk.commands import CommandError
from kiosk.i18n import CACHE_ENV
from kiosk.policy import PolicyBook, check_policy
from screens.resident.attract import AttractScreen
from tests.support import run_cli, use_cli_environment


@pytest.fixture(autouse=True)
def collector_as_before() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc_pause.resume(freeze=False)
    gc.unfreeze()  # the test process keeps collecting everything, as before the test
    gc.enable()


async def test_the_app_collects_again_after_its_first_paint(make_kiosk: Callable[..., KioskApp]) -> None:
    app = make_kiosk()
    gc_pause.pause()
    assert not gc.isenabled() and gc_pause.paused()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, AttractScreen)
        for _ in range(400):  # GC_RESUME_DELAY after the first paint; generous for a busy machine
            if gc.isenabled():
                break
            await pilot.pause(0.05)
        assert gc.isenabled() and not gc_pause.paused()
        assert gc.get_freeze_count() > 0  # what start-up built is out of later full collections
        assert app.services.worker is not None  # the print-spool thread starts after the paint too
        assert isinstance(app.ctx.extras.get("policy"), PolicyBook)  # the services' policy is in place


async def test_the_spool_and_a_policy_seen_valid_are_made_after_the_first_paint(
        make_kiosk: Callable[..., KioskApp], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    check_policy(None)  # the shipped file seen valid once
    app = make_kiosk()
    assert "policy" not in app.ctx.extras and not app.services.policy_loaded
    assert callable(app.services._spool)  # not made yet
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, AttractScreen)
        for _ in range(400):  # generous for a busy machine
            if app.services.worker is not None:
                break
            await pilot.pause(0.05)
        assert app.ctx.extras["policy"] is app.services.policy and app.services.policy_loaded
        assert app.services.worker is not None and app.services.worker.spool is app.services.spool


async def test_an_app_that_was_not_paused_leaves_the_collector_alone(make_kiosk: Callable[..., KioskApp]) -> None:
    app = make_kiosk()
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(40):
            await pilot.pause(0.05)
        assert app.services.worker is not None
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_kiosk_run_pauses_collection_and_a_failed_start_collects_again(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    use_cli_environment(monkeypatch, tmp_path, f"sqlite:///{tmp_path / 'kiosk.db'}")
    seen: list[bool] = []

    def refuse(args: Any) -> int:
        seen.append(gc.isenabled())
        raise CommandError("no database here")

    monkeypatch.setattr("kiosk.commands.run.run_kiosk", refuse)
    assert run_cli(monkeypatch, ["run"]) == 2
    assert seen == [False]  # paused while the command started
    assert gc.isenabled() and not gc_pause.paused() and gc.get_freeze_count() == 0



async def test_no_spool_thread_starts_once_the_app_has_closed(make_kiosk: Callable[..., KioskApp]) -> None:
    """The after-paint timer firing while the app closes starts no print-spool thread: one would
    outlive the app and print through whatever database the models are bound to next (a counter
    walk once saw its 补打 printed by an earlier test's leftover thread, on that test's printer)."""
    import threading

    app = make_kiosk()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
    spools_before = [t for t in threading.enumerate() if t.name == "print-spool"]
    app._settle()  # what the timer would do, after on_unmount stopped what there was
    assert app.services.worker is None
    assert [t for t in threading.enumerate() if t.name == "print-spool"] == spools_before
