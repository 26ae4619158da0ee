"""Helpers shared by the Pilot suites (tests/screens, tests/screens/counter,
tests/reliability, tests/queue): a printer that records what it was sent and
a seeded SQLite database for the real app."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import peewee

from db.connection import open_database
from db.schema import init_schema
from kiosk.clock import FixedClock
from printers.devices import PrinterStatus
from tests.services.resident_factory import Seeded, seed_residents


class RecordingPrinter:
    """A printers.devices.Device that keeps what it was sent."""

    url = "recording:"

    def __init__(self) -> None:
        self.jobs: list[tuple[bytes, Any]] = []
        """Every send: the ESC/POS bytes and the document they came from."""

    @property
    def documents(self) -> list[Any]:
        """The documents sent, in order."""
        return [document for _, document in self.jobs]

    def send(self, data: bytes, *, document: Any = None) -> None:
        self.jobs.append((data, document))

    def status(self, timeout: float = 2.0) -> PrinterStatus:
        return PrinterStatus(True, "ok", "recording")


@contextmanager
def seeded_sqlite(tmp_path: Path, clock: FixedClock) -> Iterator[tuple[peewee.Database, Seeded]]:
    """A connected SQLite file under ``tmp_path`` with the schema and the test residents."""
    database = open_database(f"sqlite:///{tmp_path / 'kiosk.db'}")
    database.connect()
    init_schema(database, clock.now_utc().replace(tzinfo=None))
    seeded = seed_residents(database)
    try:
        yield database, seeded
    finally:
        database.close()
