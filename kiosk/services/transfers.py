"""Pension transfers (关系转移接续) the way 国办发〔2009〕66号 and 人社部发〔2014〕17号 run them.

The ``transfer`` workflow (提出申请 → 审核申请 → 办理转移手续 → 接续社保关系) has two
directions, from this hall's point of view (``data["direction"]``):

``in`` — this hall is the NEW place (or the receiving scheme of a 17号 linkage).
  The person applies here (at the counter or the self-service terminal).
  审核申请 issues the 联系函 to the old place (printed, numbered
  ``LXH`` + application number). 办理转移手续 records what the old place
  transferred (the personal account, the 12% pooled part, the months), or,
  for a 17号 linkage whose other scheme is kept here, reads them from the
  records. 接续社保关系 confirms the arrival and merges: the money is posted to
  the receiving scheme's account (a 职工转居民 credits the RESIDENT account),
  the months are recorded on the Transfer row for the receiving scheme, the
  old scheme's pension enrolment ends.

  Men ≥50 and women ≥40 coming to a place that is not their 户籍地 (66号 Art. 5)
  get a 临时缴费账户 instead: no 联系函, no money moves, the relation stays at
  the old place; 接续 records a Transfer row with ``temporary``.

``out`` — this hall is the OLD place and has received the new place's 联系函
  (a clerk enters its number; never from the self-service terminal: the person
  applies at the new place). 办理转移手续 settles the account's interest, moves
  the whole personal account (with interest) and, for an employee transfer,
  12% of the bases since 1998, and prints the 参保缴费凭证; 接续 ends the local
  relation.

17号 linkage only at pension age and only one way: employee years < 15 →
employee account to the resident scheme (the employee months are added to the
resident years; the pooled part stays); ≥ 15 → resident account to the
employee scheme (resident years are not converted; the resident individual
contributions of years also paid as an employee are refunded, Art. 8).

Refusal codes: ``bad_kind``, ``bad_direction``, ``apply_at_new_place``,
``missing_letter``, ``missing_region``, ``bad_region``, ``temporary_account``,
``not_enrolled_here``, ``already_receiving``, ``below_pension_age``,
``linkage_not_allowed``, ``nothing_to_transfer``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any, Literal, cast

from db import audit
from db.ledger import account_for, post
from db.models import Application, BenefitPayment, Contribution, Enrolment, Resident, Transfer
from kiosk.rules import transfer as rules
from kiosk.rules.enrolment import age_on, category_for, valid_region_code
from kiosk.rules.money import Fen, round_fen
from kiosk.rules.retirement import retirement_date
from kiosk.services import ServiceContext, ServiceError
from kiosk.services.accounts import account_balance_with_interest, settle_interest
from kiosk.services.payments import _receipt_context, policy_book
from printers import spool
from printers.templates import Person, TransferInput, transfer_letter

Data = dict[str, Any]
KINDS = ("employee_interprovincial", "employee_to_resident", "resident_to_employee")
#: (account left, account joined) of each kind.
ACCOUNTS = {
    "employee_interprovincial": ("pension_employee", "pension_employee"),
    "employee_to_resident": ("pension_employee", "pension_resident"),
    "resident_to_employee": ("pension_resident", "pension_employee"),
}
#: (schemes left, scheme joined) of each kind; an interprovincial transfer keeps the employee scheme.
SCHEMES = {
    "employee_interprovincial": (("employee", "flexible"), None),
    "employee_to_resident": (("employee", "flexible"), "resident"),
    "resident_to_employee": (("resident",), "employee"),
}
KIND_NAMES = {"employee_interprovincial": "职工养老保险跨统筹区转移", "employee_to_resident": "职工转城乡居民（17号衔接）",
              "resident_to_employee": "城乡居民转职工（17号衔接）"}
LETTER_PREFIX = "LXH"
MONTHLY = ("employee", "flexible")


def _kind(data: Data) -> str:
    kind = data.get("kind", "employee_interprovincial")
    if kind not in KINDS:
        raise ServiceError.keyed("fix17text.transfer.bad_kind", "bad_kind")
    return str(kind)


def _direction(data: Data) -> str:
    direction = data.get("direction", "in")
    if direction not in ("in", "out"):
        raise ServiceError.keyed("fix17text.transfer.bad_direction", "bad_direction")
    return str(direction)


def employee_months(resident_id: int) -> int:
    """Employee-scheme months on record: employee and flexible months paid here plus
    months transferred in from other places (66号 adds them up)."""
    paid = Contribution.select().where((Contribution.resident == resident_id) & (Contribution.insurance == "pension")
                                       & (Contribution.scheme.in_(MONTHLY))).count()
    moved = sum(int(t.months) for t in Transfer.select().where(
        (Transfer.resident == resident_id) & (Transfer.direction == "in")
        & (Transfer.kind == "employee_interprovincial") & (Transfer.temporary == False)))  # noqa: E712
    return int(paid) + moved


def _resident_years(resident_id: int) -> list[int]:
    return [c.month.year for c in Contribution.select(Contribution.month).where(
        (Contribution.resident == resident_id) & (Contribution.insurance == "pension")
        & (Contribution.scheme == "resident"))]


def _hukou(resident: Resident) -> str:
    """The 户籍地 on record, else the ID number's region code."""
    return str(resident.hukou_region or resident.id_number[:6])


