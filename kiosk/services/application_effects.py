"""What each workflow step does besides changing the status.

Called by :mod:`kiosk.services.applications` inside the step's transaction;
everything here writes rows (enrolments, accounts, cards, assessments,
contributions, ledger entries, benefit payments, transfers) and stores the
step's results in the application's ``data`` dict, which the caller saves.
Calculations come from the pure rules with the policy in force today.

Inputs each type reads from ``data`` (all optional unless said):

- ``enrol_employee``: ``scheme`` employee | flexible (default flexible).
- ``assessment``: ``scheme`` employee | flexible | resident (required);
  resident: ``tier_fen`` (a tier of the resident pension, required) and
  ``year`` (default this year) — the annual resident contribution started at
  the self-service terminal and paid later at a counter or by bank;
  ``declared_wage_fen`` (employee) or ``base_fen`` (flexible) (required);
  ``risk_class`` (employee, default 1); ``start_month`` "YYYY-MM" (default
  this month) and ``month_count`` (default 1); ``method`` cash|bank|card
  and ``tendered`` at 缴费记录.
- benefit claims (decided by :mod:`kiosk.services.entitlement` through
  :mod:`kiosk.services.claims`; months paid, enrolment and earlier claims
  come from the records, a typed ``contribution_months`` is ignored):
  ``benefit_pension``: ``scheme`` resident | employee, ``deemed_months``,
  ``average_index`` (used only when no bases are on record), ``retire_on``
  (flexible retirement); ``benefit_unemployment``: ``involuntary`` (default
  true), ``registered_on``; ``benefit_injury``: ``grade`` 1-10,
  ``own_wage_fen`` (when no injury bases are on record); ``benefit_maternity``:
  ``employer_wage_fen``, ``birth_date``, ``difficult_birth``, ``extra_babies``,
  ``miscarriage_months``; ``benefit_medical``: ``total_fen``, ``level``,
  ``filed``, ``admission_date``, ``bill_number`` (this year's earlier
  reimbursements come from the records).
- ``transfer`` (:mod:`kiosk.services.transfers`): ``kind``
  employee_interprovincial | employee_to_resident | resident_to_employee;
  ``direction`` in (default: this hall is the new place) | out (on the new
  place's 联系函: ``letter_number``, ``other_region_code``); ``other_region``;
  at 办理转移手续 of a transfer in, ``account_fen``, ``pooled_fen``, ``months``.
- ``injury_determination``: ``accident_date`` "YYYY-MM-DD" and ``applicant``
  employer | worker (required).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, cast

import peewee

from db import audit
from db.ledger import LedgerError, account_for, post
from db.models import (
    Application,
    BenefitPayment,
    Card,
    Contribution,
    ContributionAssessment,
    Enrolment,
    Resident,
)
from kiosk.rules import benefits, contribution
from kiosk.rules.money import round_fen
from kiosk.rules.steps import CalculationStep
from kiosk.rules.workflows import Workflow
from kiosk.services import (
    ServiceContext,
    ServiceError,
    benefit_run,
    claims,
    info_change,
    lifecycle_apps,
    transfers,
)
from kiosk.services import enrolment as enrolment_rules
from kiosk.services.payments import pay_resident_pension, policy, quote_for, record_assessment_payment
from kiosk.services.registration import current_card, new_card

Data = dict[str, Any]

# insurance, scheme and account of each enrolment type
_ENROL = {
    "enrol_resident_pension": (("pension",), "resident", "pension_resident"),
    "enrol_resident_medical": (("medical",), "resident", None),
}
_EMPLOYEE_INSURANCES = ("pension", "medical", "unemployment", "injury", "maternity")


def _desc(model: type[peewee.Model]) -> Any:
    """Newest first by primary key (the ``id`` annotation hides the field from mypy)."""
    return cast(Any, model._meta.primary_key).desc()  # type: ignore[attr-defined]


def _date(value: Any, what_key: str) -> dt.date:
    """``value`` as an ISO date; the refusal names the field ``what_key`` (a catalog key)."""
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ServiceError.keyed("refusal.input.not_date", "bad_date", what_key=what_key, value=str(value)) from None


def _int(data: Data, key: str, default: int | None = None) -> int:
    """``data[key]`` as a whole number; the refusal names the field (``refusal.field.<key>``)."""
    value = data.get(key, default)
    what_key = f"refusal.field.{key}"
    if value is None:
        raise ServiceError.keyed("refusal.input.missing", f"missing_{key}", what_key=what_key)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ServiceError.keyed("refusal.input.not_integer", f"bad_{key}", what_key=what_key,
                                 value=str(value)) from None


def _steps(steps: tuple[CalculationStep, ...] | list[CalculationStep]) -> list[list[Any]]:
    return [[s.key, s.formula, s.result_fen] for s in steps]


def _open(resident_id: int, type_: str, status: str) -> Application | None:
    return (Application.select().where((Application.resident == resident_id) & (Application.type == type_)
                                       & (Application.status == status))
            .order_by(_desc(Application)).first())


# -- checks at submit ---------------------------------------------------------------


def check_submit(ctx: ServiceContext, resident: Resident, wf: Workflow, data: Data) -> None:
    """Refuse an application whose preconditions do not hold (message says which).

    Benefit claims are also decided by the entitlement service from the
    records (:func:`kiosk.services.claims.check_submit`).
    """
    type_ = wf.type
    if type_ in lifecycle_apps.TYPES:  # 资格认证, 死亡注销, 继承, 停保/恢复/终止 (issue 15)
        lifecycle_apps.check_submit(ctx, resident, type_, data)
        return
    if type_ in claims.KIND_OF_TYPE:
        claims.check_submit(ctx, resident, type_, data)
    if type_ in _ENROL or type_ == "enrol_employee":
        insurances, scheme, _ = _enrolment_plan(type_, data)
        if _active_enrolment(resident.id, insurances[0], scheme) is not None:
            raise ServiceError.keyed("maint17.app.enrolled", "enrolled", scheme_zh=wf.name_zh.removesuffix("参保登记"),
                                     type_en=wf.name_en)
        # Age window, no overlap across schemes, employee scheme only through an employer.
        enrolment_rules.check_enrolment(ctx, resident, type_, data, staff=ctx.staff_id is not None)
    elif type_ == "assessment":
        if data.get("scheme") == "resident":
            _resident_tier(ctx, resident, data)
        else:
            _assessment_base(ctx, resident, data)
    elif type_ == "benefit_unemployment":
        if _open(resident.id, "unemployment_registration", "registered") is None:
            raise ServiceError.keyed("fix17text.effects.needs_registration", "needs_registration")
    elif type_ == "benefit_injury":
        determination = _open(resident.id, "injury_determination", "determined")
        if determination is None:
            raise ServiceError.keyed("fix17text.effects.needs_determination", "needs_determination")
        source = dict(determination.data or {})
        deadline = _injury_deadline(source, ctx.clock.to_local(determination.created_at).date())
        data["accident_date"] = source.get("accident_date")
        data["determination"] = determination.number
        if not deadline.in_time and deadline.applicant == "worker":
            raise ServiceError.keyed("fix17text.effects.late_claim", "late", date=f"{deadline.deadline:%Y-%m-%d}")
    elif type_ == "injury_determination":
        deadline = _injury_deadline(data, ctx.today())
        data["deadline"] = deadline.deadline.isoformat()
        if not deadline.in_time:
            if deadline.applicant == "worker":
                raise ServiceError.keyed("fix17text.effects.late_determination", "late",
                                         date=f"{deadline.deadline:%Y-%m-%d}")
            data["employer_late"] = True  # accepted; the employer bears the costs before this day
    elif type_ == "transfer":
        transfers.check_submit(ctx, resident, data)  # 66号 / 17号: where, who, which way
    elif type_ == "card_apply":
        card = current_card(resident.id)
        if card is not None:
            raise ServiceError.keyed("fix17text.effects.has_card", "has_card", card=card.card_number)
    elif type_ == "card_loss":
        if _card(resident.id, "active") is None:
            raise ServiceError.keyed("fix17text.effects.no_card_to_report", "no_card")
    elif type_ == "card_unfreeze":
        if _card(resident.id, "frozen") is None:
            raise ServiceError.keyed("fix17text.effects.no_frozen_card", "not_frozen")
    elif type_ == "info_change":
        info_change.prepare(ctx, resident, data)  # 信息变更: field, new value, document
    elif type_ == "card_replace":
        card = current_card(resident.id)
        if card is None:
            raise ServiceError.keyed("fix17text.effects.no_card_to_replace", "no_card")
        data["old_card"] = card.card_number


def _injury_deadline(data: Data, applied_on: dt.date) -> benefits.InjuryDeadline:
    if "accident_date" not in data:
        raise ServiceError.keyed("fix17text.effects.missing_accident_date", "missing_accident_date")
    accident = _date(data["accident_date"], "refusal.field.accident_date")
    applicant = data.get("applicant", "worker")
    if applicant not in ("employer", "worker"):
        raise ServiceError.keyed("fix17text.effects.bad_applicant", "bad_applicant")
    try:
        return benefits.check_injury_application(accident, applied_on, applicant)
    except benefits.BenefitError:
        raise ServiceError.keyed("fix17text.effects.accident_after_application", "bad_date") from None


def _card(resident_id: int, status: str) -> Card | None:
    return (Card.select().where((Card.resident == resident_id) & (Card.status == status))
            .order_by(_desc(Card)).first())


def _active_enrolment(resident_id: int, insurance: str, scheme: str) -> Enrolment | None:
    return Enrolment.get_or_none((Enrolment.resident == resident_id) & (Enrolment.insurance == insurance)
                                 & (Enrolment.scheme == scheme) & (Enrolment.status == "active"))


def _enrolment_plan(type_: str, data: Data) -> tuple[tuple[str, ...], str, str | None]:
    if type_ in _ENROL:
        return _ENROL[type_]
    scheme = data.get("scheme", "flexible")
    if scheme == "employee":
        return _EMPLOYEE_INSURANCES, "employee", "pension_employee"
    if scheme == "flexible":
        return ("pension",), "flexible", "pension_employee"
    raise ServiceError.keyed("fix17text.effects.bad_scheme", "bad_scheme")


def needs_supervisor(type_: str, to_status: str, data: Data) -> bool:
    """A step that needs a supervisor because of what this application is about, beyond the
    workflow's own supervisor steps: 审核 of a 信息变更 of a name or ID number."""
    return type_ == "info_change" and info_change.needs_supervisor(to_status, data)


