"""The application engine: submit a piece of business and move it through
its workflow (:mod:`kiosk.rules.workflows`), one transaction per step.

Every status change writes an :class:`~db.models.ApplicationEvent` (who,
which terminal, when, note), the step's effects (accounts, cards, ledger
entries, payments — :mod:`kiosk.services.application_effects`) and an audit
entry, all in one transaction. Two clerks advancing the same application:
the status update is ``UPDATE … WHERE version = expected``; one wins, the
other gets :class:`~kiosk.services.Conflict`.

Numbers are ``SQ`` + local date + a 6-digit serial from an atomic per-day
counter (``DayCounter`` row with prefix ``#``, which no queue category uses).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, cast

import peewee

from db import audit
from db.connection import is_sqlite, write_transaction
from db.models import (
    Application,
    ApplicationEvent,
    ApplicationMaterial,
    DayCounter,
    Resident,
    Staff,
)
from kiosk.rules.codes import application_number
from kiosk.rules.identity import mask_name
from kiosk.rules.workflows import END_STATES, REJECTED, RETURNED, WITHDRAWN, WORKFLOWS, Workflow
from kiosk.services import Conflict, NotFound, ServiceContext, ServiceError, claims, duties, reasons
from kiosk.services import application_effects as effects
from kiosk.services.resident_standing import AFTER_DEATH_TYPES, refuse_if_deceased
from kiosk.services.staff import PermissionDenied, acting_staff
from printers import spool
from printers.templates import (
    AcceptanceInput,
    MissingMaterial,
    NoticeInput,
    Person,
    acceptance_receipt,
    one_time_notice,
)

APPLICATION_COUNTER_PREFIX = "#"


def _status_params(wf: Workflow, status: str) -> dict[str, object]:
    """A status's name in both languages, for a refusal's catalog message (ServiceError.key)."""
    return {"status_zh": wf.status_name(status), "status_en": wf.status_name(status, "en")}


NEEDS_REASON = (RETURNED, REJECTED)
#: Material states at the counter's checklist: 已收, 未收, 需补正 (brought but to be corrected).
MATERIAL_STATES = ("received", "missing", "correction")
#: Key of ``Application.data`` holding {material code: what must be corrected} (补正).
CORRECTIONS_KEY = "material_corrections"
#: What a 需补正 mark records when the clerk did not describe the correction.
DEFAULT_CORRECTION = "需补正"
MATERIAL_SOURCES = Path(__file__).resolve().parent.parent / "guide" / "materials.toml"


def _desc(model: type[peewee.Model]) -> Any:
    """Newest first by primary key (the ``id`` annotation hides the field from mypy)."""
    return cast(Any, model._meta.primary_key).desc()  # type: ignore[attr-defined]


@dataclass(frozen=True)
class MaterialInfo:
    """One item of the checklist: received or still missing."""

    code: str
    name: str
    required: bool
    received: bool
    correction: str = ""
    """What must be corrected (补正) when the material was brought but cannot be accepted as is."""

    @property
    def state(self) -> str:
        """received | missing | correction (see :data:`MATERIAL_STATES`)."""
        if self.received:
            return "received"
        return "correction" if self.correction else "missing"


@dataclass(frozen=True)
class EventInfo:
    """One status change as 办理进度 shows it."""

    from_status: str
    to_status: str
    step_name: str
    staff_number: str  # "" when the resident did it at the self-service terminal
    terminal: str
    note: str
    created_at: dt.datetime  # naive UTC; show with clock.to_local


@dataclass(frozen=True)
class Transition:
    """A status the application may move to next, and what that needs."""

    to_status: str
    name: str
    supervisor: bool  # needs a supervisor or admin
    needs_reason: bool  # 退回 / 不予受理 must say why


@dataclass(frozen=True)
class ApplicationInfo:
    """An application with its checklist, history and what may happen next."""

    id: int
    number: str
    resident_id: int
    resident_name: str
    type: str
    type_name: str
    subtype: str
    status: str
    status_name: str
    channel: str
    data: dict[str, Any]
    expected_days: int
    version: int  # pass back to advance() as expected_version
    created_at: dt.datetime
    updated_at: dt.datetime
    finished: bool
    transitions: tuple[Transition, ...]
    materials: tuple[MaterialInfo, ...]
    events: tuple[EventInfo, ...]
    reason: str  # the note of the last 退回/不予受理, shown under 办理进度
    print_job_id: int | None = None
    """The 受理回执 stored by ``submit(print_receipt=True)`` (pass to the spool to print it now)."""

    @property
    def reason_code(self) -> dict[str, Any]:
        """The coded form of :attr:`reason` (kiosk.services.reasons.render shows it in a language)."""
        code = self.data.get(reasons.REASON_KEY)
        return dict(code) if isinstance(code, dict) else {}

    @property
    def masked_name(self) -> str:
        return mask_name(self.resident_name)

    @property
    def missing_materials(self) -> tuple[MaterialInfo, ...]:
        """Required materials not received, and any material waiting for 补正."""
        return tuple(m for m in self.materials if not m.received and (m.required or m.correction))

    @property
    def amount_fen(self) -> int | None:
        """The benefit computed at 待遇计算 (or the assessed total), if any. A benefit claim has
        an amount only once calculated (its entitlement is in the data): a typed figure on older
        records is never shown as the amount."""
        if self.type.startswith("benefit_") and "entitlement" not in self.data:
            return None
        value = self.data.get("amount_fen")
        return int(value) if value is not None else None


def _workflow(type_: str) -> Workflow:
    try:
        return WORKFLOWS[type_]
    except KeyError:
        raise ServiceError.keyed("refusal.applications.unknown_type", "unknown_type", type=type_) from None


def _info(row: Application) -> ApplicationInfo:
    wf = _workflow(row.type)
    required = {m.code: m.required for m in wf.materials}
    corrections = dict((row.data or {}).get(CORRECTIONS_KEY) or {})
    materials = tuple(MaterialInfo(m.code, m.name, required.get(m.code, False), bool(m.received),
                                   "" if m.received else str(corrections.get(m.code, "")))
                      for m in ApplicationMaterial.select().where(ApplicationMaterial.application == row.id).order_by(ApplicationMaterial.id))
    events: list[EventInfo] = []
    reason = ""
    staff_numbers = {s.id: s.number for s in Staff.select(Staff.id, Staff.number)}
    for event in ApplicationEvent.select().where(ApplicationEvent.application == row.id).order_by(ApplicationEvent.id):
        events.append(EventInfo(event.from_status, event.to_status, event.step,
                                staff_numbers.get(event.__data__.get("staff"), ""), event.terminal, event.note,
                                event.created_at))
        if event.to_status in NEEDS_REASON:
            reason = event.note
        elif event.to_status == wf.first:
            reason = ""  # resubmitted: the old reason no longer applies
    transitions = tuple(Transition(code, wf.status_name(code), _needs_supervisor(wf, row.status, code, row.data),
                                   code in NEEDS_REASON) for code in wf.allowed(row.status))
    return ApplicationInfo(row.id, row.number, row.__data__["resident"], row.resident.name, row.type, wf.name_zh,
                           row.subtype, row.status, wf.status_name(row.status), row.channel, dict(row.data or {}),
                           row.expected_days, row.version, row.created_at, row.updated_at,
                           wf.is_finished(row.status), transitions, materials, tuple(events), reason)


def _needs_supervisor(wf: Workflow, status: str, to_status: str, data: dict[str, Any] | None = None) -> bool:
    """Supervisor steps, and refusing an application whose next step is one (审核 decisions).
    A step may need one because of what the application is about (``data``: a 信息变更 of a
    name or ID number, :func:`kiosk.services.application_effects.needs_supervisor`)."""
    def supervised(step: str) -> bool:
        return wf.step(step).supervisor or effects.needs_supervisor(wf.type, step, dict(data or {}))

    if to_status in END_STATES:
        nxt = wf.next_step(status)
        return to_status == REJECTED and nxt is not None and supervised(nxt.code)
    return supervised(to_status)


def _next_serial(day: dt.date) -> int:
    """The day's next application serial: one atomic upsert, safe across terminals."""
    statement = (
        DayCounter.insert(day=day, prefix=APPLICATION_COUNTER_PREFIX, last=1)
        .on_conflict(conflict_target=[DayCounter.day, DayCounter.prefix],
                     update={DayCounter.last: DayCounter.last + 1})
        .returning(DayCounter.last)
    )
    return int(next(iter(statement.execute())).last)


