"""Helpers shared by the Pilot suites (tests/screens, tests/screens/counter,
tests/reliability, tests/queue): a printer that records what it was sent, a
seeded SQLite database for the real app (its residents have the service
password :data:`SERVICE_PASSWORD`), and :func:`sign_in`, which identifies a
resident at the kiosk the way a person does: number, Enter, password, Enter."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import peewee
import pytest

from db.connection import open_database
from db.models import Resident
from db.schema import init_schema
from kiosk.cli import main
from kiosk.clock import FixedClock
from kiosk.rules.pins import hash_pin
from printers.devices import PrinterStatus
from tests.services.resident_factory import LI_ID, ZHANG_ID, Seeded, seed_residents

SERVICE_PASSWORD = "246801"
"""The 社保卡服务密码 :func:`give_passwords` sets for the seeded residents (passes the rules)."""


def give_passwords(database: peewee.Database, *id_numbers: str, password: str = SERVICE_PASSWORD) -> None:
    """Store ``password`` (argon2, as the counter would) for these residents (default: 张卫国 and 李秀英)."""
    Resident.update(service_password_hash=hash_pin(password)).where(
        Resident.id_number.in_(list(id_numbers or (ZHANG_ID, LI_ID)))).execute()


async def sign_in(pilot: Any, number: str, password: str = SERVICE_PASSWORD, *, timeout: float = 10.0,
                  home: bool = False) -> None:
    """At the kiosk: type ``number`` and Enter (as a card reader does), then the
    service password and Enter on the password screen; returns once the
    service call has answered (with ``home``, once the resident's home screen shows)."""
    from screens.resident.home import ResidentHomeScreen
    from screens.resident.password import ServicePasswordScreen

    await pilot.press(*number, "enter")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not isinstance(pilot.app.screen, ServicePasswordScreen):
        if loop.time() > deadline:
            raise AssertionError(f"no password screen after {number!r}; screen is {pilot.app.screen!r}")
        await pilot.pause(0.02)
    await pilot.app.workers.wait_for_complete()
    await pilot.press(*password, "enter")
    await settle(pilot)
    deadline = loop.time() + timeout
    while home and not isinstance(pilot.app.screen, ResidentHomeScreen):
        if loop.time() > deadline:
            raise AssertionError(f"no home screen after signing in; screen is {pilot.app.screen!r}")
        await pilot.pause(0.02)


async def settle(pilot: Any, seconds: float = 0.05) -> None:
    """Let the app handle what is queued and finish its service calls (workers)."""
    await pilot.pause(seconds)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


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
    give_passwords(database)
    try:
        yield database, seeded
    finally:
        database.close()


def use_cli_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, db_url: str) -> None:
    """Point the in-process CLI (:func:`kiosk.cli.main`) at ``db_url``, with its configuration,
    data and logs under ``tmp_path`` and no user configuration from the machine running the tests."""
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("KIOSK_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setenv("KIOSK_DATABASE_URL", db_url)


def run_cli(monkeypatch: pytest.MonkeyPatch, argv: list[str], stdin: str = "") -> int:
    """``kiosk ARGV`` in this process with ``stdin`` as its standard input; its exit status."""
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(argv)


def village_town(database: peewee.Database, clock: FixedClock, tmp_path: Path) -> Any:
    """The benefit town (:func:`tests.services.benefit_town.build`, no unemployment) with villages for
    the collection and 资格认证 lists: a young resident ("young", 东村) enrolled in resident pension and
    medical and paid 2020-2024; the villager, the suspended pensioner and the retiree in 西村, the
    suspended pension last certified on 2024-11-20."""
    import datetime as dt

    from db.models import Benefit
    from tests.entitlement.township import Records
    from tests.services.benefit_town import build

    town = build(database, clock, tmp_path, unemployment=False)
    records = Records(town.clerk, tmp_path)
    young = records.person(dt.date(1990, 6, 1))
    records.enrol(young, "pension", "resident", "2020-01-01")
    records.enrol(young, "medical", "resident", "2020-01-01")
    records.pay_years(young, range(2020, 2025))
    records.load()
    town.people["young"] = young
    with database.connection_context():
        Resident.update(village="东村").where(Resident.id == young).execute()
        for key in ("villager", "suspended", "retiree"):
            Resident.update(village="西村").where(Resident.id == town.people[key]).execute()
        Benefit.update(certified_on=dt.date(2024, 11, 20)).where(Benefit.id == town.benefits["suspended"]).execute()
    return town


_CHINESE_DIGITS = str.maketrans("0123456789", "零一二三四五六七八九")


def numbered_name(stem: str, number: int) -> str:
    """A distinct person's name for test number ``number`` ("测试" 12 → "测试一二"): names hold
    no digits (kiosk.rules.text.check_name, applied at registration and the roster import)."""
    return stem + str(number).translate(_CHINESE_DIGITS)
