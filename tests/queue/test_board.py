"""The display board (Pilot) and the voice announcer."""

from __future__ import annotations

import datetime as dt
import shutil
import time
from collections.abc import Sequence

import peewee
import pytest
from rich.console import Console
from textual.widgets import Static

from kiosk.clock import FixedClock
from kiosk.services import queue as q
from kiosk.services.announce import Announcer, call_text, spoken_text
from screens.display.bigtext import BigCode, block_lines
from screens.display.board import BoardScreen

from .helpers import add_resident, make_ctx
from .host import QueueTestHost


class Recorder:
    """Stands in for espeak-ng: records each command line."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, argv: Sequence[str]) -> object:
        self.calls.append(list(argv))
        return None


def _text(widget: Static) -> str:
    console = Console(width=200, record=True)
    console.print(widget.content)
    return console.export_text()


def test_call_texts() -> None:
    assert call_text("A007", 3) == "请A007号到3号窗口"
    assert spoken_text("A007", 3) == "请 A 零零七 号，到 3 号窗口"


def test_announcer_uses_the_injected_command_in_the_background() -> None:
    runner = Recorder()
    announcer = Announcer(["espeak-ng", "-v", "cmn"], runner)
    thread = announcer.announce("V012", 5)
    assert thread is not None
    thread.join(5)
    assert runner.calls == [["espeak-ng", "-v", "cmn", "请 V 零一二 号，到 5 号窗口"]]


def test_announcer_is_silent_without_espeak(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    runner = Recorder()
    announcer = Announcer(runner=runner)
    assert not announcer.available
    assert announcer.announce("A001", 1) is None
    assert runner.calls == []


def test_announcer_survives_a_failing_speaker() -> None:
    def broken(argv: Sequence[str]) -> object:
        raise OSError("no sound card")

    thread = Announcer(["espeak-ng"], broken).say("请A001号到1号窗口")
    assert thread is not None
    thread.join(5)  # no exception escapes the thread


def test_block_letters_cover_every_default_prefix() -> None:
    lines = block_lines("GHQV", scale=1)
    assert len(lines) == 5
    # each glyph is 3 wide plus a 1-cell gap: no letter fell back to blank
    for index in range(4):
        assert any(line[index * 4:index * 4 + 3].strip() for line in lines)


async def test_board_shows_waiting_then_a_call_within_a_second(
    database: peewee.Database, clock: FixedClock
) -> None:
    ctx = make_ctx(database, clock)
    zhang = add_resident("张三丰", dt.date(1980, 1, 1))
    q.take_ticket(ctx, "A", zhang)
    q.take_ticket(ctx, "C")
    runner = Recorder()
    announcer = Announcer(["espeak-ng", "-v", "cmn"], runner)
    app = QueueTestHost(ctx, lambda: BoardScreen(announcer))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, BoardScreen)
        for _ in range(20):
            await pilot.pause(0.05)
            if screen.status is not None:
                break
        waiting = _text(screen.query_one("#waiting", Static))
        assert "A 参保登记  1人" in waiting and "C 社保卡  1人" in waiting
        assert "共 2 人等候" in waiting
        assert screen.announced == []  # nothing announced for calls before the board started

        q.call_next(ctx, 1)  # another terminal calls A001
        called_at = time.monotonic()
        while time.monotonic() - called_at < 1.0:
            await pilot.pause(0.05)
            if screen.status is not None and screen.status.recent:
                break
        assert time.monotonic() - called_at < 1.0
        assert screen.query_one("#newest-code", BigCode).code == "A001"
        serving = _text(screen.query_one("#serving", Static))
        assert "A001" in serving and "张*丰" in serving and "张三丰" not in serving
        assert "请 A001 号到 1 号窗口" in _text(screen.query_one("#newest-text", Static))
        assert screen.announced == [("A001", 1)]
        for _ in range(20):
            if runner.calls:
                break
            await pilot.pause(0.05)
        assert runner.calls == [["espeak-ng", "-v", "cmn", "请 A 零零一 号，到 1 号窗口"]]

        q.recall(ctx, 1)
        for _ in range(20):
            await pilot.pause(0.05)
            if len(screen.announced) == 2:
                break
        assert screen.announced == [("A001", 1), ("A001", 1)]


async def test_board_in_english(database: peewee.Database, clock: FixedClock) -> None:
    ctx = make_ctx(database, clock)
    q.take_ticket(ctx, "B")
    q.call_next(ctx, 3)
    app = QueueTestHost(ctx, lambda: BoardScreen(Announcer([], Recorder())), language="en")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, BoardScreen)
        for _ in range(20):
            await pilot.pause(0.05)
            if screen.status is not None:
                break
        assert "Counter 3" in _text(screen.query_one("#serving", Static))
        assert "B Contribution" in _text(screen.query_one("#waiting", Static))