def _event(ctx: ServiceContext, row: Application, wf: Workflow, from_status: str, to_status: str,
           note: str) -> None:
    ApplicationEvent.create(application=row.id, from_status=from_status, to_status=to_status,
                            step=wf.status_name(to_status), staff=ctx.staff_id, terminal=ctx.terminal,
                            note=note, created_at=ctx.now())


def submit(ctx: ServiceContext, resident_id: int, type_: str, data: dict[str, Any] | None = None,
           materials_received: tuple[str, ...] | list[str] = (), *, subtype: str = "", note: str = "",
           print_receipt: bool = False) -> ApplicationInfo:
    """Start an application at its first step (the resident alone or a clerk).

    ``materials_received`` are material codes from the workflow; the rest
    are recorded as missing. Preconditions (a prior 失业登记, a determined
    工伤认定 in time, a card to freeze …) are checked here; the first step's
    effects run at once (a loss report freezes the card). With
    ``print_receipt`` the 受理回执 print job is stored in the same transaction.
    """
    wf = _workflow(type_)
    received = set(materials_received)
    unknown = received - {m.code for m in wf.materials}
    if unknown:
        raise ServiceError.keyed("refusal.applications.unknown_materials", "unknown_material",
                                 codes=", ".join(sorted(unknown)), type_zh=wf.name_zh, type_en=wf.name_en,
                                 known_zh="、".join(f"{m.code}（{m.name_zh}）" for m in wf.materials),
                                 known_en=", ".join(f"{m.code} ({m.name_en})" for m in wf.materials))
    payload = dict(data or {})
    now, today = ctx.now(), ctx.today()
    with write_transaction(ctx.database):
        query = Resident.select().where(Resident.id == resident_id)
        if not is_sqlite(ctx.database):
            # Two clerks submitting for the same resident at once: without this
            # row lock both pass the duplicate check below on PostgreSQL (SQLite
            # writers are already serialised by BEGIN IMMEDIATE).
            query = query.for_update()
        resident = query.get_or_none()
        if resident is None:
            raise NotFound.keyed("maint17.app.resident_unknown", "resident_unknown")
        staff = acting_staff(ctx)
        _check_submit(ctx, resident, wf, payload)
        number = application_number(today, _next_serial(today))
        row = Application.create(number=number, resident=resident_id, type=type_, subtype=subtype,
                                 status=wf.first, data=payload, channel="counter" if staff else "self",
                                 expected_days=wf.expected_days, version=1, created_at=now, updated_at=now,
                                 accepted_by=staff.id if staff else None)
        for material in wf.materials:
            got = material.code in received
            ApplicationMaterial.create(application=row.id, code=material.code, name=material.name_zh,
                                       received=got, received_at=now if got else None)
        effects.apply(ctx, row, wf, wf.first, payload)
        Application.update(data=payload).where(Application.id == row.id).execute()
        _event(ctx, row, wf, "", wf.first, note)
        audit.append(actor=ctx.actor, terminal=ctx.terminal, action="application.submit", now=now,
                     entity="application", entity_id=number,
                     detail={"type": type_, "resident": resident_id, "status": wf.first})
        job_id = _acceptance_job(ctx, resident, row, wf, received, staff) if print_receipt else None
        return dataclasses.replace(_info(Application.get_by_id(row.id)), print_job_id=job_id)


