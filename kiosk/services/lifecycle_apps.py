"""Lifecycle events as applications (issue 15, RULES.md §13.3): what each step
of the lifecycle workflows (:data:`kiosk.rules.workflows.LIFECYCLE_WORKFLOWS`)
checks and does. Called by :mod:`kiosk.services.application_effects` inside
the step's transaction; the facts live in ``Application.data``.

- ``certification`` 待遇领取资格认证 — 受理 → 认证完成: :func:`kiosk.services.lifecycle.certify`
  (a pension suspended as overdue is resumed; the next monthly run pays the
  suspended months back). Data: ``channel`` counter | self_assisted.
- ``death_report`` 死亡注销 — 受理 → 审核 (a supervisor, not the acceptor) → 办结:
  :func:`kiosk.services.lifecycle.record_death` at 办结. Data: ``death_date``
  (YYYY-MM-DD, required), ``applicant_name`` and ``relationship`` (required);
  ``preview`` (what 办结 will do, recomputed at 审核) and ``result`` (what it did,
  the ``kiosk resident deceased --json`` shape plus ``account_fen``/``scheme``).
- ``inheritance`` 个人账户继承及丧葬补助金 — 受理 → 审核 (supervisor) → 支付: pays the
  丧葬补助金 (BenefitPayment ``funeral``) and the inheritable personal-account
  balance (a ``payout`` ledger entry and BenefitPayment ``inheritance``) to the
  heir, each at most once per deceased person. Data: ``heir_name``,
  ``heir_id_number``, ``relationship``, ``bank_account`` (required);
  ``funeral_grant_fen``, ``inheritable_fen``, ``amount_fen`` set at 受理.
- ``enrolment_suspend`` / ``enrolment_resume`` / ``enrolment_end`` 暂停缴费 /
  恢复缴费 / 终止参保 — 受理 → 办结: :func:`kiosk.services.lifecycle.change_enrolment`.
  Data: ``insurance``, ``scheme`` (required), ``date`` (default the day of 办结).

Each last step stores a 办结回执 print job (``data["receipt_job"]``); the
counter prints it at once (:mod:`screens.counter.lifecycle`). Errors are
:class:`~kiosk.services.ServiceError` with a message saying what to do.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from db import audit
from db.connection import is_sqlite
from db.ledger import post
from db.models import Account, Application, Benefit, BenefitPayment, Enrolment, Resident
from kiosk.rules.identity import InvalidIdNumber, mask_id_number, mask_name, parse_id_number
from kiosk.rules.workflows import WORKFLOWS
from kiosk.services import ServiceContext, ServiceError, lifecycle
from kiosk.services.accounts import balance_at_death, return_parts_after_death
from kiosk.services.benefit_run import month_of
from kiosk.services.payments import policy_book
from kiosk.services.registration import refusal_with_reason
from printers import spool
from printers.lifecycle_receipts import (
    LifecycleReceiptInput,
    ReceiptLines,
    StoppedLine,
    certification_lines,
    death_lines,
    enrolment_change_lines,
    inheritance_lines,
    lifecycle_receipt,
)
from printers.templates import Person

Data = dict[str, Any]

ENROLMENT_ACTIONS = {"enrolment_suspend": "suspend", "enrolment_resume": "resume", "enrolment_end": "end"}
TYPES: tuple[str, ...] = ("certification", "death_report", "inheritance", *ENROLMENT_ACTIONS)
INSURANCES = ("pension", "medical", "unemployment", "injury", "maternity")
SCHEMES = ("resident", "flexible", "employee")
CHANNELS = ("counter", "self_assisted")
RECEIPT_JOB = "receipt_job"
#: BenefitPayment types of what an inheritance pays (``funeral`` as the entitlement service counts it).
FUNERAL, INHERITANCE = "funeral", "inheritance"
_TEXT_MAX = 40
_BANK = re.compile(r"\d{10,30}")


def _resident_id(row: Application) -> int:
    return int(row.__data__["resident"])


def _text(data: Data, key: str, what: str) -> str:
    """``data[key]`` trimmed; ``what`` names the field (``refusal.lifecycle_apps.field.<what>``)."""
    what_key = f"refusal.lifecycle_apps.field.{what}"
    value = str(data.get(key) or "").strip()
    if not value:
        raise ServiceError.keyed("refusal.lifecycle_apps.missing", f"missing_{key}", what_key=what_key)
    if len(value) > _TEXT_MAX or any(ord(c) < 32 for c in value):
        raise ServiceError.keyed("refusal.lifecycle_apps.bad_text", f"bad_{key}", what_key=what_key, max=_TEXT_MAX)
    data[key] = value
    return value


def _day(data: Data, key: str) -> dt.date:
    """``data[key]`` as a date; the field's name is ``refusal.lifecycle_apps.field.<key>``."""
    what_key = f"refusal.lifecycle_apps.field.{key}"
    raw = str(data.get(key) or "").strip()
    if not raw:
        raise ServiceError.keyed("refusal.lifecycle_apps.missing_date", f"missing_{key}", what_key=what_key)
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ServiceError.keyed("refusal.lifecycle_apps.bad_date", f"bad_{key}", what_key=what_key,
                                 raw=raw[:20]) from None


