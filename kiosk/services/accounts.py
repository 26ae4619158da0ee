"""Personal-account interest: the year-end credit job and balances with interest.

``credit_interest(ctx, year)`` is the year-end job behind
``kiosk account credit-interest YEAR``: every pension personal account
(``pension_employee``, ``pension_resident``) gets one ledger entry of kind
``interest`` (reference ``interest:YEAR``, dated 31 December of the year)
with that year's 记账利率 from the policy file, counted by the policy's
method (:mod:`kiosk.rules.interest`) and rounded once to the fen. It runs in
one transaction with one audit entry; a second run finds the entries and
credits nothing. Medical accounts earn no 记账利率 and are left alone.

``account_balance_with_interest(resident_id, kind, as_of, book)`` is the
balance every estimate, pension and transfer should use: the ledger up to
``as_of`` (credited interest included) plus the interest not credited yet —
whole past years with an announced rate that the job has not credited, and
the current year up to the end of the month before ``as_of`` at that year's
rate, or at the newest announced rate while the year's is not announced
(an estimate, as the 1997 办法 does at retirement in the year [verify]).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from db import audit
from db.connection import is_sqlite, write_transaction
from db.ledger import post
from db.models import Account, LedgerEntry
from kiosk.policy import PolicyBook
from kiosk.rules.interest import AccountInterestParams, YearInterest, year_interest
from kiosk.rules.money import Fen
from kiosk.rules.steps import CalculationStep
from kiosk.services import ServiceContext, ServiceError
from kiosk.services.payments import policy_book

INTEREST_KIND = "interest"
"""The ledger entry kind of credited 记账利息 (LedgerEntry.kind)."""
INTEREST_ACCOUNT_KINDS = ("pension_employee", "pension_resident")


def interest_reference(year: int) -> str:
    """The ledger reference of a year's interest entry: ``interest:2024``."""
    return f"interest:{year}"


@dataclass(frozen=True)
class CreditResult:
    """What ``credit_interest`` did: accounts credited, already credited, the sum."""

    year: int
    method: str
    credited: int
    already: int
    total_fen: Fen
    zero: int
    """Accounts whose interest came to 0 fen (nothing posted)."""

    @property
    def nothing_done(self) -> bool:
        return self.credited == 0


@dataclass(frozen=True)
class BalanceDetail:
    """A balance with interest: ledger part, interest not credited yet, and the steps."""

    balance_fen: Fen
    ledger_fen: Fen
    accrued_fen: Fen
    years: tuple[YearInterest, ...]
    provisional: tuple[tuple[int, int, str], ...] = ()
    """(year, rate's year, rate in %) of interest counted at an earlier year's rate because the
    year's own rate is not announced yet: a provisional figure the steps must say (moneyfix 5)."""

    @property
    def steps(self) -> tuple[CalculationStep, ...]:
        return tuple(step for year in self.years for step in year.steps)


# -- pure helpers over one account's entries -----------------------------------------------


@dataclass(frozen=True)
class _Entry:
    entry_date: dt.date
    kind: str
    amount_fen: Fen
    reference: str


def _load(account_id: int) -> list[_Entry]:
    return [_Entry(e.entry_date, e.kind, int(e.amount_fen), e.reference)
            for e in LedgerEntry.select().where(LedgerEntry.account == account_id).order_by(LedgerEntry.seq)]


def _credited_years(entries: list[_Entry]) -> set[int]:
    years = set()
    for entry in entries:
        if entry.kind == INTEREST_KIND and entry.reference.startswith("interest:"):
            try:
                years.add(int(entry.reference.removeprefix("interest:")))
            except ValueError:
                continue
    return years


def _movements(entries: list[_Entry], year: int, through_month: int = 12) -> list[tuple[int, Fen]]:
    return [(e.entry_date.month, e.amount_fen) for e in entries
            if e.entry_date.year == year and e.entry_date.month <= through_month and e.kind != INTEREST_KIND]


def _opening(entries: list[_Entry], year: int) -> Fen:
    """Balance at the end of ``year - 1``: everything dated before 1 January of ``year``."""
    start = dt.date(year, 1, 1)
    return sum(e.amount_fen for e in entries if e.entry_date < start)