def _check_submit(ctx: ServiceContext, resident: Resident, wf: Workflow, payload: dict[str, Any]) -> None:
    """What :func:`submit` refuses before it writes: business for a person recorded as deceased
    (except the death's follow-ups, :data:`~kiosk.services.resident_standing.AFTER_DEATH_TYPES`),
    a duplicate, then the workflow's preconditions."""
    if wf.type not in AFTER_DEATH_TYPES:
        refuse_if_deceased(resident.death_date, "application", type_zh=wf.name_zh, type_en=wf.name_en)
    open_same = (Application.select().where((Application.resident == resident.id) & (Application.type == wf.type)
                                            & ~(Application.status.in_((*END_STATES, wf.last))))
                 .first())
    if open_same is not None:
        raise Conflict.keyed("maint17.app.duplicate", "duplicate", type_zh=wf.name_zh, type_en=wf.name_en,
                             number=open_same.number)
    effects.check_submit(ctx, resident, wf, payload)


def check(ctx: ServiceContext, resident_id: int, type_: str, data: dict[str, Any] | None = None) -> None:
    """Would :func:`submit` accept this application now? Runs the same checks (duplicate,
    preconditions, entitlement) and writes nothing (a rolled-back transaction); raises the
    same ServiceError submit would (NotFound, Conflict, ServiceError with the rule's message).
    The kiosk asks before its review screen, so a resident never confirms a refusal."""
    wf = _workflow(type_)
    with ctx.database.atomic() as transaction:
        try:
            resident = Resident.get_or_none(Resident.id == resident_id)
            if resident is None:
                raise NotFound.keyed("maint17.app.resident_unknown", "resident_unknown")
            _check_submit(ctx, resident, wf, dict(data or {}))
        finally:
            transaction.rollback()


