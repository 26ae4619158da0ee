"""Fixtures for Pilot and snapshot tests: the app built by make_app from a
temporary seeded database, a recording printer and a fixed clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import peewee
import pytest

from kiosk.app import KioskApp, make_app
from kiosk.clock import FixedClock
from kiosk.config import Settings
from tests.services.resident_factory import Seeded
from tests.support import RecordingPrinter, seeded_sqlite


@pytest.fixture
def seeded_db(tmp_path: Path, clock: FixedClock) -> Iterator[tuple[peewee.Database, Seeded]]:
    with seeded_sqlite(tmp_path, clock) as seeded:
        yield seeded


@pytest.fixture
def printer() -> RecordingPrinter:
    return RecordingPrinter()


@pytest.fixture
def make_kiosk(seeded_db: tuple[peewee.Database, Seeded], printer: RecordingPrinter,
               clock: FixedClock) -> Callable[..., KioskApp]:
    """Build the app; keyword arguments go to make_app (idle_seconds, mode) or settings.terminal."""

    def build(*, idle_seconds: float | None = None, language: str = "zh_CN", **terminal: Any) -> KioskApp:
        settings = Settings(source="(test)")
        settings.terminal.language = language
        for key, value in terminal.items():
            setattr(settings.terminal, key, value)
        return make_app(settings, seeded_db[0], printer, clock, idle_seconds=idle_seconds)

    return build
