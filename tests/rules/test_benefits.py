"""Unemployment, maternity and work-injury benefits (RULES.md §7-§9)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.rules.benefits import (
    BenefitError,
    check_injury_application,
    injury_benefit,
    injury_lump_sum_months,
    injury_monthly_ratio,
    injury_own_wage,
    maternity_allowance,
    maternity_leave_days,
    maternity_steps,
    unemployment_benefit_months,
    unemployment_decision,
    unemployment_monthly_amount,
)


@pytest.mark.parametrize(
    ("months", "benefit"),
    [(0, 0), (11, 0), (12, 12), (59, 12), (60, 18), (84, 18), (119, 18), (120, 24), (400, 24)],
)
def test_unemployment_months(months: int, benefit: int) -> None:
    assert unemployment_benefit_months(months) == benefit


def test_unemployment_example_1800_and_18_months() -> None:
    assert unemployment_monthly_amount(200_000, Decimal("0.9")) == 180_000
    decision = unemployment_decision(84, involuntary=True, registered=True, minimum_wage_fen=200_000)
    assert decision.eligible and decision.reasons == ()
    assert (decision.months, decision.monthly_fen) == (18, 180_000)
    assert decision.steps[-1].result_fen == 18 * 180_000


def test_unemployment_ineligible_reasons() -> None:
    decision = unemployment_decision(6, involuntary=False, registered=False, minimum_wage_fen=200_000)
    assert not decision.eligible
    assert decision.reasons == ("too_few_months", "voluntary", "not_registered")
    assert decision.monthly_fen == 0 and decision.months == 0


def test_unemployment_carried_over_months_capped_at_24() -> None:
    decision = unemployment_decision(130, involuntary=True, registered=True, minimum_wage_fen=200_000,
                                     carried_over_months=6)
    assert decision.months == 24
    decision = unemployment_decision(30, involuntary=True, registered=True, minimum_wage_fen=200_000,
                                     carried_over_months=6)
    assert decision.months == 18


@pytest.mark.parametrize(
    ("difficult", "extra", "miscarriage", "days", "allowance"),
    [
        (False, 0, None, 98, 1_960_000),
        (True, 0, None, 113, 2_260_000),
        (True, 1, None, 128, 2_560_000),
        (False, 0, 3, 15, 300_000),
        (False, 0, 4, 42, 840_000),
    ],
)
def test_maternity_examples(difficult: bool, extra: int, miscarriage: int | None, days: int, allowance: int) -> None:
    got = maternity_leave_days(difficult, extra, miscarriage)
    assert got == days
    assert maternity_allowance(600_000, got) == allowance


def test_maternity_local_extra_days() -> None:
    assert maternity_leave_days(False, 0, local_extra_days=60) == 158
    assert maternity_leave_days(False, 0, 2, local_extra_days=60) == 15  # miscarriage: no local birth extra


def test_maternity_allowance_rounds_once() -> None:
    # 5,000.00 ÷ 30 × 98 = 16,333.333… → 16,333.33 (not 166.67 × 98 = 16,333.66)
    assert maternity_allowance(500_000, 98) == 1_633_333
    step = maternity_steps(500_000, 98)[0]
    assert step.formula == "5,000.00 ÷ 30 × 98" and step.result_fen == 1_633_333


def test_maternity_bad_inputs() -> None:
    with pytest.raises(BenefitError):
        maternity_leave_days(False, -1)
    with pytest.raises(BenefitError):
        maternity_allowance(-1, 98)


def test_injury_lump_sum_months_by_grade() -> None:
    assert [injury_lump_sum_months(g) for g in range(1, 11)] == [27, 25, 23, 21, 18, 16, 13, 11, 9, 7]
    for grade in (0, 11):
        with pytest.raises(BenefitError):
            injury_lump_sum_months(grade)


def test_injury_monthly_ratio() -> None:
    assert [injury_monthly_ratio(g) for g in range(1, 7)] == [
        Decimal("0.9"), Decimal("0.85"), Decimal("0.8"), Decimal("0.75"), Decimal("0.7"), Decimal("0.6")]
    assert injury_monthly_ratio(7) is None


def test_injury_example_54000() -> None:
    benefit = injury_benefit(9, 600_000, 700_000)
    assert benefit.lump_sum_fen == 5_400_000
    assert benefit.monthly_allowance_fen is None


def test_injury_own_wage_bounded() -> None:
    assert injury_own_wage(300_000, 700_000) == 420_000
    assert injury_own_wage(3_000_000, 700_000) == 2_100_000
    assert injury_own_wage(500_000, 700_000) == 500_000
    benefit = injury_benefit(1, 300_000, 700_000)
    assert benefit.own_wage_fen == 420_000
    assert benefit.lump_sum_fen == 27 * 420_000
    assert benefit.monthly_allowance_fen == 378_000


def test_injury_allowance_topped_up_to_minimum_wage() -> None:
    benefit = injury_benefit(4, 200_000, 400_000, minimum_wage_fen=200_000)  # own 2,400 × 75% = 1,800
    assert benefit.monthly_allowance_fen == 200_000
    assert benefit.steps[-1].key == "rules.injury.step.minimum_top_up"
    benefit6 = injury_benefit(6, 200_000, 400_000, minimum_wage_fen=200_000)  # grade 6: no top-up
    assert benefit6.monthly_allowance_fen == 144_000


def test_injury_deadlines() -> None:
    accident = dt.date(2025, 3, 1)
    ok = check_injury_application(accident, dt.date(2025, 3, 31), "employer")
    assert ok.in_time and ok.deadline == dt.date(2025, 3, 31) and ok.rule_key == "rules.injury.deadline.employer"
    late = check_injury_application(accident, dt.date(2025, 4, 1), "employer")
    assert not late.in_time
    worker = check_injury_application(accident, dt.date(2026, 3, 1), "worker")
    assert worker.in_time and worker.deadline == dt.date(2026, 3, 1)
    assert not check_injury_application(accident, dt.date(2026, 3, 2), "worker").in_time
    leap = check_injury_application(dt.date(2024, 2, 29), dt.date(2025, 2, 28), "worker")
    assert leap.in_time and leap.deadline == dt.date(2025, 2, 28)
    with pytest.raises(BenefitError):
        check_injury_application(accident, dt.date(2025, 2, 1), "worker")


@given(st.integers(0, 10_000_000), st.integers(1, 10), st.integers(1, 5_000_000))
def test_injury_money_never_negative(wage: int, grade: int, regional: int) -> None:
    benefit = injury_benefit(grade, wage, regional)
    assert benefit.lump_sum_fen >= 0
    assert benefit.monthly_allowance_fen is None or benefit.monthly_allowance_fen >= 0