def _detail(entries: list[_Entry], kind: str, as_of: dt.date, interest: AccountInterestParams) -> BalanceDetail:
    relevant = [e for e in entries if e.entry_date <= as_of]
    ledger = sum(e.amount_fen for e in relevant)
    if not relevant or kind not in INTEREST_ACCOUNT_KINDS:
        return BalanceDetail(ledger, ledger, 0, ())
    credited = _credited_years(relevant)
    accrued = 0
    years: list[YearInterest] = []
    provisional: list[tuple[int, int, str]] = []
    first = min(e.entry_date.year for e in relevant)
    for year in range(first, as_of.year + 1):
        if year in credited:
            continue
        if year < as_of.year:
            rate = interest.rate_for(kind, year)
            through = 12
        else:
            rate = interest.rate_for(kind, year) or interest.latest_for(kind, year)
            through = as_of.month - 1  # whole months before as_of
        if rate is None or through < 1:
            continue
        result = year_interest(year, _opening(relevant, year) + accrued, _movements(relevant, year, through),
                               rate.rate, interest.method, through_month=through)
        accrued += result.interest_fen
        years.append(result)
        if rate.year != year and result.interest_fen:
            provisional.append((year, rate.year, f"{rate.rate * 100:g}"))
    return BalanceDetail(ledger + accrued, ledger, accrued, tuple(years), tuple(provisional))


# -- public ------------------------------------------------------------------------------------


def account_balance_detail(resident_id: int, kind: str, as_of: dt.date, book: PolicyBook) -> BalanceDetail:
    """:func:`account_balance_with_interest` with its parts and calculation steps.

    Runs on the caller's connection (inside or outside a transaction).
    """
    account = Account.get_or_none((Account.resident == resident_id) & (Account.kind == kind))
    if account is None:
        return BalanceDetail(0, 0, 0, ())
    return _detail(_load(account.id), kind, as_of, book.interest)


def account_balance_with_interest(resident_id: int, kind: str, as_of: dt.date, book: PolicyBook) -> Fen:
    """The personal-account balance in fen on ``as_of``, interest included.

    ``kind`` is ``pension_employee`` (employee and flexible schemes) or
    ``pension_resident`` (any other account kind is returned as its plain
    ledger sum). The result is the ledger total up to ``as_of`` (credited
    ``interest`` entries included) plus interest not yet credited: whole
    years before ``as_of`` whose rate the policy lists and that
    ``credit-interest`` has not credited, and the current year through the
    end of the previous month (at the newest announced rate until the year's
    is announced). 0 when the resident has no such account. Use this — not
    ``Account.balance_fen`` — for estimates, pensions, transfers and
    inheritance. Runs on the caller's connection.
    """
    return account_balance_detail(resident_id, kind, as_of, book).balance_fen


def credit_interest(ctx: ServiceContext, year: int) -> CreditResult:
    """Credit ``year``'s 记账利息 to every pension personal account (idempotent).

    Raises ServiceError when the year has not ended on the hall's date, when
    the policy lists no rate for the year while accounts of that kind hold
    money, or when an account's previous year (with a listed rate) was never
    credited (credit that year first). All or nothing, one transaction, one
    audit entry ``account.interest`` with the counts and total.
    """
    today = ctx.today()
    if today < dt.date(year, 12, 31):
        raise ServiceError.keyed("refusal.accounts.year_open", "year_open", year=year, today=today.isoformat())
    book = policy_book(ctx)
    interest = book.interest
    end = dt.date(year, 12, 31)
    now = ctx.now()
    credited = already = zero = total = 0
    with write_transaction(ctx.database):
        query = (Account.select().where(Account.kind.in_(INTEREST_ACCOUNT_KINDS))
                 .order_by(Account.id))
        if not is_sqlite(ctx.database):
            query = query.for_update()  # two runs at once: the second waits, then finds the entries
        accounts = list(query)
        missing: dict[str, int] = defaultdict(int)
        plans: list[tuple[Account, Fen]] = []
        for account in accounts:
            entries = [e for e in _load(account.id) if e.entry_date <= end]
            if not entries:
                continue
            done = _credited_years(entries)
            if year in done:
                already += 1
                continue
            rate = interest.rate_for(account.kind, year)
            if rate is None:
                missing[account.kind] += 1
                continue
            opening = _opening(entries, year)
            previous = interest.rate_for(account.kind, year - 1)
            if opening and previous is not None and (year - 1) not in done:
                raise ServiceError.keyed("refusal.accounts.previous_year", "previous_year", previous=year - 1)
            result = year_interest(year, opening, _movements(entries, year), rate.rate, interest.method)
            plans.append((account, result.interest_fen))
        if missing:
            kinds = "both" if len(missing) > 1 else {"pension_employee": "employee", "pension_resident": "resident"}[
                next(iter(missing))]
            raise ServiceError.keyed("refusal.accounts.no_rate", "no_rate", year=year,
                                     kinds_key=f"refusal.accounts.kinds.{kinds}")
        for account, amount in plans:
            if amount <= 0:
                zero += 1
                continue
            post(account, amount, INTEREST_KIND, entry_date=end, now=now, reference=interest_reference(year))
            credited += 1
            total += amount
        audit.append(actor=ctx.actor if ctx.staff_number else "system", terminal=ctx.terminal,
                     action="account.interest", now=now, entity="year", entity_id=str(year),
                     detail={"year": year, "method": interest.method, "credited": credited,
                             "already": already, "zero": zero, "total_fen": total})
    return CreditResult(year, interest.method, credited, already, total, zero)


