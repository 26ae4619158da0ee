"""Child process for figure 1: start an app, note when its first screen is
painted, exit. ``python -m benchmarks._start_child kiosk|bare STAMP [CONFIG]``.

``kiosk`` goes through the real ``kiosk run --config CONFIG`` (every import
the CLI makes, settings, database, printer, policy), importing Textual where
``kiosk run`` does (after it has paused garbage collection); ``bare`` is a
Textual app that pushes one screen with one label. Both get the same probe through
``App.run(auto_pilot=...)``: once a pushed screen is the active one, wait
for it to be refreshed (painted to the terminal), write
``time.monotonic()`` and the RSS in MB to STAMP and exit.
"""

from __future__ import annotations

import importlib.util
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

    _patch_app(App, stamp)


class _PatchWhenImported:
    """A meta path finder that patches ``App.run`` the moment ``textual.app`` is imported.

    ``kiosk run`` imports Textual only after it has paused garbage collection
    (kiosk.gc_pause); importing Textual here first, to patch it, ran some 75
    collections (about 8 ms) that a real ``kiosk run`` never runs."""

    def __init__(self, stamp: Path) -> None:
        self.stamp = stamp

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != "textual.app":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        assert spec is not None and spec.loader is not None
        exec_module = spec.loader.exec_module

        def exec_and_patch(module: Any) -> None:
            exec_module(module)
            _patch_app(module.App, self.stamp)

        spec.loader.exec_module = exec_and_patch  # type: ignore[method-assign]
        return spec


def _patch_app(app_class: Any, stamp: Path) -> None:
    original = app_class.run

    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("auto_pilot", _probe(stamp))
        return original(self, *args, **kwargs)

    app_class.run = run


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
    if "textual.app" in sys.modules:
        _patch_run(stamp)
    else:
        sys.meta_path.insert(0, _PatchWhenImported(stamp))
    from kiosk.cli import main as kiosk_main

    return kiosk_main(["run", "--mode", "self", "--config", argv[2]])


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
