"""Child process for figure 1: start an app, note when its first screen is
painted, exit. ``python -m benchmarks._start_child kiosk|bare STAMP [CONFIG]``.

``kiosk`` goes through the real ``kiosk run --config CONFIG`` (every import
the CLI makes, settings, database, printer, policy); ``bare`` is a Textual
app that pushes one screen with one label. Both get the same probe through
``App.run(auto_pilot=...)``: once a pushed screen is the active one, wait
for it to be refreshed (painted to the terminal), write
``time.monotonic()`` and the RSS in MB to STAMP and exit.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any


def _probe(stamp: Path) -> Any:
    async def probe(pilot: Any) -> None:
        import asyncio

        app = pilot.app
        while len(app.screen_stack) < 2 or not app.screen.is_mounted:
            await asyncio.sleep(0.001)

        def painted() -> None:
            moment = time.monotonic()
            try:  # resident set size now, MB: what an idle kiosk holds
                with open("/proc/self/statm") as handle:
                    rss = int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
            except OSError:
                rss = 0.0
            stamp.write_text(f"{moment!r} {rss!r}")
            app.exit()

        app.screen.call_after_refresh(painted)

    return probe


def _patch_run(stamp: Path) -> None:
    from textual.app import App

    original = App.run

    def run(self: App[Any], *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("auto_pilot", _probe(stamp))
        return original(self, *args, **kwargs)

    App.run = run  # type: ignore[method-assign]


def _bare(stamp: Path) -> int:
    from textual.app import App, ComposeResult
    from textual.screen import Screen
    from textual.widgets import Label

    class One(Screen[None]):
        def compose(self) -> ComposeResult:
            yield Label("社保服务终端")

    class Bare(App[None]):
        def on_mount(self) -> None:
            self.push_screen(One())

    Bare().run(auto_pilot=_probe(stamp))
    return 0


def main(argv: list[str]) -> int:
    which, stamp = argv[0], Path(argv[1])
    if which == "bare":
        return _bare(stamp)
    _patch_run(stamp)
    from kiosk.cli import main as kiosk_main

    return kiosk_main(["run", "--mode", "self", "--config", argv[2]])


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