def settle_interest(resident_id: int, kind: str, as_of: dt.date, book: PolicyBook, *, now: dt.datetime) -> Fen:
    """Post the interest not yet credited on an account before its money moves
    (a transfer or a 17号 linkage): one ``interest`` entry per year of
    :func:`account_balance_detail` (reference ``interest:YEAR``, so the year-end
    job does not credit those years again), the current year's dated
    ``as_of``. Returns the interest posted (fen). Runs inside the caller's
    transaction; 0 and nothing posted for an account without uncredited interest.
    """
    account = Account.get_or_none((Account.resident == resident_id) & (Account.kind == kind))
    if account is None:
        return 0
    detail = _detail(_load(account.id), kind, as_of, book.interest)
    posted = 0
    for year in detail.years:
        if year.interest_fen <= 0:
            continue
        day = min(dt.date(year.year, 12, 31), as_of)
        post(account, year.interest_fen, INTEREST_KIND, entry_date=day, now=now, reference=interest_reference(year.year))
        posted += year.interest_fen
    return posted


# -- the account part of pension months (issue 15 fix: the month paid, not the day posted) ------------

PAYOUT_KIND = "payout"
RECOVERY_KIND = "recovery"
"""Ledger kind of an account part paid for a month after death, returned to the account (the
month's pension is an overpayment recovered from the estate, so its account part was never due)."""
_PERIOD_MARK = "@"


def payout_reference(prefix: str, period: dt.date) -> str:
    """The reference of a pension month's account part: ``DF202510@2025-07`` (``prefix`` the run's
    reference, then the month paid) — the month the money belongs to, whatever day it was posted."""
    return f"{prefix}{_PERIOD_MARK}{period:%Y-%m}"


def payout_period(reference: str, entry_date: dt.date) -> dt.date:
    """The month a ``payout`` entry paid: from its reference (:func:`payout_reference`), else (older
    entries, a 待遇支付 step, the demo) the month of its entry date."""
    _, mark, tail = reference.rpartition(_PERIOD_MARK)
    if mark:
        try:
            return dt.date.fromisoformat(f"{tail}-01")
        except ValueError:
            pass
    return entry_date.replace(day=1)


def _pension_payouts(account_id: int) -> list[tuple[dt.date, dt.date, Fen]]:
    """(entry date, month paid, amount ≤ 0) of every pension-month payout of the account (not the
    inheritance payout itself, whose reference is an application number without ``@``)."""
    rows = LedgerEntry.select().where((LedgerEntry.account == account_id) & (LedgerEntry.kind == PAYOUT_KIND))
    return [(e.entry_date, payout_period(str(e.reference), e.entry_date), int(e.amount_fen)) for e in rows
            if str(e.reference).startswith("DF") or _PERIOD_MARK in str(e.reference)]


def balance_at_death(resident_id: int, kind: str, death: dt.date, book: PolicyBook) -> Fen:
    """The account balance a death settles (fen): the balance with interest on ``death`` after every
    pension payout FOR months up to the month of death — also those posted after the death (a late
    report: the runs went on) — and without payouts for later months (those months are an
    overpayment; their account part goes back, :func:`return_parts_after_death`). Caller's connection."""
    account = Account.get_or_none((Account.resident == resident_id) & (Account.kind == kind))
    if account is None:
        return 0
    balance = account_balance_detail(resident_id, kind, death, book).balance_fen
    last = death.replace(day=1)
    for day, period, amount in _pension_payouts(account.id):
        if day > death and period <= last:
            balance += amount  # paid after the death for a month the person lived: it counts
        elif day <= death and period > last:
            balance -= amount  # paid ahead for a month after the death: not due, given back
    return balance


def return_parts_after_death(resident_id: int, kind: str, death: dt.date, *, today: dt.date,
                             now: dt.datetime) -> Fen:
    """Post a ``recovery`` entry (reference ``REC@YYYY-MM``) for each month after the month of death
    whose account part was paid out and not yet returned; returns the sum (fen). Idempotent.
    Inside the caller's transaction."""
    account = Account.get_or_none((Account.resident == resident_id) & (Account.kind == kind))
    if account is None:
        return 0
    last = death.replace(day=1)
    due: dict[dt.date, Fen] = defaultdict(int)
    for _day, period, amount in _pension_payouts(account.id):
        if period > last:
            due[period] -= amount
    done = {str(e.reference) for e in LedgerEntry.select(LedgerEntry.reference).where(
        (LedgerEntry.account == account.id) & (LedgerEntry.kind == RECOVERY_KIND))}
    total = 0
    for period, amount in sorted(due.items()):
        reference = payout_reference("REC", period)
        if amount > 0 and reference not in done:
            post(account, amount, RECOVERY_KIND, entry_date=today, now=now, reference=reference)
            total += amount
    return total
