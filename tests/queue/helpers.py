"""Small builders shared by the queue tests."""

from __future__ import annotations

import datetime as dt

import peewee

from db.models import Resident, Staff
from kiosk.clock import FixedClock
from kiosk.services import ServiceContext


def make_ctx(database: peewee.Database, clock: FixedClock, terminal: str = "T01") -> ServiceContext:
    return ServiceContext(database=database, clock=clock, terminal=terminal)


def add_resident(name: str, birth: dt.date, *, disabled: bool = False, id_number: str | None = None) -> int:
    now = dt.datetime(2026, 1, 1)
    number = id_number or f"1101011990{Resident.select().count():08d}"[:18]
    return int(Resident.create(id_number=number, name=name, sex="male", birth_date=birth, disabled=disabled,
                               created_at=now, updated_at=now).id)


def add_staff(number: str = "S001", name: str = "王芳") -> int:
    return int(Staff.create(number=number, name=name, role="clerk", pin_hash="x",
                            created_at=dt.datetime(2026, 1, 1)).id)
