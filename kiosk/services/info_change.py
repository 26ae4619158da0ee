"""信息变更 (issue 15.2): correct a resident's recorded name, ID number, 户籍地 or the
社保卡 bank account benefits are paid into, as an application of type ``info_change``
(:mod:`kiosk.rules.workflows`: 受理 → 审核 → 办结).

What the application's ``data`` holds: ``field`` (one of :data:`FIELDS`), ``value``
(the new value, normalised and checked at 受理), ``document`` (the supporting
document as recorded: kind and number). At 办结 it also holds ``old_value``.

Rules, each checked at 受理 and again at 办结 (the record may have changed since):

- **name**: through the one normaliser (:func:`kiosk.rules.text.normalise_name`),
  1 to ``NAME_MAX_LENGTH`` characters.
- **id_number**: a valid citizen ID number (GB 11643; a 15-digit input is taken in
  its 18-character form). A record still kept under a first-generation 15-digit
  number may only become that number's upgrade (RULES.md §1.5,
  :func:`kiosk.rules.identity.upgrade_15_to_18`); a number another resident holds
  (in either form) is refused. Sex and birth date follow the new number. The
  resident row keeps its id, so contributions, accounts, benefits and applications
  stay with the person; afterwards the record is found by the 18 characters and
  (through :func:`find_resident_id`) by the old 15 digits.
- **hukou_region**: a 6-digit region code (as at registration).
- **bank_account**: 10 to 30 digits; stored on the resident (``Resident.bank_account``)
  and on every benefit still paid or suspended, so the next monthly run's 代发文件
  names it (:mod:`kiosk.services.benefit_run`).
- The supporting document is required per field (:data:`DOCUMENT_MATERIAL`): the
  checklist item must be received before 审核.
- Identity fields (name, ID number) are approved at 审核 by a supervisor or admin
  who neither accepted the application nor took an earlier step (受审分离); 户籍地
  and the bank account may be reviewed by the clerk. Every step is audited.

At 办结 the change, the :class:`~db.models.InfoChangeHistory` row with the old value,
the application event and the audit entries commit in one transaction (the step of
:func:`kiosk.services.applications.advance`), or nothing does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import peewee

from db import audit
from db.connection import is_sqlite, write_transaction
from db.models import (
    Application,
    ApplicationEvent,
    ApplicationMaterial,
    Benefit,
    Card,
    InfoChangeHistory,
    Resident,
    Staff,
)
from kiosk.rules.identity import (
    NAME_MAX_LENGTH,
    InvalidIdNumber,
    legacy_15_form,
    mask_id_number,
    mask_name,
    parse_id_number,
    upgrade_15_to_18,
)
from kiosk.rules.text import InvalidText, check_name, normalise_name, normalise_number, normalise_text
from kiosk.rules.workflows import INFO_CHANGE
from kiosk.services import NotFound, ServiceContext, ServiceError
from kiosk.services.registration import refusal_with_reason
from kiosk.services.staff import PermissionDenied, acting_staff

TYPE = "info_change"
REVIEWED = "reviewed"
DONE = "done"
FIELDS = ("name", "id_number", "hukou_region", "bank_account")
#: Fields that say who the person is: a supervisor approves their change.
IDENTITY_FIELDS = ("name", "id_number")
#: The checklist item (kiosk.rules.workflows) that proves the change of each field.
DOCUMENT_MATERIAL = {"name": "police_proof", "id_number": "police_proof", "hukou_region": "hukou_proof",
                     "bank_account": "bank_card"}
DOCUMENT_MAX_LENGTH = 100
BANK_ACCOUNT_DIGITS = (10, 30)
#: Benefits whose bank account follows a change (the monthly run still pays them).
OPEN_BENEFIT_STATUSES = ("in_payment", "suspended")


def mask_account(text: str) -> str:
    """A bank account for bystanders: its last 4 digits only (``************1234``)."""
    s = text.strip()
    return "*" * max(0, len(s) - 4) + s[-4:] if len(s) > 4 else "*" * len(s)


def mask_value(field: str, value: str) -> str:
    """``value`` of ``field`` as a bystander may see it: names, ID numbers and bank accounts
    masked (:func:`kiosk.rules.identity.mask_name`, ``mask_id_number``, :func:`mask_account`);
    a 户籍地 region code is shown as it is."""
    if not value:
        return ""
    if field == "name":
        return mask_name(value)
    if field == "id_number":
        return mask_id_number(value)
    if field == "bank_account":
        return mask_account(value)
    return value


@dataclass(frozen=True)
class HistoryRow:
    """One change as the history view shows it (full values: mask with :func:`mask_value`)."""

    field: str
    old_value: str
    new_value: str
    application: str  # the application number, "" if it is gone
    staff_number: str
    changed_at: dt.datetime  # naive UTC; show with clock.to_local
    document: str

    @property
    def masked_old(self) -> str:
        return mask_value(self.field, self.old_value)

    @property
    def masked_new(self) -> str:
        return mask_value(self.field, self.new_value)

    def as_json(self, *, masked: bool = True) -> dict[str, Any]:
        """{"field", "old_value", "new_value", "application", "staff", "changed_at" (UTC, ISO), "document"}."""
        return {"field": self.field, "old_value": self.masked_old if masked else self.old_value,
                "new_value": self.masked_new if masked else self.new_value, "application": self.application,
                "staff": self.staff_number, "changed_at": self.changed_at.isoformat() + "Z", "document": self.document}


# -- values -----------------------------------------------------------------------------


def current_value(resident: Resident, field: str) -> str:
    """What the record holds for ``field`` now. For the bank account: the account the
    monthly run pays into — the resident's changed account, else one a benefit names,
    else the active social security card's (its number, as in the 代发文件); "" if none.
    Caller's connection."""
    if field != "bank_account":
        return str(getattr(resident, field) or "")
    if resident.bank_account:
        return str(resident.bank_account)
    named = (Benefit.select(Benefit.bank_account)
             .where((Benefit.resident == resident.id) & (Benefit.status.in_(OPEN_BENEFIT_STATUSES))
                    & (Benefit.bank_account != "")).order_by(Benefit.id).scalar())
    if named:
        return str(named)
    card = (Card.select(Card.card_number).where((Card.resident == resident.id) & (Card.status == "active"))
            .order_by(Card.id.desc()).scalar())  # type: ignore[attr-defined]
    return str(card or "")


