"""The resident's own records, read side: who is at the terminal and what
the home screen shows (enrolments, contributions, account, benefits,
applications, a pension estimate, a printable statement).

Every function takes a :class:`~kiosk.services.ServiceContext` and returns
plain frozen dataclasses. Each view is one indexed query by resident (the
pension estimate, which needs several figures, is the exception), so a
resident with twenty years of monthly rows is shown at once.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple, cast

import peewee

from db.models import (
    Account,
    Application,
    ApplicationEvent,
    Benefit,
    BenefitPayment,
    Card,
    Contribution,
    Employer,
    Enrolment,
    LedgerEntry,
    PrintJob,
    Resident,
)
from kiosk.rules.codes import APPLICATION_NO, parse_card_input
from kiosk.rules.identity import InvalidIdNumber, mask_id_number, mask_name
from kiosk.rules.workflows import END_STATES, REJECTED, RETURNED, WORKFLOWS
from kiosk.services import NotFound, ServiceContext, ServiceError
from kiosk.services.reasons import REASON_KEY

MONTHLY_SCHEMES = ("employee", "flexible")
#: An application number inside a stored receipt document.
APPLICATION_IN_TEXT = re.compile(APPLICATION_NO.pattern.strip("^$"))


def _rows(query: Any) -> list[tuple[Any, ...]]:
    """A ``.tuples()`` query's rows (peewee's types see model rows)."""
    return cast(list[tuple[Any, ...]], list(query.iterator()))


# The hottest reads (identify, the contributions view) skip peewee's per-value
# conversion and, for identify, its SQL building: the statement is built once
# per backend and the driver's rows are used as they come. Only DATE columns
# differ by backend (SQLite gives text), so callers pass those through _date.
_SQL: dict[tuple[str, type[peewee.Database]], str] = {}


def _first_by(database: peewee.Database, name: str, build: Any, value: str) -> tuple[Any, ...] | None:
    """The first row of the one-parameter query ``build()`` (its parameter a
    placeholder string) for ``value``; the SQL is built once per backend."""
    key = (name, type(database))
    sql = _SQL.get(key)
    if sql is None:
        sql, params = build().sql()
        if len(params) != 1:
            raise ValueError(f"{name}: expected one parameter, got {params!r}")
        _SQL[key] = sql
    return cast(tuple[Any, ...] | None, database.execute_sql(sql, (value,)).fetchone())


_PREPARED: dict[tuple[str, type[peewee.Database]], tuple[str, tuple[Any, ...]]] = {}
_MARK = "\x00value"
"""Stands for the one caller's value while a statement is built (see _all_by)."""


def _all_by(database: peewee.Database, name: str, build: Any, value: Any) -> list[tuple[Any, ...]]:
    """Every row of the query ``build(_MARK)`` with ``value`` in the place of ``_MARK``,
    straight from the driver; the SQL (and its other parameters) is built once per backend."""
    key = (name, type(database))
    prepared = _PREPARED.get(key)
    if prepared is None:
        sql, params = build(_MARK).sql()
        if sum(1 for p in params if p == _MARK) != 1:
            raise ValueError(f"{name}: expected the value once among {params!r}")
        prepared = _PREPARED[key] = (sql, tuple(params))
    sql, template = prepared
    return list(database.execute_sql(sql, tuple(value if p == _MARK else p for p in template)).fetchall())


def _date(value: Any) -> Any:
    """A DATE column's value as a date: SQLite returns ISO text, PostgreSQL a date; None stays None."""
    return _iso_date(value) if isinstance(value, str) else value


@functools.lru_cache(maxsize=4096)
def _iso_date(text: str) -> dt.date:
    # A history repeats the same few hundred months; parsing each once is enough.
    return dt.date.fromisoformat(text[:10])


def _key(model: type[peewee.Model]) -> peewee.Field:
    """The model's primary-key field (the ``id`` annotation hides it from mypy)."""
    return cast(peewee.Field, model._meta.primary_key)  # type: ignore[attr-defined]


# -- identify ---------------------------------------------------------------------


class InvalidInput(ServiceError):
    """What the reader typed is no number we accept; ``code`` is the reason
    (length, characters, region, date, check_digit, empty)."""


