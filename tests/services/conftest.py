"""Fixtures for service tests: a context, staff of each role, residents with valid ID numbers."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

import peewee
import pytest

from kiosk.clock import FixedClock
from kiosk.rules.identity import check_digit
from kiosk.services import ServiceContext
from kiosk.services.registration import ResidentInfo, register_resident
from kiosk.services.staff import add_staff
from tests.support import numbered_name


def id_number(birth: dt.date, seq: int, region: str = "360726") -> str:
    """A valid 18-character ID number (odd ``seq`` = male, even = female)."""
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_digit(first17)


@pytest.fixture
def ctx(database: peewee.Database, clock: FixedClock) -> ServiceContext:
    return ServiceContext(database, clock, terminal="C01", extras={"rng": random.Random(7)})


@pytest.fixture
def clerk(ctx: ServiceContext) -> ServiceContext:
    info = add_staff(ctx, "1001", "王芳", "clerk", "2580")
    return ctx.as_staff(info.id, info.number)


@pytest.fixture
def supervisor(ctx: ServiceContext) -> ServiceContext:
    info = add_staff(ctx, "2001", "李主任", "supervisor", "3691")
    return ctx.as_staff(info.id, info.number)


@pytest.fixture
def make_resident(clerk: ServiceContext) -> Callable[..., ResidentInfo]:
    counter = iter(range(11, 999, 2))

    def make(birth: dt.date = dt.date(1972, 5, 1), *, female: bool = False, village: str = "东村",
             card: bool = True, low_income: bool = False) -> ResidentInfo:
        seq = next(counter) + (1 if female else 0)
        return register_resident(clerk, id_number(birth, seq), numbered_name("测试人", seq), phone="13800001234",
                                 village=village, issue_card=card, low_income=low_income)

    return make
