"""Benefit lifecycle events (RULES.md §13.3): 待遇领取资格认证 and 死亡注销.

- :func:`certify` records a yearly 资格认证 (at a counter, or self-service
  assisted by staff) for every pension of a resident; a pension the monthly
  run suspended for being overdue (reason ``not_certified``) is resumed, and
  the next run pays the suspended months back (:mod:`kiosk.services.benefit_run`
  pays every month due and not yet paid).
- :func:`due_for_certification` lists the pensioners whose 资格认证 falls due
  by the end of a month, by village (the interval is the policy's
  ``lifecycle.certification_interval_months`` [local]).
- :func:`record_death` (``kiosk resident deceased``) sets the date of death,
  stops every benefit from the month after it, names the overpayment of
  months paid after it (冒领 if concealed; recorded on the benefit, to be
  recovered), ends the enrolments (contributions stop), settles the
  personal-account interest to the date of death and works out the funeral
  grant, the 抚恤金 and the inheritable account balance (个人账户继承).

Sources: employee accounts — the balance is inheritable (国发〔2005〕38号; for
"新人" it is entirely the person's own contributions since 2006, with the
interest credited on them); resident accounts — the balance is inheritable
(国发〔2014〕8号 §7), less the government-subsidy part where the province
excludes it (policy ``lifecycle.resident_inherit_subsidy`` = false, [verify]).
Funeral grant (SIL Art. 17) and 抚恤金 amounts are [local] policy figures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import peewee

from db import audit
from db.connection import write_transaction
from db.models import Account, Benefit, BenefitPayment, Card, Enrolment, LedgerEntry, Resident
from kiosk.policy import PolicyError
from kiosk.rules.identity import mask_id_number, mask_name
from kiosk.rules.money import Fen
from kiosk.rules.parameters import LifecycleParams
from kiosk.rules.retirement import add_months
from kiosk.services import NotFound, ServiceContext, ServiceError, connected
from kiosk.services import survivors as survivor_rules
from kiosk.services.accounts import balance_at_death, return_parts_after_death, settle_interest
from kiosk.services.benefit_run import benefit_ids, certification_due, month_of
from kiosk.services.payments import policy_book


def _lifecycle(ctx: ServiceContext, day: dt.date) -> LifecycleParams:
    book = policy_book(ctx)
    try:
        return book.policy_for(day).lifecycle
    except PolicyError:
        return book.versions[0].lifecycle


def death_scheme(resident_id: int) -> str:
    """The pension scheme a death is settled in (funeral grant, survivor pension, account):
    ``employee`` when the person drew an employee pension or holds an employee account with
    money, else ``resident``. The one answer :func:`report_death` and the entitlement
    service's funeral decision (kiosk.services.entitlement) share. Caller's connection."""
    employee_pension = Benefit.select().where((Benefit.resident == resident_id) & (Benefit.kind == "pension")
                                              & (Benefit.scheme == "employee")).exists()
    employee_account = Account.select().where((Account.resident == resident_id)
                                              & (Account.kind == "pension_employee")
                                              & (Account.balance_fen > 0)).exists()
    return "employee" if employee_pension or employee_account else "resident"


def funeral_grant_fen(params: LifecycleParams, scheme: str) -> Fen | None:
    """The 丧葬补助金 of ``scheme`` in the policy's ``[version.lifecycle]`` (fen), None when the
    policy file sets none [local] (SIL Art. 17; 国发〔2014〕8号 for the resident scheme)."""
    return params.employee_funeral_grant_fen if scheme == "employee" else params.resident_funeral_grant_fen


# -- 待遇领取资格认证 ---------------------------------------------------------------------


@dataclass(frozen=True)
class CertifyResult:
    """What a 资格认证 did: pensions certified, and which were resumed."""

    certified: int
    resumed: tuple[int, ...]
    next_due: dt.date | None


def certify(ctx: ServiceContext, resident_id: int, *, channel: str = "counter") -> CertifyResult:
    """Record today's 资格认证 for the resident's pensions; resume those suspended as overdue.

    ``channel`` counter | self_assisted. Needs staff on the context (the clerk
    who checked the person); raises ServiceError when the resident has no
    pension in payment or is recorded as deceased.
    """
    if ctx.staff_id is None:
        raise ServiceError.keyed("refusal.lifecycle.needs_staff_certify", "needs_staff")
    today, now = ctx.today(), ctx.now()
    with connected(ctx), write_transaction(ctx.database):
        person = Resident.get_or_none(Resident.id == resident_id)
        if person is None:
            raise NotFound.keyed("maint17.app.resident_unknown")
        if person.death_date is not None:
            raise ServiceError.keyed("refusal.lifecycle.deceased", "deceased")
        rows = list(Benefit.select().where((Benefit.resident == resident_id) & Benefit.kind.in_(("pension", "survivor"))
                                           & Benefit.status.in_(("in_payment", "suspended"))))
        if not rows:
            raise ServiceError.keyed("refusal.lifecycle.no_pension", "no_pension")
        refuse_early_certification(ctx, rows)
        resumed = tuple(b.id for b in rows if b.status == "suspended" and b.reason == "not_certified")
        Benefit.update(certified_on=today, updated_at=now).where(benefit_ids(b.id for b in rows)).execute()
        if resumed:
            Benefit.update(status="in_payment", reason="", updated_at=now).where(benefit_ids(resumed)).execute()
        audit.append(actor=ctx.actor, terminal=ctx.terminal, action="benefit.certify", now=now, entity="resident",
                     entity_id=str(resident_id), detail={"channel": channel, "benefits": [b.id for b in rows],
                                                         "resumed": list(resumed)})
    interval = _lifecycle(ctx, today).certification_interval_months
    from kiosk.rules.retirement import add_months

    return CertifyResult(len(rows), resumed, add_months(today, interval))


#: A 资格认证 is taken from this many months before it falls due (the due list's month and the one
#: before it); earlier, the person is certified for the current interval and a new one is refused.
CERTIFY_AHEAD_MONTHS = 2


def refuse_early_certification(ctx: ServiceContext, rows: Sequence[Benefit]) -> None:
    """ServiceError (``already_certified``) when every pension of ``rows`` was certified within the
    current interval and the next 资格认证 is not yet near (more than CERTIFY_AHEAD_MONTHS away):
    naming the last certification and the next due date. A pension overdue or suspended never is."""
    from kiosk.rules.retirement import add_months

    today = ctx.today()
    interval = _lifecycle(ctx, today).certification_interval_months
    dues = [certification_due(b, interval) for b in rows]
    if not rows or any(b.certified_on is None or b.status == "suspended" for b in rows):
        return
    due = min(dues)
    opens = add_months(due, -CERTIFY_AHEAD_MONTHS)
    if today < opens:
        last = max(b.certified_on for b in rows if b.certified_on is not None)
        raise ServiceError.keyed("refusal.lifecycle.already_certified", "already_certified", last=last.isoformat(),
                                 due=due.isoformat(), opens=opens.isoformat())


@dataclass(frozen=True)
class DueRow:
    """A pensioner whose 资格认证 falls due by the month's end (masked for lists)."""

    village: str
    resident_id: int
    name_masked: str
    id_masked: str
    due: dt.date
    suspended: bool


