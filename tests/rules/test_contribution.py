"""Contribution assessment (缴费核定): base bounds, lines, totals, resident tiers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.rules.contribution import (
    ContributionError,
    assess_employee,
    assess_flexible,
    assess_resident_medical,
    assess_resident_pension,
    choose_flexible_base,
    determine_base,
    flexible_account_part,
    work_injury_rate,
)
from kiosk.rules.parameters import (
    ContributionRates,
    HospitalLevel,
    InsuranceRate,
    MedicalParams,
    ResidentPensionParams,
    ResidentTier,
    WageParams,
)

D = Decimal
WAGE = WageParams(average_monthly_wage_fen=700_000)  # 7,000 yuan → bounds 4,200 – 21,000
RATES = ContributionRates(
    pension=InsuranceRate(D("0.16"), D("0.08")),
    medical=InsuranceRate(D("0.06"), D("0.02")),
    unemployment=InsuranceRate(D("0.005"), D("0.005")),
    work_injury_class_rates=tuple(D(x) for x in
                                  ("0.002", "0.004", "0.007", "0.009", "0.011", "0.013", "0.016", "0.019")),
)


def test_bounds_are_60_and_300_percent() -> None:
    assert (WAGE.base_floor_fen, WAGE.base_cap_fen) == (420_000, 2_100_000)


@pytest.mark.parametrize(
    ("declared", "base", "adjustment"),
    [(300_000, 420_000, "raised_to_floor"), (500_000, 500_000, "none"), (3_000_000, 2_100_000, "lowered_to_cap"),
     (420_000, 420_000, "none"), (2_100_000, 2_100_000, "none")],
)
def test_determine_base_clamps(declared: int, base: int, adjustment: str) -> None:
    decision = determine_base(declared, WAGE)
    assert decision.base_fen == base
    assert decision.adjustment == adjustment


def test_employee_notice_lines_and_totals() -> None:
    notice = assess_employee(600_000, WAGE, RATES, risk_class=2, injury_step=D("0.8"))
    amounts = {(line.insurance, line.payer): line.amount_fen for line in notice.lines}
    assert amounts == {
        ("pension", "individual"): 48_000,       # 6000 × 8% = 480.00
        ("medical", "individual"): 12_000,       # 6000 × 2% = 120.00
        ("unemployment", "individual"): 3_000,   # 6000 × 0.5% = 30.00
        ("pension", "employer"): 96_000,         # 6000 × 16% = 960.00
        ("medical", "employer"): 36_000,         # 6000 × 6% = 360.00
        ("unemployment", "employer"): 3_000,
        ("work_injury", "employer"): 1_920,      # 6000 × 0.4% × 0.8 = 19.20
    }
    assert notice.individual_total_fen == 63_000
    assert notice.employer_total_fen == 136_920
    assert notice.total_fen == 199_920
    assert all(line.base_fen == 600_000 for line in notice.lines)
    assert notice.lines[0].key == "rules.insurance.pension"


def test_each_line_rounds_once_half_up() -> None:
    # base 4,321.05: pension 8% = 345.684 → 345.68; unemployment 0.5% = 21.60525 → 21.61
    notice = assess_employee(432_105, WAGE, RATES)
    by = {(line.insurance, line.payer): line.amount_fen for line in notice.lines}
    assert by[("pension", "individual")] == 34_568
    assert by[("unemployment", "individual")] == 2_161
    assert notice.total_fen == sum(line.amount_fen for line in notice.lines)


def test_months_multiply_the_monthly_amount() -> None:
    one = assess_employee(600_000, WAGE, RATES)
    three = assess_employee(600_000, WAGE, RATES, months=3)
    assert three.total_fen == 3 * one.total_fen
    with pytest.raises(ContributionError):
        assess_employee(600_000, WAGE, RATES, months=0)


def test_work_injury_steps() -> None:
    assert work_injury_rate(RATES, 8) == D("0.019")
    assert work_injury_rate(RATES, 1, D("1.5")) == D("0.0030")
    with pytest.raises(ContributionError, match="第1类"):
        work_injury_rate(RATES, 1, D("0.5"))  # class 1 may only move up
    with pytest.raises(ContributionError):
        work_injury_rate(RATES, 9)
    with pytest.raises(ContributionError):
        work_injury_rate(RATES, 3, D("1.3"))


def test_flexible_worker_chooses_inside_bounds() -> None:
    notice = assess_flexible(500_000, WAGE, RATES)
    assert [(line.insurance, line.payer, line.rate, line.amount_fen) for line in notice.lines] == [
        ("pension", "individual", D("0.20"), 100_000)
    ]
    assert notice.total_fen == 100_000
    assert flexible_account_part(notice, RATES) == 40_000


@pytest.mark.parametrize("chosen", [419_999, 2_100_001, 0])
def test_flexible_choice_outside_bounds_names_them(chosen: int) -> None:
    with pytest.raises(ContributionError, match=r"4,200\.00.*21,000\.00"):
        choose_flexible_base(chosen, WAGE)


RESIDENT = ResidentPensionParams(
    tiers=(ResidentTier(20_000, 4_000), ResidentTier(50_000, 6_000), ResidentTier(100_000, 8_000)),
    difficult_paid_fen=20_000,
)


def test_resident_tier_with_subsidy() -> None:
    a = assess_resident_pension(50_000, RESIDENT)
    assert (a.individual_pays_fen, a.government_pays_fen, a.subsidy_fen, a.account_credit_fen) == (
        50_000, 0, 6_000, 56_000)


def test_difficult_group_minimum_tier_paid_by_government() -> None:
    low = assess_resident_pension(20_000, RESIDENT, difficult=True)
    assert (low.individual_pays_fen, low.government_pays_fen, low.account_credit_fen) == (0, 20_000, 24_000)
    high = assess_resident_pension(100_000, RESIDENT, difficult=True)
    assert (high.individual_pays_fen, high.government_pays_fen) == (80_000, 20_000)


def test_resident_unknown_tier_lists_the_offered_ones() -> None:
    with pytest.raises(ContributionError, match=r"200\.00.*500\.00.*1,000\.00"):
        assess_resident_pension(40_000, RESIDENT)


def test_resident_medical_fee() -> None:
    params = MedicalParams(40_000, 67_000, (HospitalLevel("township", 20_000, D("0.85")),), 1, 1, D("0.6"))
    fee = assess_resident_medical(params)
    assert (fee.individual_fen, fee.subsidy_fen) == (40_000, 67_000)


wages = st.integers(min_value=0, max_value=10_000_000)


@given(wages, st.integers(1, 8))
def test_no_negative_money_and_lines_sum(wage: int, risk_class: int) -> None:
    notice = assess_employee(wage, WAGE, RATES, risk_class=risk_class)
    assert all(line.amount_fen >= 0 for line in notice.lines)
    assert notice.total_fen == sum(line.amount_fen for line in notice.lines)
    assert notice.individual_total_fen + notice.employer_total_fen == notice.total_fen
    assert WAGE.base_floor_fen <= notice.base.base_fen <= WAGE.base_cap_fen


@given(wages, wages)
def test_assessment_monotonic_in_wage(a: int, b: int) -> None:
    low, high = sorted((a, b))
    n1, n2 = assess_employee(low, WAGE, RATES), assess_employee(high, WAGE, RATES)
    assert n1.total_fen <= n2.total_fen
    assert all(x.amount_fen <= y.amount_fen for x, y in zip(n1.lines, n2.lines, strict=True))


@given(st.integers(420_000, 2_100_000))
def test_flexible_base_inside_bounds_is_kept(chosen: int) -> None:
    notice = assess_flexible(chosen, WAGE, RATES)
    assert notice.base.base_fen == chosen and notice.total_fen >= 0
