"""参保证明 (certificate of insurance) and ``kiosk verify CODE``; the 缴费核定通知单 print job.

A certificate states the resident's enrolments in force and the contributions
of a chosen period (:func:`issue_certificate`), with the person's full name
and ID number (the resident takes the paper to an employer or a school; the
kiosk's preview on screen is masked). It is stored as a print job (code
``RC…``) and carries a QR whose first line is ``SBZM2:RC…:MAC`` and whose
following lines are the facts it states (:func:`printers.certificate.qr_text`).
MAC is an HMAC-SHA256 of the certificate's whole content (the stored document
without its QR: person, period, enrolments, amounts, totals), keyed with a key
derived from the audit key (:func:`db.audit.current_key`): a certificate made
or altered anywhere else does not verify, and a QR whose facts were changed
and re-encoded (with any hash a forger can compute) does not either. Issuing
is audited (``certificate.issue``); the purpose (用途) goes through the one
normaliser (:func:`kiosk.rules.text.normalise_text`) and is refused with a
message when it holds control or invisible characters or is too long.

:func:`verify_code` takes what a person typed or scanned — a receipt code
``RC…`` or a certificate QR — and says what it is and whether it is genuine:
the code must be one this hall printed; for a certificate the MAC recomputed
from the stored content must match the one printed, and a scanned QR must be
exactly the one printed (code, MAC and facts). A genuine answer carries what
the genuine document says, so a checker holding the paper compares it line by
line — a doctored paper that kept its code shows up there: for a certificate
the issuing agency, issue date, period, each enrolment with its status, the
months (or years) and amounts paid per insurance and the printed total; for a
receipt its kind, date and amount.

Identity on verification: the person is shown masked (``胡* 3607**********2710``),
as on every screen. Whoever checks holds the paper with the full name and ID
number and only needs to see that they agree; a code typed at a terminal must
not turn into a way to read someone's full ID number. Looks are audited
(``verify.code``).
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import hmac
from typing import Any

import peewee

from db import audit
from db.connection import write_transaction
from db.models import Contribution, Enrolment, PrintJob, Resident
from kiosk.rules.identity import mask_id_number, mask_name
from kiosk.rules.retirement import add_months
from kiosk.rules.text import InvalidText, normalise_number, normalise_text
from kiosk.services import NotFound, ServiceContext, ServiceError
from kiosk.services.payments import _receipt_context
from kiosk.services.registration import refusal_with_reason
from kiosk.services.residents import INSURANCE_ZH, SCHEME_ZH
from printers import spool
from printers.certificate import (
    QR_PREFIX,
    QR_PREFIX_FACTS,
    CertificateInput,
    EnrolmentLine,
    PaidLine,
    YearLine,
    certificate_document,
    certificate_facts,
    with_qr,
)
from printers.document import QR, Document, KeyValue
from printers.templates import Person

_STATUS_ZH = {"active": "参保缴费", "suspended": "暂停缴费", "ended": "终止参保"}


def _mac_key() -> bytes:
    """A key for certificates only, derived from the audit key (never the audit key itself)."""
    return hmac.new(audit.current_key(), b"kiosk certificate v1", hashlib.sha256).digest()


def content_mac(document: Document) -> str:
    """HMAC of a certificate's content (its QR blocks left out): 16 base32 characters."""
    content = dataclasses.replace(document, blocks=tuple(b for b in document.blocks if not isinstance(b, QR)))
    digest = hmac.new(_mac_key(), content.to_json().encode("utf-8"), hashlib.sha256).digest()
    return base64.b32encode(digest).decode("ascii")[:16]


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def certificate_input(ctx: ServiceContext, resident_id: int, start: dt.date, end: dt.date,
                      purpose: str = "") -> CertificateInput:
    """What a certificate for ``start``..``end`` (months, inclusive) states (on the caller's connection)."""
    person = Resident.get_or_none(Resident.id == resident_id)
    if person is None:
        raise NotFound.keyed("maint17.app.resident_unknown")
    # Every enrolment in force at some time in the period (an ended one names its end date).
    period_end = add_months(_month(end), 1) - dt.timedelta(days=1)
    enrolments = tuple(
        EnrolmentLine(INSURANCE_ZH.get(e.insurance, e.insurance), SCHEME_ZH.get(e.scheme, e.scheme),
                      _STATUS_ZH.get(e.status, e.status) + (f"(至{e.end_date:%Y-%m-%d})" if e.end_date else ""),
                      e.start_date.isoformat())
        for e in Enrolment.select().where((Enrolment.resident == resident_id) & (Enrolment.start_date <= period_end)
                                          & (Enrolment.end_date.is_null() | (Enrolment.end_date >= _month(start))))
        .order_by(Enrolment.insurance, Enrolment.start_date))
    rows = (Contribution.select(Contribution.insurance, Contribution.scheme, peewee.fn.COUNT(1),
                                peewee.fn.SUM(Contribution.individual_fen), peewee.fn.SUM(Contribution.employer_fen))
            .where((Contribution.resident == resident_id) & (Contribution.month >= _month(start))
                   & (Contribution.month <= _month(end)))
            .group_by(Contribution.insurance, Contribution.scheme)
            .order_by(Contribution.insurance, Contribution.scheme))
    paid = tuple(
        PaidLine(INSURANCE_ZH.get(ins, ins), SCHEME_ZH.get(scheme, scheme),
                 f"{count}年" if scheme == "resident" else f"{count}个月", int(individual or 0), int(employer or 0))
        for ins, scheme, count, individual, employer in rows.tuples().iterator())
    return CertificateInput(Person(person.name, person.id_number), f"{start:%Y-%m} 至 {end:%Y-%m}", enrolments,
                            paid, purpose, agency_name(ctx), _years(resident_id, _month(start), _month(end)))