def _normalise(field: str, text: str, today: dt.date) -> str:
    """The new value in its stored form; ServiceError says what is wrong."""
    try:
        if field == "name":
            value = normalise_name(text)
            if not value or len(value) > NAME_MAX_LENGTH:
                raise ServiceError.keyed("infochange15.error.bad_name", "bad_name", max=NAME_MAX_LENGTH)
            check_name(value)  # letters, ·, spaces of foreign names: no digits, brackets or symbols
            return value
        if field == "id_number":
            try:
                return parse_id_number(text, today=today).number
            except InvalidIdNumber as exc:
                raise refusal_with_reason("infochange15.error.bad_id", exc.reason, exc) from None
        if field == "hukou_region":
            from kiosk.rules.enrolment import valid_region_code

            code = normalise_number(text)
            if not valid_region_code(code):
                raise ServiceError.keyed("infochange15.error.bad_region", "bad_region", value=text.strip()[:20])
            return code
        digits = normalise_number(text)
        low, high = BANK_ACCOUNT_DIGITS
        if not (digits.isascii() and digits.isdigit() and low <= len(digits) <= high):
            raise ServiceError.keyed("infochange15.error.bad_bank", "bad_bank_account", low=low, high=high)
        return digits
    except InvalidText as exc:
        raise refusal_with_reason("refusal.info_change.bad_text", exc.reason, exc) from None


def normalise_value(field: str, text: str, today: dt.date) -> str:
    """``text`` as the new value of ``field`` would be stored (what a form shows before
    受理); ServiceError says what is wrong. Pure: nothing is read or written."""
    if field not in FIELDS:
        raise ServiceError.keyed("infochange15.error.bad_field", "bad_field", fields=" / ".join(FIELDS))
    return _normalise(field, text, today)


def current_values(ctx: ServiceContext, resident_id: int) -> dict[str, str]:
    """{field: what the record holds now} for every field of :data:`FIELDS` (full values)."""
    with ctx.database.connection_context():
        resident = Resident.get_or_none(Resident.id == resident_id)
        if resident is None:
            raise NotFound.keyed("infochange15.error.unknown", "resident_unknown", id="")
        return {field: current_value(resident, field) for field in FIELDS}


def _document(text: Any) -> str:
    try:
        document = normalise_text(str(text or ""))
    except InvalidText as exc:
        raise refusal_with_reason("refusal.info_change.bad_text", exc.reason, exc) from None
    if not document:
        raise ServiceError.keyed("infochange15.error.missing_document", "missing_document")
    if len(document) > DOCUMENT_MAX_LENGTH:
        raise ServiceError.keyed("infochange15.error.long_document", "long_document", max=DOCUMENT_MAX_LENGTH)
    return document


def _holders(number18: str) -> list[int]:
    """Residents recorded under ``number18`` or its first-generation 15 digits."""
    forms = [number18] + [f for f in (legacy_15_form(number18),) if f]
    return [int(row.id) for row in Resident.select(Resident.id).where(Resident.id_number.in_(forms))]


