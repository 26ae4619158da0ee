"""Whether a resident is alive and what is still paid to them, for the counter's
resident detail (issue 15: a deceased resident must not look alive).

:func:`standing` reads, in one connection: the date of death (``Resident.death_date``,
set at 死亡注销's 办结), the enrolments that ended or are suspended (with the end
date), and every benefit with its status and reason (``in_payment`` | ``suspended`` |
``stopped`` | ``finished``; reasons ``deceased``, ``not_certified``, ``months_used`` …),
the last month due, and the overpayment still to recover (``overpaid_fen`` -
``recovered_fen``, fen) with the months paid after the last month due. Read only;
the caller audits the look (the detail's ``resident.open``).

:func:`refuse_if_deceased` is the one check every service that starts new business
for a resident calls (attack E13): applications at 受理 and their later steps
(:mod:`kiosk.services.applications`), contribution payments
(:mod:`kiosk.services.payments`, so the counter, the kiosk and ``kiosk import
collection`` alike) and the service password (:mod:`kiosk.services.service_password`).
What a death still needs (:data:`AFTER_DEATH_TYPES`: inheritance and funeral grant,
claims whose event came before the death, ending an enrolment) stays open.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from db.models import Benefit, BenefitPayment, Enrolment, Resident
from kiosk.services import NotFound, ServiceContext, ServiceError

#: Application types still accepted for a person recorded as deceased: the death's own
#: follow-ups (死亡注销 and 资格认证 refuse a death themselves, with their own message;
#: 个人账户继承及丧葬补助金, the funeral grant), claims the entitlement service decides by an
#: event that must lie before the death (medical costs, a work injury, a birth: the
#: ``deceased`` reason), the 工伤认定 of a 工亡, and 终止参保 (ends, never starts, coverage).
AFTER_DEATH_TYPES: frozenset[str] = frozenset({
    "death_report", "certification", "inheritance", "benefit_funeral", "benefit_medical", "benefit_injury",
    "benefit_maternity", "injury_determination", "enrolment_end"})


def refuse_if_deceased(death_date: dt.date | None, what: str, /, **params: object) -> None:
    """Refuse new business for a person recorded as deceased (``Resident.death_date`` set).

    ``what`` names the business: ``application`` (受理; params ``type_zh``/``type_en``),
    ``step`` (a later step of an application accepted before the death was recorded),
    ``payment`` (a contribution) or ``password`` (setting, resetting or unlocking the
    service password). Raises ServiceError ``refusal.resident_standing.deceased_<what>``,
    code ``deceased``, with the date; nothing when ``death_date`` is None."""
    if death_date is None:
        return
    date = death_date.isoformat()
    if what == "application":
        raise ServiceError.keyed("refusal.resident_standing.deceased_application", "deceased", date=date, **params)
    if what == "step":
        raise ServiceError.keyed("refusal.resident_standing.deceased_step", "deceased", date=date, **params)
    if what == "payment":
        raise ServiceError.keyed("refusal.resident_standing.deceased_payment", "deceased", date=date)
    raise ServiceError.keyed("refusal.resident_standing.deceased_password", "deceased", date=date)


@dataclass(frozen=True)
class BenefitStanding:
    """One benefit: ``kind`` (pension | unemployment | injury | survivor…), ``status``,
    ``reason`` ("" when in payment), ``monthly_fen``, ``end_month`` (last month due, or None),
    ``overpaid_fen`` still to recover and the ``overpaid_months`` ("YYYY-MM") paid after it."""

    kind: str
    scheme: str
    status: str
    reason: str
    monthly_fen: int
    end_month: dt.date | None
    overpaid_fen: int
    overpaid_months: tuple[str, ...]


@dataclass(frozen=True)
class EnrolmentStanding:
    """An enrolment as it stands: ``status`` active | suspended | ended, ``end_date`` or None."""

    insurance: str
    scheme: str
    status: str
    start_date: dt.date
    end_date: dt.date | None


@dataclass(frozen=True)
class Standing:
    """``death_date`` (None while alive), the enrolments and benefits of one resident."""

    death_date: dt.date | None
    enrolments: tuple[EnrolmentStanding, ...]
    benefits: tuple[BenefitStanding, ...]

    @property
    def overpaid_fen(self) -> int:
        """The overpayment still to recover over every benefit, fen."""
        return sum(b.overpaid_fen for b in self.benefits)


def standing(ctx: ServiceContext, resident_id: int) -> Standing:
    """The resident's :class:`Standing`; raises NotFound for an unknown id."""
    with ctx.database.connection_context():
        row = Resident.get_or_none(Resident.id == resident_id)
        if row is None:
            raise NotFound.keyed("maint17.app.resident_unknown", "resident_unknown")
        enrolments = tuple(EnrolmentStanding(e.insurance, e.scheme, e.status, e.start_date, e.end_date)
                           for e in Enrolment.select().where(Enrolment.resident == resident_id)
                           .order_by(Enrolment.start_date, Enrolment.id))
        benefits = []
        for b in Benefit.select().where(Benefit.resident == resident_id).order_by(Benefit.id):
            owed = max(0, int(b.overpaid_fen or 0) - int(b.recovered_fen or 0))
            months: tuple[str, ...] = ()
            if b.end_month is not None and b.overpaid_fen:
                months = tuple(f"{p.period:%Y-%m}" for p in BenefitPayment.select(BenefitPayment.period)
                               .where((BenefitPayment.benefit == b.id) & (BenefitPayment.period > b.end_month))
                               .order_by(BenefitPayment.period))
            benefits.append(BenefitStanding(b.kind, b.scheme, b.status, b.reason, int(b.monthly_fen), b.end_month,
                                            owed, tuple(dict.fromkeys(months))))
        return Standing(row.death_date, enrolments, tuple(benefits))