def due_for_certification(ctx: ServiceContext, month: dt.date) -> list[DueRow]:
    """Pensioners whose 资格认证 is due by the end of ``month`` (overdue included), by village then due date."""
    from kiosk.rules.retirement import add_months

    end = add_months(month_of(month), 1)
    interval = _lifecycle(ctx, month).certification_interval_months
    rows: list[DueRow] = []
    with connected(ctx):
        query = (Benefit.select(Benefit, Resident).join(Resident)
                 .where(Benefit.kind.in_(("pension", "survivor")) & Benefit.status.in_(("in_payment", "suspended"))
                        & Resident.death_date.is_null()))
        for benefit in query:
            due = certification_due(benefit, interval)
            if due < end:
                person = benefit.resident
                rows.append(DueRow(str(person.village), int(person.id), mask_name(str(person.name)),
                                   mask_id_number(str(person.id_number)), due, benefit.status == "suspended"))
    unique = {(r.resident_id): r for r in sorted(rows, key=lambda r: r.due, reverse=True)}
    return sorted(unique.values(), key=lambda r: (r.village, r.due, r.resident_id))


# -- 死亡注销 ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StoppedBenefit:
    """A benefit stopped by a death: its id, kind, last month due and what was overpaid after it."""

    id: int
    kind: str
    last_month: dt.date
    overpaid_fen: Fen
    overpaid_months: tuple[str, ...]


