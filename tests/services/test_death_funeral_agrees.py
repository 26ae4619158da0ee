"""After 死亡注销, ``benefit check ... funeral`` agrees with what the death registration reported
(moneyfix 5): the same scheme and the same 丧葬补助金 from one function, for a pensioner whose
pension enrolment ended at retirement (employee) and a resident pensioner; SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import peewee

from db.models import Enrolment
from kiosk.clock import FixedClock
from kiosk.services import entitlement, lifecycle
from tests.services.benefit_town import build

DEATH = dt.date(2026, 2, 14)


def test_funeral_check_agrees_with_the_death_registration(database: peewee.Database, clock: FixedClock,
                                                          tmp_path: Path) -> None:
    town = build(database, clock, tmp_path, unemployment=False)
    with database.connection_context():
        # An enterprise retiree's employee pension enrolment ends at retirement.
        Enrolment.update(status="ended", end_date=dt.date(2020, 2, 1)).where(
            (Enrolment.resident == town.people["retiree"]) & (Enrolment.insurance == "pension")).execute()
    town.at(DEATH + dt.timedelta(days=20))
    for key, scheme in (("retiree", "employee"), ("villager", "resident")):
        death = lifecycle.record_death(town.clerk, town.people[key], DEATH)
        decision = entitlement.decide(town.ctx, town.people[key], "funeral")
        assert decision.eligible, decision.reasons
        assert death.scheme == decision.scheme == scheme
        assert decision.lump_sum_fen == death.funeral_grant_fen > 0