def _check_value(resident: Resident, field: str, value: str) -> None:
    """Refuse a change that changes nothing, a taken ID number, or an 18-character
    number that is not the upgrade of the record's 15 digits."""
    current = current_value(resident, field)
    if field == "id_number":
        old = str(resident.id_number)
        if len(old) == 15 and value != upgrade_15_to_18(old):
            raise ServiceError.keyed("infochange15.error.not_upgrade", "not_upgrade", old=mask_id_number(old),
                                     upgrade=mask_id_number(upgrade_15_to_18(old)))
        if value == old:
            raise ServiceError.keyed("infochange15.error.same_value", "same_value")
        if any(holder != resident.id for holder in _holders(value)):
            raise ServiceError.keyed("infochange15.error.id_taken", "id_taken", id=mask_id_number(value))
        return
    if value == current:
        raise ServiceError.keyed("infochange15.error.same_value", "same_value")


def prepare(ctx: ServiceContext, resident: Resident, data: dict[str, Any]) -> None:
    """At 受理 (inside :func:`kiosk.services.applications.submit`): check ``data`` and keep
    the new value in its stored form. ServiceError codes: ``bad_field``, ``missing_document``,
    the value's (``bad_name``, ``bad_region``, ``bad_bank_account``, the ID check's reason),
    ``same_value``, ``id_taken``, ``not_upgrade``."""
    field = str(data.get("field") or "")
    if field not in FIELDS:
        raise ServiceError.keyed("infochange15.error.bad_field", "bad_field", fields=" / ".join(FIELDS))
    data["document"] = _document(data.get("document"))
    data["value"] = _normalise(field, str(data.get("value") or ""), ctx.today())
    _check_value(resident, field, data["value"])


# -- steps (called by kiosk.services.application_effects inside the step's transaction) --


def needs_supervisor(to_status: str, data: dict[str, Any]) -> bool:
    """True for 审核 of a change of an identity field (shown as a supervisor step at the counter)."""
    return to_status == REVIEWED and data.get("field") in IDENTITY_FIELDS


def on_reviewed(ctx: ServiceContext, row: Application, data: dict[str, Any]) -> None:
    """审核: the field's supporting document received; an identity field approved by a
    supervisor or admin who neither accepted it nor took an earlier step (受审分离)."""
    field = str(data.get("field") or "")
    code = DOCUMENT_MATERIAL.get(field, "")
    item = ApplicationMaterial.get_or_none((ApplicationMaterial.application == row.id)
                                           & (ApplicationMaterial.code == code))
    if item is None or not item.received:
        material = {m.code: m for m in INFO_CHANGE.materials}.get(code)
        raise ServiceError.keyed("refusal.info_change.materials", "materials",
                                 name_zh=material.name_zh if material else code,
                                 name_en=material.name_en if material else code)
    if field not in IDENTITY_FIELDS:
        return
    staff = acting_staff(ctx)
    if staff is None or staff.role not in ("supervisor", "admin"):
        raise PermissionDenied.keyed("infochange15.error.supervisor", "supervisor")
    earlier = {int(e.__data__["staff"]) for e in ApplicationEvent.select(ApplicationEvent.staff)
               .where((ApplicationEvent.application == row.id) & ApplicationEvent.staff.is_null(False))}
    if (row.accepted_by is not None and int(row.accepted_by) == staff.id) or staff.id in earlier:
        raise PermissionDenied.keyed("infochange15.error.same_person", "same_person", number=row.number)
    Application.update(approved_by=staff.id).where(Application.id == row.id).execute()