# -- effects per step ---------------------------------------------------------------


def apply(ctx: ServiceContext, row: Application, wf: Workflow, to_status: str, data: Data) -> None:
    """Run the effects of reaching ``to_status`` (inside the caller's transaction)."""
    family = "enrol" if wf.type.startswith("enrol_") else "benefit" if wf.type.startswith("benefit_") else wf.type
    handler = _HANDLERS.get((family, to_status)) or lifecycle_apps.HANDLERS.get((wf.type, to_status))
    if handler is not None:
        try:
            handler(ctx, row, data)
        except LedgerError as exc:  # its own catalog message (overdraft ...), in the screen's language
            raise ServiceError.keyed(exc.key, "ledger", **exc.params) from None


def _open_accounts(ctx: ServiceContext, row: Application, data: Data) -> None:
    insurances, scheme, account_kind = _enrolment_plan(row.type, data)
    # Checked again: another enrolment may have been made since the application was accepted.
    _, _, employer = enrolment_rules.check_enrolment(ctx, Resident.get_by_id(row.__data__["resident"]), row.type,
                                                     data, staff=True)
    for insurance in insurances:
        if _active_enrolment(row.__data__["resident"], insurance, scheme) is None:
            Enrolment.create(resident=row.__data__["resident"], insurance=insurance, scheme=scheme, status="active",
                             start_date=ctx.today(), employer=employer.id if employer else None)
    if account_kind is not None:
        account = account_for(row.__data__["resident"], account_kind, today=ctx.today(), now=ctx.now())
        data["account_id"] = account.id
    data["enrolled"] = {"insurances": list(insurances), "scheme": scheme}


