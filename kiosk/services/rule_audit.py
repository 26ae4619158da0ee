"""基金监管 (稽核): every record the rules forbid, found by set-based scans.

:func:`run_audit` scans the records once per *kind* of violation with one
set-based query each (a handful of full scans even on a county database)
and returns a :class:`Report`: the findings, each naming its kind, the
record (table and id, and the application or payment number), the resident
(masked) and the rule with its source; the findings a supervisor marked
explained (:func:`explain`, table ``rule_finding_note``) are listed apart as
*known*. :func:`unexplained_findings` is the question the monthly payment
run asks before it posts: any unexplained finding for these residents or
benefits?

Eligibility is never decided twice: a cheap query narrows the benefit
claims to *candidates* (claimed before the statutory age, fewer months on
record than the most the rule can ask, no enrolment, a man's maternity
claim, a claim after death ...), and each candidate is decided by the
entitlement service (:func:`kiosk.services.entitlement.decide`) as of its
claim date; only its refusal reasons become findings. The contribution
checks call the enrolment rules (:mod:`kiosk.rules.enrolment`) for the
residents whose first or last month lies outside the window.

Kinds (:data:`KINDS`, catalog ``ruleaudit.kind.<kind>`` / ``ruleaudit.rule.<kind>``):

- ``benefit_ineligible``: a benefit paid without eligibility on its claim date;
- ``paid_after_death``: a benefit month after the month of death;
- ``duplicate_payment``: two payments of one month of a monthly benefit family
  (:mod:`kiosk.rules.benefit_types`, any benefit row or none), or of one lump-sum claim;
- ``beyond_months``: more payments than the benefit's months (lump sums: one);
- ``coverage_overlap``: one insurance in two excluding schemes at once;
- ``enrolled_after_death``: an enrolment starting after the resident's date of death;
- ``duplicate_enrolment``: two open (active or suspended) enrolments of one insurance and
  scheme for one person whose periods overlap (the later one is named);
- ``contribution_age``: a contribution month outside the scheme's age window;
- ``contribution_year``: a resident-scheme year outside the allowed years;
- ``merged_insurance``: a separate maternity contribution after the 2019 merger;
- ``employer_share_personal``: an employer share on a flexible or resident row;
- ``account_balance``: an account balance not equal to its ledger (interest
  entries included), or a ledger row whose running balance does not follow;
- ``same_person_approved``: approved by the person who accepted it;
- ``amount_differs``: a payment different from the approved amount;
- ``transfer_unarrived``: account money that left in a transfer and arrived nowhere;
- ``deemed_months``: a pension claim counting 视同缴费 months without evidence or outside
  the bounds (:mod:`kiosk.rules.deemed`).

Everything runs on the caller's connection (SQLite and PostgreSQL alike);
nothing is written except by :func:`explain`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, cast

import peewee

from db import audit
from db.connection import write_transaction
from db.models import (
    Account,
    Application,
    ApplicationEvent,
    BenefitPayment,
    Contribution,
    Enrolment,
    LedgerEntry,
    Resident,
    RuleFindingNote,
    Staff,
    Transfer,
)
from kiosk.i18n import Translator
from kiosk.rules import benefit_types, retirement
from kiosk.rules import deemed as deemed_rules
from kiosk.rules import enrolment as enrol_rules
from kiosk.rules.identity import mask_id_number, mask_name
from kiosk.services import NotFound, ServiceContext, ServiceError
from kiosk.services import entitlement as ent

KINDS: tuple[str, ...] = (
    "benefit_ineligible", "paid_after_death", "duplicate_payment", "beyond_months", "coverage_overlap",
    "contribution_age", "contribution_year", "merged_insurance", "employer_share_personal", "account_balance",
    "same_person_approved", "amount_differs", "transfer_unarrived", "deemed_months", "enrolled_after_death",
    "duplicate_enrolment",
)
#: Refusal reasons of the entitlement service that make a paid benefit a finding. Reasons
#: about the *next* claim (already_receiving, duplicate_claim) or a missing document fact
#: are not: the payment itself is the earlier claim.
ELIGIBILITY_REASONS: tuple[str, ...] = (
    "not_enrolled", "below_pension_age", "too_few_months", "not_applicable", "deceased", "not_deceased",
    "no_determination",
)
#: Benefit payment types and the entitlement kind that decides them.
BENEFIT_KIND = {
    "pension": "pension", "pension_employee": "pension", "pension_resident": "pension",
    "unemployment": "unemployment", "maternity": "maternity", "medical": "medical",
    "medical_reimbursement": "medical", "injury": "injury", "funeral": "funeral",
}
#: Benefit applications that grant money once approved (复核) or paid, and those statuses.
GRANTED_TYPES = ("pension", "unemployment", "maternity", "medical", "injury", "funeral")
GRANTED_STATUSES = ("approved", "paid")
#: Payment types that are paid because of a death (never "after death").
AFTER_DEATH_TYPES = ("funeral", "survivor", "inheritance")
#: Benefits paid once (a lump sum): a second payment is beyond their months.
LUMP_SUM_TYPES = ("maternity", "medical", "medical_reimbursement", "funeral")
#: 国办发〔2019〕10号: maternity insurance merged into employee medical insurance by the end of
#: 2019 (RULES.md §3, §9); a separate maternity contribution for a later month is not collected.
MATERNITY_MERGED_FROM = dt.date(2020, 1, 1)
#: Schemes in which nobody is an employer (SIL Art. 10: flexible workers insure themselves;
#: 国发〔2014〕8号: the resident scheme is individual + subsidy).
PERSONAL_SCHEMES = ("flexible", "resident")
#: The latest a flexible retirement can be chosen after the statutory date (NPC 2024 Decision).
_FLEX_LATE_YEARS = 3
_IN_CHUNK = 500
#: Who may mark a finding explained (the supervisor of the hall, or an administrator).
SUPERVISOR_ROLES = ("supervisor", "admin")


class AuditError(ServiceError):
    """A finding cannot be marked (unknown, already explained, empty reason)."""


@dataclass(frozen=True)
class Finding:
    """One record the rules forbid.

    ``table``/``id`` name the record (``benefit_payment``, ``contribution``,
    ``enrolment``, ``account``, ``ledger_entry``, ``application``); ``reference``
    is its application number, payment receipt code or ``""``; ``resident``
    the masked name and ID number; ``rule`` the rule and its source (text in
    the report's language); ``detail`` what was found (figures, reasons).
    """

    kind: str
    table: str
    id: int
    reference: str
    resident_id: int | None
    resident: str
    rule: str
    detail: str = ""
    known: bool = False
    explanation: str = ""

    @property
    def key(self) -> tuple[str, str, int]:
        """(kind, table, id): what a note marks explained."""
        return (self.kind, self.table, self.id)

    def as_json(self) -> dict[str, Any]:
        """The contract object ({"kind", "table", "id", "reference", "resident", "rule"}) plus
        ``detail`` and ``known`` (always false in ``findings``; true in ``known``)."""
        return {"kind": self.kind, "table": self.table, "id": self.id, "reference": self.reference,
                "resident": self.resident, "rule": self.rule, "detail": self.detail, "known": self.known,
                **({"explanation": self.explanation} if self.known else {})}


@dataclass(frozen=True)
class Report:
    """A finished audit: new findings, known (explained) findings, records checked."""

    findings: tuple[Finding, ...]
    known: tuple[Finding, ...]
    checked: int
    since: dt.date | None = None
    by_kind: Mapping[str, int] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        return not self.findings

    def as_json(self) -> dict[str, Any]:
        """``{"findings": [...], "checked": n, "known": n, "explained": [...]}`` (``kiosk audit rules
        --json``): explained findings are kept out of ``findings``, counted in ``known`` and listed
        (with ``"known": true`` and the explanation) in ``explained``."""
        return {"findings": [f.as_json() for f in self.findings], "checked": self.checked,
                "known": len(self.known), "explained": [f.as_json() for f in self.known]}


# -- helpers ------------------------------------------------------------------------------


def _pk(model: type[peewee.Model]) -> Any:
    """The model's primary-key field (``id``) for queries (the type checker sees ``id: int``)."""
    return cast(Any, model)._meta.primary_key


def _rows(database: peewee.Database, query: Any) -> list[tuple[Any, ...]]:
    return list(query.tuples().iterator())


def _date(value: Any) -> dt.date | None:
    """A DATE column's value (SQLite may hand back text)."""
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), _IN_CHUNK):
        yield items[start:start + _IN_CHUNK]