class NotRegistered(ServiceError):
    """A valid ID number with no resident record: offer an enrolment ticket."""

    def __init__(self, id_number: str) -> None:
        keyed = ServiceError.keyed("refusal.residents.not_registered", "not_registered",
                                   masked=mask_id_number(id_number))
        super().__init__(keyed.message, code=keyed.code, key=keyed.key, params=keyed.params)
        self.id_number = id_number


class CardBlocked(ServiceError):
    """The card was reported lost (frozen) or replaced: go to counter C."""


@dataclass(frozen=True)
class ResidentSummary:
    """The resident at the terminal; screens show only the masked fields."""

    id: int
    name: str
    id_number: str
    sex: str
    birth_date: dt.date
    hukou: str
    retirement_category: str
    has_phone: bool

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def masked_id(self) -> str:
        return mask_id_number(self.id_number)


def _summary(row: Resident) -> ResidentSummary:
    return ResidentSummary(
        id=row.id, name=row.name, id_number=row.id_number, sex=row.sex, birth_date=row.birth_date,
        hukou=row.hukou, retirement_category=row.retirement_category, has_phone=bool(row.phone),
    )


#: The columns of a ResidentSummary, in its field order (phone last: only whether there is one).
_SUMMARY_COLUMNS = (Resident.id, Resident.name, Resident.id_number, Resident.sex, Resident.birth_date,
                    Resident.hukou, Resident.retirement_category, Resident.phone)


def _summary_of(row: tuple[Any, ...]) -> ResidentSummary:
    """A ResidentSummary from a driver row of _SUMMARY_COLUMNS."""
    id_, name, id_number, sex, birth, hukou, category, phone = row
    return ResidentSummary(id=id_, name=name, id_number=id_number, sex=sex, birth_date=_date(birth), hukou=hukou,
                           retirement_category=category, has_phone=bool(phone))


class PrintedCode(ServiceError):
    """A code the kiosk printed (ticket, application number, receipt): it opens
    only what it names (the ticket's place, the application's progress),
    never the resident's records. ``kind`` is ticket | application | receipt."""

    def __init__(self, kind: str, value: str) -> None:
        keyed = ServiceError.keyed("refusal.residents.printed_code", "printed_code")
        super().__init__(keyed.message, code=keyed.code, key=keyed.key, params=keyed.params)
        self.kind = kind
        self.value = value


def identify(ctx: ServiceContext, text: str) -> ResidentSummary:
    """The resident a card or ID number names (card input contract, DESIGN §4).

    This says who is claimed, not that it is them: the self-service terminal
    opens records only through
    :func:`kiosk.services.service_password.open_records`. A code the kiosk
    printed raises :class:`PrintedCode` (it never names a person here).

    Raises :class:`InvalidInput` (message names the problem),
    :class:`NotRegistered` (valid ID, no record), :class:`CardBlocked`
    (frozen or replaced card) or :class:`NotFound` (unknown card).
    """
    try:
        parsed = parse_card_input(text, today=ctx.today())
    except InvalidIdNumber as exc:
        raise InvalidInput.keyed(exc.key, exc.reason, **exc.params) from None
    if parsed.kind not in ("id_number", "card_number"):
        raise PrintedCode(parsed.kind, parsed.value)
    database = ctx.database
    with database.connection_context():
        if parsed.kind == "id_number":
            row = _first_by(database, "resident_by_id_number",
                            lambda: Resident.select(*_SUMMARY_COLUMNS).where(Resident.id_number == "?"),
                            parsed.value)
            if row is None:
                raise NotRegistered(parsed.value)
            return _summary_of(row)
        row = _first_by(database, "resident_by_card",
                        lambda: (Card.select(Card.status, *_SUMMARY_COLUMNS)
                                 .join(Resident, on=(Card.resident == Resident.id))
                                 .where(Card.card_number == "?")),
                        parsed.value)
        if row is None:
            raise NotFound.keyed("refusal.residents.card_unknown", "card_unknown")
        if row[0] != "active":
            raise CardBlocked.keyed("refusal.residents.card_blocked", f"card_{row[0]}")
        return _summary_of(row[1:])


@dataclass(frozen=True)
class CodeProgress:
    """What a printed code shows: that one application.

    ``full`` is True for a receipt's random verification code (RC..., not
    enumerable): the applicant masked, the business type and the reason of a
    return or rejection. A bare application number (SQ..., sequential, so
    anyone can count through them) gives only the status and the step
    timeline: ``masked_name`` is empty and the view carries no business type,
    reason or notes.
    """

    masked_name: str
    application: ApplicationView
    full: bool = True