def _temporary(resident: Resident, destination: str, today: dt.date) -> bool:
    sex = cast(Literal["male", "female"], "male" if resident.sex == "male" else "female")
    return rules.needs_temporary_account(sex, age_on(resident.birth_date, today), destination == _hukou(resident))


def _receiving_pension(resident_id: int) -> bool:
    return bool(BenefitPayment.select().where((BenefitPayment.resident == resident_id)
                                              & (BenefitPayment.benefit_type == "pension")).exists())


def _active(resident_id: int, schemes: tuple[str, ...]) -> bool:
    return bool(Enrolment.select().where((Enrolment.resident == resident_id) & (Enrolment.insurance == "pension")
                                         & (Enrolment.scheme.in_(schemes)) & (Enrolment.status == "active")).exists())


def check_submit(ctx: ServiceContext, resident: Resident, data: Data) -> None:
    """Refuse a transfer the rules do not allow; notes ``temporary`` and the months it found."""
    kind, direction = _kind(data), _direction(data)
    data["kind"], data["direction"] = kind, direction
    today = ctx.today()
    region = str(data.get("other_region") or "").strip()
    if _receiving_pension(resident.id):
        raise ServiceError.keyed("fix17text.transfer.already_receiving", "already_receiving")
    if direction == "out":
        if ctx.staff_id is None:
            raise ServiceError.keyed("fix17text.transfer.apply_at_new_place", "apply_at_new_place")
        if not str(data.get("letter_number") or "").strip():
            raise ServiceError.keyed("fix17text.transfer.missing_letter", "missing_letter")
        if not region:
            raise ServiceError.keyed("fix17text.transfer.missing_region_in", "missing_region")
        if kind == "employee_interprovincial":
            code = str(data.get("other_region_code") or "").strip()
            if not valid_region_code(code):
                raise ServiceError.keyed("fix17text.transfer.bad_region", "bad_region")
            if _temporary(resident, code, today):
                raise ServiceError.keyed("fix17text.transfer.temporary_account", "temporary_account")
        return
    if not region:
        raise ServiceError.keyed("fix17text.transfer.missing_region_out", "missing_region")
    if kind == "employee_interprovincial":
        if not _active(resident.id, MONTHLY):
            raise ServiceError.keyed("fix17text.transfer.not_enrolled_here", "not_enrolled_here")
        data["temporary"] = _temporary(resident, ctx.region_code, today)
        return
    # 17号 linkage: at pension age, one way only.
    retire = retirement_date(resident.birth_date, category_for(resident.sex, str(resident.retirement_category or "")))
    if today < retire:
        raise ServiceError.keyed("refusal.transfers.below_pension_age", "below_pension_age",
                                 date=f"{retire:%Y-%m-%d}")
    months = employee_months(resident.id)
    allowed = rules.link_schemes(employee_months=months, resident_months=len(_resident_years(resident.id)) * 12,
                                 employee_balance_fen=0, resident_balance_fen=0).direction
    if allowed != kind:
        years = f"{months // 12}年{months % 12}个月"
        if kind == "employee_to_resident":
            message = (f"职工养老保险缴费已满15年（{years}），应将城乡居民养老保险转入职工养老保险，"
                       "不能从职工转入城乡居民（17号第三条）")
        else:
            message = (f"职工养老保险缴费不足15年（{years}），只能将职工养老保险转入城乡居民养老保险，"
                       "或继续缴费满15年（17号第三条）")
        raise ServiceError(message, code="linkage_not_allowed")
    data["employee_months"] = months


def _person(resident: Resident) -> Person:
    return Person(resident.name, resident.id_number)


def _print(ctx: ServiceContext, resident: Resident, row: Application, title: str, data: TransferInput) -> int:
    document = dataclasses.replace(transfer_letter(_receipt_context(ctx), data), title=title)
    return spool.enqueue(document, ctx.clock, resident_id=resident.id)