# -- checks at 受理 -------------------------------------------------------------------------


def check_submit(ctx: ServiceContext, resident: Resident, type_: str, data: Data) -> None:
    """Refuse a lifecycle application whose facts do not hold; fills ``data`` (preview, amounts)."""
    if type_ == "certification":
        _check_certification(ctx, resident, data)
    elif type_ == "death_report":
        _check_death(ctx, resident, data)
    elif type_ == "inheritance":
        _check_inheritance(ctx, resident, data)
    elif type_ in ENROLMENT_ACTIONS:
        _check_enrolment(resident, ENROLMENT_ACTIONS[type_], data)


def _pensions(resident_id: int) -> list[Benefit]:
    return list(Benefit.select().where((Benefit.resident == resident_id) & Benefit.kind.in_(("pension", "survivor"))
                                       & Benefit.status.in_(("in_payment", "suspended"))))


def _check_certification(ctx: ServiceContext, resident: Resident, data: Data) -> None:
    if resident.death_date is not None:
        raise ServiceError.keyed("refusal.lifecycle.deceased", "deceased")
    rows = _pensions(resident.id)
    if not rows:
        raise ServiceError.keyed("refusal.lifecycle.no_pension", "no_pension")
    lifecycle.refuse_early_certification(ctx, rows)  # before an application is created
    channel = str(data.get("channel") or "counter")
    if channel not in CHANNELS:
        raise ServiceError.keyed("refusal.lifecycle_apps.bad_channel", "bad_channel")
    data["channel"] = channel
    data["preview"] = {"pensions": len(rows),
                       "suspended": [b.id for b in rows if b.status == "suspended" and b.reason == "not_certified"]}


def _death_day(ctx: ServiceContext, resident: Resident, data: Data) -> dt.date:
    death = _day(data, "death_date")
    if death > ctx.today():
        raise ServiceError.keyed("refusal.lifecycle.death_future", "bad_date", date=death.isoformat())
    if death < resident.birth_date:
        raise ServiceError.keyed("refusal.lifecycle_apps.death_before_birth", "bad_date")
    data["death_date"] = death.isoformat()
    return death


def _check_death(ctx: ServiceContext, resident: Resident, data: Data) -> None:
    if resident.death_date is not None:
        raise ServiceError.keyed("refusal.lifecycle.already_dead", "already", date=resident.death_date.isoformat())
    death = _death_day(ctx, resident, data)
    _text(data, "applicant_name", "applicant_name")
    _text(data, "relationship", "relationship")
    survivors = data.get("survivors") or []
    if data.get("survivor_id_number"):  # the counter's form names one survivor by ID number
        survivors = [*survivors, _survivor_id(ctx, str(data["survivor_id_number"]))]
    if not isinstance(survivors, list) or not all(isinstance(r, int) and r != resident.id for r in survivors) \
            or any(Resident.get_or_none(Resident.id == r) is None for r in survivors):
        raise ServiceError.keyed("refusal.lifecycle_apps.bad_survivors", "bad_survivors")
    data["survivors"] = survivors
    data["preview"] = preview_death(ctx, resident.id, death)