def _issue_card(ctx: ServiceContext, row: Application, data: Data) -> None:
    existing = _card(row.__data__["resident"], "active")
    if existing is not None:
        data["card_number"] = existing.card_number  # already holds a working card
        return
    card = new_card(ctx, row.__data__["resident"])
    data["card_number"] = card.card_number
    audit.append(actor=ctx.actor, terminal=ctx.terminal, action="card.issue", now=ctx.now(), entity="card",
                 entity_id=card.card_number, detail={"application": row.number})


def _set_card(ctx: ServiceContext, card: Card, status: str, row: Application) -> None:
    Card.update(status=status, status_changed_at=ctx.now()).where(Card.id == card.id).execute()
    audit.append(actor=ctx.actor, terminal=ctx.terminal, action=f"card.{status}", now=ctx.now(), entity="card",
                 entity_id=card.card_number, detail={"application": row.number})


def _freeze(ctx: ServiceContext, row: Application, data: Data) -> None:
    card = _card(row.__data__["resident"], "active")
    if card is None:
        raise ServiceError.keyed("fix17text.effects.no_card_to_report", "no_card")
    _set_card(ctx, card, "frozen", row)
    data["card_number"] = card.card_number


def _unfreeze(ctx: ServiceContext, row: Application, data: Data) -> None:
    card = _card(row.__data__["resident"], "frozen")
    if card is None:
        raise ServiceError.keyed("fix17text.effects.not_frozen", "not_frozen")
    _set_card(ctx, card, "active", row)
    data["card_number"] = card.card_number