def _data(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    try:
        loaded = json.loads(value) if value else {}
    except (TypeError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


@dataclass(frozen=True)
class _Person:
    id: int
    id_number: str
    name: str
    sex: str
    birth: dt.date
    category: str
    death: dt.date | None

    @property
    def masked(self) -> str:
        return f"{mask_name(self.name)} {mask_id_number(self.id_number)}"


class _Scan:
    """State of one audit run: people looked up once, findings collected."""

    def __init__(self, ctx: ServiceContext, t: Translator, since: dt.date | None) -> None:
        self.ctx, self.t, self.since = ctx, t, since
        self.people: dict[int, _Person] = {}
        self.findings: list[Finding] = []
        self.checked = 0
        self.rules: dict[str, str] = {}

    def persons(self, ids: Iterable[int]) -> dict[int, _Person]:
        wanted = sorted({int(i) for i in ids if i is not None} - set(self.people))
        for chunk in _chunks(wanted):
            query = Resident.select(Resident.id, Resident.id_number, Resident.name, Resident.sex,
                                    Resident.birth_date, Resident.retirement_category,
                                    Resident.death_date).where(_pk(Resident).in_(chunk))
            for rid, number, name, sex, birth, category, death in query.tuples().iterator():
                self.people[rid] = _Person(rid, number, name, sex, _date(birth) or dt.date.min,
                                           enrol_rules.category_for(sex, category or ""), _date(death))
        return self.people

    def add(self, kind: str, table: str, record_id: int, reference: str, resident_id: int | None,
            detail: str) -> None:
        person = self.people.get(int(resident_id)) if resident_id is not None else None
        if resident_id is not None and person is None:
            person = self.persons([resident_id]).get(int(resident_id))
        rule = self.rules.get(kind)
        if rule is None:
            rule = self.rules[kind] = self.t(f"ruleaudit.rule.{kind}")
        self.findings.append(Finding(kind, table, int(record_id), reference or "",
                                     int(resident_id) if resident_id is not None else None,
                                     person.masked if person else "", rule, detail))


# -- benefits -----------------------------------------------------------------------------


def _payment_filter(scan: _Scan) -> Any:
    condition = _pk(BenefitPayment).is_null(False)
    if scan.since is not None:
        condition &= BenefitPayment.period >= scan.since
    return condition


def _monthly_only() -> Any:
    """Arrears (补发) rows of a monthly run share their month with the monthly payment."""
    kind = getattr(BenefitPayment, "kind", None)
    return (kind != "arrears") if kind is not None else _pk(BenefitPayment).is_null(False)


def _application_numbers(ids: Iterable[int | None]) -> dict[int, tuple[str, str, dict[str, Any], dt.datetime]]:
    result: dict[int, tuple[str, str, dict[str, Any], dt.datetime]] = {}
    for chunk in _chunks(sorted({int(i) for i in ids if i is not None})):
        query = Application.select(Application.id, Application.number, Application.type, Application.data,
                                   Application.created_at).where(_pk(Application).in_(chunk))
        for aid, number, type_, data, created in query.tuples().iterator():
            result[aid] = (number, type_, _data(data), created)
    return result


def _scan_eligibility(scan: _Scan) -> None:
    """benefit_ineligible: each claim decided once — a paid benefit (its application, else the
    resident and type: the first payment is named) and a claim approved or paid with no payment
    yet (the application is named)."""
    paid = _rows(scan.ctx.database, BenefitPayment.select(
        BenefitPayment.resident, BenefitPayment.application, BenefitPayment.benefit_type,
        peewee.fn.MIN(BenefitPayment.period), peewee.fn.MIN(BenefitPayment.id), peewee.fn.COUNT(BenefitPayment.id))
        .where(_payment_filter(scan))
        .group_by(BenefitPayment.resident, BenefitPayment.application, BenefitPayment.benefit_type))
    scan.checked += sum(int(c[5]) for c in paid)
    claims: list[tuple[int, int | None, str, dt.date | None, str, int]] = [
        (rid, app_id, type_, _date(first), "benefit_payment", first_id)
        for rid, app_id, type_, first, first_id, _count in paid if type_ in BENEFIT_KIND]
    covered = {c[1] for c in claims if c[1] is not None}
    granted = Application.select(Application.resident, _pk(Application), Application.type).where(
        Application.type.in_([f"benefit_{t}" for t in GRANTED_TYPES]) & Application.status.in_(GRANTED_STATUSES))
    if scan.since is not None:
        granted = granted.where(Application.updated_at >= dt.datetime.combine(scan.since, dt.time()))
    for rid, app_id, type_ in granted.tuples().iterator():
        if app_id not in covered:
            claims.append((rid, app_id, type_.removeprefix("benefit_"), None, "application", app_id))
    people = scan.persons(c[0] for c in claims)
    apps = _application_numbers(c[1] for c in claims if c[1] is not None)
    pension_residents = sorted({c[0] for c in claims if BENEFIT_KIND[c[2]] == "pension"})
    months = _pension_months(pension_residents)
    enrolled = _ever_enrolled(pension_residents, "pension")
    for rid, app_id, type_, first, table, record in claims:
        person = people.get(rid)
        if person is None:
            continue
        kind = BENEFIT_KIND[type_]
        app = apps.get(app_id) if app_id is not None else None
        data = dict(app[2]) if app else {}
        day = _claim_day(scan.ctx, data, app[3] if app else None, first or scan.ctx.today())
        if kind == "pension":
            if type_ == "pension_employee":
                data.setdefault("scheme", "employee")
            elif type_ == "pension_resident":
                data.setdefault("scheme", "resident")
            if not _pension_candidate(person, day, data, months.get(rid, {}), rid in enrolled):
                continue
        decision = ent.decide(scan.ctx, rid, kind, on=day, facts=data, exclude_application=app_id)
        reasons = [r for r in decision.reasons if r in ELIGIBILITY_REASONS]
        if reasons:
            text = scan.t("maint17.list_sep_strong").join(scan.t(f"entitlement.reason.{r}") for r in reasons)
            scan.add("benefit_ineligible", table, record, app[0] if app else "", rid,
                     scan.t("ruleaudit.detail.ineligible", date=day.isoformat(), reasons=text,
                            codes=",".join(reasons)))


def _claim_day(ctx: ServiceContext, data: Mapping[str, Any], created: dt.datetime | None,
               first_period: dt.date) -> dt.date:
    """The claim date as the benefit steps recorded it (claims.claim_day), else the application's
    day, else the first month paid (a payment with no application)."""
    recorded = ent.recorded_claim_date(data)
    if recorded is not None:
        return recorded
    if created is not None:
        stamp = created if isinstance(created, dt.datetime) else dt.datetime.fromisoformat(str(created))
        return ctx.clock.to_local(stamp.replace(tzinfo=dt.UTC)).date()
    return first_period


def _pension_months(residents: list[int]) -> dict[int, dict[str, list[dt.date]]]:
    """Pension contribution months per resident and scheme family (monthly | resident)."""
    result: dict[int, dict[str, list[dt.date]]] = {}
    for chunk in _chunks(residents):
        query = (Contribution.select(Contribution.resident, Contribution.scheme, Contribution.month)
                 .where(Contribution.resident.in_(chunk) & (Contribution.insurance == "pension")))
        for rid, scheme, month in query.tuples().iterator():
            family = "resident" if scheme == "resident" else "monthly"
            result.setdefault(rid, {}).setdefault(family, []).append(_date(month) or dt.date.min)
    return result


def _ever_enrolled(residents: list[int], insurance: str) -> set[int]:
    found: set[int] = set()
    for chunk in _chunks(residents):
        query = Enrolment.select(Enrolment.resident).where(
            Enrolment.resident.in_(chunk) & (Enrolment.insurance == insurance)).distinct()
        found.update(rid for (rid,) in query.tuples().iterator())
    return found


def _pension_candidate(person: _Person, day: dt.date, data: Mapping[str, Any],
                       months: Mapping[str, list[dt.date]], enrolled: bool) -> bool:
    """Could the entitlement service refuse this pension claim? A cheap superset: dead by the
    claim, no pension enrolment, a claim before the statutory age (or a chosen date), or fewer
    months on record by the claim than the most the minimum-years rule can ask."""
    if not enrolled or (person.death is not None and person.death < day) or data.get("retire_on"):
        return True
    monthly = sum(1 for m in months.get("monthly", ()) if m <= day)
    resident_years = 12 * sum(1 for m in months.get("resident", ()) if m <= day)
    statutory = retirement.retirement_date(person.birth, person.category)
    if monthly or data.get("scheme") in ("employee", "flexible"):
        required = retirement.min_contribution_months(statutory.year + _FLEX_LATE_YEARS)
        return day < statutory or monthly < required
    return day < retirement.add_months(person.birth, 720) or resident_years < 180


def _scan_after_death(scan: _Scan) -> None:
    query = (BenefitPayment.select(BenefitPayment.id, BenefitPayment.resident, BenefitPayment.period,
                                   BenefitPayment.benefit_type, Resident.death_date, BenefitPayment.application)
             .join(Resident, on=(BenefitPayment.resident == Resident.id))
             .where(_payment_filter(scan) & Resident.death_date.is_null(False)
                    & (BenefitPayment.period > Resident.death_date)
                    & BenefitPayment.benefit_type.not_in(AFTER_DEATH_TYPES)))
    rows = _rows(scan.ctx.database, query)
    apps = _application_numbers(r[5] for r in rows)
    for pid, rid, period, type_, death, app_id in rows:
        scan.add("paid_after_death", "benefit_payment", pid, apps[app_id][0] if app_id in apps else "", rid,
                 scan.t("ruleaudit.detail.after_death", month=f"{_date(period):%Y-%m}", death=str(_date(death)),
                        type=type_))


def _family_sql(field_: Any) -> Any:
    """SQL for :func:`kiosk.rules.benefit_types.benefit_family` of a payment type column."""
    return peewee.Case(field_, list(benefit_types.ALIASES.items()), field_)


def _scan_duplicates(scan: _Scan) -> None:
    """duplicate_payment: a second payment of a month. For the monthly families (pension,
    unemployment, injury, survivor) one resident's month of one family is paid once, whatever
    benefit row, application (or none) and spelling of the type each payment names; a lump sum
    twice in a month only on the same application (two hospital bills are two claims)."""
    first = BenefitPayment.alias("first")
    family, first_family = _family_sql(BenefitPayment.benefit_type), _family_sql(first.benefit_type)
    monthly = list(benefit_types.MONTHLY_FAMILIES)
    same_claim = (peewee.fn.COALESCE(first.application, 0) == peewee.fn.COALESCE(BenefitPayment.application, 0))
    query = (BenefitPayment.select(BenefitPayment.id, BenefitPayment.resident, BenefitPayment.period,
                                   BenefitPayment.benefit_type, BenefitPayment.application, peewee.fn.MIN(first.id))
             .join(first, on=((first.resident == BenefitPayment.resident)
                              & (first.period == BenefitPayment.period)
                              & (first.id < BenefitPayment.id)
                              & (first_family == family)
                              & (family.in_(monthly) | same_claim)))
             .where(_payment_filter(scan) & _monthly_only()
                    & ((getattr(first, "kind", None) != "arrears") if hasattr(BenefitPayment, "kind") else True))
             .group_by(BenefitPayment.id, BenefitPayment.resident, BenefitPayment.period,
                       BenefitPayment.benefit_type, BenefitPayment.application))
    rows = _rows(scan.ctx.database, query)
    apps = _application_numbers(r[4] for r in rows)
    for pid, rid, period, type_, app_id, earlier in rows:
        scan.add("duplicate_payment", "benefit_payment", pid, apps[app_id][0] if app_id in apps else "", rid,
                 scan.t("ruleaudit.detail.duplicate", month=f"{_date(period):%Y-%m}", type=type_, earlier=earlier))


def _scan_beyond_months(scan: _Scan) -> None:
    """More payments on one application than its months (unemployment) or than one (lump sums);
    more monthly payments on a Benefit than its months (issue 15's benefits in payment)."""
    groups = _rows(scan.ctx.database, BenefitPayment.select(BenefitPayment.application, peewee.fn.COUNT(BenefitPayment.id))
                   .where(BenefitPayment.application.is_null(False) & _monthly_only())
                   .group_by(BenefitPayment.application).having(peewee.fn.COUNT(BenefitPayment.id) > 1))
    apps = _application_numbers(g[0] for g in groups)
    for app_id, count in groups:
        number, type_, data, _created = apps.get(app_id, ("", "", {}, None))
        kind = type_.removeprefix("benefit_")
        if kind in LUMP_SUM_TYPES:
            allowed = 1
        elif kind == "unemployment":
            try:
                allowed = int(data.get("months") or 0)
            except (TypeError, ValueError):
                allowed = 0
        else:
            continue
        if count <= allowed:
            continue
        rows = _rows(scan.ctx.database, BenefitPayment.select(BenefitPayment.id, BenefitPayment.resident,
                                                              BenefitPayment.period)
                     .where((BenefitPayment.application == app_id) & _monthly_only())
                     .order_by(BenefitPayment.period, BenefitPayment.id))
        for pid, rid, period in rows[allowed:]:
            if scan.since is not None and (_date(period) or dt.date.min) < scan.since:
                continue
            scan.add("beyond_months", "benefit_payment", pid, number, rid,
                     scan.t("ruleaudit.detail.beyond", allowed=allowed, count=count, month=f"{_date(period):%Y-%m}"))
    _scan_benefit_months(scan)


def _scan_benefit_months(scan: _Scan) -> None:
    try:
        from db.models import Benefit  # type: ignore[attr-defined]
    except ImportError:  # the monthly run (issue 15) is not installed
        return
    field_ = getattr(BenefitPayment, "benefit", None)
    if field_ is None:
        return
    groups = _rows(scan.ctx.database, BenefitPayment.select(field_, peewee.fn.COUNT(BenefitPayment.id), Benefit.months)
                   .join(Benefit, on=(field_ == Benefit.id))
                   .where(Benefit.months.is_null(False) & _monthly_only())
                   .group_by(field_, Benefit.months).having(peewee.fn.COUNT(BenefitPayment.id) > Benefit.months))
    for benefit_id, count, allowed in groups:
        rows = _rows(scan.ctx.database, BenefitPayment.select(BenefitPayment.id, BenefitPayment.resident,
                                                              BenefitPayment.period, BenefitPayment.application)
                     .where((field_ == benefit_id) & _monthly_only())
                     .order_by(BenefitPayment.period, BenefitPayment.id))
        apps = _application_numbers(r[3] for r in rows)
        for pid, rid, period, app_id in rows[int(allowed):]:
            scan.add("beyond_months", "benefit_payment", pid, apps[app_id][0] if app_id in apps else "", rid,
                     scan.t("ruleaudit.detail.beyond", allowed=allowed, count=count, month=f"{_date(period):%Y-%m}"))


def _scan_amounts(scan: _Scan) -> None:
    """A payment different from the amount approved (复核) on its application. A monthly-run
    payment of a benefit in payment (issue 15) is compared with that benefit's monthly amount
    instead, when the amount does not follow the basic pension (a raise changes those)."""
    benefit_field = getattr(BenefitPayment, "benefit", None)
    query = (BenefitPayment.select(BenefitPayment.id, BenefitPayment.resident, BenefitPayment.amount_fen,
                                   Application.number, Application.data, Application.type)
             .join(Application, on=(BenefitPayment.application == Application.id))
             .where(_payment_filter(scan) & _monthly_only() & Application.type.startswith("benefit_")))
    if benefit_field is not None:
        query = query.where(benefit_field.is_null())
        _scan_run_amounts(scan, benefit_field)
    for pid, rid, amount, number, data, _type in _rows(scan.ctx.database, query):
        approved = _data(data).get("amount_fen")
        if approved is None:
            continue
        try:
            approved = int(approved)
        except (TypeError, ValueError):
            continue
        if int(amount) != approved:
            scan.add("amount_differs", "benefit_payment", pid, number, rid,
                     scan.t("ruleaudit.detail.amount", paid=int(amount), approved=approved))


def _scan_run_amounts(scan: _Scan, benefit_field: Any) -> None:
    try:
        from db.models import Benefit  # type: ignore[attr-defined]
    except ImportError:
        return
    rows = _rows(scan.ctx.database, BenefitPayment.select(
        BenefitPayment.id, BenefitPayment.resident, BenefitPayment.amount_fen, Benefit.monthly_fen,
        BenefitPayment.application)
        .join(Benefit, on=(benefit_field == Benefit.id))
        .where(_payment_filter(scan) & _monthly_only() & (Benefit.basic_fen == 0)
               & (BenefitPayment.amount_fen != Benefit.monthly_fen)))
    apps = _application_numbers(r[4] for r in rows)
    for pid, rid, amount, monthly, app_id in rows:
        scan.add("amount_differs", "benefit_payment", pid, apps[app_id][0] if app_id in apps else "", rid,
                 scan.t("ruleaudit.detail.amount", paid=int(amount), approved=int(monthly)))


# -- enrolments and contributions ----------------------------------------------------------


def _scan_overlaps(scan: _Scan) -> None:
    other = Enrolment.alias("other")
    far = dt.date(9999, 12, 31)
    query = (Enrolment.select(Enrolment.id, Enrolment.resident, Enrolment.insurance, Enrolment.scheme, other.id,
                              other.scheme)
             .join(other, on=((other.resident == Enrolment.resident) & (other.insurance == Enrolment.insurance)
                              & (other.id < Enrolment.id) & (other.scheme != Enrolment.scheme)))
             .where((Enrolment.start_date < peewee.fn.COALESCE(other.end_date, far))
                    & (other.start_date < peewee.fn.COALESCE(Enrolment.end_date, far))))
    if scan.since is not None:
        query = query.where(Enrolment.start_date >= scan.since)
    for eid, rid, insurance, scheme, other_id, other_scheme in query.tuples().iterator():
        if other_scheme not in enrol_rules.OVERLAPS.get((insurance, scheme), ()):
            continue
        scan.add("coverage_overlap", "enrolment", eid, "", rid,
                 scan.t("ruleaudit.detail.overlap", insurance=enrol_rules.INSURANCE_NAMES.get(insurance, insurance),
                        scheme=enrol_rules.SCHEME_NAMES.get(scheme, scheme),
                        other=enrol_rules.SCHEME_NAMES.get(other_scheme, other_scheme), other_id=other_id))


def _scan_enrolled_after_death(scan: _Scan) -> None:
    """enrolled_after_death: coverage ends at death (RULES §13.3); an enrolment starting later
    was given to a dead person (attack E13)."""
    query = (Enrolment.select(Enrolment.id, Enrolment.resident, Enrolment.insurance, Enrolment.scheme,
                              Enrolment.start_date, Resident.death_date)
             .join(Resident, on=(Enrolment.resident == Resident.id))
             .where(Resident.death_date.is_null(False) & (Enrolment.start_date > Resident.death_date)))
    if scan.since is not None:
        query = query.where(Enrolment.start_date >= scan.since)
    for eid, rid, insurance, scheme, start, death in query.tuples().iterator():
        scan.add("enrolled_after_death", "enrolment", eid, "", rid,
                 scan.t("ruleaudit.detail.after_death_enrolment",
                        insurance=enrol_rules.INSURANCE_NAMES.get(insurance, insurance),
                        scheme=enrol_rules.SCHEME_NAMES.get(scheme, scheme), start=str(_date(start)),
                        death=str(_date(death))))


def _scan_duplicate_enrolments(scan: _Scan) -> None:
    """duplicate_enrolment: one open enrolment per person, insurance and scheme (attack E14); of
    two whose periods overlap, the later row is named with the earlier one."""
    other = Enrolment.alias("other")
    far = dt.date(9999, 12, 31)
    query = (Enrolment.select(Enrolment.id, Enrolment.resident, Enrolment.insurance, Enrolment.scheme,
                              Enrolment.start_date, other.id, other.start_date)
             .join(other, on=((other.resident == Enrolment.resident) & (other.insurance == Enrolment.insurance)
                              & (other.scheme == Enrolment.scheme) & (other.id < Enrolment.id)))
             .where((Enrolment.status != "ended") & (other.status != "ended")
                    & (Enrolment.start_date <= peewee.fn.COALESCE(other.end_date, far))
                    & (other.start_date <= peewee.fn.COALESCE(Enrolment.end_date, far))))
    if scan.since is not None:
        query = query.where(Enrolment.start_date >= scan.since)
    for eid, rid, insurance, scheme, start, other_id, other_start in query.tuples().iterator():
        scan.add("duplicate_enrolment", "enrolment", eid, "", rid,
                 scan.t("ruleaudit.detail.duplicate_enrolment",
                        insurance=enrol_rules.INSURANCE_NAMES.get(insurance, insurance),
                        scheme=enrol_rules.SCHEME_NAMES.get(scheme, scheme), start=str(_date(start)),
                        other_id=other_id, other_start=str(_date(other_start))))


def _month_end(month: dt.date, scheme: str) -> dt.date:
    return enrol_rules.period_end(month, scheme)


def _age_refusal(person: _Person, insurance: str, scheme: str, month: dt.date) -> str | None:
    """The enrolment rules' refusal code for a contribution row (the same function the records
    import applies: :func:`kiosk.rules.enrolment.contribution_age_refusal`), or None."""
    refusal = enrol_rules.contribution_age_refusal(insurance, scheme, month, birth=person.birth, sex=person.sex,
                                                   category=person.category)
    return refusal.code if refusal is not None else None


def _scan_contributions(scan: _Scan) -> None:
    """contribution_age, merged_insurance and employer_share_personal from one grouped scan; the
    offending rows are fetched for the few groups whose bounds break a rule."""
    query = (Contribution.select(Contribution.resident, Contribution.insurance, Contribution.scheme,
                                 peewee.fn.MIN(Contribution.month), peewee.fn.MAX(Contribution.month),
                                 peewee.fn.COUNT(Contribution.id),
                                 peewee.fn.SUM(peewee.Case(None, [(Contribution.employer_fen > 0, 1)], 0)))
             .group_by(Contribution.resident, Contribution.insurance, Contribution.scheme))
    if scan.since is not None:
        query = query.where(Contribution.paid_at >= dt.datetime.combine(scan.since, dt.time()))
    groups = _rows(scan.ctx.database, query)
    scan.checked += sum(int(g[5]) for g in groups)
    people = scan.persons(g[0] for g in groups)
    suspects: dict[tuple[int, str, str], set[str]] = {}
    for rid, insurance, scheme, low, high, _count, employer_rows in groups:
        person = people.get(rid)
        low, high = _date(low) or dt.date.min, _date(high) or dt.date.min
        reasons: set[str] = set()
        if person is not None and (_age_refusal(person, insurance, scheme, low)
                                   or _age_refusal(person, insurance, scheme, high)):
            reasons.add("contribution_age")
        if insurance == "maternity" and high >= MATERNITY_MERGED_FROM:
            reasons.add("merged_insurance")
        if scheme in PERSONAL_SCHEMES and int(employer_rows or 0) > 0:
            reasons.add("employer_share_personal")
        if reasons:
            suspects[(rid, insurance, scheme)] = reasons
    for cid, rid, insurance, scheme, month, employer_fen in _suspect_rows(scan, suspects):
        reasons = suspects[(rid, insurance, scheme)]
        person = people.get(rid)
        month = _date(month) or dt.date.min
        names = enrol_rules.INSURANCE_NAMES.get(insurance, insurance), enrol_rules.SCHEME_NAMES.get(scheme, scheme)
        if "contribution_age" in reasons and person is not None:
            code = _age_refusal(person, insurance, scheme, month)
            if code:
                scan.add("contribution_age", "contribution", cid, "", rid,
                         scan.t("ruleaudit.detail.age", month=f"{month:%Y-%m}", insurance=names[0],
                                scheme=names[1], code=code,
                                age=enrol_rules.age_on(person.birth, _month_end(month, scheme))))
        if "merged_insurance" in reasons and month >= MATERNITY_MERGED_FROM:
            scan.add("merged_insurance", "contribution", cid, "", rid,
                     scan.t("ruleaudit.detail.merged", month=f"{month:%Y-%m}"))
        if "employer_share_personal" in reasons and int(employer_fen or 0) > 0:
            scan.add("employer_share_personal", "contribution", cid, "", rid,
                     scan.t("ruleaudit.detail.employer_share", month=f"{month:%Y-%m}", scheme=names[1],
                            amount=int(employer_fen)))


def _suspect_rows(scan: _Scan, suspects: Mapping[tuple[int, str, str], set[str]]
                  ) -> Iterator[tuple[int, int, str, str, Any, Any]]:
    """The contribution rows of the suspect (resident, insurance, scheme) groups, fetched for
    500 residents at a time (one query per batch, not per group)."""
    residents = sorted({key[0] for key in suspects})
    for chunk in _chunks(residents):
        query = (Contribution.select(Contribution.id, Contribution.resident, Contribution.insurance,
                                     Contribution.scheme, Contribution.month, Contribution.employer_fen)
                 .where(Contribution.resident.in_(chunk))
                 .order_by(Contribution.resident, Contribution.insurance, Contribution.scheme, Contribution.month))
        if scan.since is not None:
            query = query.where(Contribution.paid_at >= dt.datetime.combine(scan.since, dt.time()))
        for row in query.tuples().iterator():
            if (row[1], row[2], row[3]) in suspects:
                yield row


def _scan_resident_years(scan: _Scan) -> None:
    """contribution_year: resident-pension years paid for outside the current year and the
    transitional 补缴 (checked with the enrolment rules as of the day each was paid)."""
    base = ((Contribution.insurance == "pension") & (Contribution.scheme == "resident"))
    query = (Contribution.select(Contribution.resident).where(
        base & ((Contribution.month.year != Contribution.paid_at.year)
                | (Contribution.month < dt.date(enrol_rules.RESIDENT_SCHEME_START, 1, 1)))).distinct())
    if scan.since is not None:
        query = query.where(Contribution.paid_at >= dt.datetime.combine(scan.since, dt.time()))
    residents = [rid for (rid,) in query.tuples().iterator()]
    people = scan.persons(residents)
    for chunk in _chunks(residents):
        rows = _rows(scan.ctx.database, Contribution.select(Contribution.id, Contribution.resident,
                                                            Contribution.month, Contribution.paid_at)
                     .where(base & Contribution.resident.in_(chunk))
                     .order_by(Contribution.resident, Contribution.paid_at, Contribution.id))
        paid: dict[int, list[tuple[int, dt.datetime]]] = {}
        for cid, rid, month, paid_at in rows:
            year = (_date(month) or dt.date.min).year
            stamp = paid_at if isinstance(paid_at, dt.datetime) else dt.datetime.fromisoformat(str(paid_at))
            day = scan.ctx.clock.to_local(stamp.replace(tzinfo=dt.UTC)).date()
            before = [y for y, at in paid.get(rid, []) if at < stamp]
            paid.setdefault(rid, []).append((year, stamp))
            person = people.get(rid)
            if person is None or (scan.since is not None and day < scan.since):
                continue
            refusal = enrol_rules.resident_year_refusal(year, day, birth=person.birth, paid_years=before)
            problem = refusal.code if refusal is not None else ""
            if problem:
                scan.add("contribution_year", "contribution", cid, "", rid,
                         scan.t("ruleaudit.detail.year", year=year, paid=day.isoformat(), code=problem))


# -- accounts, applications, transfers ------------------------------------------------------


def _scan_accounts(scan: _Scan) -> None:
    """Balance ≠ ledger sum (credited interest is a ledger entry), and ledger rows whose
    running balance does not follow the one before (window sum over the account's rows)."""
    total = peewee.fn.COALESCE(peewee.fn.SUM(LedgerEntry.amount_fen), 0)
    query = (Account.select(Account.id, Account.resident, Account.kind, Account.balance_fen, total,
                            peewee.fn.COUNT(LedgerEntry.id))
             .join(LedgerEntry, peewee.JOIN.LEFT_OUTER, on=(LedgerEntry.account == Account.id))
             .group_by(Account.id, Account.resident, Account.kind, Account.balance_fen))
    rows = _rows(scan.ctx.database, query)
    scan.checked += len(rows) + sum(int(r[5]) for r in rows)
    for aid, rid, kind, balance, ledger, _count in rows:
        if int(balance) != int(ledger):
            scan.add("account_balance", "account", aid, "", rid,
                     scan.t("ruleaudit.detail.balance", kind=kind, balance=int(balance), ledger=int(ledger)))
    # Standard SQL window sum (SQLite ≥ 3.25 and PostgreSQL): one sorted pass over the ledger.
    cursor = scan.ctx.database.execute_sql(
        "SELECT id, account_id, running, balance_after_fen FROM (SELECT id, account_id, balance_after_fen, "
        "SUM(amount_fen) OVER (PARTITION BY account_id ORDER BY seq, id) AS running FROM ledger_entry) chain "
        "WHERE running <> balance_after_fen")
    broken = list(cursor.fetchall())
    owners: dict[int, int] = {}
    accounts = sorted({int(r[1]) for r in broken})
    for chunk in _chunks(accounts):
        owners.update(Account.select(Account.id, Account.resident).where(_pk(Account).in_(chunk)).tuples().iterator())
    seen: set[int] = set()
    for eid, account_id, run, after in broken:
        if account_id in seen:
            continue  # the first row that breaks the chain names it; later rows follow from it
        seen.add(account_id)
        scan.add("account_balance", "ledger_entry", eid, "", owners.get(account_id),
                 scan.t("ruleaudit.detail.chain", after=int(after), running=int(run)))


def _scan_deemed(scan: _Scan) -> None:
    """deemed_months: a pension claim counting 视同缴费 months without the archive decision's
    number, or more than the months before the personal-account start, from 16, not on record
    (kiosk.rules.deemed, the same check the entitlement service applies; the bound in force on
    the claim date). Claims from 待遇计算 on (the months are in the amount) are checked."""
    query = Application.select(_pk(Application), Application.number, Application.resident, Application.data,
                               Application.created_at).where(
        (Application.type == "benefit_pension") & Application.status.in_(("calculated", "approved", "paid"))
        & Application.data.contains("deemed_months"))
    if scan.since is not None:
        query = query.where(Application.updated_at >= dt.datetime.combine(scan.since, dt.time()))
    for aid, number, rid, raw, created in list(query.tuples().iterator()):
        data = _data(raw)
        try:
            typed = int(data.get("deemed_months") or 0)
        except (TypeError, ValueError):
            continue
        scan.checked += 1
        person = scan.persons([rid]).get(rid)
        if typed <= 0 or person is None:
            continue
        day = _claim_day(scan.ctx, data, created, scan.ctx.today())
        start = ent._policy(scan.ctx, day).employee_pension.account_start
        check = deemed_rules.check_deemed(typed, str(data.get("deemed_document") or ""), person.birth, start,
                                          ent.recorded_monthly_pension_months(rid))
        if check.reason is not None:
            scan.add("deemed_months", "application", aid, number, rid,
                     scan.t("ruleaudit.detail.deemed", typed=typed, allowed=check.allowed,
                            first=f"{check.first:%Y-%m}", last=f"{check.last:%Y-%m}", code=check.reason))


def _scan_same_person(scan: _Scan) -> None:
    """受审分离: approved (复核) by the person who accepted (受理) it, by column or by event."""
    query = Application.select(Application.id, Application.number, Application.resident).where(
        Application.accepted_by.is_null(False) & (Application.accepted_by == Application.approved_by))
    accept = ApplicationEvent.alias("accept")
    approve = ApplicationEvent.alias("approve")
    by_event = (Application.select(Application.id, Application.number, Application.resident)
                .join(accept, on=((accept.application == Application.id) & (accept.from_status == "")))
                .join(approve, on=((approve.application == Application.id) & (approve.to_status == "approved")))
                .where(accept.staff.is_null(False) & (accept.staff == approve.staff)))
    if scan.since is not None:
        query = query.where(Application.updated_at >= dt.datetime.combine(scan.since, dt.time()))
        by_event = by_event.where(Application.updated_at >= dt.datetime.combine(scan.since, dt.time()))
    seen: set[int] = set()
    for aid, number, rid in [*query.tuples().iterator(), *by_event.tuples().iterator()]:
        if aid in seen:
            continue
        seen.add(aid)
        scan.add("same_person_approved", "application", aid, number, rid, scan.t("ruleaudit.detail.same_person"))


def _scan_transfers(scan: _Scan) -> None:
    """Account money posted out (``transfer_out``) with neither an arrival in another account of
    the same person under the same reference nor an outgoing transfer record for it."""
    out = (LedgerEntry.select(LedgerEntry.id, LedgerEntry.reference, LedgerEntry.amount_fen, Account.resident)
           .join(Account, on=(LedgerEntry.account == Account.id))
           .where(LedgerEntry.kind == "transfer_out"))
    if scan.since is not None:
        out = out.where(LedgerEntry.entry_date >= scan.since)
    rows = _rows(scan.ctx.database, out)
    if not rows:
        return
    residents = sorted({int(r[3]) for r in rows})
    arrived: set[tuple[int, str]] = set()
    recorded: set[tuple[int, str]] = set()
    for chunk in _chunks(residents):
        arrived.update((int(rid), ref) for ref, rid in (
            LedgerEntry.select(LedgerEntry.reference, Account.resident).join(Account, on=(LedgerEntry.account == Account.id))
            .where((LedgerEntry.kind == "transfer_in") & Account.resident.in_(chunk)).tuples().iterator()))
        recorded.update((int(rid), number) for number, rid in (
            Transfer.select(Application.number, Transfer.resident).join(Application, on=(Transfer.application == Application.id))
            .where((Transfer.direction == "out") & Transfer.resident.in_(chunk)).tuples().iterator()))
    for eid, reference, amount, rid in rows:
        key = (int(rid), reference or "")
        if key in arrived or key in recorded:
            continue
        scan.add("transfer_unarrived", "ledger_entry", eid, reference, rid,
                 scan.t("ruleaudit.detail.transfer", amount=-int(amount)))


_SCANS: tuple[Callable[[_Scan], None], ...] = (
    _scan_eligibility, _scan_after_death, _scan_duplicates, _scan_beyond_months, _scan_amounts, _scan_overlaps,
    _scan_contributions, _scan_resident_years, _scan_accounts, _scan_same_person, _scan_transfers, _scan_deemed,
    _scan_enrolled_after_death, _scan_duplicate_enrolments,
)


# -- public ---------------------------------------------------------------------------------


def _notes() -> dict[tuple[str, str, int], str]:
    return {(kind, table, int(record)): reason for kind, table, record, reason in RuleFindingNote.select(
        RuleFindingNote.kind, RuleFindingNote.table_name, RuleFindingNote.record_id, RuleFindingNote.reason
    ).tuples().iterator()}


def run_audit(ctx: ServiceContext, *, since: dt.date | None = None, language: str = "zh_CN") -> Report:
    """Scan every record against the rules; a :class:`Report` (findings sorted by kind, table, id).

    ``since``: only records dated (paid, period, posted, started, updated) on
    or after that day. Findings marked explained are returned in
    ``Report.known``. Reads only, on the caller's connection or a new one.
    """
    t = Translator(language)
    scan = _Scan(ctx, t, since)
    with ent.connected(ctx):
        for step in _SCANS:
            step(scan)
        notes = _notes()
        scan.checked += int(Resident.select().count())
    unique: dict[tuple[str, str, int], Finding] = {}
    for finding in scan.findings:
        unique.setdefault(finding.key, finding)
    ordered = sorted(unique.values(), key=lambda f: (KINDS.index(f.kind), f.table, f.id))
    new = tuple(f for f in ordered if f.key not in notes)
    known = tuple(replace(f, known=True, explanation=notes[f.key]) for f in ordered if f.key in notes)
    counts: dict[str, int] = {}
    for finding in new:
        counts[finding.kind] = counts.get(finding.kind, 0) + 1
    return Report(new, known, scan.checked, since, counts)


def unexplained_findings(ctx: ServiceContext, *, resident_ids: Iterable[int] = (),
                         benefit_ids: Iterable[int] = (), application_ids: Iterable[int] = ()) -> list[Finding]:
    """Unexplained findings that concern these residents, benefits or applications.

    The monthly payment run calls it with the residents (and Benefit ids,
    application ids) it would pay and refuses to post while the list is not
    empty. A finding concerns a resident when it names them; a benefit or
    application when its record is one of that benefit's payments or the
    application itself, or it names the application's number.
    """
    residents = {int(i) for i in resident_ids}
    benefits = {int(i) for i in benefit_ids}
    applications = {int(i) for i in application_ids}
    report = run_audit(ctx)
    numbers: set[str] = set()
    payments: set[int] = set()
    with ent.connected(ctx):
        for chunk in _chunks(sorted(applications)):
            numbers.update(n for (n,) in Application.select(Application.number).where(
                _pk(Application).in_(chunk)).tuples().iterator())
        field_ = getattr(BenefitPayment, "benefit", None)
        if benefits and field_ is not None:
            for chunk in _chunks(sorted(benefits)):
                payments.update(p for (p,) in BenefitPayment.select(BenefitPayment.id).where(
                    field_.in_(chunk)).tuples().iterator())
    return [f for f in report.findings
            if (f.resident_id is not None and f.resident_id in residents)
            or (f.table == "benefit_payment" and f.id in payments)
            or (f.table == "application" and f.id in applications)
            or (f.reference and f.reference in numbers)]


def explain(ctx: ServiceContext, kind: str, table: str, record_id: int, reason: str) -> None:
    """Mark one finding explained with ``reason`` (a supervisor's words); audited.

    Raises :class:`AuditError` when ``ctx`` is not a supervisor's (or an
    administrator's), for an unknown kind, an empty reason or a finding
    already explained; :class:`NotFound` when the record is gone.
    The caller normalises ``reason`` (free text from a person).
    """
    text = reason.strip()
    staff = Staff.get_or_none(_pk(Staff) == ctx.staff_id) if ctx.staff_id is not None else None
    if staff is None or staff.role not in SUPERVISOR_ROLES or not staff.active:
        raise AuditError.keyed("refusal.rule_audit.supervisor_only", "supervisor_only")
    if kind not in KINDS:
        raise AuditError.keyed("refusal.rule_audit.unknown_kind", "unknown_kind", kind=kind[:30])
    if not text:
        raise AuditError.keyed("refusal.rule_audit.reason_required", "reason_required")
    if len(text) > 300:
        raise AuditError.keyed("refusal.rule_audit.reason_too_long", "reason_too_long", maximum=300)
    model = _TABLES.get(table)
    if model is None:
        raise AuditError.keyed("refusal.rule_audit.unknown_table", "unknown_table", table=table[:30])
    with write_transaction(ctx.database):
        if not model.select().where(_pk(model) == record_id).exists():
            raise NotFound.keyed("refusal.rule_audit.record_gone", "record_gone")
        if RuleFindingNote.select().where((RuleFindingNote.kind == kind) & (RuleFindingNote.table_name == table)
                                          & (RuleFindingNote.record_id == record_id)).exists():
            raise AuditError.keyed("refusal.rule_audit.already_explained", "already_explained")
        RuleFindingNote.create(kind=kind, table_name=table, record_id=record_id, reason=text,
                               staff=ctx.staff_id, created_at=ctx.now())
        audit.append(actor=ctx.actor, terminal=ctx.terminal, action="ruleaudit.explain", now=ctx.now(),
                     entity=table, entity_id=str(record_id), detail={"kind": kind, "reason": text})


def record_audit_look(ctx: ServiceContext, report: Report, *, since: dt.date | None = None) -> None:
    """Audit that someone ran the rule audit (it shows residents' records, masked)."""
    with write_transaction(ctx.database):
        audit.append(actor=ctx.actor, terminal=ctx.terminal, action="ruleaudit.run", now=ctx.now(),
                     entity="database", detail=ctx.audit_detail({
                         "findings": len(report.findings), "known": len(report.known), "checked": report.checked,
                         "by_kind": dict(report.by_kind), "since": since.isoformat() if since else None}))


_TABLES: dict[str, type[peewee.Model]] = {
    "benefit_payment": BenefitPayment, "contribution": Contribution, "enrolment": Enrolment, "account": Account,
    "ledger_entry": LedgerEntry, "application": Application,
}