def _survivor_id(ctx: ServiceContext, text: str) -> int:
    try:
        number = parse_id_number(text, today=ctx.today()).number
    except InvalidIdNumber as exc:
        raise refusal_with_reason("refusal.lifecycle_apps.survivor_id", "bad_survivors", exc) from None
    row = Resident.get_or_none(Resident.id_number == number)
    if row is None:
        raise ServiceError.keyed("refusal.lifecycle_apps.survivor_unregistered", "bad_survivors", id=mask_id_number(number))
    return int(row.id)


def death_result(data: Data) -> lifecycle.DeathResult:
    """The :class:`~kiosk.services.lifecycle.DeathResult` a 办结 死亡注销 stored in ``data["result"]``
    (for ``kiosk resident deceased``, whose output it keeps). KeyError when not closed yet."""
    result = data["result"]
    stopped = tuple(lifecycle.StoppedBenefit(int(s["id"]), str(s["kind"]), dt.date.fromisoformat(f"{s['last_month']}-01"),
                                             int(s["overpaid_fen"]), tuple(s["overpaid_months"]))
                    for s in result["stopped"])
    return lifecycle.DeathResult(stopped, int(result["overpaid_fen"]), int(result["funeral_grant_fen"]),
                                 int(result["survivor_fen"]), int(result["inheritable_fen"]),
                                 int(result["account_fen"]), str(result["scheme"]), int(result["enrolments_ended"]),
                                 tuple(int(b) for b in result.get("survivor_benefits") or ()))


def preview_death(ctx: ServiceContext, resident_id: int, death: dt.date) -> Data:
    """What :func:`kiosk.services.lifecycle.record_death` will do for a death on ``death``, read only:
    ``{"stopped": [{"id", "kind", "overpaid_fen", "overpaid_months"}], "overpaid_fen",
    "funeral_grant_fen", "survivor_fen", "account_fen", "inheritable_fen", "scheme"}`` (fen).
    The same rules as record_death (its policy, scheme and subsidy part); caller's connection."""
    params = lifecycle._lifecycle(ctx, death)  # the one policy lookup of a death
    last = month_of(death)
    stopped: list[Data] = []
    pension_monthly = 0
    for benefit in Benefit.select().where((Benefit.resident == resident_id)
                                         & Benefit.status.in_(("in_payment", "suspended"))):
        after = list(BenefitPayment.select().where((BenefitPayment.benefit == benefit.id)
                                                    & (BenefitPayment.period > last)))
        if benefit.kind == "pension":
            pension_monthly = max(pension_monthly, int(benefit.monthly_fen))
        stopped.append({"id": benefit.id, "kind": str(benefit.kind),
                        "overpaid_fen": sum(int(p.amount_fen) for p in after),
                        "overpaid_months": sorted({f"{p.period:%Y-%m}" for p in after})})
    scheme = lifecycle.death_scheme(resident_id)
    kind = "pension_employee" if scheme == "employee" else "pension_resident"
    balance = balance_at_death(resident_id, kind, death, policy_book(ctx)) - lifecycle.parts_still_due(
        resident_id, kind, death)
    inheritable = balance
    if scheme == "resident" and not params.resident_inherit_subsidy:
        inheritable = max(0, balance - lifecycle._subsidy_part(resident_id))
    return {"stopped": stopped, "overpaid_fen": sum(s["overpaid_fen"] for s in stopped),
            "funeral_grant_fen": lifecycle.funeral_grant_fen(params, scheme) or 0,
            "survivor_fen": params.employee_survivor_months * pension_monthly if scheme == "employee" else 0,
            "account_fen": balance, "inheritable_fen": inheritable, "scheme": scheme}


def _paid(resident_id: int, benefit_type: str) -> bool:
    return BenefitPayment.select().where((BenefitPayment.resident == resident_id)
                                         & (BenefitPayment.benefit_type == benefit_type)).exists()


def _death_application(resident_id: int) -> Application | None:
    return (Application.select().where((Application.resident == resident_id) & (Application.type == "death_report")
                                       & (Application.status == WORKFLOWS["death_report"].last))
            .order_by(Application.created_at.desc()).first())


