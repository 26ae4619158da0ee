"""Pension relation transfers (RULES.md §10)."""

from __future__ import annotations

import pytest

from kiosk.rules.transfer import (
    PlaceRecord,
    TransferError,
    YearBase,
    link_schemes,
    needs_temporary_account,
    pension_payment_place,
    transfer_amount,
)


def test_whole_account_plus_12_percent_since_1998() -> None:
    years = [YearBase(1997, 100_000), YearBase(1998, 200_000), YearBase(1999, 300_000, months=6)]
    t = transfer_amount(5_000_000, years)
    # 1997 moves nothing; 1998: 2000 × 12 × 12% = 2880; 1999: 3000 × 6 × 12% = 2160
    assert t.personal_account_fen == 5_000_000
    assert t.pooled_fen == 288_000 + 216_000
    assert t.total_fen == 5_000_000 + 504_000
    assert t.steps[-1].result_fen == t.total_fen


def test_pooled_sum_rounded_once() -> None:
    t2 = transfer_amount(0, [YearBase(2000 + i, 104, months=1) for i in range(10)])
    assert t2.pooled_fen == 125  # 104 × 0.12 = 12.48 each, Σ 124.8 → 125 (rounding each line would give 120)


def test_transfer_bad_months() -> None:
    with pytest.raises(TransferError, match="2001"):
        transfer_amount(0, [YearBase(2001, 100, months=13)])


def test_payment_place_four_cases() -> None:
    assert pension_payment_place("A", [PlaceRecord("B", 60), PlaceRecord("A", 12)]).case == 1
    case2 = pension_payment_place("A", [PlaceRecord("B", 60), PlaceRecord("C", 120)])
    assert (case2.place, case2.case) == ("C", 2)
    case3 = pension_payment_place("A", [PlaceRecord("B", 130), PlaceRecord("D", 125), PlaceRecord("C", 60)])
    assert (case3.place, case3.case, case3.rule_key) == ("D", 3, "rules.transfer.place.case3")
    case4 = pension_payment_place("A", [PlaceRecord("B", 100), PlaceRecord("C", 60)])
    assert (case4.place, case4.case) == ("A", 4)
    # months at one place add up across separate stays
    again = pension_payment_place("A", [PlaceRecord("C", 70), PlaceRecord("B", 10), PlaceRecord("C", 50)])
    assert (again.place, again.case) == ("C", 2)
    with pytest.raises(TransferError):
        pension_payment_place("A", [])


def test_temporary_account_thresholds() -> None:
    assert needs_temporary_account("male", 50, destination_is_hukou=False)
    assert not needs_temporary_account("male", 49, destination_is_hukou=False)
    assert needs_temporary_account("female", 40, destination_is_hukou=False)
    assert not needs_temporary_account("female", 45, destination_is_hukou=True)


def test_resident_employee_link() -> None:
    up = link_schemes(employee_months=180, resident_months=100, employee_balance_fen=9, resident_balance_fen=7)
    assert (up.direction, up.balance_moves_fen, up.counted_months) == ("resident_to_employee", 7, 180)
    down = link_schemes(employee_months=100, resident_months=80, employee_balance_fen=9, resident_balance_fen=7,
                        overlap_months=20)
    assert (down.direction, down.balance_moves_fen, down.counted_months) == ("employee_to_resident", 9, 160)
    with pytest.raises(TransferError):
        link_schemes(employee_months=10, resident_months=5, employee_balance_fen=0, resident_balance_fen=0,
                     overlap_months=6)
