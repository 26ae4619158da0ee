"""A typed amount is never the amount (moneyfix 5): a benefit claim shows and pays only what
待遇计算 computed; an ``amount_fen`` typed at submission or passed with a later step is dropped,
on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import peewee

from kiosk.clock import FixedClock
from kiosk.services import applications as apps
from tests.entitlement.township import Records
from tests.services.benefit_town import CLAIM_DAY, _materials, build

TYPED = 999_900


def test_typed_amount_is_never_shown_or_approved(database: peewee.Database, clock: FixedClock,
                                                 tmp_path: Path) -> None:
    town = build(database, clock, tmp_path, pensions=False, unemployment=False)
    records = Records(town.clerk, tmp_path)
    rid = records.person(dt.date(1960, 2, 1))
    records.enrol(rid, "pension", "employee", "2000-01-01")
    records.pay_months(rid, "pension", "employee", "2000-01", 240)
    records.load()
    town.at(CLAIM_DAY)
    info = apps.submit(town.clerk, rid, "benefit_pension", {"scheme": "employee", "amount_fen": TYPED,
                                                              "monthly_fen": TYPED},
                       materials_received=_materials("benefit_pension"))
    assert info.amount_fen is None and "amount_fen" not in info.data
    reviewed = apps.advance(town.clerk, info.number, "reviewed", data={"amount_fen": TYPED})
    assert reviewed.amount_fen is None and "amount_fen" not in reviewed.data
    calculated = apps.advance(town.clerk, info.number, "calculated")
    computed = calculated.amount_fen
    assert computed is not None and computed != TYPED
    approved = apps.advance(town.boss, info.number, "approved", data={"amount_fen": TYPED})
    assert approved.amount_fen == computed  # 复核 approves the computed figure, not a typed one