# -- what a lifecycle application will do, before 受理 (the 受理 confirmation shows it) ------


def certification_back_pay(ctx: ServiceContext, resident_id: int) -> list[dict[str, object]]:
    """For each pension suspended as overdue (``not_certified``): ``{"kind", "months": ["YYYY-MM"...],
    "fen"}`` — the months from its start to this month not yet paid and what the next run will pay
    for them once certified (:func:`kiosk.services.benefit_run.month_amount`, the policy of each
    month). Read only, own connection."""
    from kiosk.services import benefit_run
    from kiosk.services.benefit_run import month_of

    this_month = month_of(ctx.today())
    out: list[dict[str, object]] = []
    with ctx.database.connection_context():
        death = Resident.select(Resident.death_date).where(Resident.id == resident_id).scalar()
        for b in Benefit.select().where((Benefit.resident == resident_id) & (Benefit.status == "suspended")
                                        & (Benefit.reason == "not_certified")).order_by(Benefit.id):
            paid = {p.period for p in BenefitPayment.select(BenefitPayment.period)
                    .where(BenefitPayment.benefit == b.id)}
            last = benefit_run.last_month(b, this_month, death)
            months: list[str] = []
            fen = 0
            period = b.start_month
            while period <= last:
                if period not in paid:
                    months.append(f"{period:%Y-%m}")
                    fen += benefit_run.month_amount(ctx, b, period)
                period = (period + dt.timedelta(days=32)).replace(day=1)
            out.append({"kind": str(b.kind), "months": months, "fen": fen})
    return out


def accept_preview(ctx: ServiceContext, resident_id: int, type_: str, data: dict[str, object]) -> dict[str, object]:
    """The figures a lifecycle application's 受理 confirmation shows, from the same rules its steps use
    (read only): ``death_report`` → :func:`kiosk.services.lifecycle_apps.preview_death` of
    ``data["death_date"]``; ``inheritance`` → :func:`~kiosk.services.lifecycle_apps.settlement`;
    ``certification`` → ``{"back_pay": certification_back_pay(...)}``; ``{}`` for other types or a
    death date that is not a date yet (the service refuses it at 受理). Raises ServiceError as those do."""
    from kiosk.services import lifecycle_apps

    if type_ == "certification":
        return {"back_pay": certification_back_pay(ctx, resident_id)}
    with ctx.database.connection_context():
        if type_ == "death_report":
            try:
                death = dt.date.fromisoformat(str(data.get("death_date") or ""))
            except ValueError:
                return {}
            return dict(lifecycle_apps.preview_death(ctx, resident_id, death))
        if type_ == "inheritance":
            row = Resident.get_or_none(Resident.id == resident_id)
            if row is None:
                raise NotFound.keyed("maint17.app.resident_unknown", "resident_unknown")
            return dict(lifecycle_apps.settlement(ctx, row))
    return {}