def _replace(ctx: ServiceContext, row: Application, data: Data) -> None:
    old = Card.get_or_none(Card.card_number == data.get("old_card"))
    if old is not None and old.status in ("active", "frozen"):
        _set_card(ctx, old, "replaced", row)
    card = new_card(ctx, row.__data__["resident"])
    data["card_number"] = card.card_number
    audit.append(actor=ctx.actor, terminal=ctx.terminal, action="card.issue", now=ctx.now(), entity="card",
                 entity_id=card.card_number, detail={"application": row.number, "replaces": data.get("old_card")})


# -- 缴费核定 -------------------------------------------------------------------------


def _assessment_base(ctx: ServiceContext, resident: Resident, data: Data) -> contribution.BaseDecision:
    scheme = data.get("scheme")
    if scheme not in ("employee", "flexible"):
        raise ServiceError.keyed("fix17text.effects.assess_scheme", "bad_scheme")
    if _active_enrolment(resident.id, "pension", scheme) is None:
        raise ServiceError.keyed("fix17text.effects.not_enrolled_monthly", "not_enrolled",
                                 scheme_key=f"refusal.name.scheme.{scheme}")
    wage = policy(ctx).wage
    try:
        if scheme == "employee":
            base = contribution.determine_base(_int(data, "declared_wage_fen"), wage)
        else:
            base = contribution.choose_flexible_base(_int(data, "base_fen"), wage)
    except contribution.ContributionError as exc:
        raise ServiceError.keyed(exc.key, "bad_base", **exc.params) from None
    data["base"] = {"declared_fen": base.declared_fen, "base_fen": base.base_fen, "floor_fen": base.floor_fen,
                    "cap_fen": base.cap_fen, "adjustment": base.adjustment}
    return base


def _resident_tier(ctx: ServiceContext, resident: Resident, data: Data) -> None:
    """确定缴费基数 for the annual resident pension: the chosen tier and its quote.

    Nothing is paid here: the resident pays at a counter (or by bank) and the
    clerk records it at 缴费记录 through :func:`payments.pay_resident_pension`.
    """
    if _active_enrolment(resident.id, "pension", "resident") is None:
        raise ServiceError.keyed("fix17text.pay.not_enrolled_pension", "not_enrolled")
    tier_fen = _int(data, "tier_fen")
    year = _int(data, "year", ctx.today().year)
    enrolment_rules.check_resident_year(resident, year, ctx.today())  # this year, or the transitional 补缴
    paid = Contribution.select().where((Contribution.resident == resident.id) & (Contribution.insurance == "pension")
                                       & (Contribution.scheme == "resident")
                                       & (Contribution.month == dt.date(year, 1, 1))).exists()
    if paid:
        raise ServiceError.keyed("fix17text.effects.year_paid", "already_paid", year=year)
    quote = quote_for(ctx, resident, tier_fen, year)
    data.update(tier_fen=tier_fen, year=year, amount_fen=quote.individual_pays_fen,
                base={"tier_fen": tier_fen, "base_fen": tier_fen},
                quote={"individual_pays_fen": quote.individual_pays_fen,
                       "government_pays_fen": quote.government_pays_fen, "subsidy_fen": quote.subsidy_fen,
                       "account_credit_fen": quote.account_credit_fen, "difficult": quote.difficult})