def _status_only(view: ApplicationView) -> ApplicationView:
    """``view`` without what a stranger must not learn from a guessed number:
    business type, the clerk's reason and every event note."""
    return replace(view, type="", name_zh="", name_en="", reason="", events=())


def progress_by_code(ctx: ServiceContext, kind: str, value: str) -> CodeProgress:
    """The one application a printed application number (SQ...) or receipt code
    (RC..., an acceptance receipt's verification code, ``document.code``)
    names; audited as ``application.lookup`` (detail ``via``, ``full``).

    A receipt code gives the full masked progress; an application number
    only the status and timeline (see :class:`CodeProgress`); the resident's
    own records (after the service password) show everything.
    Raises :class:`NotFound` for an unknown code or a receipt that names no
    application (a payment receipt, a statement).
    """
    from db import audit
    from db.connection import write_transaction

    full = kind == "receipt"
    with ctx.database.connection_context():
        number = value
        if full:
            job = PrintJob.select(PrintJob.document).where(PrintJob.code == value).first()
            found = APPLICATION_IN_TEXT.search(str(job.document)) if job is not None else None
            if found is None:
                raise NotFound.keyed("refusal.residents.receipt_no_progress", "code_unknown")
            number = found.group(0)
        row = (Application.select(Application.resident, Resident.name)
               .join(Resident, on=(Application.resident == Resident.id))
               .where(Application.number == number).tuples().first())
    if row is None:
        raise NotFound.keyed("refusal.residents.code_unknown", "code_unknown")
    resident_id, name = row
    view = next(v for v in applications(ctx, resident_id) if v.number == number)
    with write_transaction(ctx.database):
        audit.append(actor="resident", terminal=ctx.terminal, action="application.lookup", now=ctx.now(),
                     entity="application", entity_id=number,
                     detail={"via": kind, "reason": "printed_code", "full": full})
    if not full:
        return CodeProgress("", _status_only(view), full=False)
    return CodeProgress(mask_name(name), view)


def confirm_phone(ctx: ServiceContext, resident_id: int, last4: str) -> bool:
    """True when ``last4`` are the last four digits of the resident's phone."""
    with ctx.database.connection_context():
        phone = Resident.select(Resident.phone).where(Resident.id == resident_id).scalar()
    digits = "".join(c for c in (phone or "") if c.isdigit())
    return len(last4) == 4 and len(digits) >= 4 and digits[-4:] == last4


# -- enrolments --------------------------------------------------------------------


@dataclass(frozen=True)
class EnrolmentRow:
    """One insurance under one scheme."""

    insurance: str
    scheme: str
    status: str
    start_date: dt.date
    end_date: dt.date | None
    employer: str


def enrolments(ctx: ServiceContext, resident_id: int) -> list[EnrolmentRow]:
    """Enrolments, insurance by insurance, newest start first within each."""
    query = (Enrolment.select(Enrolment.insurance, Enrolment.scheme, Enrolment.status, Enrolment.start_date,
                              Enrolment.end_date, Employer.name)
             .join(Employer, peewee.JOIN.LEFT_OUTER, on=(Enrolment.employer == Employer.id))
             .where(Enrolment.resident == resident_id)
             .order_by(Enrolment.insurance, Enrolment.start_date.desc()).tuples())
    with ctx.database.connection_context():
        rows = _rows(query)
    order = {name: i for i, name in enumerate(("pension", "medical", "unemployment", "injury", "maternity"))}
    result = [EnrolmentRow(ins, scheme, status, start, end, employer or "") for ins, scheme, status, start, end, employer
              in rows]
    return sorted(result, key=lambda r: (order.get(r.insurance, 9), -r.start_date.toordinal()))


# -- contributions -----------------------------------------------------------------


class MonthRow(NamedTuple):
    """One paid month (or year, for the resident scheme).

    A named tuple, not a frozen dataclass: a twenty-year history builds a
    thousand of these per view, and a tuple is several times cheaper to make.
    """

    insurance: str
    scheme: str
    month: dt.date
    base_fen: int
    individual_fen: int
    employer_fen: int
    subsidy_fen: int

    @property
    def account_fen(self) -> int | None:
        """计入个人账户 for a resident pension year (the tier plus the subsidy, RULES §4);
        None where the screens do not show it (monthly schemes, resident medical)."""
        if self.scheme == "resident" and self.insurance == "pension":
            return self.individual_fen + self.subsidy_fen
        return None


