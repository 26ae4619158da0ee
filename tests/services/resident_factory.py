"""A known resident with twenty years of records, for service and screen tests.

Not the demo data (that is db.demo's job): fixed, small and hand-checked, so
tests can name exact figures. ``ZHANG`` is an employee with monthly pension
contributions from 2006-01 to 2026-10 except three missing months in 2019,
a pension account ledger, a benefit and two applications (one rejected).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import peewee

from db.models import (
    Account,
    Application,
    ApplicationEvent,
    BenefitPayment,
    Card,
    Contribution,
    Enrolment,
    LedgerEntry,
    Resident,
)

NOW = dt.datetime(2026, 11, 29, 1, 30)

ZHANG_ID = "110101197003074515"
ZHANG_NAME = "张卫国"
ZHANG_CARD = "548426015"
FROZEN_CARD = "548426016"
LI_ID = "11010119900307002X"  # a second, resident-scheme person
LI_NAME = "李秀英"
UNREGISTERED_ID = "110101198001010037"
MISSING_2019 = (dt.date(2019, 4, 1), dt.date(2019, 5, 1), dt.date(2019, 6, 1))
BASE_FEN = 600_000  # 6,000.00 yuan monthly base
INDIVIDUAL_FEN = 48_000  # 8%
EMPLOYER_FEN = 96_000  # 16%


@dataclass(frozen=True)
class Seeded:
    """Row ids of what was seeded."""

    zhang: int
    li: int
    paid_months: int
    balance_fen: int


def _month_range(start: dt.date, stop: dt.date) -> list[dt.date]:
    months = []
    month = start
    while month < stop:
        months.append(month)
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


def seed_residents(database: peewee.Database) -> Seeded:
    """Insert the two residents and their records; returns their ids."""
    with database.atomic():
        zhang = Resident.create(id_number=ZHANG_ID, name=ZHANG_NAME, sex="male", birth_date=dt.date(1970, 3, 7),
                                phone="13912345678", created_at=NOW, updated_at=NOW)
        Card.create(resident=zhang, card_number=ZHANG_CARD, issued_on=dt.date(2015, 5, 1), status_changed_at=NOW)
        Card.create(resident=zhang, card_number=FROZEN_CARD, status="frozen", issued_on=dt.date(2010, 5, 1),
                    status_changed_at=NOW)
        Enrolment.create(resident=zhang, insurance="pension", scheme="employee", start_date=dt.date(2006, 1, 1))
        Enrolment.create(resident=zhang, insurance="medical", scheme="employee", start_date=dt.date(2006, 1, 1))
        months = [m for m in _month_range(dt.date(2006, 1, 1), dt.date(2026, 11, 1)) if m not in MISSING_2019]
        Contribution.insert_many([
            {"resident": zhang.id, "insurance": "pension", "scheme": "employee", "month": m, "base_fen": BASE_FEN,
             "individual_fen": INDIVIDUAL_FEN, "employer_fen": EMPLOYER_FEN, "paid_at": NOW}
            for m in months
        ]).execute()
        account = Account.create(resident=zhang, kind="pension_employee", opened_on=dt.date(2006, 1, 1),
                                 updated_at=NOW)
        balance = 0
        entries = []
        for seq, year in enumerate(range(2006, 2026), 1):
            amount = INDIVIDUAL_FEN * 12
            balance += amount
            entries.append({"account": account.id, "seq": seq, "entry_date": dt.date(year, 12, 31),
                            "kind": "contribution", "amount_fen": amount, "balance_after_fen": balance,
                            "created_at": NOW})
        LedgerEntry.insert_many(entries).execute()
        account.balance_fen = balance
        account.save()
        BenefitPayment.create(resident=zhang, benefit_type="unemployment", period=dt.date(2019, 5, 1),
                              amount_fen=180_000, paid_at=dt.datetime(2019, 5, 20, 2, 0))
        app1 = Application.create(number="SQ20261101000001", resident=zhang, type="transfer", status="reviewed",
                                  expected_days=15, created_at=dt.datetime(2026, 11, 1, 2, 0), updated_at=NOW)
        ApplicationEvent.create(application=app1, to_status="applied", terminal="T01",
                                created_at=dt.datetime(2026, 11, 1, 2, 0))
        ApplicationEvent.create(application=app1, from_status="applied", to_status="reviewed", terminal="C1",
                                created_at=dt.datetime(2026, 11, 3, 2, 0))
        app2 = Application.create(number="SQ20261020000007", resident=zhang, type="benefit_unemployment",
                                  status="rejected", expected_days=10, created_at=dt.datetime(2026, 10, 20, 2, 0),
                                  updated_at=NOW)
        ApplicationEvent.create(application=app2, to_status="applied", terminal="T01",
                                created_at=dt.datetime(2026, 10, 20, 2, 0))
        ApplicationEvent.create(application=app2, from_status="applied", to_status="rejected", terminal="C1",
                                note="缴费不满1年", created_at=dt.datetime(2026, 10, 22, 2, 0))

        li = Resident.create(id_number=LI_ID, name=LI_NAME, sex="female", birth_date=dt.date(1990, 3, 7),
                             created_at=NOW, updated_at=NOW)
        Enrolment.create(resident=li, insurance="pension", scheme="resident", start_date=dt.date(2016, 1, 1))
        Contribution.insert_many([
            {"resident": li.id, "insurance": "pension", "scheme": "resident", "month": dt.date(y, 1, 1),
             "individual_fen": 50_000, "subsidy_fen": 6_000, "paid_at": NOW}
            for y in range(2016, 2027)
        ]).execute()
        li_account = Account.create(resident=li, kind="pension_resident", opened_on=dt.date(2016, 1, 1),
                                    balance_fen=11 * 56_000, updated_at=NOW)
        LedgerEntry.insert_many([
            {"account": li_account.id, "seq": i + 1, "entry_date": dt.date(y, 1, 15), "kind": "contribution",
             "amount_fen": 56_000, "balance_after_fen": (i + 1) * 56_000, "created_at": NOW}
            for i, y in enumerate(range(2016, 2027))
        ]).execute()
    return Seeded(zhang.id, li.id, len(months), balance)