def agency_name(ctx: ServiceContext) -> str:
    """The issuing agency (出具机构): settings ``[hall] agency`` (put in ``ctx.extras["agency"]`` by the
    app and the commands), else the hall's name."""
    agency = ctx.extras.get("agency")
    return agency if isinstance(agency, str) and agency.strip() else ctx.hall_name


def _years(resident_id: int, first: dt.date, last: dt.date) -> tuple[YearLine, ...]:
    """The period's contribution history, one line per year, insurance and scheme (caller's connection)."""
    totals: dict[tuple[int, str, str], list[int]] = {}
    rows = (Contribution.select(Contribution.month, Contribution.insurance, Contribution.scheme,
                                Contribution.individual_fen)
            .where((Contribution.resident == resident_id) & (Contribution.month >= first)
                   & (Contribution.month <= last)).tuples())
    for month, insurance, scheme, individual in rows.iterator():
        year = month.year if isinstance(month, dt.date) else int(str(month)[:4])
        entry = totals.setdefault((year, str(insurance), str(scheme)), [0, 0])
        entry[0] += 1
        entry[1] += int(individual or 0)
    return tuple(YearLine(year, INSURANCE_ZH.get(ins, ins), SCHEME_ZH.get(scheme, scheme),
                          f"{count}年" if scheme == "resident" else f"{count}个月", individual)
                 for (year, ins, scheme), (count, individual) in sorted(totals.items()))


#: The longest purpose (用途) a certificate prints, in characters.
PURPOSE_MAX_LENGTH = 40


def normalise_purpose(text: str) -> str:
    """The purpose as printed: through :func:`kiosk.rules.text.normalise_text` (trimmed, spaces
    collapsed); ServiceError (catalog ``fix15verify.purpose.*``) for a control, invisible or
    combining character or more than :data:`PURPOSE_MAX_LENGTH` characters."""
    try:
        purpose = normalise_text(text)
    except InvalidText as exc:
        key = f"fix15verify.purpose.{exc.reason}"
        params = {"position": exc.params.get("position", ""), "code": exc.params.get("code", "")}
        raise ServiceError.keyed(key, exc.reason, **params) from None
    if len(purpose) > PURPOSE_MAX_LENGTH:
        params = {"max": PURPOSE_MAX_LENGTH, "length": len(purpose)}
        raise ServiceError.keyed("fix15verify.purpose.long", "long_purpose", **params)
    return purpose