@dataclass(frozen=True)
class YearContributions:
    """One calendar year: its paid rows, totals and what was due but not paid."""

    year: int
    rows: tuple[MonthRow, ...]
    missing: tuple[dt.date, ...]
    """Months with an active monthly enrolment but no pension contribution."""
    unpaid: tuple[str, ...] = ()
    """Insurances of an annual (resident) scheme enrolled this year but not paid (only "pension" today)."""

    @property
    def annual(self) -> bool:
        """Only resident-scheme (annual) payments this year: show tier and subsidy, not base and employer."""
        return bool(self.rows or self.unpaid) and not self.missing and all(
            r.scheme not in MONTHLY_SCHEMES for r in self.rows)

    @property
    def has_missing(self) -> bool:
        """Anything due this year and not paid (months or a whole annual payment)."""
        return bool(self.missing or self.unpaid)

    @property
    def individual_fen(self) -> int:
        return sum(r.individual_fen for r in self.rows)

    @property
    def employer_fen(self) -> int:
        return sum(r.employer_fen for r in self.rows)

    @property
    def subsidy_fen(self) -> int:
        return sum(r.subsidy_fen for r in self.rows)

    @property
    def pension_months(self) -> int:
        """Months of pension paid this year (a resident-scheme year counts 12)."""
        return sum(12 if r.scheme == "resident" else 1 for r in self.rows if r.insurance == "pension")


@dataclass(frozen=True)
class ContributionHistory:
    """All years, newest first; ``total_pension_months`` counts towards a pension."""

    years: tuple[YearContributions, ...]
    total_pension_months: int
    missing_months: int
    missing_years: int = 0
    """Years of an annual (resident) pension scheme not paid, last year at the latest."""

    def year(self, year: int) -> YearContributions | None:
        for item in self.years:
            if item.year == year:
                return item
        return None


def _history_query(resident: Any) -> Any:
    return (Contribution.select(Contribution.insurance, Contribution.scheme, Contribution.month,
                                Contribution.base_fen, Contribution.individual_fen, Contribution.employer_fen,
                                Contribution.subsidy_fen)
            .where(Contribution.resident == resident)
            .order_by(Contribution.month, Contribution.insurance).tuples())


def _pension_granted_query(resident: Any) -> Any:
    # The schemes of the pensions granted: a pensioner owes nothing in that scheme.
    return (Benefit.select(Benefit.scheme).distinct()
            .where((Benefit.resident == resident) & (Benefit.kind == "pension")).tuples())


def _pension_spans_query(resident: Any) -> Any:
    # The birth date rides along: resident-scheme payments stop at 60.
    return (Enrolment.select(Enrolment.scheme, Enrolment.start_date, Enrolment.end_date, Resident.birth_date)
            .join(Resident, on=(Enrolment.resident == Resident.id))
            .where((Enrolment.resident == resident) & (Enrolment.insurance == "pension")).tuples())


