"""Figure 4: a key press on the resident home to the next screen painted, under Pilot.

The kiosk comes from :func:`kiosk.app.make_app` with a copy of the small
township, a recording printer and a fixed clock; a resident with twenty
years of contributions is identified (through the service) and the home
menu shown. Each sample posts a menu number key to the app, as the
terminal driver does (Pilot's ``press`` adds idle waits of its own), (1 参保, 2 缴费, 3 账户, 4 待遇, 5 进度, in
turn), waits until the new screen is active with its
data loaded off the UI thread, then for the refresh; then Esc goes back.
Floor: the same presses in a bare Textual app whose key pushes a screen
with one label.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.core import Config, Figure, Stats, figure
from benchmarks.data import township

TARGET_MS = 50.0
KEYS = ("1", "2", "3", "4", "5")


class RecordingPrinter:
    """A printer that keeps what it was sent."""

    url = "recording:"

    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def send(self, data: bytes, *, document: Any = None) -> None:
        self.sent.append(data)

    def status(self, timeout: float = 2.0) -> Any:
        from printers.devices import PrinterStatus

        return PrinterStatus(True, "ok", "recording")


def _loaded(screen: Any) -> bool:
    """A resident screen has its data (or its error message) from the worker thread."""
    needs = getattr(screen, "needs_data", None)
    return needs is None or not needs() or screen.data is not None or bool(screen.error)


def _key(app: Any, key: str) -> None:
    """Deliver a key as the terminal driver does (Pilot's press adds idle waits of its own)."""
    from textual import events

    app.post_message(events.Key(key, key if len(key) == 1 else None))


async def _settle(pilot: Any, ready: Any) -> None:
    while not ready():
        await asyncio.sleep(0.0005)
    done = asyncio.Event()
    pilot.app.screen.call_after_refresh(done.set)
    await done.wait()


async def _kiosk_samples(db_path: Path, person: dict[str, Any], reps: int) -> list[float]:
    from db.connection import open_database
    from kiosk.app import make_app
    from kiosk.clock import FixedClock
    from kiosk.config import Settings
    from kiosk.services import residents

    database = open_database(f"sqlite:///{db_path}")
    clock = FixedClock(moment=dt.datetime(2026, 11, 29, 1, 30, tzinfo=dt.UTC))
    settings = Settings(source="(bench)")
    app = make_app(settings, database, RecordingPrinter(), clock, idle_seconds=3600, mode="self")
    samples: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.start_session(residents.identify(app.ctx, person["id_number"]))
        home = None
        await _settle(pilot, lambda: type(app.screen).__name__ == "ResidentHomeScreen")
        home = app.screen
        for i in range(reps + 2):
            key = KEYS[i % len(KEYS)]
            t0 = time.perf_counter()
            _key(app, key)
            await _settle(pilot, lambda: app.screen is not home and _loaded(app.screen))
            elapsed = (time.perf_counter() - t0) * 1000
            if getattr(app.screen, "error", ""):
                raise RuntimeError(f"key {key}: {getattr(app.screen, 'error', '')}")
            if i >= 2:  # the first two warm the imports of each screen module
                samples.append(elapsed)
            _key(app, "escape")
            await _settle(pilot, lambda: app.screen is home)
    database.close()
    return samples


async def _bare_samples(reps: int) -> list[float]:
    from textual.app import App, ComposeResult
    from textual.screen import Screen
    from textual.widgets import Label

    class One(Screen[None]):
        BINDINGS = [("escape", "app.pop_screen", "back")]

        def compose(self) -> ComposeResult:
            yield Label("我的参保信息")

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Label("1 我的参保")

        def on_key(self, event: Any) -> None:
            if event.key in KEYS and len(self.screen_stack) == 1:
                self.push_screen(One())

    app = Bare()
    samples: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        home = app.screen
        for i in range(reps + 2):
            t0 = time.perf_counter()
            _key(app, KEYS[i % len(KEYS)])
            await _settle(pilot, lambda: app.screen is not home and app.screen.is_mounted)
            if i >= 2:
                samples.append((time.perf_counter() - t0) * 1000)
            _key(app, "escape")
            await _settle(pilot, lambda: app.screen is home)
    return samples


def run(config: Config, log: Any = print) -> list[Figure]:
    town = township(config, config.scales[0], log=log)
    reps = config.reps(60, 5)
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-keys-") as tmp:
        copy = Path(tmp) / "kiosk.db"
        shutil.copyfile(town.path, copy)
        kiosk = asyncio.run(_kiosk_samples(copy, town.samples[0], reps))
    bare = asyncio.run(_bare_samples(reps))
    subject, floor = Stats.of(kiosk), Stats.of(bare)
    return [figure("4", "key press on home → next screen painted (Pilot)", "ms", subject,
                   "bare Textual app pushing one label", floor, target=f"median < {TARGET_MS:g} ms",
                   met=subject.median < TARGET_MS, keys="".join(KEYS), residents=town.residents)]
