"""Retirement dates under the 2025 gradual delay, checked against the
published schedule (RULES.md §5.2) computed independently here from the
delay-by-birth-year tables, and the minimum contribution months (§5.1)."""

from __future__ import annotations

import calendar
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.rules.retirement import (
    age_months_on,
    delay_months,
    min_contribution_months,
    retirement_date,
)

# The published "delay in months by birth year" table for men (RULES §5.2),
# rows Jan-Apr / May-Aug / Sep-Dec, transcribed as printed.
MEN_TABLE = {
    1965: (1, 2, 3), 1966: (4, 5, 6), 1967: (7, 8, 9), 1968: (10, 11, 12),
    1969: (13, 14, 15), 1970: (16, 17, 18), 1971: (19, 20, 21), 1972: (22, 23, 24),
    1973: (25, 26, 27), 1974: (28, 29, 30), 1975: (31, 32, 33), 1976: (34, 35, 36),
}
OLD_AGE = {"male": 60, "female_cadre": 55, "female_worker": 50}


def published_delay(category: str, year: int, month: int) -> int:
    if category in ("male", "female_cadre"):
        table_year = year if category == "male" else year - 5  # women-55: add 5 to the men's birth year
        if table_year < 1965:
            return 0
        if table_year > 1976:
            return 36
        return MEN_TABLE[table_year][(month - 1) // 4]
    if year < 1975:
        return 0
    return min(60, 6 * (year - 1975) + (month + 1) // 2)


def expected_date(category: str, birth: dt.date) -> dt.date:
    total = birth.year * 12 + birth.month - 1 + OLD_AGE[category] * 12 + published_delay(category, birth.year, birth.month)
    year, month0 = divmod(total, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(birth.day, last))


@pytest.mark.parametrize(
    ("birth", "category", "expected_month"),
    [
        ((1965, 1), "male", (2025, 2)),
        ((1965, 5), "male", (2025, 7)),
        ((1976, 8), "male", (2039, 7)),
        ((1970, 1), "female_cadre", (2025, 2)),
        ((1975, 3), "female_worker", (2025, 5)),
        ((1984, 10), "female_worker", (2039, 9)),
    ],
)
def test_published_checks(birth: tuple[int, int], category: str, expected_month: tuple[int, int]) -> None:
    got = retirement_date(dt.date(birth[0], birth[1], 15), category)
    assert (got.year, got.month) == expected_month
    assert got.day == 15


@pytest.mark.parametrize(
    ("year", "month", "delay"),
    [(1965, 1, 1), (1965, 5, 2), (1976, 8, 35), (1976, 9, 36), (1990, 1, 36), (1964, 12, 0)],
)
def test_male_delays(year: int, month: int, delay: int) -> None:
    assert delay_months(year, month, "male") == delay


@pytest.mark.parametrize(
    ("year", "month", "delay"),
    [(1975, 1, 1), (1975, 2, 1), (1975, 11, 6), (1975, 12, 6), (1980, 1, 31), (1980, 2, 31),
     (1984, 11, 60), (1984, 12, 60), (1974, 12, 0)],
)
def test_female_worker_delays(year: int, month: int, delay: int) -> None:
    assert delay_months(year, month, "female_worker") == delay


@pytest.mark.parametrize("category", ["male", "female_cadre", "female_worker"])
def test_every_birth_month_1960_to_1990(category: str) -> None:
    checked = 0
    for year in range(1960, 1991):
        for month in range(1, 13):
            for day in (1, 31 if calendar.monthrange(year, month)[1] == 31 else 28):
                birth = dt.date(year, month, day)
                assert retirement_date(birth, category) == expected_date(category, birth), (category, birth)
                checked += 1
    assert checked == 31 * 12 * 2


def test_end_of_month_birthday_is_clamped() -> None:
    # Man born 1966-08-31: delay 5 → 60 years 5 months → January 2027, day 31 exists.
    assert retirement_date(dt.date(1966, 8, 31), "male") == dt.date(2027, 1, 31)
    # Man born 1965-12-31: delay 3 → 60 years 3 months → March 2026, day 31 exists.
    assert retirement_date(dt.date(1965, 12, 31), "male") == dt.date(2026, 3, 31)
    # Woman-50 born 1975-07-31: delay 4 → 50y4m → November 2025 has 30 days.
    assert retirement_date(dt.date(1975, 7, 31), "female_worker") == dt.date(2025, 11, 30)


def test_unknown_category_is_rejected() -> None:
    with pytest.raises(ValueError, match="female_cadre"):
        retirement_date(dt.date(1970, 1, 1), "female")


MIN_YEARS_TABLE = {2030: 15.5, 2031: 16, 2032: 16.5, 2033: 17, 2034: 17.5, 2035: 18, 2036: 18.5,
                   2037: 19, 2038: 19.5}


@pytest.mark.parametrize("year", range(2025, 2046))
def test_min_contribution_months_2025_to_2045(year: int) -> None:
    if year <= 2029:
        years = 15.0
    elif year >= 2039:
        years = 20.0
    else:
        years = MIN_YEARS_TABLE[year]
    assert min_contribution_months(year) == int(years * 12)


categories = st.sampled_from(["male", "female_cadre", "female_worker"])
births = st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2005, 12, 31))


@given(categories, births, births)
def test_later_birth_never_retires_earlier(category: str, a: dt.date, b: dt.date) -> None:
    early, late = sorted((a, b))
    assert retirement_date(early, category) <= retirement_date(late, category)


@given(categories, births)
def test_retirement_age_between_old_and_new(category: str, birth: dt.date) -> None:
    months = age_months_on(birth, retirement_date(birth, category))
    cap = 60 if category == "female_worker" else 36
    assert OLD_AGE[category] * 12 <= months <= OLD_AGE[category] * 12 + cap
