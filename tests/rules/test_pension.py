"""Months divisor table and pension estimates (RULES.md §4, §5.3, §5.4)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.rules.pension import (
    PensionError,
    employee_pension,
    months_divisor,
    months_divisor_for,
    resident_pension,
    shortfall,
)

# 国发〔2005〕38号 attachment, transcribed from RULES §5.4 column by column.
TABLE = dict(zip(range(40, 71), [
    233, 230, 226, 223, 220, 216, 212, 208,
    204, 199, 195, 190, 185, 180, 175, 170,
    164, 158, 152, 145, 139, 132, 125, 117,
    109, 101, 93, 84, 75, 65, 56,
], strict=True))


@pytest.mark.parametrize("age", range(40, 71))
def test_months_divisor_table(age: int) -> None:
    assert months_divisor(age) == TABLE[age]


def test_months_divisor_key_values() -> None:
    assert (months_divisor(47), months_divisor(50), months_divisor(55), months_divisor(60)) == (208, 195, 170, 139)


@pytest.mark.parametrize("age", [39, 71, 0, -1])
def test_months_divisor_outside_table(age: int) -> None:
    with pytest.raises(PensionError, match="40-70"):
        months_divisor(age)


def test_divisor_rule_for_extra_months() -> None:
    assert months_divisor_for(60 * 12 + 4, "floor") == 139
    # 139 + (132 − 139) × 4/12 = 136.67 → 137
    assert months_divisor_for(60 * 12 + 4, "interpolate") == 137
    # 139 + (132 − 139) × 6/12 = 135.5 → 136 (half up)
    assert months_divisor_for(60 * 12 + 6, "interpolate") == 136
    assert months_divisor_for(60 * 12, "interpolate") == 139


def test_employee_example_2319_42() -> None:
    est = employee_pension(
        computation_base_fen=800000, average_index=Decimal("1.0"), contribution_months=240,
        account_balance_fen=10_000_000, retirement_age_months=720,
    )
    assert est.basic_fen == 160000
    assert est.account_fen == 71942
    assert est.monthly_fen == 231942
    assert est.divisor == 139
    assert [s.result_fen for s in est.steps] == [160000, 71942, 231942]
    assert est.steps[0].key == "rules.pension.step.basic"
    assert "8,000.00" in est.steps[0].formula and "240" in est.steps[0].formula
    assert est.steps[1].formula == "100,000.00 ÷ 139"
    assert est.shortfall is None


def test_employee_transitional_part() -> None:
    est = employee_pension(
        computation_base_fen=800000, average_index=Decimal("1.2"), contribution_months=300,
        account_balance_fen=0, retirement_age_months=720, deemed_months=60,
        transitional_rate=Decimal("0.012"),
    )
    # basic 8000 × 2.2 / 2 × 25 × 1% = 2200.00; transitional 8000 × 1.2 × 5 × 1.2% = 576.00
    assert (est.basic_fen, est.transitional_fen, est.account_fen) == (220000, 57600, 0)
    assert est.monthly_fen == 277600
    assert [s.key for s in est.steps][-2] == "rules.pension.step.transitional"


def test_employee_shortfall_options() -> None:
    est = employee_pension(
        computation_base_fen=800000, average_index=Decimal("1"), contribution_months=170,
        account_balance_fen=5_000_000, retirement_age_months=720, required_months=186,
    )
    assert est.shortfall is not None
    assert est.shortfall.missing_months == 16
    assert est.shortfall.options == ("keep_paying", "lump_sum", "transfer_to_resident")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"average_index": Decimal("0.5")},
        {"average_index": Decimal("3.1")},
        {"contribution_months": -1},
        {"account_balance_fen": -1},
        {"computation_base_fen": 0},
        {"deemed_months": 300},
    ],
)
def test_employee_rejects_bad_inputs(kwargs: dict[str, object]) -> None:
    args: dict[str, object] = {
        "computation_base_fen": 800000, "average_index": Decimal(1), "contribution_months": 240,
        "account_balance_fen": 0, "retirement_age_months": 720,
    }
    args.update(kwargs)
    with pytest.raises(PensionError):
        employee_pension(**args)  # type: ignore[arg-type]


def test_resident_example_286_88() -> None:
    est = resident_pension(basic_pension_fen=14300, account_balance_fen=2_000_000)
    assert est.account_fen == 14388
    assert est.monthly_fen == 28688
    assert est.divisor == 139
    assert est.steps[-1].formula == "143.00 + 143.88"


def test_resident_shortfall() -> None:
    est = resident_pension(basic_pension_fen=14300, account_balance_fen=0, contribution_months=120)
    assert est.shortfall is not None and est.shortfall.missing_months == 60
    assert resident_pension(basic_pension_fen=14300, account_balance_fen=0, contribution_months=180).shortfall is None


def test_shortfall_none_when_met() -> None:
    assert shortfall(240, 240) is None
    with pytest.raises(PensionError):
        shortfall(-1, 180)


@given(
    base=st.integers(100_000, 3_000_000),
    index=st.decimals(min_value=Decimal("0.6"), max_value=Decimal("3"), places=4),
    months=st.integers(0, 600),
    balance=st.integers(0, 200_000_000),
    age=st.integers(40 * 12, 70 * 12),
    rule=st.sampled_from(["floor", "interpolate"]),
)
def test_employee_estimate_parts_add_up(base: int, index: Decimal, months: int, balance: int, age: int,
                                        rule: str) -> None:
    est = employee_pension(computation_base_fen=base, average_index=index, contribution_months=months,
                           account_balance_fen=balance, retirement_age_months=age, divisor_rule=rule)  # type: ignore[arg-type]
    assert min(est.basic_fen, est.account_fen, est.monthly_fen) >= 0
    assert est.monthly_fen == est.basic_fen + est.account_fen + est.transitional_fen
    assert est.steps[-1].result_fen == est.monthly_fen