def settlement(ctx: ServiceContext, resident: Resident) -> Data:
    """What an heir is owed for a deceased ``resident``: ``{"funeral_grant_fen", "inheritable_fen",
    "scheme", "death_application"}`` — the figures the 死亡注销 named (its ``result``), or, for a
    death recorded without one (``kiosk resident deceased``), the same rules on the records; a part
    already paid counts 0. Raises ServiceError when no death is recorded."""
    if resident.death_date is None:
        raise ServiceError.keyed("refusal.lifecycle_apps.not_deceased", "not_deceased")
    death_app = _death_application(resident.id)
    figures = dict((death_app.data or {}).get("result") or {}) if death_app is not None else {}
    # The inheritable balance from the records as they are now: a run paying the month of death to
    # the estate after the 死亡注销 moved the account (the rules are the 死亡注销's, preview_death).
    current = preview_death(ctx, resident.id, resident.death_date)
    figures = {**current, **{k: v for k, v in figures.items() if k != "inheritable_fen"}} if figures else current
    grant = 0 if _paid(resident.id, FUNERAL) else int(figures.get("funeral_grant_fen") or 0)
    inheritable = 0 if _paid(resident.id, INHERITANCE) else int(figures.get("inheritable_fen") or 0)
    outstanding = sum(amount for _, amount in outstanding_overpayments(resident.id))
    return {"funeral_grant_fen": grant, "inheritable_fen": inheritable,
            "scheme": str(figures.get("scheme") or lifecycle.death_scheme(resident.id)),
            "death_application": death_app.number if death_app is not None else "",
            "overpaid_fen": outstanding, "recover_fen": min(outstanding, grant + inheritable)}


def outstanding_overpayments(resident_id: int) -> list[tuple[int, int]]:
    """(benefit id, fen) of each overpayment of the deceased not yet recovered (``overpaid_fen`` less
    ``recovered_fen``): netted against the estate at the inheritance payment. Caller's connection."""
    rows = Benefit.select(Benefit.id, Benefit.overpaid_fen, Benefit.recovered_fen).where(
        (Benefit.resident == resident_id) & (Benefit.overpaid_fen > Benefit.recovered_fen)).order_by(Benefit.id)
    return [(int(b.id), int(b.overpaid_fen) - int(b.recovered_fen)) for b in rows]


def _check_inheritance(ctx: ServiceContext, resident: Resident, data: Data) -> None:
    figures = settlement(ctx, resident)
    if figures["funeral_grant_fen"] + figures["inheritable_fen"] <= 0:
        raise ServiceError.keyed("refusal.lifecycle_apps.nothing_to_pay", "already_paid")
    _text(data, "heir_name", "heir_name")
    try:
        heir = parse_id_number(str(data.get("heir_id_number") or ""), today=ctx.today())
    except InvalidIdNumber as exc:
        raise refusal_with_reason("refusal.lifecycle_apps.heir_id", "bad_heir_id_number", exc) from None
    if heir.number == resident.id_number:
        raise ServiceError.keyed("refusal.lifecycle_apps.heir_is_deceased", "bad_heir_id_number")
    data["heir_id_number"] = heir.number
    _text(data, "relationship", "heir_relationship")
    bank = re.sub(r"\s", "", str(data.get("bank_account") or ""))
    if not _BANK.fullmatch(bank):
        raise ServiceError.keyed("refusal.lifecycle_apps.bad_bank", "bad_bank_account")
    data["bank_account"] = bank
    # An overpayment still outstanding (冒领/多发) is netted against the funeral grant and the balance:
    # 从继承人领取的丧葬补助金和个人账户余额中扣回 (the standard practice; RULES.md §13.3 names the
    # overpayment "to be recovered" and says nothing else), so the heir is paid the rest.
    data.update(figures, amount_fen=figures["funeral_grant_fen"] + figures["inheritable_fen"] - figures["recover_fen"])


def _enrolment(resident_id: int, insurance: str, scheme: str) -> Enrolment | None:
    return (Enrolment.select().where((Enrolment.resident == resident_id) & (Enrolment.insurance == insurance)
                                     & (Enrolment.scheme == scheme) & (Enrolment.status != "ended"))
            .order_by(Enrolment.start_date.desc()).first())