def step_preview(ctx: ServiceContext, number: str, to_status: str) -> dict[str, object]:
    """The figures a step's confirmation shows before the step is taken (read only):
    资格认证 → 认证完成: ``{"back_pay": certification_back_pay(...)}``; 缴费核定 → 计算缴费金额:
    ``{"notice": {...lines, months, individual_fen, employer_fen}, "amount_fen"}`` (fen) — the
    calculation the step stores (:func:`kiosk.services.application_effects.calculate_contribution`),
    nothing written; ``{}`` otherwise. NotFound for an unknown number; ServiceError as the step would."""
    from db.models import Application

    with ctx.database.connection_context():
        row = Application.get_or_none(Application.number == number)
        if row is None:
            raise NotFound.keyed("maint17.app.unknown", "unknown", number=number)
        resident_id = int(row.__data__["resident"])
        if (row.type, to_status) == ("assessment", "amount_calculated"):
            from kiosk.services.application_effects import calculate_contribution

            # The calculation the step itself stores (read only), so the confirmation shows its figures.
            figures = calculate_contribution(ctx, resident_id, dict(row.data or {}))
            return {"notice": figures["notice"], "amount_fen": figures["amount_fen"]}
    if (row.type, to_status) == ("certification", "certified"):
        return {"back_pay": certification_back_pay(ctx, resident_id)}
    return {}


# -- the 资格认证 due list as a file for the village (协管员) -------------------------------

DUE_HEADER = ("村(社区)", "姓名(掩码)", "证件号码(掩码)", "应认证日期", "状态")


def export_due(ctx: ServiceContext, month: dt.date, path: Path) -> int:
    """Write :func:`kiosk.services.lifecycle.due_for_certification` of ``month`` as .xlsx, one sheet
    per village, names and ID numbers masked, every cell text (never a formula), mode 0600;
    audited (``benefit.due_list_export``: month, rows, path). Returns the rows written.
    ServiceError for another suffix or an unwritable place (nothing is left behind)."""
    from db import audit
    from db.connection import write_transaction
    from db.files import os_user
    from kiosk.services import lifecycle
    from kiosk.services.collection import write_village_workbook

    if path.suffix.lower() != ".xlsx":
        raise ServiceError.keyed("refusal.resident_standing.xlsx_only", "bad_file", file=path.name)
    rows = lifecycle.due_for_certification(ctx, month)
    by_village: dict[str, list[tuple[str, ...]]] = {}
    for r in rows:
        by_village.setdefault(r.village or "未填村居", []).append(
            (r.village, r.name_masked, r.id_masked, r.due.isoformat(), "已暂停发放" if r.suspended else "待认证"))
    try:
        write_village_workbook(path, DUE_HEADER, by_village)
    except OSError as exc:  # the writer leaves nothing behind (an older file at path stays as it was)
        raise ServiceError.keyed("refusal.collection.unwritable", "file", problem=exc.strerror or str(exc)) from None
    try:
        with ctx.database.connection_context(), write_transaction(ctx.database):
            audit.append(actor=ctx.actor, terminal=ctx.terminal, action="benefit.due_list_export", now=ctx.now(),
                         entity="benefit", entity_id=f"{month:%Y-%m}",
                         detail={"rows": len(rows), "path": str(path), "os_user": os_user()})
    except BaseException:
        path.unlink(missing_ok=True)  # an export nobody can account for is not left behind
        raise
    return len(rows)


def audit_list_look(ctx: ServiceContext, action: str, entity_id: str, rows: int) -> None:
    """Audit a look at a list of residents (``action`` e.g. ``benefit.due_list``, ``collection.list``;
    ``entity_id`` the month or year; ``rows`` how many were shown)."""
    from db import audit
    from db.connection import write_transaction

    with ctx.database.connection_context(), write_transaction(ctx.database):
        audit.append(actor=ctx.actor, terminal=ctx.terminal, action=action, now=ctx.now(), entity="list",
                     entity_id=entity_id, detail={"rows": rows, "channel": "counter"})