def _resident_figures(ctx: ServiceContext, resident_id: int, data: Data) -> dict[str, Any]:
    """计算缴费金额 for a resident tier: one yearly line, re-quoted with the policy in force."""
    quote = quote_for(ctx, Resident.get_by_id(resident_id), _int(data, "tier_fen"), _int(data, "year"))
    return {
        "quote": {"individual_pays_fen": quote.individual_pays_fen,
                  "government_pays_fen": quote.government_pays_fen, "subsidy_fen": quote.subsidy_fen,
                  "account_credit_fen": quote.account_credit_fen, "difficult": quote.difficult},
        "notice": {
            "lines": [{"insurance": "pension", "payer": "individual", "base_fen": quote.tier_fen, "rate": "",
                       "monthly_fen": quote.individual_pays_fen, "amount_fen": quote.individual_pays_fen}],
            "months": [dt.date(quote.year, 1, 1).isoformat()], "individual_fen": quote.individual_pays_fen,
            "employer_fen": 0, "account_fen_per_month": 0, "policy_effective": policy(ctx).effective.isoformat(),
        },
        "amount_fen": quote.individual_pays_fen,
    }


def _months(ctx: ServiceContext, data: Data) -> list[dt.date]:
    start_text = data.get("start_month") or f"{ctx.today():%Y-%m}"
    start = _date(f"{start_text}-01", "refusal.field.start_month")
    count = _int(data, "month_count", 1)
    if not 1 <= count <= 36:
        raise ServiceError.keyed("fix17text.effects.bad_month_count", "bad_month_count")
    months = []
    year, month = start.year, start.month
    for _ in range(count):
        months.append(dt.date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def calculate_contribution(ctx: ServiceContext, resident_id: int, data: Data) -> dict[str, Any]:
    """计算缴费金额 of an assessment (缴费核定) application: what it costs, with the policy in force
    on ``ctx.today()``. Read only: nothing is written and ``data`` is not changed; the step
    (``amount_calculated``) stores the result in the application's data, and the counter's
    confirmation shows it before the step (:func:`kiosk.services.resident_standing.step_preview`).

    ``data`` is the application's data as 受理 left it (:func:`check_submit`): ``scheme`` employee |
    flexible | resident; employee and flexible: ``base`` {"base_fen": fen, ...} (the base decided at
    受理), ``risk_class`` (employee, default 1), ``start_month`` "YYYY-MM" (default this month) and
    ``month_count`` 1-36 (default 1); resident: ``tier_fen`` (fen, a tier of the resident pension)
    and ``year``.

    Returns (amounts in integer fen, months as first days "YYYY-MM-01")::

        {"notice": {"lines": [{"insurance", "payer" (individual | employer), "base_fen",
                               "rate" (a Decimal as text; "" for a resident tier),
                               "monthly_fen", "amount_fen" (monthly_fen × the months)}, ...],
                    "months": [...], "individual_fen", "employer_fen" (totals over the months),
                    "account_fen_per_month" (credited to the personal account each month; 0 for a
                    resident tier), "policy_effective": "YYYY-MM-DD"},
         "amount_fen": what the person pays (the personal share; an employee's employer share is
                       the employer's to pay)}

    and for the resident scheme also ``"quote"``: {"individual_pays_fen", "government_pays_fen",
    "subsidy_fen", "account_credit_fen" (fen), "difficult" (bool)}.

    Raises ServiceError (keyed): a base the rules refuse (code ``bad_base``, the rule's
    :class:`~kiosk.rules.contribution.ContributionError` message), a tier the resident rules refuse
    (``bad_tier``), a month count outside 1-36 (``bad_month_count``), a start month that is no
    month (``bad_date``), a missing or non-numeric figure (``missing_<key>`` / ``bad_<key>``).

    Rules: :mod:`kiosk.rules.contribution` (RULES.md §3 employees' five insurances, §4 the
    resident pension, §6 medical; flexible workers' account part), rates and wage bounds of the
    policy in force (:func:`kiosk.services.payments.policy`).
    """
    if data.get("scheme") == "resident":
        return _resident_figures(ctx, resident_id, data)
    params = policy(ctx)
    base = data.get("base")
    base_fen = _int(base if isinstance(base, dict) else {}, "base_fen")
    months = _months(ctx, data)
    try:
        if data.get("scheme") == "employee":
            notice = contribution.assess_employee(base_fen, params.wage, params.rates,
                                                  risk_class=_int(data, "risk_class", 1))
            account_part = round_fen(base_fen * params.rates.pension.individual)
        else:
            notice = contribution.assess_flexible(base_fen, params.wage, params.rates)
            account_part = contribution.flexible_account_part(notice, params.rates)
    except contribution.ContributionError as exc:
        raise ServiceError.keyed(exc.key, "bad_base", **exc.params) from None
    lines = [{"insurance": ln.insurance, "payer": ln.payer, "base_fen": ln.base_fen, "rate": str(ln.rate),
              "monthly_fen": ln.amount_fen, "amount_fen": ln.amount_fen * len(months)} for ln in notice.lines]
    return {
        "notice": {
            "lines": lines, "months": [m.isoformat() for m in months],
            "individual_fen": notice.individual_total_fen * len(months),
            "employer_fen": notice.employer_total_fen * len(months),
            "account_fen_per_month": account_part, "policy_effective": params.effective.isoformat(),
        },
        # What the person pays: the personal share (an employee's employer share is the employer's to pay).
        "amount_fen": notice.individual_total_fen * len(months),
    }


def _calculate_contribution(ctx: ServiceContext, row: Application, data: Data) -> None:
    """The step 计算缴费金额: :func:`calculate_contribution`, stored in the application's data."""
    data.update(calculate_contribution(ctx, int(row.__data__["resident"]), data))


def _notify(ctx: ServiceContext, row: Application, data: Data) -> None:
    notice = data["notice"]
    months = [dt.date.fromisoformat(m) for m in notice["months"]]
    assessment = ContributionAssessment.create(
        resident=row.__data__["resident"], year=months[0].year, insurance="pension", scheme=data["scheme"],
        base_fen=int(data["base"]["base_fen"]), individual_fen=notice["individual_fen"],
        employer_fen=notice["employer_fen"], subsidy_fen=int(data.get("quote", {}).get("subsidy_fen", 0)),
        detail={"lines": notice["lines"], "months": notice["months"], "application": row.number},
        policy_effective=dt.date.fromisoformat(notice["policy_effective"]), assessed_at=ctx.now())
    data["assessment_id"] = assessment.id
    # The 缴费核定通知单 is stored with the step (printed by the spool; reprintable by its code).
    from kiosk.services.certificates import assessment_notice_job

    data["notice_print_job"] = assessment_notice_job(ctx, row.__data__["resident"], row.number, data)


def _record_payment(ctx: ServiceContext, row: Application, data: Data) -> None:
    method = data.get("method")
    if method is None:
        raise ServiceError.keyed("fix17text.effects.missing_method", "missing_method")
    notice = data["notice"]
    if data.get("scheme") == "resident":
        # The yearly tier is paid like any resident pension payment (savepoint inside this transaction).
        info = pay_resident_pension(ctx, row.__data__["resident"], int(data["tier_fen"]), str(method),
                                    year=int(data["year"]), tendered=data.pop("tendered", None),
                                    channel_reference=data.get("channel_reference"))
        data["receipt_code"] = info.receipt_code
        data["paid_fen"] = info.amount_fen
        return
    info = record_assessment_payment(
        ctx, int(data["assessment_id"]), str(method), [dt.date.fromisoformat(m) for m in notice["months"]],
        account_fen_per_month=int(notice["account_fen_per_month"]), tendered=data.pop("tendered", None),
        reference=row.number, channel_reference=data.get("channel_reference"),
        amount_fen=int(data["channel_amount_fen"]) if data.get("channel_amount_fen") is not None else None)
    data["receipt_code"] = info.receipt_code
    data["paid_fen"] = info.amount_fen


# -- 待遇 ------------------------------------------------------------------------------


def _calculate_benefit(ctx: ServiceContext, row: Application, data: Data) -> None:
    """待遇计算 by the entitlement service: months paid, enrolment and earlier claims come
    from the records (a typed ``contribution_months`` is ignored), amounts from the rules."""
    claims.calculate(ctx, row, data)


def _review_benefit(ctx: ServiceContext, row: Application, data: Data) -> None:
    claims.check_step(ctx, row, data, "审核")


def _approve_benefit(ctx: ServiceContext, row: Application, data: Data) -> None:
    claims.check_step(ctx, row, data, "复核")


def _pay_benefit(ctx: ServiceContext, row: Application, data: Data) -> None:
    if "amount_fen" not in data:
        raise ServiceError.keyed("fix17text.effects.not_calculated", "not_calculated")
    claims.check_step(ctx, row, data, "支付")  # a claim the records do not support is never paid
    today = ctx.today()
    amount = int(data["amount_fen"])
    payment = BenefitPayment.create(resident=row.__data__["resident"], application=row.id,
                                    benefit_type=row.type.removeprefix("benefit_"), period=today.replace(day=1),
                                    amount_fen=amount, paid_at=ctx.now())
    # Monthly benefits go on being paid by the monthly run (kiosk.services.benefit_run).
    benefit = benefit_run.open_benefit(ctx, row, data, payment)
    if benefit is not None:
        data["benefit_id"] = benefit.id
    if row.type == "benefit_pension":
        # The account part of each monthly pension is paid out of the personal account.
        account = account_for(row.__data__["resident"], str(data["account_kind"]), today=today, now=ctx.now())
        part = min(int(data.get("account_part_fen", 0)), account.balance_fen)
        if part:
            post(account, -part, "payout", entry_date=today, now=ctx.now(), reference=row.number)
        data["account_payout_fen"] = part
    audit.append(actor=ctx.actor, terminal=ctx.terminal, action="benefit.pay", now=ctx.now(), entity="application",
                 entity_id=row.number, detail={"amount_fen": amount, "type": row.type})


# -- 关系转移 ---------------------------------------------------------------------------
# 国办发〔2009〕66号 and 人社部发〔2014〕17号: see kiosk.services.transfers.


def _review_transfer(ctx: ServiceContext, row: Application, data: Data) -> None:
    transfers.on_reviewed(ctx, row, data)


def _do_transfer(ctx: ServiceContext, row: Application, data: Data) -> None:
    transfers.on_transferring(ctx, row, data)


def _continue_relation(ctx: ServiceContext, row: Application, data: Data) -> None:
    transfers.on_continued(ctx, row, data)


Handler = Callable[[ServiceContext, Application, Data], None]
_HANDLERS: dict[tuple[str, str], Handler] = {
    ("enrol", "account_opened"): _open_accounts,
    ("enrol", "card_issued"): _issue_card,
    ("assessment", "amount_calculated"): _calculate_contribution,
    ("assessment", "notified"): _notify,
    ("assessment", "recorded"): _record_payment,
    ("benefit", "reviewed"): _review_benefit,
    ("benefit", "calculated"): _calculate_benefit,
    ("benefit", "approved"): _approve_benefit,
    ("benefit", "paid"): _pay_benefit,
    ("transfer", "reviewed"): _review_transfer,
    ("transfer", "transferring"): _do_transfer,
    ("transfer", "continued"): _continue_relation,
    ("card_apply", "issued"): _issue_card,
    ("card_loss", "reported"): _freeze,
    ("card_unfreeze", "unfrozen"): _unfreeze,
    ("card_replace", "issued"): _replace,
    ("info_change", "reviewed"): info_change.on_reviewed,
    ("info_change", "done"): info_change.on_done,
}