def _acceptance_job(ctx: ServiceContext, resident: Resident, row: Application, wf: Workflow, received: set[str],
                    staff: Staff | None) -> int:
    from kiosk.services.payments import _receipt_context

    missing = tuple(m.name_zh for m in wf.materials if m.code not in received)
    document = acceptance_receipt(_receipt_context(ctx), AcceptanceInput(
        row.number, wf.name_zh, Person(resident.name, resident.id_number), missing, wf.expected_days,
        staff.number if staff else ""))
    return spool.enqueue(document, ctx.clock, resident_id=resident.id)


def _illegal(wf: Workflow, status: str, to_status: str) -> ServiceError:
    allowed = wf.allowed(status)
    known = to_status in END_STATES or to_status in {s.code for s in wf.steps}
    target = wf.status_name(to_status) if known else to_status
    target_en = wf.status_name(to_status, "en") if known else to_status
    params: dict[str, object] = {"type_zh": wf.name_zh, "type_en": wf.name_en, **_status_params(wf, status),
                                 "target_zh": target, "target_en": target_en}
    if not allowed:
        return ServiceError.keyed("refusal.applications.finished", "illegal_transition", **params)
    return ServiceError.keyed("refusal.applications.illegal", "illegal_transition", **params,
                              allowed_zh="、".join(f"“{wf.status_name(code)}”" for code in allowed),
                              allowed_en=", ".join(f"\"{wf.status_name(code, 'en')}\"" for code in allowed))


