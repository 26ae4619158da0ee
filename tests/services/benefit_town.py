"""A small township with benefits in payment, built through the services:
people through registration, records through the imports
(:mod:`tests.entitlement.township`), claims walked through the application
service by a clerk and a supervisor (受审分离), cards issued for the bank file."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import peewee

from db.connection import write_transaction
from db.models import Benefit, Contribution, Resident
from kiosk.clock import FixedClock
from kiosk.rules.workflows import WORKFLOWS
from kiosk.services import ServiceContext
from kiosk.services import applications as apps
from kiosk.services.registration import new_card
from kiosk.services.staff import add_staff
from tests.entitlement.township import Records

CLAIM_DAY = dt.date(2025, 12, 10)


@dataclass
class Town:
    """Contexts (system, clerk, supervisor), people by key and their benefits by key."""

    db: peewee.Database
    ctx: ServiceContext
    clerk: ServiceContext
    boss: ServiceContext
    people: dict[str, int] = field(default_factory=dict)
    benefits: dict[str, int] = field(default_factory=dict)

    def at(self, day: dt.date) -> None:
        """Move the shared clock to 10:00 local on ``day``."""
        assert isinstance(self.ctx.clock, FixedClock)
        self.ctx.clock.set_local(dt.datetime.combine(day, dt.time(10, 0)))


def _materials(type_: str) -> list[str]:
    return [m.code for m in WORKFLOWS[type_].materials]


def claim(town: Town, rid: int, type_: str, day: dt.date, data: dict[str, Any] | None = None) -> str:
    """A claim made on ``day`` and walked to 待遇支付 (the first month paid there)."""
    town.at(day)
    info = apps.submit(town.clerk, rid, type_, data or {}, materials_received=_materials(type_))
    apps.advance(town.clerk, info.number, "reviewed")
    apps.advance(town.clerk, info.number, "calculated")
    apps.advance(town.boss, info.number, "approved")
    apps.advance(town.clerk, info.number, "paid")
    return info.number


def register_unemployed(town: Town, rid: int, day: dt.date) -> None:
    town.at(day)
    reg = apps.submit(town.clerk, rid, "unemployment_registration",
                      materials_received=_materials("unemployment_registration"))
    apps.advance(town.clerk, reg.number, "registered")


def build(database: peewee.Database, clock: FixedClock, folder: Path, *, pensions: bool = True,
          unemployment: bool = True) -> Town:
    """Pensioners of both schemes and an unemployed worker (18 months), claims paid on CLAIM_DAY."""
    ctx = ServiceContext(database, clock, terminal="C01", extras={"rng": random.Random(15)})
    clerk_info = add_staff(ctx, "1001", "王芳", "clerk", "2580")
    boss_info = add_staff(ctx, "2001", "李主任", "supervisor", "3691")
    town = Town(database, ctx, ctx.as_staff(clerk_info.id, clerk_info.number),
                ctx.as_staff(boss_info.id, boss_info.number))
    town.at(CLAIM_DAY)
    r = Records(town.clerk, folder)
    p = town.people
    if pensions:
        for key in ("villager", "suspended"):
            p[key] = r.person(dt.date(1965, 3, 1))
            r.enrol(p[key], "pension", "resident", "2010-01-01")
            r.pay_years(p[key], range(2010, 2025))
        p["retiree"] = r.person(dt.date(1960, 2, 1))
        r.enrol(p["retiree"], "pension", "employee", "2000-01-01")
        r.pay_months(p["retiree"], "pension", "employee", "2000-01", 240)
    if unemployment:
        p["worker"] = r.person(dt.date(1985, 1, 1))
        r.enrol(p["worker"], "unemployment", "employee", "2018-01-01", end="2025-11-30", status="终止")
        r.pay_months(p["worker"], "unemployment", "employee", "2018-12", 84)  # 7 years → 18 months
    r.load()
    with database.connection_context(), write_transaction(database):
        # Each resident year was paid in its year (the import stamps today): as the rule audit expects.
        for row in Contribution.select().where(Contribution.scheme == "resident"):
            Contribution.update(paid_at=dt.datetime(row.month.year, 6, 1, 2)).where(
                Contribution.id == row.id).execute()
        for rid in p.values():
            new_card(ctx, rid)
            # The 社保卡金融账户 the bank credits (the run never pays into a card number).
            Resident.update(bank_account=f"621700{rid:013d}").where(Resident.id == rid).execute()
    if pensions:
        for key in ("villager", "suspended"):
            claim(town, p[key], "benefit_pension", CLAIM_DAY, {"scheme": "resident"})
        claim(town, p["retiree"], "benefit_pension", CLAIM_DAY, {"scheme": "employee"})
    if unemployment:
        register_unemployed(town, p["worker"], CLAIM_DAY - dt.timedelta(days=5))
        claim(town, p["worker"], "benefit_unemployment", CLAIM_DAY)
    with database.connection_context():
        for key, rid in p.items():
            town.benefits[key] = Benefit.get(Benefit.resident == rid).id
    return town
