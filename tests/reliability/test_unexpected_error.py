"""An error nothing caught (issue 19.1): no traceback on the terminal, the
calm catalog message instead, the traceback in the log with ID numbers and
names masked, and a non-zero exit status so systemd restarts the kiosk."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import peewee
import pytest
from rich.console import Console

from kiosk import logs
from kiosk.app import EXIT_FAILURE
from kiosk.clock import FixedClock
from kiosk.i18n import Translator
from tests.reliability.kiosk_pilot import build, seeded  # noqa: F401  (fixture)
from tests.services.resident_factory import ZHANG_ID

NAME = "欧阳明月"


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    path = logs.configure(tmp_path / "logs")
    yield path
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_kiosk", False)]:
        root.removeHandler(handler)
        handler.close()


async def test_unexpected_error_is_calm_masked_and_non_zero(seeded: peewee.Database,  # noqa: F811
                                                            clock: FixedClock, log_file: Path) -> None:
    app = build(seeded, clock)
    shown = io.StringIO()
    app.error_console = Console(file=shown, width=100, color_system=None)

    def fail() -> None:
        raise ValueError(f"cannot show {NAME} {ZHANG_ID}")

    with pytest.raises(ValueError):  # Pilot re-raises what the app saw
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            app.call_later(fail)
            await pilot.pause(0.5)
    assert app.return_code == EXIT_FAILURE
    terminal = shown.getvalue()
    assert Translator("zh_CN")("robust.unexpected_exit") in terminal.replace("\n", "")
    assert "Traceback" not in terminal and ZHANG_ID not in terminal and NAME not in terminal
    for handler in logging.getLogger().handlers:
        handler.flush()
    log = log_file.read_text(encoding="utf-8")
    assert "unexpected error" in log and "ValueError" in log and "Traceback" in log
    assert ZHANG_ID not in log and NAME not in log
    assert "欧阳**" in log  # masked as a name