def on_reviewed(ctx: ServiceContext, row: Application, data: Data) -> None:
    """审核申请: a transfer in sends the 联系函 (none for a temporary account)."""
    if _direction(data) != "in" or data.get("temporary"):
        return
    kind = _kind(data)
    resident = Resident.get_by_id(row.__data__["resident"])
    data["letter_number"] = f"{LETTER_PREFIX}{row.number}"
    title = "养老保险关系转移接续联系函" if kind == "employee_interprovincial" else "城乡养老保险制度衔接联系函"
    notes = (f"联系函编号 {data['letter_number']}", "请原参保地（转出方）核对参保缴费信息，15个工作日内转移基金并出具参保缴费凭证。")
    data["letter_job"] = _print(ctx, resident, row, title, TransferInput(
        _person(resident), row.number, KIND_NAMES[kind], str(data.get("other_region", "")), ctx.hall_name,
        int(data.get("employee_months", 0)), 0, 0, notes))


def _local_source(resident_id: int, kind: str, today: dt.date, ctx: ServiceContext) -> Fen:
    source, _ = ACCOUNTS[kind]
    return account_balance_with_interest(resident_id, source, today, policy_book(ctx))


def _int(data: Data, key: str, default: int | None = None) -> int:
    """``data[key]`` as a whole number ≥ 0; the refusal names the field (``refusal.field.<key>``)."""
    value = data.get(key, default)
    what_key = f"refusal.field.{key}"
    if value is None:
        raise ServiceError.keyed("refusal.input.missing", f"missing_{key}", what_key=what_key)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ServiceError.keyed("refusal.input.not_integer", f"bad_{key}", what_key=what_key,
                                 value=str(value)) from None
    if number < 0:
        raise ServiceError.keyed("refusal.input.negative", f"bad_{key}", what_key=what_key)
    return number


def _years(resident_id: int) -> list[rules.YearBase]:
    by_year: dict[int, list[int]] = defaultdict(list)
    for c in Contribution.select().where((Contribution.resident == resident_id) & (Contribution.insurance == "pension")
                                         & (Contribution.scheme.in_(MONTHLY))):
        by_year[c.month.year].append(int(c.base_fen))
    return [rules.YearBase(year, round_fen(Decimal(sum(bases)) / len(bases)), len(bases))
            for year, bases in sorted(by_year.items())]


def on_transferring(ctx: ServiceContext, row: Application, data: Data) -> None:
    """办理转移手续: record the arrival (in) or move the money out and print the 参保缴费凭证 (out)."""
    kind, direction = _kind(data), _direction(data)
    resident_id = int(row.__data__["resident"])
    today, now = ctx.today(), ctx.now()
    if direction == "in":
        if data.get("temporary"):
            data["arrival"] = {"account_fen": 0, "pooled_fen": 0, "months": 0}
            return
        local = kind != "employee_interprovincial" and "account_fen" not in data
        if local:  # the other scheme is kept here: the figures come from the records
            account = _local_source(resident_id, kind, today, ctx)
            months = int(data.get("employee_months", 0)) if kind == "employee_to_resident" else 0
            data["arrival"] = {"account_fen": account, "pooled_fen": 0, "months": months, "local": True}
        else:
            data["arrival"] = {"account_fen": _int(data, "account_fen"),
                               "pooled_fen": _int(data, "pooled_fen", 0) if kind ==
                               "employee_interprovincial" else 0,
                               "months": _int(data, "months", int(data.get("employee_months", 0))
                                              if kind == "employee_to_resident" else 0),
                               "local": False}
        return
    source_kind, _ = ACCOUNTS[kind]
    settle_interest(resident_id, source_kind, today, policy_book(ctx), now=now)
    source = account_for(resident_id, source_kind, today=today, now=now)
    balance = int(source.balance_fen)
    pooled = 0
    months = employee_months(resident_id) if kind != "resident_to_employee" else 0
    if kind == "employee_interprovincial":
        amount = rules.transfer_amount(balance, _years(resident_id))
        pooled = amount.pooled_fen
        data["steps"] = [[s.key, s.formula, s.result_fen] for s in amount.steps]
    if balance:
        post(source, -balance, "transfer_out", entry_date=today, now=now, reference=row.number)
    Transfer.create(application=row.id, resident=resident_id, direction="out", kind=kind,
                    other_region=str(data.get("other_region", "")), account_fen=balance, pooled_fen=pooled,
                    months=months, created_at=now)
    data.update(account_fen=balance, pooled_fen=pooled, months=months, amount_fen=balance + pooled)
    resident = Resident.get_by_id(resident_id)
    data["certificate_job"] = _print(ctx, resident, row, "参保缴费凭证（转移）", TransferInput(
        _person(resident), row.number, KIND_NAMES[kind], ctx.hall_name, str(data.get("other_region", "")), months,
        balance, pooled, (f"联系函编号 {data.get('letter_number', '')}",)))
    audit.append(actor=ctx.actor, terminal=ctx.terminal, action="transfer.out", now=now, entity="application",
                 entity_id=row.number, detail={"kind": kind, "account_fen": balance, "pooled_fen": pooled,
                                               "months": months})