def _check_enrolment(resident: Resident, action: str, data: Data) -> None:
    insurance, scheme = str(data.get("insurance") or ""), str(data.get("scheme") or "")
    if insurance not in INSURANCES or scheme not in SCHEMES:
        raise ServiceError.keyed("refusal.lifecycle_apps.missing_enrolment", "missing_enrolment")
    if scheme == "employee" and action == "end":
        raise ServiceError.keyed("refusal.lifecycle.employer_only", "employer_only")
    row = _enrolment(resident.id, insurance, scheme)
    before = lifecycle.ENROLMENT_ACTIONS[action][0]
    if row is None or (before is not None and row.status != before):
        raise ServiceError.keyed("refusal.lifecycle_apps.no_enrolment", "no_enrolment",
                                 state_key=f"refusal.lifecycle_apps.state.{action}",
                                 scheme_key=f"refusal.name.scheme.{scheme}",
                                 insurance_key=f"refusal.name.insurance.{insurance}")
    if data.get("date"):
        data["date"] = _day(data, "date").isoformat()


# -- effects ------------------------------------------------------------------------------


def _receipt(ctx: ServiceContext, row: Application, data: Data, lines: ReceiptLines) -> None:
    """Store the 办结回执 as a print job in this transaction (``data["receipt_job"]``); its
    business-specific ``lines`` come from :mod:`printers.lifecycle_receipts` (the wording on paper)."""
    from kiosk.services.payments import _receipt_context

    person = Resident.get_by_id(_resident_id(row))
    document = lifecycle_receipt(_receipt_context(ctx), LifecycleReceiptInput(
        row.number, WORKFLOWS[row.type].name_zh, Person(person.name, person.id_number), lines.facts, lines.amounts,
        lines.total_label, lines.notes, ctx.staff_number))
    data[RECEIPT_JOB] = spool.enqueue(document, ctx.clock, resident_id=person.id)


def _certified(ctx: ServiceContext, row: Application, data: Data) -> None:
    result = lifecycle.certify(ctx, _resident_id(row), channel=str(data.get("channel") or "counter"))
    data["result"] = {"certified": result.certified, "resumed": list(result.resumed),
                      "next_due": result.next_due.isoformat() if result.next_due else None}
    _receipt(ctx, row, data, certification_lines(result.certified, len(result.resumed), result.next_due))


def _death_reviewed(ctx: ServiceContext, row: Application, data: Data) -> None:
    person = Resident.get_by_id(_resident_id(row))
    if person.death_date is not None:
        raise ServiceError.keyed("refusal.lifecycle.already_dead", "already", date=person.death_date.isoformat())
    data["preview"] = preview_death(ctx, person.id, _death_day(ctx, person, data))


def _death_closed(ctx: ServiceContext, row: Application, data: Data) -> None:
    person = Resident.get_by_id(_resident_id(row))
    survivors = [int(r) for r in data.get("survivors") or ()]
    result = lifecycle.record_death(ctx, person.id, _death_day(ctx, person, data), survivors=survivors)
    data["result"] = {**result.as_json(), "account_fen": result.account_fen, "scheme": result.scheme,
                      "enrolments_ended": result.enrolments_ended,
                      "survivor_benefits": list(result.survivor_benefits)}
    stopped = [StoppedLine(s.kind, s.last_month, tuple(s.overpaid_months), s.overpaid_fen) for s in result.stopped]
    _receipt(ctx, row, data, death_lines(
        dt.date.fromisoformat(str(data["death_date"])), stopped, result.enrolments_ended,
        overpaid_fen=result.overpaid_fen, funeral_grant_fen=result.funeral_grant_fen,
        survivor_fen=result.survivor_fen, account_fen=result.account_fen, inheritable_fen=result.inheritable_fen))


def _inheritance_reviewed(ctx: ServiceContext, row: Application, data: Data) -> None:
    person = Resident.get_by_id(_resident_id(row))
    figures = settlement(ctx, person)
    if figures["funeral_grant_fen"] + figures["inheritable_fen"] <= 0:
        raise ServiceError.keyed("refusal.lifecycle_apps.already_paid", "already_paid")