def _check_period(ctx: ServiceContext, start: dt.date, end: dt.date) -> None:
    if end < start or _month(end) > _month(ctx.today()):
        raise ServiceError.keyed("refusal.certificates.bad_period", "bad_period")


def preview_certificate(ctx: ServiceContext, resident_id: int, start: dt.date, end: dt.date, *,
                        purpose: str = "") -> Document:
    """What :func:`issue_certificate` would print, without its QR and code, the person masked (it is
    shown on a screen a bystander can see): stores nothing (the resident's own look before printing at
    the kiosk). Same errors as issuing."""
    _check_period(ctx, start, end)
    purpose = normalise_purpose(purpose)
    with ctx.database.connection_context():
        data = certificate_input(ctx, resident_id, start, end, purpose)
    return certificate_document(_receipt_context(ctx), data, masked=True)


def issue_certificate(ctx: ServiceContext, resident_id: int, start: dt.date, end: dt.date, *,
                      purpose: str = "") -> tuple[int, Document]:
    """Store a 参保证明 as a print job (one transaction, audited); returns (job id, document).

    The printed certificate names the person in full. Raises ServiceError for an empty or reversed
    period or a refused purpose (:func:`normalise_purpose`), NotFound for an unknown resident.
    """
    _check_period(ctx, start, end)
    purpose = normalise_purpose(purpose)
    with ctx.database.connection_context(), write_transaction(ctx.database):
        data = certificate_input(ctx, resident_id, start, end, purpose)
        document = certificate_document(_receipt_context(ctx), data)
        document = with_qr(document, content_mac(document))
        job = spool.enqueue(document, ctx.clock, resident_id=resident_id)
        audit.append(actor=ctx.actor, terminal=ctx.terminal, action="certificate.issue", now=ctx.now(),
                     entity="resident", entity_id=str(resident_id),
                     detail={"code": document.code, "period": data.period})
    return job, document