def on_done(ctx: ServiceContext, row: Application, data: dict[str, Any]) -> None:
    """办结: apply the change, keep the old value in the history, audit it."""
    field, value = str(data["field"]), str(data["value"])
    query = Resident.select().where(Resident.id == row.__data__["resident"])
    if not is_sqlite(ctx.database):
        query = query.for_update()  # two changes of one resident at once: one waits
    resident = query.get()
    _check_value(resident, field, value)  # again: the record may have changed since 受理
    old = current_value(resident, field)
    now = ctx.now()
    changes: dict[str, Any] = {field: value, "updated_at": now}
    if field == "id_number":
        parsed = parse_id_number(value, today=ctx.today())
        changes.update(sex=parsed.sex, birth_date=parsed.birth_date)
        if parsed.sex == "male":
            changes["retirement_category"] = "male"
        elif resident.retirement_category == "male":
            changes["retirement_category"] = ""  # a woman's category is asked, never assumed
    try:
        with ctx.database.atomic():  # a savepoint: a unique clash is reported, not a traceback
            Resident.update(**changes).where(Resident.id == resident.id).execute()
    except peewee.IntegrityError:
        raise ServiceError.keyed("infochange15.error.id_taken", "id_taken", id=mask_id_number(value)) from None
    if field == "bank_account":
        Benefit.update(bank_account=value, updated_at=now).where(
            (Benefit.resident == resident.id) & Benefit.status.in_(OPEN_BENEFIT_STATUSES)).execute()
    InfoChangeHistory.create(resident=resident.id, field=field, old_value=old, new_value=value,
                             application=row.id, staff=ctx.staff_id, changed_at=now,
                             document=str(data.get("document") or ""))
    data["old_value"] = old
    audit.append(actor=ctx.actor, terminal=ctx.terminal, action="resident.info_change", now=now,
                 entity="resident", entity_id=resident.id,
                 detail={"field": field, "old": mask_value(field, old), "new": mask_value(field, value),
                         "application": row.number, "document": data.get("document", "")})


# -- use cases --------------------------------------------------------------------------


def find_resident_id(ctx: ServiceContext, text: str) -> int:
    """The resident an ID number names, also when the record is still kept under the
    first-generation 15 digits (typed as 15 or as its 18-character upgrade).

    Raises ServiceError (what is wrong with the number) or NotFound."""
    try:
        number = parse_id_number(text, today=ctx.today()).number
    except InvalidIdNumber as exc:
        raise refusal_with_reason("infochange15.error.bad_id", exc.reason, exc) from None
    with ctx.database.connection_context():
        holders = _holders(number)
    if not holders:
        raise NotFound.keyed("infochange15.error.unknown", "resident_unknown", id=mask_id_number(number))
    return holders[0]


def request(ctx: ServiceContext, resident_id: int, field: str, value: str, document: str, *,
            materials: tuple[str, ...] | None = None, note: str = "", print_receipt: bool = False) -> Any:
    """受理 a change of ``field`` to ``value`` proven by ``document`` (staff only).

    ``materials`` are the checklist codes received; by default the ID card and the
    field's document (:data:`DOCUMENT_MATERIAL`), which the clerk has just seen.
    Returns the :class:`~kiosk.services.applications.ApplicationInfo`; raises what
    :func:`prepare` and :func:`kiosk.services.applications.submit` raise."""
    from kiosk.services import applications

    with ctx.database.connection_context():
        if acting_staff(ctx) is None:
            raise PermissionDenied.keyed("infochange15.error.login_required", "login_required")
    received = materials if materials is not None else ("id_card", DOCUMENT_MATERIAL.get(field, ""))
    return applications.submit(ctx, resident_id, TYPE, {"field": field, "value": value, "document": document},
                               [code for code in received if code], note=note, print_receipt=print_receipt)


def complete(clerk: ServiceContext, number: str, reviewer: ServiceContext | None = None) -> Any:
    """审核 (by ``reviewer``, default the clerk) then 办结 (by the clerk) of application ``number``;
    each step is one transaction. Returns the finished ApplicationInfo."""
    from kiosk.services import applications

    info = applications.advance(reviewer or clerk, number, REVIEWED)
    return applications.advance(clerk, number, DONE, expected_version=info.version)


def history(ctx: ServiceContext, resident_id: int, *, reason: str = "info_change_history") -> list[HistoryRow]:
    """The resident's changed values, newest first; the look is audited (``resident.open``
    with ``reason``), as every look at a resident's records is."""
    with write_transaction(ctx.database):
        if not Resident.select().where(Resident.id == resident_id).exists():
            raise NotFound.keyed("infochange15.error.unknown", "resident_unknown", id="")
        staff_numbers = {s.id: s.number for s in Staff.select(Staff.id, Staff.number)}
        numbers = {a.id: a.number for a in Application.select(Application.id, Application.number)
                   .where(Application.resident == resident_id)}
        rows = [HistoryRow(r.field, r.old_value, r.new_value, numbers.get(r.__data__["application"], ""),
                           staff_numbers.get(int(r.staff or 0), ""), r.changed_at, r.document)
                for r in InfoChangeHistory.select().where(InfoChangeHistory.resident == resident_id)
                .order_by(InfoChangeHistory.changed_at.desc(), InfoChangeHistory.id.desc())]  # type: ignore[attr-defined]
        audit.append(actor=ctx.actor if ctx.staff_id else "admin-cli", terminal=ctx.terminal,
                     action="resident.open", now=ctx.now(), entity="resident", entity_id=resident_id,
                     detail={"channel": "counter" if ctx.staff_id else "cli", "reason": reason})
        return rows
