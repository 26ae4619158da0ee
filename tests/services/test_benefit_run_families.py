"""A month paid by any payment of the same benefit family is not paid again (moneyfix 2).

BenefitPayment rows with no benefit row (the first demo, imports, older data) or another
spelling of the type (``pension_employee`` for ``pension``) count as paid for the monthly run,
and the rule audit's ``duplicate_payment`` compares the same families, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import peewee
import pytest

from db.models import Benefit, BenefitPayment
from kiosk.clock import FixedClock
from kiosk.rules.benefit_types import benefit_family, family_types, is_monthly
from kiosk.services import ServiceContext, rule_audit
from kiosk.services import benefit_run as run
from tests.services.benefit_town import Town, build

JAN = dt.date(2026, 1, 1)


@pytest.fixture
def town(database: peewee.Database, clock: FixedClock, tmp_path: Path) -> Town:
    return build(database, clock, tmp_path)


def _unlinked(town: Town, key: str, type_: str, period: dt.date) -> int:
    with town.db.connection_context():
        benefit = Benefit.get_by_id(town.benefits[key])
        return int(BenefitPayment.insert(resident=benefit.__data__["resident"], benefit_type=type_, period=period,
                                         amount_fen=benefit.monthly_fen, paid_at=dt.datetime(2026, 1, 10, 2))
                   .execute())


def test_one_vocabulary() -> None:
    assert benefit_family("pension_employee") == benefit_family("pension_resident") == benefit_family("pension")
    assert set(family_types("pension")) == {"pension", "pension_employee", "pension_resident"}
    assert is_monthly("pension_resident") and is_monthly("unemployment") and not is_monthly("maternity")


def test_run_does_not_pay_a_month_paid_without_a_benefit_row(town: Town) -> None:
    _unlinked(town, "retiree", "pension_employee", JAN)  # as the first demo wrote it
    _unlinked(town, "worker", "unemployment", JAN)  # paid at a counter step, no benefit named
    town.at(JAN + dt.timedelta(days=19))
    preview = run.preview(town.boss, JAN)
    paid = {line.benefit_id: {i.period for i in line.items} for line in preview.lines}
    assert JAN not in paid.get(town.benefits["retiree"], set())
    assert JAN not in paid.get(town.benefits["worker"], set())
    assert JAN in paid[town.benefits["villager"]]  # the others are still paid


def test_audit_flags_a_second_payment_of_a_month_in_any_spelling(town: Town) -> None:
    with town.db.connection_context():
        paid = BenefitPayment.get(BenefitPayment.benefit == town.benefits["retiree"])
        worker = BenefitPayment.get(BenefitPayment.benefit == town.benefits["worker"])
    pension_copy = _unlinked(town, "retiree", "pension_employee", paid.period)
    unemployment_copy = _unlinked(town, "worker", "unemployment", worker.period)
    report = rule_audit.run_audit(ServiceContext(town.db, town.ctx.clock))
    duplicates = {f.id for f in report.findings if f.kind == "duplicate_payment"}
    assert duplicates == {pension_copy, unemployment_copy}, [f.as_json() for f in report.findings]