def advance(ctx: ServiceContext, number: str, to_status: str, note: str = "", expected_version: int | None = None,
            data: dict[str, Any] | None = None) -> ApplicationInfo:
    """Move an application to ``to_status`` (a step code, ``returned``,
    ``rejected`` or ``withdrawn``) as the logged-in staff member.

    ``data`` adds this step's inputs (e.g. ``{"method": "cash"}`` at 缴费记录,
    ``{"grade": 9, ...}`` before 待遇计算) to the application's data.
    ``expected_version`` is the version the clerk's screen showed; when
    someone else moved the application since, :class:`Conflict` is raised.
    """
    note = note.strip()
    now = ctx.now()
    with write_transaction(ctx.database):
        row = Application.get_or_none(Application.number == number.strip().upper())
        if row is None:
            raise NotFound.keyed("maint17.app.unknown", "application_unknown", number=number)
        staff = acting_staff(ctx)
        if staff is None:
            raise PermissionDenied.keyed("maint17.app.login_required", "login_required")
        if expected_version is not None and expected_version != row.version:
            raise Conflict.keyed("maint17.app.conflict", "conflict")
        wf = _workflow(row.type)
        if to_status not in wf.allowed(row.status):
            raise _illegal(wf, row.status, to_status)
        if _needs_supervisor(wf, row.status, to_status, row.data) and staff.role not in ("supervisor", "admin"):
            raise PermissionDenied.keyed("maint17.app.supervisor", "supervisor", **_status_params(wf, to_status))
        if to_status not in END_STATES and row.type not in AFTER_DEATH_TYPES:
            # Accepted before the death was recorded: no enrolment, card or payment follows; it may
            # still be returned, refused or withdrawn (END_STATES) to close it.
            refuse_if_deceased(row.resident.death_date, "step", type_zh=wf.name_zh, type_en=wf.name_en)
        payload = dict(row.data or {})
        typed = dict(data or {})
        if row.type.startswith("benefit_"):
            claims.drop_computed(typed)  # amounts come from 待遇计算 only, never from a step's input
        payload.update(typed)
        duties.check_separation(row, wf, staff, to_status, payload)
        if to_status not in END_STATES:
            duties.check_decision_inputs(row.type, to_status, payload, ctx.today())
        if to_status in NEEDS_REASON and not note:
            raise ServiceError.keyed("maint17.app.reason_required", "reason_required", **_status_params(wf, to_status))
        if row.status == wf.first and to_status not in END_STATES:
            lacking = [m for m in ApplicationMaterial.select().where(ApplicationMaterial.application == row.id)
                       if not m.received and any(w.code == m.code and w.required for w in wf.materials)]
            missing = [m.name for m in lacking]
            if missing:
                english = {w.code: w.name_en for w in wf.materials}
                raise ServiceError.keyed("maint17.app.materials", "materials", list_zh="、".join(missing),
                                         list_en=", ".join(english.get(m.code, m.name) for m in lacking))
        from_status = row.status
        # 受审分离: who accepted (受理) and who approved (复核) are kept on the row.
        accepted_by = duties.acceptor_after(row, wf, staff, to_status)
        approved = to_status not in END_STATES and wf.step(to_status).supervisor
        updated = (Application.update(status=to_status, version=Application.version + 1, updated_at=now,
                                      accepted_by=accepted_by,
                                      approved_by=staff.id if approved else Application.approved_by)
                   .where((Application.id == row.id) & (Application.version == row.version)).execute())
        if updated != 1:
            raise Conflict.keyed("maint17.app.conflict", "conflict")
        if to_status not in END_STATES:
            effects.apply(ctx, row, wf, to_status, payload)
        Application.update(data=payload).where(Application.id == row.id).execute()
        _event(ctx, row, wf, from_status, to_status, note)
        audit.append(actor=ctx.actor, terminal=ctx.terminal, action="application.advance", now=now,
                     entity="application", entity_id=row.number,
                     detail={"from": from_status, "to": to_status, "note": note})
        return _info(Application.get_by_id(row.id))


def mark_material(ctx: ServiceContext, number: str, code: str, received: bool = True, *,
                  state: str | None = None, problem: str = "") -> ApplicationInfo:
    """Record one checklist item at the counter: ``state`` is ``received`` (已收),
    ``missing`` (未收) or ``correction`` (需补正, with ``problem`` saying what is
    wrong); without ``state`` the boolean ``received`` decides (the old call).

    Only a logged-in staff member may mark materials, and only while the
    application is at its first step or returned (补正 brought back later);
    each change is audited. Raises NotFound, PermissionDenied or ServiceError
    (unknown code, finished application).
    """
    state = state or ("received" if received else "missing")
    if state not in MATERIAL_STATES:
        raise ServiceError.keyed("refusal.applications.material_state", "material_state",
                                 states_zh="、".join(MATERIAL_STATES), states_en=", ".join(MATERIAL_STATES))
    problem = problem.strip() or (DEFAULT_CORRECTION if state == "correction" else "")
    with write_transaction(ctx.database):
        row = Application.get_or_none(Application.number == number.strip().upper())
        if row is None:
            raise NotFound.keyed("maint17.app.unknown", "application_unknown", number=number)
        if acting_staff(ctx) is None:
            raise PermissionDenied.keyed("maint17.app.login_required_materials", "login_required")
        wf = _workflow(row.type)
        if not (row.status == RETURNED or (row.status == wf.first and not wf.is_finished(row.status))):
            raise ServiceError.keyed("maint17.app.materials_closed", "materials_closed", type_zh=wf.name_zh,
                                     type_en=wf.name_en, **_status_params(wf, row.status))
        item = ApplicationMaterial.get_or_none((ApplicationMaterial.application == row.id)
                                               & (ApplicationMaterial.code == code))
        if item is None:
            raise ServiceError.keyed("refusal.applications.unknown_material", "unknown_material",
                                     type_zh=wf.name_zh, type_en=wf.name_en, code=code)
        got = state == "received"
        payload = dict(row.data or {})
        corrections = dict(payload.get(CORRECTIONS_KEY) or {})
        before = (bool(item.received), corrections.get(code, ""))
        if state == "correction":
            corrections[code] = problem
        else:
            corrections.pop(code, None)
        if before != (got, corrections.get(code, "")):
            ApplicationMaterial.update(received=got, received_at=ctx.now() if got else None).where(
                ApplicationMaterial.id == item.id).execute()
            payload[CORRECTIONS_KEY] = corrections
            Application.update(data=payload, updated_at=ctx.now()).where(Application.id == row.id).execute()
            audit.append(actor=ctx.actor, terminal=ctx.terminal, action="application.material", now=ctx.now(),
                         entity="application", entity_id=row.number,
                         detail={"material": code, "received": got, "state": state, "problem": problem})
        return _info(Application.get_by_id(row.id))


