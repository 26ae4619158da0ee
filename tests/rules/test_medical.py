"""Resident inpatient reimbursement: deductible, ratio, cap, 大病保险."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.rules.medical import MedicalError, reimburse
from kiosk.rules.parameters import HospitalLevel, MedicalParams

PARAMS = MedicalParams(
    resident_annual_fee_fen=40_000,
    resident_subsidy_fen=67_000,
    levels=(HospitalLevel("township", 20_000, Decimal("0.85")), HospitalLevel("county", 60_000, Decimal("0.70"))),
    annual_cap_fen=25_000_000,
    serious_threshold_fen=2_000_000,
    serious_ratio=Decimal("0.6"),
)


def test_simple_township_admission() -> None:
    r = reimburse(500_000, "township", PARAMS)  # (5000 − 200) × 85% = 4080
    assert (r.deductible_fen, r.pool_fen, r.serious_fen, r.self_fen) == (20_000, 408_000, 0, 92_000)
    assert [s.key for s in r.steps] == ["rules.medical.step.deductible", "rules.medical.step.pool",
                                       "rules.medical.step.self"]


def test_serious_illness_above_threshold() -> None:
    # 100,000 at county: pool (100000 − 600) × 70% = 69,580; own 30,420; above 20,000 → 10,420 × 60% = 6,252
    r = reimburse(10_000_000, "county", PARAMS)
    assert (r.pool_fen, r.serious_fen, r.self_fen) == (6_958_000, 625_200, 2_416_800)
    # the same admission after 25,000 already paid out of pocket this year: all 30,420 is above
    r2 = reimburse(10_000_000, "county", PARAMS, out_of_pocket_this_year_fen=2_500_000)
    assert r2.serious_fen == 1_825_200


def test_annual_cap_limits_the_pool() -> None:
    r = reimburse(10_000_000, "county", PARAMS, pool_paid_this_year_fen=24_000_000)
    assert r.pool_fen == 1_000_000
    assert "rules.medical.step.cap" in [s.key for s in r.steps]


def test_unfiled_out_of_area_cuts_ratio() -> None:
    r = reimburse(500_000, "township", PARAMS, filed=False)
    assert r.ratio == Decimal("0.75") and r.pool_fen == 360_000


def test_cost_below_deductible() -> None:
    r = reimburse(10_000, "township", PARAMS)
    assert (r.deductible_fen, r.pool_fen, r.self_fen) == (10_000, 0, 10_000)


def test_bad_inputs() -> None:
    with pytest.raises(MedicalError):
        reimburse(-1, "township", PARAMS)
    with pytest.raises(KeyError, match="township"):
        reimburse(100, "moon", PARAMS)


@given(st.integers(0, 100_000_000), st.sampled_from(["township", "county"]), st.integers(0, 30_000_000),
       st.integers(0, 10_000_000), st.booleans())
def test_shares_add_up_and_are_not_negative(total: int, level: str, paid: int, oop: int, filed: bool) -> None:
    r = reimburse(total, level, PARAMS, pool_paid_this_year_fen=paid, out_of_pocket_this_year_fen=oop, filed=filed)
    assert min(r.pool_fen, r.serious_fen, r.self_fen) >= 0
    assert r.pool_fen + r.serious_fen + r.self_fen == total