@dataclass(frozen=True)
class DeathResult:
    """``kiosk resident deceased`` JSON: stopped benefits, overpayment, grants, inheritable balance."""

    stopped: tuple[StoppedBenefit, ...]
    overpaid_fen: Fen
    funeral_grant_fen: Fen
    survivor_fen: Fen
    inheritable_fen: Fen
    account_fen: Fen
    scheme: str
    enrolments_ended: int
    survivor_benefits: tuple[int, ...] = ()  # Benefit ids created for survivors (kiosk.services.survivors)

    def as_json(self) -> dict[str, Any]:
        """``{"stopped", "overpaid_fen", "funeral_grant_fen", "survivor_fen", "inheritable_fen"}`` (the
        contract) plus ``survivor_recorded`` and ``survivor_benefits``: ``survivor_fen`` is the 抚恤金
        due to the survivors once named; ``survivor_recorded`` False (and ``survivor_benefits`` empty)
        says no survivor was named, so nothing has been recorded or will be paid yet."""
        return {"stopped": [{"id": s.id, "kind": s.kind, "last_month": f"{s.last_month:%Y-%m}",
                             "overpaid_fen": s.overpaid_fen, "overpaid_months": list(s.overpaid_months)}
                            for s in self.stopped],
                "overpaid_fen": self.overpaid_fen, "funeral_grant_fen": self.funeral_grant_fen,
                "survivor_fen": self.survivor_fen, "inheritable_fen": self.inheritable_fen,
                "survivor_recorded": bool(self.survivor_benefits),
                "survivor_benefits": list(self.survivor_benefits)}


def _subsidy_part(resident_id: int) -> Fen:
    account = Account.get_or_none((Account.resident == resident_id) & (Account.kind == "pension_resident"))
    if account is None:
        return 0
    total = (LedgerEntry.select(peewee.fn.SUM(LedgerEntry.amount_fen))
             .where((LedgerEntry.account == account.id) & (LedgerEntry.kind == "subsidy")).scalar())
    return int(total or 0)


def parts_still_due(resident_id: int, kind: str, death: dt.date) -> Fen:
    """The account part (fen) of pension months up to the month of death not paid yet: the next run
    pays them (to the estate) out of the account, so the balance an heir inherits is without them.
    0 once the runs have paid them (then :func:`~kiosk.services.accounts.balance_at_death` counts
    their payouts). Caller's connection."""
    last = month_of(death)
    total = 0
    for benefit in Benefit.select().where((Benefit.resident == resident_id) & (Benefit.kind == "pension")
                                         & (Benefit.account_kind == kind) & (Benefit.account_part_fen > 0)
                                         & (Benefit.start_month <= last)):
        paid = {p.period for p in BenefitPayment.select(BenefitPayment.period).where(
            (BenefitPayment.benefit == benefit.id) & (BenefitPayment.period <= last))}
        period = benefit.start_month
        while period <= last:
            if period not in paid:
                total += int(benefit.account_part_fen)
            period = add_months(period, 1)
    return total


