"""Injected time: every "now" and "today" in the kiosk comes from a Clock.

Timestamps are stored in UTC; business dates (ticket day, contribution month)
are the hall's local date, so the clock knows the hall's time zone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo


@dataclass
class Clock:
    """The wall clock in a hall's time zone (default Asia/Shanghai)."""

    tz_name: str = "Asia/Shanghai"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.tz_name)

    def now_utc(self) -> dt.datetime:
        """Aware UTC time; what gets stored."""
        return dt.datetime.now(dt.UTC)

    def now_local(self) -> dt.datetime:
        """Aware time in the hall's zone; what people see."""
        return self.now_utc().astimezone(self.tz)

    def today(self) -> dt.date:
        """The hall's local business date."""
        return self.now_local().date()

    def to_local(self, moment: dt.datetime) -> dt.datetime:
        """Show a stored (naive UTC or aware) timestamp in the hall's zone."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(self.tz)


@dataclass
class FixedClock(Clock):
    """A clock that stands still until moved; for tests and reproducible demos."""

    moment: dt.datetime = field(default_factory=lambda: dt.datetime(2026, 11, 29, 1, 30, tzinfo=dt.UTC))

    def now_utc(self) -> dt.datetime:
        return self.moment.astimezone(dt.UTC)

    def advance(self, **delta: float) -> None:
        """Move the clock forward, e.g. ``advance(minutes=5)``."""
        self.moment = self.moment + dt.timedelta(**delta)

    def set_local(self, local: dt.datetime) -> None:
        """Put the clock at a naive local wall time in the hall's zone."""
        self.moment = local.replace(tzinfo=self.tz).astimezone(dt.UTC)