def contribution_history(ctx: ServiceContext, resident_id: int) -> ContributionHistory:
    """Every contribution, grouped by year, with what was due and not paid:
    the months missing between a monthly pension enrolment's start and last
    month (or its end), and the years missing between a resident-scheme
    pension enrolment's start year and last year (or its end, or the year
    before the resident turns 60, when resident contributions stop).

    A pension granted closes its scheme's record: for a pensioner (a ``Benefit`` of
    kind pension, resident scheme or the monthly ones) nothing of that scheme is owed,
    neither after the pension's start or retirement nor a gap before it (the pension
    was granted on the months paid; missed ones can no longer be paid)."""
    database = ctx.database
    with database.connection_context():
        paid = _all_by(database, "history", _history_query, resident_id)
        enrolled = _all_by(database, "pension_spans", _pension_spans_query, resident_id)
        granted = {"resident" if scheme == "resident" else "monthly"
                   for (scheme,) in _all_by(database, "pension_granted", _pension_granted_query, resident_id)}
    # One pass over ~1,000 rows (a hot loop, the view's main cost): each row becomes a
    # MonthRow (tuple.__new__, no keyword wrapper) in its year's list; rows come ordered
    # by month, so each month's value is converted once. Months are counted as indexes
    # (year * 12 + month - 1) so the missing-month check needs no date arithmetic.
    new = tuple.__new__
    by_year: dict[int, list[MonthRow]] = {}
    paid_pension: set[int] = set()
    pension_years: set[int] = set()
    pension_months = 0
    last: Any = None
    day = dt.date.min
    year = index = 0
    bucket: list[MonthRow] = []
    for insurance, scheme, month, base, individual, employer, subsidy in paid:
        if month != last:
            last, day = month, _date(month)
            year, index = day.year, day.year * 12 + day.month - 1
            bucket = by_year.setdefault(year, [])
        bucket.append(new(MonthRow, (insurance, scheme, day, base, individual, employer, subsidy)))
        if insurance == "pension":
            pension_years.add(year)
            pension_months += 12 if scheme == "resident" else 1  # a resident-scheme year counts 12
            if scheme in MONTHLY_SCHEMES:
                paid_pension.add(index)
    today = ctx.today()
    # The current month may not be due yet; it is never counted as missing.
    this_month = today.year * 12 + today.month - 1
    missing_by_year: dict[int, list[dt.date]] = defaultdict(list)
    seen: set[int] = set()
    unpaid_years: set[int] = set()
    for scheme, start_value, end_value, birth_value in enrolled:
        start, end = _date(start_value), _date(end_value)
        if scheme in MONTHLY_SCHEMES:
            if "monthly" in granted:
                continue
            stop = min(this_month, end.year * 12 + end.month if end else this_month)
            due = set(range(start.year * 12 + start.month - 1, stop)).difference(paid_pension, seen)
            seen |= due
            for item in due:
                missing_by_year[item // 12].append(dt.date(item // 12, item % 12 + 1, 1))
        elif scheme == "resident" and "resident" not in granted:
            unpaid_years |= _unpaid_resident_years(start, end, _date(birth_value), today) - pension_years
    years = sorted(set(by_year) | set(missing_by_year) | unpaid_years, reverse=True)
    result = tuple(
        YearContributions(y, tuple(by_year.get(y, ())), tuple(sorted(missing_by_year.get(y, ()))),
                          ("pension",) if y in unpaid_years else ())
        for y in years
    )
    return ContributionHistory(result, pension_months, len(seen), len(unpaid_years))


def _unpaid_resident_years(start: dt.date, end: dt.date | None, birth: dt.date | None, today: dt.date) -> set[int]:
    """The years a resident-scheme pension enrolment expected a payment.

    The resident pension is paid once a year before a local deadline; to keep
    one simple rule the current year is never counted missing (it may not be
    due yet). Payments stop before the year the resident turns 60, when the
    pension starts (RULES §4), and at the enrolment's end.
    """
    last = today.year - 1
    if end is not None:
        last = min(last, end.year)
    if birth is not None:
        last = min(last, birth.year + 59)
    return set(range(start.year, last + 1))


# -- personal account --------------------------------------------------------------


@dataclass(frozen=True)
class LedgerRow:
    """One account movement."""

    seq: int
    entry_date: dt.date
    kind: str
    amount_fen: int
    balance_after_fen: int
    reference: str


@dataclass(frozen=True)
class AccountView:
    """A personal account: balance and movements, newest first."""

    kind: str
    balance_fen: int
    opened_on: dt.date
    entries: tuple[LedgerRow, ...]


def accounts(ctx: ServiceContext, resident_id: int) -> list[AccountView]:
    """The resident's personal accounts with their ledgers (one query)."""
    query = (Account.select(Account.id, Account.kind, Account.balance_fen, Account.opened_on,
                            LedgerEntry.seq, LedgerEntry.entry_date, LedgerEntry.kind, LedgerEntry.amount_fen,
                            LedgerEntry.balance_after_fen, LedgerEntry.reference)
             .join(LedgerEntry, peewee.JOIN.LEFT_OUTER, on=(LedgerEntry.account == Account.id))
             .where(Account.resident == resident_id)
             .order_by(Account.kind, LedgerEntry.seq.desc()).tuples())
    with ctx.database.connection_context():
        rows = _rows(query)
    heads: dict[int, tuple[str, int, dt.date]] = {}
    entries: dict[int, list[LedgerRow]] = defaultdict(list)
    for account_id, kind, balance, opened, seq, day, entry_kind, amount, after, ref in rows:
        heads.setdefault(account_id, (kind, balance, opened))
        if seq is not None:
            entries[account_id].append(LedgerRow(seq, day, entry_kind, amount, after, ref))
    return [AccountView(kind, balance, opened, tuple(entries[aid])) for aid, (kind, balance, opened) in heads.items()]


# -- benefits ----------------------------------------------------------------------


@dataclass(frozen=True)
class BenefitRow:
    """A benefit paid out; ``payment_kind`` monthly | arrears (补发 of a raise, issue 15)."""

    benefit_type: str
    period: dt.date
    amount_fen: int
    paid_on: dt.date
    payment_kind: str = "monthly"


def benefits(ctx: ServiceContext, resident_id: int) -> list[BenefitRow]:
    """Benefits paid, newest period first."""
    query = (BenefitPayment.select(BenefitPayment.benefit_type, BenefitPayment.period, BenefitPayment.amount_fen,
                                   BenefitPayment.paid_at, BenefitPayment.kind)
             .where(BenefitPayment.resident == resident_id)
             .order_by(BenefitPayment.period.desc(), _key(BenefitPayment).desc()).tuples())
    with ctx.database.connection_context():
        rows = _rows(query)
    return [BenefitRow(kind, period, amount, ctx.clock.to_local(paid).date(), str(pkind or "monthly"))
            for kind, period, amount, paid, pkind in rows]


@dataclass(frozen=True)
class BenefitStatus:
    """A benefit in payment (待遇, issue 15) as the resident sees it: its status and why.

    ``status`` in_payment | suspended | stopped | finished; ``reason`` e.g.
    not_certified, deceased, months_used; ``months`` None for lifelong;
    ``paid_months`` months paid so far; ``certify_by`` the next 资格认证 (pensions).
    """

    benefit_type: str
    status: str
    reason: str
    monthly_fen: int
    start: dt.date
    months: int | None
    paid_months: int
    certify_by: dt.date | None


def benefit_statuses(ctx: ServiceContext, resident_id: int) -> list[BenefitStatus]:
    """The resident's benefits in payment (monthly run), oldest first; [] when there are none."""
    from db.models import Benefit
    from kiosk.policy import PolicyError
    from kiosk.services.benefit_run import certification_due
    from kiosk.services.payments import policy_book

    try:
        interval = policy_book(ctx).policy_for(ctx.today()).lifecycle.certification_interval_months
    except PolicyError:  # a policy without the date in force still shows the list
        interval = 12
    out: list[BenefitStatus] = []
    with ctx.database.connection_context():
        for row in Benefit.select().where(Benefit.resident == resident_id).order_by(Benefit.start_month):
            paid = (BenefitPayment.select(BenefitPayment.period).where(
                (BenefitPayment.benefit == row.id) & (BenefitPayment.kind == "monthly")).distinct().count())
            due = certification_due(row, interval) if row.kind in ("pension", "survivor") else None
            out.append(BenefitStatus(str(row.kind), str(row.status), str(row.reason), int(row.monthly_fen),
                                     row.start_month, row.months, int(paid),
                                     due if row.status in ("in_payment", "suspended") else None))
    return out


# -- applications ------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineStep:
    """One step of an application's flow: done, current, to do, or stopped."""

    code: str
    name_zh: str
    name_en: str
    state: str  # done | current | todo | stopped
    at: dt.datetime | None  # local time the step was reached


@dataclass(frozen=True)
class ApplicationView:
    """An application with its step timeline."""

    number: str
    type: str
    name_zh: str
    name_en: str
    status: str
    status_zh: str
    status_en: str
    created: dt.datetime
    expected_days: int
    steps: tuple[TimelineStep, ...]
    finished: bool
    reason: str = ""
    """The note of a return or rejection: what the resident must do."""
    events: tuple[tuple[dt.datetime, str, str], ...] = field(default=())
    """(local time, status reached, note) in order."""
    reason_code: dict[str, Any] = field(default_factory=dict)
    """The coded form of ``reason`` when the system wrote it (kiosk.services.reasons.render)."""


def applications(ctx: ServiceContext, resident_id: int) -> list[ApplicationView]:
    """Applications, newest first, each with its timeline (one joined query)."""
    query = (Application.select(Application.id, Application.number, Application.type, Application.status,
                                Application.created_at, Application.expected_days, Application.data,
                                ApplicationEvent.to_status, ApplicationEvent.note, ApplicationEvent.created_at)
             .join(ApplicationEvent, peewee.JOIN.LEFT_OUTER, on=(ApplicationEvent.application == Application.id))
             .where(Application.resident == resident_id)
             .order_by(Application.created_at.desc(), _key(Application).desc(), ApplicationEvent.id).tuples())
    with ctx.database.connection_context():
        rows = _rows(query)
    heads: dict[int, tuple[str, str, str, dt.datetime, int]] = {}
    codes: dict[int, Any] = {}
    events: dict[int, list[tuple[dt.datetime, str, str]]] = defaultdict(list)
    for app_id, number, type_, status, created, days, data, to_status, note, at in rows:
        if app_id not in heads:
            heads[app_id] = (number, type_, status, created, days)
            codes[app_id] = _reason_code(data)
        if to_status is not None:
            events[app_id].append((ctx.clock.to_local(at), to_status, note or ""))
    return [replace(_application_view(ctx, *head, tuple(events[app_id])), reason_code=codes[app_id])
            for app_id, head in heads.items()]


def _reason_code(data: Any) -> dict[str, Any]:
    # .tuples() hands the JSON column back as stored (text on SQLite): decode it here.
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            return {}
    code = data.get(REASON_KEY) if isinstance(data, dict) else None
    return dict(code) if isinstance(code, dict) else {}


def _application_view(ctx: ServiceContext, number: str, type_: str, status: str, created: dt.datetime, days: int,
                      events: tuple[tuple[dt.datetime, str, str], ...]) -> ApplicationView:
    flow = WORKFLOWS.get(type_)
    reached = {to: at for at, to, _ in events}
    reason = next((note for _, to, note in reversed(events) if to in (REJECTED, RETURNED) and note), "")
    if flow is None:
        return ApplicationView(number, type_, type_, type_, status, status, status, ctx.clock.to_local(created),
                               days, (), status in END_STATES, reason, events)
    codes = [s.code for s in flow.steps]
    # Where the flow got to: the status itself, or for an end state the last step reached.
    current = status if status in codes else next((to for _, to, _ in reversed(events) if to in codes), codes[0])
    index = codes.index(current)
    stopped = status in END_STATES
    steps: list[TimelineStep] = []
    for i, step in enumerate(flow.steps):
        # Steps up to the one reached are done; the next is in progress, or
        # where the application stopped (returned / rejected / withdrawn).
        if i <= index:
            state = "done"
        elif i == index + 1:
            state = "stopped" if stopped else "current"
        else:
            state = "todo"
        steps.append(TimelineStep(step.code, step.name_zh, step.name_en, state, reached.get(step.code)))
    zh = flow.status_name(status, "zh_CN") if (status in codes or status in END_STATES) else status
    en = flow.status_name(status, "en") if (status in codes or status in END_STATES) else status
    return ApplicationView(number, type_, flow.name_zh, flow.name_en, status, zh, en, ctx.clock.to_local(created),
                           days, tuple(steps), flow.is_finished(status), reason, events)


# -- pension estimate --------------------------------------------------------------


@dataclass(frozen=True)
class EstimateView:
    """A pension estimate for the resident, ready to show and print."""

    scheme: str  # employee | resident
    retirement_date: dt.date
    retirement_age_months: int
    category: str
    paid_months: int
    projected_months: int
    required_months: int
    account_balance_fen: int
    projected_balance_fen: int
    estimate: Any  # kiosk.rules.pension.PensionEstimate
    assumptions: tuple[tuple[str, str], ...]
    future_months: int = 0
    """Months still to be paid before retirement in the projection (0: not paying now)."""
    account_per_period_fen: int = 0
    """Added to the personal account per future month (employee) or year (resident);
    ``projected_balance_fen`` = balance + this × periods, without interest."""
    basis_year: int | None = None
    """The resident-scheme year whose tier and subsidy the projection repeats."""
    notes: tuple[Any, ...] = ()
    """Every step of the estimate (explanations, calculation, shortfall and the
    options of the scheme): render with :func:`kiosk.services.entitlement.render_steps`."""
    shortfall_months: int = 0
    other_scheme_months: int = 0
    """Months paid in the other scheme, shown but not counted."""


def retirement_category(summary: ResidentSummary) -> str:
    """The recorded category, else male / female_worker by sex (the common case)."""
    if summary.retirement_category:
        return summary.retirement_category
    return "male" if summary.sex == "male" else "female_worker"


def pension_estimate(ctx: ServiceContext, resident_id: int, book: Any) -> EstimateView:
    """Estimate the monthly pension at retirement with the policy ``book``: the one
    estimate of :func:`kiosk.services.estimate.estimate` (employee months and
    resident years never mixed, shortfall and options by scheme), shaped for
    the 养老金测算 screen and receipt."""
    import dataclasses

    from kiosk.policy import PolicyBook
    from kiosk.services.estimate import estimate

    if isinstance(book, PolicyBook):
        ctx = dataclasses.replace(ctx, extras={**ctx.extras, "policy": book})
    with ctx.database.connection_context():
        if Resident.get_or_none(Resident.id == resident_id) is None:
            raise NotFound.keyed("refusal.residents.resident_unknown", "resident_unknown")
        result = estimate(ctx, resident_id)
    assumptions = (("paid_months", str(result.paid_months)), ("future_months", str(result.future_months)))
    return EstimateView(result.scheme, result.retirement_date, result.retirement_age_months, result.category,
                        result.paid_months, result.projected_months, result.required_months,
                        result.account_balance_fen, result.projected_balance_fen, result.calculation, assumptions,
                        result.future_months, result.account_per_period_fen, result.basis_year, result.steps,
                        result.shortfall_months, result.other_scheme_months)


# -- statement ---------------------------------------------------------------------

INSURANCE_ZH = {"pension": "养老保险", "medical": "医疗保险", "unemployment": "失业保险",
                "injury": "工伤保险", "maternity": "生育保险"}
SCHEME_ZH = {"employee": "职工", "resident": "城乡居民", "flexible": "灵活就业"}


def statement_document(ctx: ServiceContext, resident_id: int, *, years: int = 3) -> Any:
    """A 参保缴费凭证 (printers Document) for the last ``years`` years of contributions."""
    from printers.templates import (
        Person,
        ReceiptContext,
        StatementInput,
        StatementRow,
        StatementYear,
        contribution_statement,
    )

    with ctx.database.connection_context():
        row = Resident.get_or_none(Resident.id == resident_id)
        if row is None:
            raise NotFound.keyed("refusal.residents.resident_unknown", "resident_unknown")
        history = contribution_history(ctx, resident_id)
        views = accounts(ctx, resident_id)
    blocks: list[StatementYear] = []
    unpaid: list[str] = []
    for year in history.years[:years]:
        groups: dict[tuple[str, str], list[MonthRow]] = defaultdict(list)
        for r in year.rows:
            groups[(r.insurance, r.scheme)].append(r)
        for (insurance, scheme), rows in sorted(groups.items()):
            label = f"{SCHEME_ZH.get(scheme, scheme)}{INSURANCE_ZH.get(insurance, insurance)}"
            if scheme in MONTHLY_SCHEMES:
                blocks.append(StatementYear(year.year, label, tuple(
                    StatementRow(f"{r.month.month:02d}月", r.base_fen, r.individual_fen, r.employer_fen)
                    for r in rows)))
            else:  # one row a year: the tier paid, the subsidy, what the personal account got
                blocks.append(StatementYear(year.year, label, tuple(
                    StatementRow(f"{r.month.year}年", 0, r.individual_fen, subsidy_fen=r.subsidy_fen,
                                 account_fen=r.account_fen) for r in rows), annual=True))
        if year.missing:
            months = "、".join(str(m.month) for m in year.missing)
            unpaid.append(f"{year.year}年 养老保险 {months}月")
        for insurance in year.unpaid:
            unpaid.append(f"{year.year}年 {SCHEME_ZH['resident']}{INSURANCE_ZH.get(insurance, insurance)}")
    pension_accounts = [v for v in views if v.kind.startswith("pension")]
    receipt = ReceiptContext(hall=ctx.hall_name, terminal=ctx.terminal, time=ctx.clock.now_local(),
                             training=ctx.training)
    data = StatementInput(Person(row.name, row.id_number), tuple(blocks), history.total_pension_months,
                          pension_accounts[0].balance_fen if pension_accounts else None, tuple(unpaid))
    return contribution_statement(receipt, data)


def policy_unavailable() -> ServiceError:
    """The error shown when no policy book is loaded (estimates need one)."""
    return ServiceError.keyed("refusal.residents.no_policy", "no_policy")