@dataclasses.dataclass(frozen=True)
class Verification:
    """What a code is and whether it is genuine (``reason`` a code when it is not).

    For a genuine code, what the document says: ``identity`` masked; for a certificate ``agency``,
    ``issued`` (YYYY-MM-DD), ``period``, ``purpose``, ``enrolments`` (insurance(scheme), status, since),
    ``paid`` (insurance(scheme), months or years, individual, employer — yuan as printed) and
    ``individual_total``; for a receipt ``amount`` (its total as printed, "" when it has none).
    """

    code: str
    genuine: bool
    kind: str = ""
    title: str = ""
    printed_at: str = ""
    hall: str = ""
    identity: str = ""
    reason: str = ""
    issued: str = ""
    agency: str = ""
    period: str = ""
    purpose: str = ""
    enrolments: tuple[tuple[str, str, str], ...] = ()
    paid: tuple[tuple[str, str, str, str], ...] = ()
    individual_total: str = ""
    amount: str = ""

    def as_json(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["enrolments"] = [{"insurance": i, "status": s, "since": d} for i, s, d in self.enrolments]
        out["paid"] = [{"insurance": i, "count": c, "individual": p, "employer": e} for i, c, p, e in self.paid]
        return out


def _parse(text: str) -> tuple[str, str | None, str | None]:
    """(code, scanned MAC or None, the whole scanned QR text or None)."""
    raw = text.strip()
    first = raw.splitlines()[0].strip() if raw else ""
    if first.upper().startswith((QR_PREFIX + ":", QR_PREFIX_FACTS + ":")):
        parts = first.split(":")
        if len(parts) != 3:
            raise ServiceError.keyed("refusal.certificates.bad_qr", "bad_code")
        return parts[1].strip().upper(), parts[2].strip().upper(), raw
    try:
        return normalise_number(raw).upper(), None, None
    except InvalidText as exc:
        raise refusal_with_reason("refusal.certificates.bad_code", "bad_code", exc) from None


def verify_code(ctx: ServiceContext, text: str) -> Verification:
    """Check a printed code (``RC…``) or a scanned certificate QR; audited. Never raises for a wrong
    code (ServiceError only for a QR text that is not one at all)."""
    code, given_mac, scanned = _parse(text)
    with ctx.database.connection_context(), write_transaction(ctx.database):
        job = PrintJob.get_or_none(PrintJob.code == code)
        if job is None:
            result = Verification(code, False, reason="unknown")
        else:
            try:
                document = Document.from_dict(job.document)
            except (KeyError, TypeError, ValueError):
                document = None
            if document is None:
                result = Verification(code, False, kind=str(job.kind), reason="altered")
            else:
                result = _judge(code, document, given_mac, scanned)
        audit.append(actor=ctx.actor, terminal=ctx.terminal, action="verify.code", now=ctx.now(), entity="print_job",
                     entity_id=code, detail={"genuine": result.genuine, "kind": result.kind, "reason": result.reason})
    return result


def _masked(identity: str | None) -> str:
    """A document's identity as shown on verification: masked (old receipts already are)."""
    if not identity or "*" in identity:
        return identity or ""
    name, _, number = identity.rpartition(" ")
    return f"{mask_name(name)} {mask_id_number(number)}" if name else mask_name(number)


def _receipt_amount(document: Document) -> str:
    """A receipt's amount as printed: its first bold yuan row (合计, 实发合计, …), else its last yuan row."""
    rows = [b for b in document.blocks if isinstance(b, KeyValue) and b.value.rstrip().endswith("元")]
    bold = [b for b in rows if b.bold]
    return (bold[0] if bold else rows[-1]).value if rows else ""


def _same_text(a: str, b: str) -> bool:
    """Equal up to line breaks and runs of spaces (a scanner may turn a line break into a space)."""
    return hmac.compare_digest(" ".join(a.split()).encode("utf-8"), " ".join(b.split()).encode("utf-8"))


def _judge(code: str, document: Document, given_mac: str | None, scanned: str | None) -> Verification:
    base = Verification(code, True, document.kind, document.title, document.time.strftime("%Y-%m-%d %H:%M"),
                        document.hall, _masked(document.identity), issued=f"{document.time:%Y-%m-%d}")
    if document.kind != "certificate":
        if given_mac is not None:
            return dataclasses.replace(base, genuine=False, reason="not_a_certificate")
        return dataclasses.replace(base, amount=_receipt_amount(document))
    stored = [b.data for b in document.blocks if isinstance(b, QR)]
    # A 补打 copy carries the first print's QR: its MAC is over the certificate as first printed.
    first_print = (dataclasses.replace(document, code=document.original_code, reprint=False, original_code=None)
                   if document.reprint and document.original_code else document)
    expected = content_mac(first_print)
    printed = stored[0].splitlines()[0].split(":")[-1] if stored else ""
    if not hmac.compare_digest(printed, expected):  # the stored certificate was edited: say nothing it says
        return dataclasses.replace(base, genuine=False, identity="", reason="altered")
    facts = certificate_facts(document)
    base = dataclasses.replace(
        base, agency=facts.agency, period=facts.period, purpose=facts.purpose, individual_total=facts.individual_total,
        enrolments=tuple((f"{e.insurance}({e.scheme})", e.status, e.since) for e in facts.enrolments), paid=facts.paid)
    if scanned is not None and not (given_mac is not None and hmac.compare_digest(given_mac, expected)
                                    and _same_text(scanned, stored[0])):
        return dataclasses.replace(base, genuine=False, reason="altered")  # the scanned QR was altered
    return base


def assessment_notice_job(ctx: ServiceContext, resident_id: int, number: str, data: dict[str, Any]) -> int:
    """Store the 缴费核定通知单 of an assessment application as a print job (inside the step's transaction);
    built by :mod:`kiosk.services.collection_notice` (channel, how to pay, reference QR)."""
    from kiosk.services.collection_notice import notice_job

    return notice_job(ctx, resident_id, number, data)
