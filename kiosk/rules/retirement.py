"""Statutory retirement age under the 2025 gradual delay, and the minimum
contribution months (NPC 2024 Decision, RULES.md §5.1-§5.2).

The decision counts in months of birth: for each group a start month, a step
(one month of delay for every ``step`` birth months) and a cap. The
retirement *month* is the birth month plus the old age plus the delay.

The retirement *day* is not fixed nationally; we use the birthday's day in
the retirement month, clamped to the month's last day (born 31 Aug, retiring
in February → 28/29 Feb), which is when the person reaches the age.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Literal

Category = Literal["male", "female_cadre", "female_worker"]
CATEGORIES: tuple[Category, ...] = ("male", "female_cadre", "female_worker")


@dataclass(frozen=True)
class DelaySchedule:
    """One group's old age, new age and pace of the delay."""

    old_age_years: int
    start_year: int
    """Y0: births from January of this year on are delayed."""
    step_months: int
    cap_months: int

    @property
    def new_age_years(self) -> int:
        return self.old_age_years + self.cap_months // 12


SCHEDULES: dict[Category, DelaySchedule] = {
    "male": DelaySchedule(old_age_years=60, start_year=1965, step_months=4, cap_months=36),
    "female_cadre": DelaySchedule(old_age_years=55, start_year=1970, step_months=4, cap_months=36),
    "female_worker": DelaySchedule(old_age_years=50, start_year=1975, step_months=2, cap_months=60),
}


def _schedule(category: str) -> DelaySchedule:
    try:
        return SCHEDULES[category]  # type: ignore[index]
    except KeyError:
        raise ValueError(
            f"unknown retirement category {category!r}; use male, female_cadre or female_worker"
        ) from None


def delay_months(birth_year: int, birth_month: int, category: str) -> int:
    """Months of delay for someone born in ``birth_year``-``birth_month``."""
    if not 1 <= birth_month <= 12:
        raise ValueError(f"birth month {birth_month} is not 1-12")
    s = _schedule(category)
    k = (birth_year - s.start_year) * 12 + birth_month
    if k <= 0:
        return 0
    return min(s.cap_months, -(-k // s.step_months))  # ceil(k / step)


def retirement_age_months(birth_date: dt.date, category: str) -> int:
    """Statutory retirement age in whole months (e.g. 60 years 1 month = 721)."""
    s = _schedule(category)
    return s.old_age_years * 12 + delay_months(birth_date.year, birth_date.month, category)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months``, keeping the day of month, clamped to month end."""
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(day.day, last))


def retirement_date(birth_date: dt.date, category: str) -> dt.date:
    """The day the person reaches statutory retirement age.

    ``category``: "male" (60→63), "female_cadre" (55→58), "female_worker" (50→55).
    """
    return add_months(birth_date, retirement_age_months(birth_date, category))


def min_contribution_months(retirement_year: int) -> int:
    """Minimum contribution months for a monthly pension, by retirement year:
    180 up to 2029, +6 a year from 2030, 240 from 2039."""
    return min(240, 180 + max(0, retirement_year - 2029) * 6)


def age_months_on(birth_date: dt.date, day: dt.date) -> int:
    """Completed months of age on ``day`` (a month completes on the birthday day, clamped)."""
    months = (day.year - birth_date.year) * 12 + (day.month - birth_date.month)
    if day < add_months(birth_date, months):
        months -= 1
    return months
