"""Shared Pilot helpers for the reliability suites: the real app from
make_app over a seeded SQLite file, and the text every widget renders."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import peewee
import pytest
from textual.widgets import DataTable, Input, Static

from kiosk.app import KioskApp, make_app
from kiosk.clock import FixedClock
from kiosk.config import Settings
from tests.support import RecordingPrinter, seeded_sqlite


@pytest.fixture
def seeded(tmp_path: Path, clock: FixedClock) -> Iterator[peewee.Database]:
    with seeded_sqlite(tmp_path, clock) as (database, _):
        yield database


def build(database: peewee.Database, clock: FixedClock, **kwargs: Any) -> KioskApp:
    settings = Settings(source="(test)")
    return make_app(settings, database, RecordingPrinter(), clock, **kwargs)


def all_text(app: KioskApp) -> str:
    """What every widget of every screen on the stack shows: statics, inputs
    (value and placeholder), tables, button labels, tooltips."""
    parts: list[str] = []
    for screen in app.screen_stack:
        for widget in screen.walk_children(with_self=False):
            if isinstance(widget, Static):
                parts.append(str(widget.render()))
            if isinstance(widget, Input):
                parts += [widget.value, str(widget.placeholder)]
            if isinstance(widget, DataTable):
                for row in range(widget.row_count):
                    parts.extend(str(cell) for cell in widget.get_row_at(row))
            for attribute in ("label", "tooltip", "border_title", "border_subtitle"):
                value = getattr(widget, attribute, None)
                if value is not None:
                    parts.append(str(value))
    return "\n".join(parts)


async def settle(pilot: Any, seconds: float = 0.1) -> None:
    await pilot.pause(seconds)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