def record_death(ctx: ServiceContext, resident_id: int, death: dt.date, *,
                 survivors: Sequence[int] = ()) -> DeathResult:
    """死亡注销 (one transaction, audited); see the module docstring. ``survivors`` (resident ids,
    the first the payee of the one-off 抚恤金) get the 遗属待遇 of :mod:`kiosk.services.survivors`.

    Raises ServiceError for a date in the future or before birth, or a death
    already recorded (on another date: correcting it is a 信息变更, not this).
    """
    today, now = ctx.today(), ctx.now()
    if death > today:
        raise ServiceError.keyed("refusal.lifecycle.death_future", "bad_date", date=death.isoformat())
    params = _lifecycle(ctx, death)
    book = policy_book(ctx)
    with connected(ctx), write_transaction(ctx.database):
        person = Resident.get_or_none(Resident.id == resident_id)
        if person is None:
            raise NotFound.keyed("maint17.app.resident_unknown")
        if death < person.birth_date:
            raise ServiceError.keyed("refusal.lifecycle.death_before_birth", "bad_date")
        if person.death_date is not None:
            raise ServiceError.keyed("refusal.lifecycle.already_dead", "already", date=person.death_date.isoformat())
        payees = survivor_rules.check(resident_id, survivors)
        Resident.update(death_date=death, updated_at=now).where(Resident.id == resident_id).execute()
        last = month_of(death)
        stopped: list[StoppedBenefit] = []
        pension_monthly = 0
        for benefit in Benefit.select().where((Benefit.resident == resident_id)
                                             & Benefit.status.in_(("in_payment", "suspended"))):
            after = list(BenefitPayment.select().where((BenefitPayment.benefit == benefit.id)
                                                        & (BenefitPayment.period > last)).order_by(BenefitPayment.period))
            overpaid = sum(int(p.amount_fen) for p in after)
            months = tuple(sorted({f"{p.period:%Y-%m}" for p in after}))
            if benefit.kind == "pension":
                pension_monthly = max(pension_monthly, int(benefit.monthly_fen))
            Benefit.update(status="stopped", reason="deceased", end_month=last, overpaid_fen=overpaid,
                           updated_at=now).where(Benefit.id == benefit.id).execute()
            stopped.append(StoppedBenefit(benefit.id, str(benefit.kind), last, overpaid, months))
            if overpaid:
                # Named and recorded: the office recovers it from the estate or the account (冒领 if concealed).
                audit.append(actor=ctx.actor, terminal=ctx.terminal, action="benefit.overpaid", now=now,
                             entity="benefit", entity_id=str(benefit.id),
                             detail={"resident": resident_id, "months": list(months), "amount_fen": overpaid})
        ended = (Enrolment.update(status="ended", end_date=death)
                 .where((Enrolment.resident == resident_id) & (Enrolment.status != "ended")).execute())
        # 死亡注销 cancels the 社保卡 too: nobody may identify with it, or be paid into it, afterwards.
        cards = (Card.update(status="cancelled", status_changed_at=now)
                 .where((Card.resident == resident_id) & Card.status.in_(("active", "frozen"))).execute())
        scheme = death_scheme(resident_id)
        kind = "pension_employee" if scheme == "employee" else "pension_resident"
        settle_interest(resident_id, kind, death, book, now=now)  # interest to the date of death
        # The account part of months paid after the death goes back (those months are an overpayment);
        # payouts for months up to the death count, whenever the run was posted (a late report).
        return_parts_after_death(resident_id, kind, death, today=today, now=now)
        balance = balance_at_death(resident_id, kind, death, book) - parts_still_due(resident_id, kind, death)
        inheritable = balance
        if scheme == "resident" and not params.resident_inherit_subsidy:
            inheritable = max(0, balance - _subsidy_part(resident_id))
        grant = funeral_grant_fen(params, scheme) or 0
        survivor = params.employee_survivor_months * pension_monthly if scheme == "employee" else 0
        overpaid_total = sum(s.overpaid_fen for s in stopped)
        created = survivor_rules.grant(params, payees, death=death, scheme=scheme, pension_fen=pension_monthly,
                                       lump_fen=survivor, today=today, now=now)
        audit.append(actor=ctx.actor, terminal=ctx.terminal, action="resident.deceased", now=now, entity="resident",
                     entity_id=str(resident_id),
                     detail={"death_date": death.isoformat(), "stopped": [s.id for s in stopped],
                             "overpaid_fen": overpaid_total, "funeral_grant_fen": grant, "survivor_fen": survivor,
                             "account_fen": balance, "inheritable_fen": inheritable, "scheme": scheme,
                             "enrolments_ended": ended, "cards_cancelled": cards, "survivors": list(payees),
                             "survivor_benefits": list(created)})
    return DeathResult(tuple(stopped), overpaid_total, grant, survivor, inheritable, balance, scheme, ended,
                       created)