@cache
def _material_sources() -> dict[str, dict[str, str]]:
    """kiosk/guide/materials.toml: {code: {language: where it is issued}}."""
    raw = tomllib.loads(MATERIAL_SOURCES.read_text(encoding="utf-8"))
    return {code: dict(value) for code, value in raw.get("material_source", {}).items()}


def material_source(code: str, language: str = "zh_CN") -> str:
    """Where material ``code`` is issued (guide data), in ``language``; the general line for unknown codes."""
    sources = _material_sources()
    entry = sources.get(code) or sources.get("default") or {}
    return entry.get(language) or entry.get("zh_CN", "")


def _notice_job(ctx: ServiceContext, row: Application, info: ApplicationInfo) -> int:
    """Store the 一次性告知单 of ``info`` (every missing material and where to get it) as a print job."""
    from kiosk.services.payments import _receipt_context

    resident = Resident.get_by_id(row.__data__["resident"])
    staff = acting_staff(ctx)
    wf = _workflow(row.type)
    counter = ctx.extras.get("counter")
    document = one_time_notice(_receipt_context(ctx), NoticeInput(
        row.number, wf.name_zh, Person(resident.name, resident.id_number),
        tuple(MissingMaterial(m.name, material_source(m.code), m.correction) for m in info.missing_materials),
        f"{counter}号窗口" if counter else "", staff.number if staff else ""))
    return spool.enqueue(document, ctx.clock, resident_id=resident.id)


def print_notice(ctx: ServiceContext, number: str) -> ApplicationInfo:
    """Store the 一次性告知单 for application ``number`` (staff only, audited);
    the returned info carries ``print_job_id``. Raises ServiceError when nothing is missing."""
    with write_transaction(ctx.database):
        row = Application.get_or_none(Application.number == number.strip().upper())
        if row is None:
            raise NotFound.keyed("maint17.app.unknown", "application_unknown", number=number)
        if acting_staff(ctx) is None:
            raise PermissionDenied.keyed("maint17.app.login_required_notice", "login_required")
        info = _info(row)
        if not info.missing_materials:
            raise ServiceError.keyed("maint17.app.nothing_missing_notice", "nothing_missing")
        job = _notice_job(ctx, row, info)
        audit.append(actor=ctx.actor, terminal=ctx.terminal, action="application.notice", now=ctx.now(),
                     entity="application", entity_id=row.number,
                     detail={"missing": [m.code for m in info.missing_materials]})
        return dataclasses.replace(info, print_job_id=job)


def correction_reason(info: ApplicationInfo) -> str:
    """The reason a 退回补正 records: every missing material by name (the resident reads it in 办理进度)."""
    return str(_correction_code(info)["text"])


def _correction_code(info: ApplicationInfo, note: str = "") -> dict[str, Any]:
    """The 退回补正 reason as a catalog code (kiosk.services.reasons), its Chinese ``text`` the event note."""
    return reasons.correction_code(info.type, [(m.code, m.name, m.correction) for m in info.missing_materials], note)