def _inheritance_paid(ctx: ServiceContext, row: Application, data: Data) -> None:
    """Pay the grant and the inheritable balance once: the resident row is locked (PostgreSQL) and
    what is already paid is looked up again inside this transaction."""
    rid = _resident_id(row)
    query = Resident.select().where(Resident.id == rid)
    (query if is_sqlite(ctx.database) else query.for_update()).get()
    today, now = ctx.today(), ctx.now()
    grant = 0 if _paid(rid, FUNERAL) else int(data.get("funeral_grant_fen") or 0)
    inheritable = 0 if _paid(rid, INHERITANCE) else int(data.get("inheritable_fen") or 0)
    if grant + inheritable <= 0:
        raise ServiceError.keyed("refusal.lifecycle_apps.already_paid", "already_paid")
    if grant:
        BenefitPayment.create(resident=rid, application=row.id, benefit_type=FUNERAL, period=month_of(today),
                              amount_fen=grant, paid_at=now, kind="lump_sum")
    if inheritable:
        kind = "pension_employee" if data.get("scheme") == "employee" else "pension_resident"
        person = Resident.get_by_id(rid)
        if person.death_date is not None:  # a death recorded before the account parts went back
            return_parts_after_death(rid, kind, person.death_date, today=today, now=now)
        account = Account.get_or_none((Account.resident == rid) & (Account.kind == kind))
        if account is None or account.balance_fen < inheritable:
            raise ServiceError.keyed("refusal.lifecycle_apps.balance", "balance")
        post(account, -inheritable, "payout", entry_date=today, now=now, reference=row.number)
        BenefitPayment.create(resident=rid, application=row.id, benefit_type=INHERITANCE, period=month_of(today),
                              amount_fen=inheritable, paid_at=now, kind="lump_sum")
    recovered = _recover(ctx, row, rid, grant + inheritable)
    data["paid"] = {"funeral_grant_fen": grant, "inheritable_fen": inheritable, "recovered_fen": recovered}
    data["recover_fen"] = recovered
    data["amount_fen"] = grant + inheritable - recovered
    audit.append(actor=ctx.actor, terminal=ctx.terminal, action="inheritance.pay", now=now, entity="application",
                 entity_id=row.number, detail={"resident": rid, "funeral_grant_fen": grant,
                                               "inheritable_fen": inheritable, "recovered_fen": recovered,
                                               "net_fen": grant + inheritable - recovered,
                                               "heir": mask_id_number(str(data.get("heir_id_number", "")))})
    heir = f"{mask_name(str(data.get('heir_name', '')))} {mask_id_number(str(data.get('heir_id_number', '')))}"
    _receipt(ctx, row, data, inheritance_lines(
        heir, str(data.get("relationship", "")), str(data.get("bank_account", "")), funeral_grant_fen=grant,
        inheritable_fen=inheritable, recovered_fen=recovered))


def _recover(ctx: ServiceContext, row: Application, rid: int, available: int) -> int:
    """Net the outstanding overpayments against ``available`` (fen) of the estate: each benefit's
    ``recovered_fen`` is raised (oldest first) and audited ``benefit.recovered``; returns the sum."""
    now, left, total = ctx.now(), available, 0
    for benefit_id, amount in outstanding_overpayments(rid):
        take = min(amount, left)
        if take <= 0:
            break
        Benefit.update(recovered_fen=Benefit.recovered_fen + take, updated_at=now).where(
            Benefit.id == benefit_id).execute()
        audit.append(actor=ctx.actor, terminal=ctx.terminal, action="benefit.recovered", now=now, entity="benefit",
                     entity_id=str(benefit_id), detail={"resident": rid, "amount_fen": take,
                                                        "application": row.number, "from": "estate"})
        left -= take
        total += take
    return total


def _enrolment_done(ctx: ServiceContext, row: Application, data: Data) -> None:
    action = ENROLMENT_ACTIONS[row.type]
    on = dt.date.fromisoformat(str(data["date"])) if data.get("date") else ctx.today()
    status = lifecycle.change_enrolment(ctx, _resident_id(row), str(data["insurance"]), str(data["scheme"]),
                                        action, on)
    data["result"] = {"status": status, "date": on.isoformat()}
    _receipt(ctx, row, data, enrolment_change_lines(action, str(data["insurance"]), str(data["scheme"]), on))


Handler = Callable[[ServiceContext, Application, Data], None]
HANDLERS: dict[tuple[str, str], Handler] = {
    ("certification", "certified"): _certified,
    ("death_report", "reviewed"): _death_reviewed,
    ("death_report", "closed"): _death_closed,
    ("inheritance", "reviewed"): _inheritance_reviewed,
    ("inheritance", "paid"): _inheritance_paid,
    **{(type_, "done"): _enrolment_done for type_ in ENROLMENT_ACTIONS},
}

