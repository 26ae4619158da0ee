"""Money received at the counter: the annual resident contributions (at a
chosen tier, with the government subsidy) and assessed contributions.

One payment is one transaction: the ``Payment`` row, its ``Contribution``
rows, the personal-account ledger entries (individual part and subsidy),
the audit entry and the payment-receipt print job commit together or not
at all. Reprints go through the print spool and are marked 补打.

Collection channels (issue 15.3, :class:`kiosk.rules.parameters.CollectionParams`):
the counter methods (cash, bank card, 社保卡) are refused where the policy in
force does not let the counter collect that scheme's insurance
(``counter_not_allowed``); the channel methods ``tax`` (税务征收) and
``withhold`` (银行代扣) record a payment the channel already collected, with
its reference (税票号/银行流水号), once per channel and reference
(``duplicate_reference``). A personal payment covers only the personal share:
an amount that includes an employer share is refused (``employer_share``).
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, cast

import peewee

from db import audit
from db.connection import write_transaction
from db.ledger import account_for, post
from db.models import (
    Benefit,
    Contribution,
    ContributionAssessment,
    Enrolment,
    Payment,
    PrintJob,
    Resident,
    Staff,
)
from kiosk.policy import PolicyBook, load_policy
from kiosk.rules.contribution import ContributionError, assess_resident_medical, assess_resident_pension
from kiosk.rules.money import Fen, InvalidAmount, format_yuan, parse_yuan
from kiosk.rules.parameters import CollectionRule, PolicyParams
from kiosk.services import Conflict, NotFound, ServiceContext, ServiceError
from kiosk.services.enrolment import check_resident_year
from kiosk.services.resident_standing import refuse_if_deceased
from printers import spool
from printers.document import Document, new_receipt_code
from printers.templates import PaymentInput, Person, ReceiptContext, payment_receipt

METHODS = {"cash": "现金", "bank": "银行卡", "card": "社保卡", "tax": "税务征收", "withhold": "银行代扣"}
COUNTER_METHODS = ("cash", "bank", "card")
#: The payment method that records a confirmation of each collection channel.
CHANNEL_METHODS = {"tax": "tax", "bank": "withhold"}
CHANNEL_ZH = {"counter": "窗口收款", "tax": "税务部门征收", "bank": "银行代扣"}
REFERENCE_ZH = {"tax": "税票号", "bank": "银行流水号"}
_REFERENCE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]{3,39}$")


def _desc(model: type[peewee.Model]) -> Any:
    """Newest first by primary key (the ``id`` annotation hides the field from mypy)."""
    return cast(Any, model._meta.primary_key).desc()  # type: ignore[attr-defined]


@cache
def _default_book() -> PolicyBook:
    return load_policy(None)


def policy_book(ctx: ServiceContext) -> PolicyBook:
    """The policy book the composition root put in ``ctx.extras["policy"]``, else the shipped default."""
    book = ctx.extras.get("policy")
    return book if isinstance(book, PolicyBook) else _default_book()


def policy(ctx: ServiceContext, day: dt.date | None = None) -> PolicyParams:
    """The parameters in force on ``day`` (default: the hall's today)."""
    return policy_book(ctx).policy_for(day or ctx.today())


@dataclass(frozen=True)
class TierOption:
    """One resident pension tier and the subsidy that comes with it (yuan/year in fen)."""

    annual_fen: Fen
    subsidy_fen: Fen


@dataclass(frozen=True)
class ResidentPensionQuote:
    """What a resident pension payment at ``tier_fen`` means, before it is paid."""

    year: int
    tier_fen: Fen
    individual_pays_fen: Fen  # what the resident hands over
    government_pays_fen: Fen  # paid for difficult groups (低保/特困/重度残疾)
    subsidy_fen: Fen  # 政府缴费补贴 credited to the account
    account_credit_fen: Fen  # tier + subsidy
    difficult: bool


@dataclass(frozen=True)
class PaymentLine:
    """One item on the receipt: ``label`` as printed (Chinese); ``key`` and ``params`` name
    the same item in the catalog, for a screen in another language (empty: show ``label``)."""

    label: str
    amount_fen: Fen
    key: str = ""
    params: Mapping[str, object] = field(default_factory=dict)

    @classmethod
    def keyed(cls, key: str, amount_fen: Fen, /, **params: object) -> PaymentLine:
        """The item whose words are the catalog message ``key`` (its Chinese form printed)."""
        from kiosk.i18n import translate

        return cls(translate(key, "zh_CN", **params), amount_fen, key, params)


@dataclass(frozen=True)
class PaymentInfo:
    """A recorded payment as screens and receipts show it."""

    id: int
    receipt_code: str
    resident_id: int
    amount_fen: Fen
    method: str
    method_name: str
    purpose: str
    lines: tuple[PaymentLine, ...]
    created_at: dt.datetime  # naive UTC
    received_by: str  # staff number, "" at the self-service terminal
    tendered_fen: Fen | None = None
    change_fen: Fen = 0
    print_job_id: int | None = None


def _method(method: str) -> str:
    if method not in METHODS:
        raise ServiceError.keyed("refusal.payments.bad_method", "bad_method")
    return method


def collection_rule(ctx: ServiceContext, scheme: str, insurance: str) -> CollectionRule:
    """The collection rule in force today for ``scheme``'s ``insurance`` (channel, counter allowed)."""
    return policy(ctx).collection.rule(scheme, insurance)


def _channel_params(scheme: str, insurance: str, channel: str) -> dict[str, object]:
    """Catalog keys (``*_key``, translated by the screen) naming a collection rule's parts."""
    return {"scheme_key": f"refusal.name.scheme.{scheme}", "insurance_key": f"resident.insurance.{insurance}",
            "channel_key": f"fix17text.pay.channel.{channel}", "reference_key": f"fix17text.pay.reference.{channel}"}


def check_collection(ctx: ServiceContext, scheme: str, insurance: str, method: str,
                     reference: str | None) -> tuple[str, str | None]:
    """(channel, reference) for a payment by ``method``, or ServiceError.

    Counter methods need the policy to allow counter collection (``counter_not_allowed``);
    channel methods need the policy's channel (``wrong_channel``) and a reference of 4–40
    letters, digits or hyphens (``bad_reference``) not yet recorded (``duplicate_reference``).
    Call inside the caller's transaction.
    """
    rule = collection_rule(ctx, scheme, insurance)
    if method in COUNTER_METHODS:
        if not rule.counter:
            raise ServiceError.keyed("fix17text.pay.counter_not_allowed", "counter_not_allowed",
                                     **_channel_params(scheme, insurance, rule.channel))
        return "counter", None
    channel = "tax" if method == "tax" else "bank"
    if channel != rule.channel:
        raise ServiceError.keyed("fix17text.pay.wrong_channel", "wrong_channel",
                                 **_channel_params(scheme, insurance, rule.channel),
                                 other_key=f"fix17text.pay.channel.{channel}")
    text = (reference or "").strip().upper()
    if not _REFERENCE.match(text):
        raise ServiceError.keyed("fix17text.pay.bad_reference", "bad_reference",
                                 reference_key=f"fix17text.pay.reference.{channel}", text=text[:40])
    if Payment.select().where((Payment.channel == channel) & (Payment.reference == text)).exists():
        raise Conflict.keyed("fix17text.pay.duplicate_reference", "duplicate_reference",
                             reference_key=f"fix17text.pay.reference.{channel}", text=text)
    return channel, text


def _tendered(text: str | None, due_fen: Fen, method: str) -> tuple[Fen | None, Fen]:
    """Parse what the clerk typed as received; returns (tendered, change)."""
    if text is None or not text.strip():
        return None, 0
    try:
        tendered = parse_yuan(text)
    except InvalidAmount as exc:
        raise ServiceError.keyed(exc.key, "bad_amount", **exc.params) from None
    if tendered < due_fen:
        raise ServiceError.keyed("fix17text.pay.short", "short", tendered=format_yuan(tendered),
                                 due=format_yuan(due_fen))
    if method != "cash" and tendered != due_fen:
        raise ServiceError.keyed("fix17text.pay.not_exact", "not_exact", due=format_yuan(due_fen))
    return tendered, tendered - due_fen


def _resident(resident_id: int) -> Resident:
    row = Resident.get_or_none(Resident.id == resident_id)
    if row is None:
        raise NotFound.keyed("maint17.app.resident_unknown", "resident_unknown")
    return row


def _payer(resident_id: int) -> Resident:
    """The resident paying a contribution: known and not recorded as deceased (attack E13)."""
    row = _resident(resident_id)
    refuse_if_deceased(row.death_date, "payment")
    return row


def _enrolled(resident_id: int, insurance: str, scheme: str) -> bool:
    return bool(Enrolment.select().where((Enrolment.resident == resident_id) & (Enrolment.insurance == insurance)
                                         & (Enrolment.scheme == scheme) & (Enrolment.status == "active")).exists())


def _drawing_pension(resident_id: int) -> bool:
    """A pension in payment (or suspended): a pensioner pays no resident pension contribution."""
    return bool(Benefit.select().where((Benefit.resident == resident_id) & Benefit.kind.startswith("pension")
                                       & Benefit.status.in_(("in_payment", "suspended"))).exists())


def counter_payable(ctx: ServiceContext, resident_id: int) -> dict[str, str]:
    """What the counter may take from this resident now, asked before offering it (the same
    checks the payment makes): ``{"resident_pension": code, "resident_medical": code}`` where
    code is ``""`` (payable), ``"deceased"`` (recorded as deceased: nothing is taken, and nobody
    is told to enrol them), ``"not_enrolled"`` (no active enrolment of that insurance in the
    resident scheme) or ``"drawing"`` (already drawing a pension). Raises NotFound."""
    with ctx.database.connection_context():
        row = _resident(resident_id)
        if row.death_date is not None:
            return {"resident_pension": "deceased", "resident_medical": "deceased"}
        pension = ("not_enrolled" if not _enrolled(row.id, "pension", "resident")
                   else "drawing" if _drawing_pension(row.id) else "")
        medical = "" if _enrolled(row.id, "medical", "resident") else "not_enrolled"
    return {"resident_pension": pension, "resident_medical": medical}


def resident_pension_tiers(ctx: ServiceContext) -> list[TierOption]:
    """The tiers a resident may choose this year, with their subsidies."""
    return [TierOption(t.annual_fen, t.subsidy_fen) for t in policy(ctx).resident_pension.tiers]


def _quote(ctx: ServiceContext, row: Resident, tier_fen: Fen, year: int) -> ResidentPensionQuote:
    difficult = bool(row.disabled or row.low_income)
    try:
        result = assess_resident_pension(tier_fen, policy(ctx).resident_pension, difficult=difficult)
    except ContributionError as exc:
        raise ServiceError.keyed(exc.key, "bad_tier", **exc.params) from None
    return ResidentPensionQuote(year, result.tier_fen, result.individual_pays_fen, result.government_pays_fen,
                                result.subsidy_fen, result.account_credit_fen, difficult)


def quote_for(ctx: ServiceContext, row: Resident, tier_fen: Fen, year: int) -> ResidentPensionQuote:
    """The quote for a resident row already read in the caller's transaction."""
    return _quote(ctx, row, tier_fen, year)


def quote_resident_pension(ctx: ServiceContext, resident_id: int, tier_fen: Fen,
                           year: int | None = None) -> ResidentPensionQuote:
    """Show the resident what a tier costs them and what reaches their account."""
    with ctx.database.connection_context():
        return _quote(ctx, _resident(resident_id), tier_fen, year or ctx.today().year)


def _create_payment(ctx: ServiceContext, resident: Resident, amount_fen: Fen, method: str, purpose: str,
                    lines: tuple[PaymentLine, ...], tendered: tuple[Fen | None, Fen],
                    channel: tuple[str, str | None] = ("counter", None)) -> tuple[Payment, PaymentInfo]:
    """Payment row + audit + receipt print job (inside the caller's transaction)."""
    now = ctx.now()
    rng = ctx.extras.get("rng")
    code = new_receipt_code(rng if isinstance(rng, random.Random) else None)
    payment = Payment.create(resident=resident.id, amount_fen=amount_fen, method=method, purpose=purpose,
                             receipt_code=code, received_by=ctx.staff_id, terminal=ctx.terminal, created_at=now,
                             channel=channel[0], reference=channel[1])
    audit.append(actor=ctx.actor, terminal=ctx.terminal, action="payment.record", now=now, entity="payment",
                 entity_id=code, detail={"resident": resident.id, "amount_fen": amount_fen, "method": method,
                                         "purpose": purpose, "channel": channel[0], "reference": channel[1]})
    clerk = ""
    if ctx.staff_id is not None:
        staff = Staff.get_or_none(Staff.id == ctx.staff_id)
        clerk = f"{staff.name}（{staff.number}）" if staff else ctx.staff_number
    how = METHODS[method] + (f"（{REFERENCE_ZH[channel[0]]} {channel[1]}）" if channel[1] else "")
    document = payment_receipt(
        _receipt_context(ctx),
        PaymentInput(Person(resident.name, resident.id_number), tuple((ln.label, ln.amount_fen) for ln in lines),
                     how, code, clerk),
    )
    # A channel's confirmation file (kiosk import collection) prints nothing: the channel issued the receipt.
    job_id = None if ctx.extras.get("no_receipt") else spool.enqueue(document, ctx.clock, resident_id=resident.id)
    info = PaymentInfo(payment.id, code, resident.id, amount_fen, method, METHODS[method], purpose, lines, now,
                       ctx.staff_number, tendered[0], tendered[1], job_id)
    return payment, info


def _receipt_context(ctx: ServiceContext) -> ReceiptContext:
    rng = ctx.extras.get("rng")
    return ReceiptContext(ctx.hall_name, ctx.terminal, ctx.clock.now_local(), ctx.training,
                          rng if isinstance(rng, random.Random) else None)


def _contribution(resident_id: int, insurance: str, scheme: str, month: dt.date, *, payment: Payment,
                  now: dt.datetime, individual: Fen, subsidy: Fen = 0, employer: Fen = 0, base: Fen = 0) -> None:
    exists = Contribution.select().where(
        (Contribution.resident == resident_id) & (Contribution.insurance == insurance)
        & (Contribution.scheme == scheme) & (Contribution.month == month)).exists()
    if exists:
        if scheme == "resident":
            raise Conflict.keyed("refusal.payments.year_paid", "already_paid", year=month.year)
        raise Conflict.keyed("refusal.payments.month_paid", "already_paid", year=month.year,
                             month=f"{month.month:02d}")
    Contribution.create(resident=resident_id, insurance=insurance, scheme=scheme, month=month, base_fen=base,
                        individual_fen=individual, employer_fen=employer, subsidy_fen=subsidy, payment=payment.id,
                        paid_at=now)


def pay_resident_pension(ctx: ServiceContext, resident_id: int, tier_fen: Fen, method: str, *,
                         year: int | None = None, tendered: str | None = None,
                         channel_reference: str | None = None) -> PaymentInfo:
    """Record the annual resident pension contribution at ``tier_fen``.

    The individual part and the subsidy (plus any government-paid part for
    difficult groups) are credited to the resident pension account.
    ``tendered`` is what the clerk typed as received ("300", "¥500.00").
    ``channel_reference`` is the 税票号/银行流水号 of a ``tax``/``withhold``
    payment (see :func:`check_collection`).
    """
    _method(method)
    with write_transaction(ctx.database):
        channel = check_collection(ctx, "resident", "pension", method, channel_reference)
        row = _payer(resident_id)
        if not _enrolled(row.id, "pension", "resident"):
            raise ServiceError.keyed("fix17text.pay.not_enrolled_pension", "not_enrolled")
        if _drawing_pension(row.id):
            raise ServiceError.keyed("fix17text.pay.drawing_pension", "drawing_pension")
        year = year or ctx.today().year
        check_resident_year(row, year, ctx.today())  # this year, or the transitional 补缴 (国发〔2014〕8号)
        quote = _quote(ctx, row, tier_fen, year)
        lines = [PaymentLine.keyed("counter.payment_line.resident_pension", quote.individual_pays_fen,
                                   year=year, tier=format_yuan(quote.tier_fen))]
        payment, info = _create_payment(ctx, row, quote.individual_pays_fen, _method(method), "resident_pension",
                                        tuple(lines), _tendered(tendered, quote.individual_pays_fen, method),
                                        channel)
        now, today = ctx.now(), ctx.today()
        _contribution(row.id, "pension", "resident", dt.date(year, 1, 1), payment=payment, now=now,
                      individual=quote.individual_pays_fen, subsidy=quote.subsidy_fen + quote.government_pays_fen)
        account = account_for(row.id, "pension_resident", today=today, now=now)
        if quote.individual_pays_fen:
            post(account, quote.individual_pays_fen, "contribution", entry_date=today, now=now,
                 reference=info.receipt_code)
        if quote.government_pays_fen:
            post(account, quote.government_pays_fen, "subsidy", entry_date=today, now=now,
                 reference=f"{info.receipt_code} 代缴")
        post(account, quote.subsidy_fen, "subsidy", entry_date=today, now=now, reference=f"{info.receipt_code} 补贴")
        return info


def pay_resident_medical(ctx: ServiceContext, resident_id: int, method: str, *, year: int | None = None,
                         tendered: str | None = None, channel_reference: str | None = None) -> PaymentInfo:
    """Record the annual resident medical insurance fee (no personal account);
    ``channel_reference`` as for :func:`pay_resident_pension`."""
    _method(method)
    with write_transaction(ctx.database):
        channel = check_collection(ctx, "resident", "medical", method, channel_reference)
        row = _payer(resident_id)
        if not _enrolled(row.id, "medical", "resident"):
            raise ServiceError.keyed("fix17text.pay.not_enrolled_medical", "not_enrolled")
        year = year or ctx.today().year
        fee = assess_resident_medical(policy(ctx).medical)
        lines = (PaymentLine.keyed("counter.payment_line.resident_medical", fee.individual_fen, year=year),)
        payment, info = _create_payment(ctx, row, fee.individual_fen, method, "resident_medical", lines,
                                        _tendered(tendered, fee.individual_fen, method), channel)
        _contribution(row.id, "medical", "resident", dt.date(year, 1, 1), payment=payment, now=ctx.now(),
                      individual=fee.individual_fen, subsidy=fee.subsidy_fen)
        return info


_INSURANCE_KEYS = {"work_injury": "injury"}


def record_assessment_payment(ctx: ServiceContext, assessment_id: int, method: str, months: list[dt.date], *,
                              account_fen_per_month: Fen, tendered: str | None = None,
                              reference: str = "", channel_reference: str | None = None,
                              amount_fen: Fen | None = None) -> PaymentInfo:
    """Pay a 缴费核定 notice (employee or flexible) for ``months`` — inside the
    caller's transaction (the assessment application's 缴费记录 step).

    The person pays the personal share only (individual lines); an employee's
    employer share is the employer's to pay through its own declaration and is
    never collected here, so the Contribution rows carry ``employer_fen`` 0.
    ``amount_fen`` (from a channel confirmation) must equal the personal share:
    one that includes the employer share is refused (``employer_share``), any
    other difference too (``amount_mismatch``). Writes one Contribution per
    insurance per month and credits the personal-account part of the pension
    (``account_fen_per_month``). ``reference`` is the application number;
    ``channel_reference`` the 税票号/银行流水号 (see :func:`check_collection`).
    """
    _method(method)
    assessment = ContributionAssessment.get_or_none(ContributionAssessment.id == assessment_id)
    if assessment is None:
        raise NotFound.keyed("fix17text.pay.assessment_unknown", "assessment_unknown")
    row = _payer(assessment.__data__["resident"])
    detail = assessment.detail
    per_month: dict[str, dict[str, Fen]] = {}
    for line in detail["lines"]:
        insurance = _INSURANCE_KEYS.get(line["insurance"], line["insurance"])
        part = per_month.setdefault(insurance, {"individual": 0, "employer": 0})
        part[line["payer"]] += int(line["monthly_fen"])
    total = sum(p["individual"] for p in per_month.values()) * len(months)
    employer_total = sum(p["employer"] for p in per_month.values()) * len(months)
    if amount_fen is not None and amount_fen != total:
        if employer_total and amount_fen == total + employer_total:
            raise ServiceError.keyed("fix17text.pay.employer_share", "employer_share", amount=format_yuan(amount_fen),
                                     employer=format_yuan(employer_total), total=format_yuan(total))
        raise ServiceError.keyed("fix17text.pay.amount_mismatch", "amount_mismatch", amount=format_yuan(amount_fen),
                                 total=format_yuan(total))
    scheme = assessment.scheme
    channels = {check_collection(ctx, scheme, insurance, method, channel_reference)
                for insurance in per_month if per_month[insurance]["individual"]}
    channel = min(channels) if channels else ("counter", None)
    label = "职工社会保险费" if scheme == "employee" else "灵活就业人员养老保险费"
    span = f"{months[0]:%Y年%m月}" + (f"至{months[-1]:%Y年%m月}" if len(months) > 1 else "")
    lines = (PaymentLine(f"{label}（{span}）", total),)
    payment, info = _create_payment(ctx, row, total, method, f"assessment:{reference}"[:40], lines,
                                    _tendered(tendered, total, method), channel)
    now, today = ctx.now(), ctx.today()
    for month in months:
        for insurance, part in per_month.items():
            if part["individual"]:  # employer-only insurances (injury) are the employer's to pay
                _contribution(row.id, insurance, scheme, month, payment=payment, now=now,
                              base=assessment.base_fen, individual=part["individual"])
    if account_fen_per_month:
        account = account_for(row.id, "pension_employee", today=today, now=now)
        post(account, account_fen_per_month * len(months), "contribution", entry_date=today, now=now,
             reference=info.receipt_code)
    return info


def _payment_info(row: Payment) -> PaymentInfo:
    staff = Staff.get_or_none(Staff.id == row.received_by) if row.received_by else None
    job = PrintJob.get_or_none(PrintJob.code == row.receipt_code)
    lines = tuple(PaymentLine(c.insurance, c.individual_fen + c.employer_fen) for c in Contribution.select().where(Contribution.payment == row.id))
    return PaymentInfo(row.id, row.receipt_code, row.__data__["resident"], row.amount_fen, row.method,
                       METHODS.get(row.method, row.method), row.purpose, lines, row.created_at,
                       staff.number if staff else "", None, 0, job.id if job else None)


def list_payments(ctx: ServiceContext, resident_id: int) -> list[PaymentInfo]:
    """A resident's payments, newest first."""
    with ctx.database.connection_context():
        rows = Payment.select().where(Payment.resident == resident_id).order_by(Payment.created_at.desc(),
                                                                                 _desc(Payment))
        return [_payment_info(row) for row in rows]


def get_payment(ctx: ServiceContext, receipt_code: str) -> PaymentInfo:
    """A payment by its receipt code (RC…)."""
    with ctx.database.connection_context():
        row = Payment.get_or_none(Payment.receipt_code == receipt_code.strip().upper())
        if row is None:
            raise NotFound.keyed("fix17text.pay.receipt_unknown", "receipt_unknown")
        return _payment_info(row)


@dataclass(frozen=True)
class ReprintInfo:
    """A reprint job: its own new code and the code of the original receipt."""

    job_id: int
    code: str
    original_code: str
    kind: str


def reprint_receipt(ctx: ServiceContext, code: str) -> ReprintInfo:
    """Queue any stored receipt again at this terminal, marked 补打 with a new code (audited).

    Refused (Conflict ``reprint_waiting``) while a copy of it is still pending here: it prints
    when the printer is back, and another copy would print twice; ``reprint_printing`` while
    one is being sent. A copy pending at another terminal is replaced (printers.spool.enqueue_reprint).
    """
    code = code.strip().upper()
    with write_transaction(ctx.database):
        job = PrintJob.get_or_none(PrintJob.code == code)
        if job is None:
            raise NotFound.keyed("fix17text.pay.receipt_code_unknown", "receipt_unknown", code=code)
        rng = ctx.extras.get("rng")
        new_code = new_receipt_code(rng if isinstance(rng, random.Random) else None)
        try:
            job_id = spool.enqueue_reprint(ctx.database, job, new_code, ctx.clock, terminal=ctx.terminal)
        except spool.ReprintRefused as refused:
            if refused.reason == "waiting":
                raise Conflict.keyed("refusal.reprint.still_waiting", "reprint_waiting", code=code,
                                     terminal=refused.terminal) from None
            raise Conflict.keyed("refusal.reprint.being_printed", "reprint_printing", code=code) from None
        document = Document.from_dict(PrintJob.get_by_id(job_id).document)
        audit.append(actor=ctx.actor, terminal=ctx.terminal, action="receipt.reprint", now=ctx.now(),
                     entity="print_job", entity_id=document.code,
                     detail={"original": document.original_code, "kind": job.kind})
    return ReprintInfo(job_id, document.code, document.original_code or code, job.kind)


