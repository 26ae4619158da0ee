"""Personal-account interest (记账利率): the year-end job and balances with interest, on both backends."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

import pytest

from db.connection import write_transaction
from db.ledger import account_for, post
from db.models import AuditEntry, LedgerEntry
from kiosk.policy import load_policy
from kiosk.rules.interest import year_interest
from kiosk.services import ServiceContext, ServiceError
from kiosk.services.accounts import account_balance_with_interest, credit_interest
from kiosk.services.registration import ResidentInfo

YEARS = range(2015, 2025)  # ten years, each with a rate in the shipped policy


def _hand_balance() -> Decimal:
    """The balance after ten years of 400 yuan a month, by hand from the policy's rates (月积数法)."""
    rates = {year: load_policy(None).interest.rate_for("pension_employee", year) for year in YEARS}
    balance = Decimal(0)
    for year in YEARS:
        rate = rates[year]
        assert rate is not None
        months_weight = sum(Decimal(13 - m) for m in range(1, 13)) / 12  # 78 / 12 = 6.5 month-years
        interest = balance * rate.rate + Decimal("400.00") * months_weight * rate.rate
        balance += Decimal("4800.00") + interest.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return balance


def _pay_ten_years(ctx: ServiceContext, resident_id: int) -> int:
    now = ctx.now()
    with write_transaction(ctx.database):
        account = account_for(resident_id, "pension_employee", today=dt.date(2015, 1, 1), now=now)
        for year in YEARS:
            for month in range(1, 13):
                post(account, 40_000, "contribution", entry_date=dt.date(year, month, 15), now=now,
                     reference=f"{year}-{month:02d}")
    return account.id


def test_ten_years_of_4800_with_the_policy_rates_match_the_hand_calculation(
        ctx: ServiceContext, make_resident: Callable[..., ResidentInfo]) -> None:
    resident = make_resident(dt.date(1980, 3, 1))
    account_id = _pay_ten_years(ctx, resident.id)
    for year in YEARS:
        result = credit_interest(ctx, year)
        assert result.credited == 1 and result.already == 0
    expected = _hand_balance()
    interest_rows = list(LedgerEntry.select().where((LedgerEntry.account == account_id)
                                                    & (LedgerEntry.kind == "interest")))
    assert len(interest_rows) == 10
    last = LedgerEntry.select().where(LedgerEntry.account == account_id).order_by(LedgerEntry.seq.desc()).get()
    assert Decimal(last.balance_after_fen) / 100 == expected
    assert Decimal("57000") < expected < Decimal("65000")  # the "about 58,500" order, not 48,000
    book = load_policy(None)
    assert account_balance_with_interest(resident.id, "pension_employee", dt.date(2025, 1, 1), book) \
        == last.balance_after_fen


def test_second_run_credits_nothing_and_says_so(ctx: ServiceContext,
                                                 make_resident: Callable[..., ResidentInfo]) -> None:
    resident = make_resident(dt.date(1980, 3, 1))
    _pay_ten_years(ctx, resident.id)
    for year in YEARS:
        credit_interest(ctx, year)
    entries_before = LedgerEntry.select().count()
    again = credit_interest(ctx, 2024)
    assert again.nothing_done and again.already == 1 and again.total_fen == 0
    assert LedgerEntry.select().count() == entries_before
    audited = [e for e in AuditEntry.select().where(AuditEntry.action == "account.interest")]
    assert len(audited) == 11 and audited[-1].detail["already"] == 1


def test_uncredited_years_are_counted_by_the_balance_function(
        ctx: ServiceContext, make_resident: Callable[..., ResidentInfo]) -> None:
    resident = make_resident(dt.date(1980, 3, 1))
    _pay_ten_years(ctx, resident.id)
    book = load_policy(None)
    # Nothing credited yet: the balance with interest already equals the hand calculation.
    with_interest = account_balance_with_interest(resident.id, "pension_employee", dt.date(2025, 1, 1), book)
    assert Decimal(with_interest) / 100 == _hand_balance()


def test_refusals_leave_nothing(ctx: ServiceContext, make_resident: Callable[..., ResidentInfo]) -> None:
    resident = make_resident(dt.date(1980, 3, 1))
    _pay_ten_years(ctx, resident.id)
    with pytest.raises(ServiceError) as open_year:
        credit_interest(ctx, 2026)  # the clock is at 2026-11-29
    assert open_year.value.code == "year_open"
    with pytest.raises(ServiceError) as no_rate:
        credit_interest(ctx, 2025)  # 2025's rate is not in the policy
    assert no_rate.value.code == "no_rate"
    with pytest.raises(ServiceError) as skipped:
        credit_interest(ctx, 2017)  # 2015 and 2016 never credited
    assert skipped.value.code == "previous_year"
    assert LedgerEntry.select().where(LedgerEntry.kind == "interest").count() == 0


def test_annual_method_uses_the_1083_factor() -> None:
    result = year_interest(2024, 1_000_000, [(m, 40_000) for m in range(1, 13)], Decimal("0.0262"), "annual")
    expected = Decimal(1_000_000) * Decimal("0.0262") + Decimal(480_000) * Decimal("0.0262") * Decimal("1.083") / 2
    assert result.interest_fen == int(expected.quantize(Decimal(1), rounding=ROUND_HALF_UP))



def test_provisional_current_year_interest_is_said_in_the_steps(
        ctx: ServiceContext, make_resident: Callable[..., ResidentInfo]) -> None:
    """Moneyfix 5: a balance that counts this year's interest at an earlier year's rate says so."""
    from kiosk.i18n import Translator
    from kiosk.services.entitlement import Note, Step, account_balance, render_steps

    resident = make_resident(dt.date(1980, 3, 1))
    _pay_ten_years(ctx, resident.id)
    latest = max(r.year for r in load_policy(None).interest.employee)
    day = dt.date(latest + 2, 11, 29)  # the year's rate not in the policy: the newest one stands in
    steps: list[Step] = []
    with ctx.database.connection_context():
        balance = account_balance(ctx, resident.id, "pension_employee", day, steps)
    assert balance > 4_800_000  # ten years of 4,800 yuan plus interest
    notes = [s for s in steps if isinstance(s, Note) and s.key == "interest_provisional"]
    assert [n.params["rate_year"] for n in notes] == [latest] and notes[0].params["year"] == latest + 2
    text = render_steps(notes, Translator("zh_CN"))[0]
    assert f"{latest}年利率" in text and "尚未公布" in text
    steps.clear()
    with ctx.database.connection_context():
        account_balance(ctx, resident.id, "pension_employee", dt.date(latest, 12, 31), steps)
    assert not steps  # a year whose rate is announced is not provisional