def _overlap_refund(resident_id: int, today: dt.date, now: dt.datetime, reference: str) -> tuple[Fen, list[int]]:
    """17号 Art. 8: resident years also paid as an employee count once, as employee years;
    the resident individual contributions of those years are refunded."""
    employee_years = {c.month.year for c in Contribution.select(Contribution.month).where(
        (Contribution.resident == resident_id) & (Contribution.insurance == "pension")
        & (Contribution.scheme.in_(MONTHLY)))}
    rows = [c for c in Contribution.select().where((Contribution.resident == resident_id)
                                                   & (Contribution.insurance == "pension")
                                                   & (Contribution.scheme == "resident"))
            if c.month.year in employee_years]
    refund = sum(int(c.individual_fen) for c in rows)
    if refund:
        account = account_for(resident_id, "pension_resident", today=today, now=now)
        post(account, -min(refund, int(account.balance_fen)), "refund", entry_date=today, now=now, reference=reference)
    return refund, sorted(c.month.year for c in rows)


def on_continued(ctx: ServiceContext, row: Application, data: Data) -> None:
    """接续社保关系: merge what arrived into the receiving scheme (in), or end the local relation (out)."""
    kind, direction = _kind(data), _direction(data)
    resident_id = int(row.__data__["resident"])
    today, now = ctx.today(), ctx.now()
    leaving, joining = SCHEMES[kind]
    if direction == "out":
        _end(resident_id, leaving, today)
        return
    arrival = dict(data.get("arrival") or {})
    if data.get("temporary"):
        Transfer.create(application=row.id, resident=resident_id, direction="in", kind=kind, temporary=True,
                        other_region=str(data.get("other_region", "")), created_at=now)
        data["temporary_account"] = True
        return
    source_kind, target_kind = ACCOUNTS[kind]
    account_fen = int(arrival.get("account_fen", 0))
    if arrival.get("local"):
        # Both schemes are kept here: settle the interest, then move the whole balance.
        if kind == "resident_to_employee":
            data["overlap_refund_fen"], data["overlap_years"] = _overlap_refund(resident_id, today, now, row.number)
        settle_interest(resident_id, source_kind, today, policy_book(ctx), now=now)
        source = account_for(resident_id, source_kind, today=today, now=now)
        account_fen = int(source.balance_fen)
        if account_fen:
            post(source, -account_fen, "transfer_out", entry_date=today, now=now, reference=row.number)
    if not account_fen and not arrival.get("local") and kind != "employee_interprovincial":
        raise ServiceError.keyed("fix17text.transfer.nothing_to_transfer", "nothing_to_transfer")
    target = account_for(resident_id, target_kind, today=today, now=now)
    if account_fen:
        post(target, account_fen, "transfer_in", entry_date=today, now=now, reference=row.number)
    months = int(arrival.get("months", 0))
    Transfer.create(application=row.id, resident=resident_id, direction="in", kind=kind,
                    other_region=str(data.get("other_region", "")), account_fen=account_fen,
                    pooled_fen=int(arrival.get("pooled_fen", 0)), months=months, created_at=now)
    if joining is not None:
        _end(resident_id, leaving, today)
        if not _active(resident_id, (joining,)):
            Enrolment.create(resident=resident_id, insurance="pension", scheme=joining, status="active",
                             start_date=today)
    data.update(account_fen=account_fen, pooled_fen=int(arrival.get("pooled_fen", 0)), months=months,
                amount_fen=account_fen, target_account=target_kind)
    audit.append(actor=ctx.actor, terminal=ctx.terminal, action="transfer.in", now=now, entity="application",
                 entity_id=row.number, detail={"kind": kind, "account_fen": account_fen, "months": months,
                                               "target": target_kind})


def _end(resident_id: int, schemes: tuple[str, ...], today: dt.date) -> None:
    Enrolment.update(status="ended", end_date=today).where(
        (Enrolment.resident == resident_id) & (Enrolment.insurance == "pension") & (Enrolment.scheme.in_(schemes))
        & (Enrolment.status == "active")).execute()