def return_for_correction(ctx: ServiceContext, number: str, note: str = "",
                          expected_version: int | None = None) -> ApplicationInfo:
    """退回补正: return the application to the resident naming every missing
    material (the reason, shown in 办理进度), and store its 一次性告知单 in the
    same transaction (``print_job_id`` of the result). ``note`` adds the clerk's words.

    Raises ServiceError when nothing is missing (use 不予受理 or 撤回 instead),
    and what :func:`advance` raises.
    """
    with write_transaction(ctx.database):
        row = Application.get_or_none(Application.number == number.strip().upper())
        if row is None:
            raise NotFound.keyed("maint17.app.unknown", "application_unknown", number=number)
        before = _info(row)
        if not before.missing_materials:
            raise ServiceError.keyed("maint17.app.nothing_missing_return", "nothing_missing")
        code = _correction_code(before, note)
        info = advance(ctx, number, RETURNED, str(code["text"]), expected_version=expected_version,
                       data={reasons.REASON_KEY: code})
        job = _notice_job(ctx, Application.get_by_id(row.id), info)
        return dataclasses.replace(info, print_job_id=job)


def missing_by_application(ctx: ServiceContext, resident_id: int) -> dict[str, tuple[MaterialInfo, ...]]:
    """{application number: materials still missing} for the resident's applications
    waiting for materials (first step or returned); for 办理进度."""
    with ctx.database.connection_context():
        result: dict[str, tuple[MaterialInfo, ...]] = {}
        for row in Application.select().where(Application.resident == resident_id):
            wf = WORKFLOWS.get(row.type)
            if wf is None or not (row.status == RETURNED or (row.status == wf.first and not wf.is_finished(row.status))):
                continue
            missing = _info(row).missing_materials
            if missing:
                result[row.number] = missing
        return result


def get_application(ctx: ServiceContext, number: str) -> ApplicationInfo:
    """One application by its number, with checklist and history."""
    with ctx.database.connection_context():
        row = Application.get_or_none(Application.number == number.strip().upper())
        if row is None:
            raise NotFound.keyed("maint17.app.unknown", "application_unknown", number=number)
        return _info(row)


def open_application(ctx: ServiceContext, number: str, *, served: int | None = None) -> ApplicationInfo:
    """:func:`get_application` for a clerk who opens it (its history says who did what, when):
    the look is audited as Find audits it (``resident.open``, reason ``application``), whichever
    menu it was opened from (the Work list, the rule audit, a resident's detail). ``served`` is
    the resident whose records the clerk already opened (an audited look): their application
    writes no second entry. NotFound for an unknown number."""
    from kiosk.services.staff import audit_open

    info = get_application(ctx, number)
    if info.resident_id != served:
        audit_open(ctx, info.resident_id, reason="application")
    return info


def list_applications(ctx: ServiceContext, *, resident_id: int | None = None, type_: str | None = None,
                      status: str | None = None, open_only: bool = False, limit: int = 200) -> list[ApplicationInfo]:
    """Applications, newest first, filtered by resident, type, status or still open."""
    with ctx.database.connection_context():
        query = Application.select()
        if resident_id is not None:
            query = query.where(Application.resident == resident_id)
        if type_ is not None:
            query = query.where(Application.type == type_)
        if status is not None:
            query = query.where(Application.status == status)
        rows = query.order_by(Application.created_at.desc(), _desc(Application))
        result = []
        for row in rows.iterator():
            if open_only and _workflow(row.type).is_finished(row.status):
                continue
            result.append(_info(row))
            if len(result) >= limit:
                break
        return result


def review_queue(ctx: ServiceContext, limit: int = 200) -> list[ApplicationInfo]:
    """Open applications waiting for a supervisor (their next step needs one), oldest first."""
    waiting = []
    for info in reversed(list_applications(ctx, open_only=True, limit=10_000)):
        if any(t.supervisor and t.to_status not in END_STATES for t in info.transitions):
            waiting.append(info)
    return waiting[:limit]


def withdraw(ctx: ServiceContext, number: str, note: str = "", expected_version: int | None = None) -> ApplicationInfo:
    """Shorthand for ``advance(…, "withdrawn")``."""
    return advance(ctx, number, WITHDRAWN, note, expected_version)
