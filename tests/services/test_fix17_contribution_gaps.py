"""A pension granted closes its scheme's record (issue 17, kiosk 缴费记录): the
resident-scheme pensioner showed "欠缴 0 个月、1 个年度" and the enterprise retiree
"欠缴 1 个月"; a pensioner owes nothing in the scheme that pays her pension, while
the same gaps still count for someone who draws no pension (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import peewee

from db.models import Benefit, Contribution
from kiosk.services import ServiceContext, residents
from tests.services.resident_factory import seed_residents


def _grant(resident_id: int, scheme: str, start: dt.date) -> None:
    Benefit.create(resident=resident_id, kind="pension", scheme=scheme, start_month=start, monthly_fen=150_000,
                   created_at=dt.datetime(2026, 3, 20, 2, 0), updated_at=dt.datetime(2026, 3, 20, 2, 0))


def test_a_pensioner_owes_no_gap_in_the_scheme_that_pays_her(database: peewee.Database, ctx: ServiceContext) -> None:
    seeded = seed_residents(database)
    Contribution.delete().where((Contribution.resident == seeded.li)
                                & (Contribution.month == dt.date(2018, 1, 1))).execute()
    before_zhang = residents.contribution_history(ctx, seeded.zhang)
    before_li = residents.contribution_history(ctx, seeded.li)
    assert before_zhang.missing_months > 0 and before_li.missing_years == 1  # no pension yet: owed

    _grant(seeded.li, "resident", dt.date(2026, 4, 1))
    li = residents.contribution_history(ctx, seeded.li)
    assert (li.missing_months, li.missing_years) == (0, 0)
    assert not any(year.unpaid for year in li.years)
    assert li.total_pension_months == before_li.total_pension_months  # what was paid is unchanged
    assert residents.contribution_history(ctx, seeded.zhang) == before_zhang  # another person's record is not

    _grant(seeded.zhang, "employee", dt.date(2026, 4, 1))
    zhang = residents.contribution_history(ctx, seeded.zhang)
    assert zhang.missing_months == 0 and not any(year.missing for year in zhang.years)
    assert [y.rows for y in zhang.years if y.rows] == [y.rows for y in before_zhang.years if y.rows]