# -- 停保 / 暂停缴费 / 终止参保 and resuming ------------------------------------------------

ENROLMENT_ACTIONS = {"suspend": ("active", "suspended"), "resume": ("suspended", "active"),
                     "end": (None, "ended")}


def change_enrolment(ctx: ServiceContext, resident_id: int, insurance: str, scheme: str, action: str,
                     on: dt.date) -> str:
    """暂停缴费 (suspend), 恢复缴费 (resume) or 终止参保 (end) one enrolment; returns its new status.

    Staff only; audited (``enrolment.suspend|resume|end``). Resuming is refused while the
    same insurance is in force in another scheme (no overlapping coverage, 人社部发〔2014〕17号
    Art. 8); the employee scheme is ended by the employer's 减员, not here.
    """
    if ctx.staff_id is None:
        raise ServiceError.keyed("refusal.lifecycle.needs_staff_enrolment", "needs_staff")
    if action not in ENROLMENT_ACTIONS:
        raise ServiceError.keyed("refusal.lifecycle.bad_action", "bad_action")
    if scheme == "employee" and action == "end":
        raise ServiceError.keyed("refusal.lifecycle.employer_only", "employer_only")
    before, after = ENROLMENT_ACTIONS[action]
    now = ctx.now()
    with connected(ctx), write_transaction(ctx.database):
        query = Enrolment.select().where((Enrolment.resident == resident_id) & (Enrolment.insurance == insurance)
                                         & (Enrolment.scheme == scheme) & (Enrolment.status != "ended"))
        row = query.order_by(Enrolment.start_date.desc()).first()
        if row is None or (before is not None and row.status != before):
            raise ServiceError.keyed("refusal.lifecycle.no_enrolment", "no_enrolment",
                                     action_key=f"refusal.lifecycle.action.{action}", insurance=insurance,
                                     scheme=scheme)
        if action == "resume":
            other = Enrolment.select().where((Enrolment.resident == resident_id) & (Enrolment.insurance == insurance)
                                             & (Enrolment.scheme != scheme) & (Enrolment.status == "active")).exists()
            if other:
                raise ServiceError.keyed("refusal.lifecycle.overlap", "overlap")
        if on < row.start_date:
            raise ServiceError.keyed("refusal.lifecycle.before_start", "bad_date")
        changes: dict[Any, Any] = {Enrolment.status: after}
        if action == "end":
            changes[Enrolment.end_date] = on
        Enrolment.update(changes).where(Enrolment.id == row.id).execute()
        audit.append(actor=ctx.actor, terminal=ctx.terminal, action=f"enrolment.{action}", now=now,
                     entity="enrolment", entity_id=str(row.id),
                     detail={"resident": resident_id, "insurance": insurance, "scheme": scheme,
                             "date": on.isoformat(), "from": row.status})
    return after
