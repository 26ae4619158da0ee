"""The demo's unemployment claims are decided by the rules (issue 15): every claim with an amount
carries the entitlement service's monthly amount and months (the policy's minimum wage × ratio,
months from the contribution record), and the benefit in payment is that decision. SQLite and
PostgreSQL."""

from __future__ import annotations

import datetime as dt

import peewee

from db.demo import seed_demo
from db.models import Application, Benefit
from kiosk.clock import FixedClock
from kiosk.services import ServiceContext, entitlement

TODAY = dt.date(2026, 11, 29)
NOW = dt.datetime(2026, 11, 29, 1, 30)


def test_unemployment_amounts_come_from_the_rules(database: peewee.Database, clock: FixedClock) -> None:
    seed_demo(database, residents=800, seed=2026, today=TODAY, now=NOW)
    ctx = ServiceContext(database, clock)
    claims = list(Application.select().where((Application.type == "benefit_unemployment")
                                             & Application.status.in_(("calculated", "approved", "paid"))))
    assert len(claims) == 3
    for claim in claims:
        day = dt.date.fromisoformat(claim.data["claim_date"])
        decision = entitlement.decide(ctx, claim.__data__["resident"], "unemployment", on=day,
                                      facts=claim.data, exclude_application=claim.id)
        assert decision.eligible, decision.reasons
        assert (claim.data["amount_fen"], claim.data["months"]) == (decision.monthly_fen, decision.months)
        assert claim.data["entitlement"]["steps"]  # the calculation is recorded, as 待遇计算 does
    [benefit] = Benefit.select().where(Benefit.kind == "unemployment")
    paid = Application.get_by_id(benefit.__data__["application"])
    assert (benefit.monthly_fen, benefit.months) == (paid.data["amount_fen"], paid.data["months"])
    assert benefit.months is not None and 12 <= benefit.months <= 24
