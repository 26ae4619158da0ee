"""The monthly payment run (待遇按月发放, RULES.md §13.2): ``kiosk benefit run YYYY-MM``.

Every :class:`db.models.Benefit` in payment gets, for the run's month, what
is due and not yet paid, one transaction per run:

- the month itself (the amount the policy in force that month gives:
  a resident pension follows the basic pension, :func:`month_amount`);
- earlier months not paid (back pay after a suspension is lifted);
- arrears (补发) of months paid before a raise took effect in the policy
  file (``due - paid`` for each earlier month ALREADY paid: RULES.md §13.2);
  a month paid for the first time is one ``monthly`` row of the amount in
  force that month. A raise in force for the run's month raises the benefit's
  own ``monthly_fen``/``basic_fen`` (recorded in the run's audit entry with
  the policy version), so the next months are plain monthly rows again.

Nothing is paid twice: a posted month is recorded in :class:`BenefitRun`
(one row per month, unique), and a month counts as paid when ANY payment of
that resident, benefit family and month exists (whichever benefit row or
none it names, whichever spelling of the type: :mod:`kiosk.rules.benefit_types`),
so a second run of the month pays nothing and says so. Skipped benefits are
counted by reason: ``suspended`` (or the suspension's reason, e.g.
``not_certified`` when the yearly 资格认证 is overdue: such a pensioner is
suspended by this run), ``stopped``/``deceased``, ``finished`` (an
unemployment benefit whose months are used), ``already_paid`` and
``no_bank_account`` (neither the benefit nor the person has a bank account recorded: the
card number is not an account, so nothing is paid until 信息变更 records one).

:func:`preview` writes nothing; :func:`post` needs a supervisor (or admin)
acting on the context, writes the payments, the account part of each pension
month out of the personal account, the run row, the bank disbursement file
(代发文件, .csv or .xlsx, 0600, control total line) and one audit entry.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import peewee

from db import audit
from db.bulk import insert_rows
from db.connection import is_sqlite, write_transaction
from db.files import csv_cell, private_file
from db.ledger import account_for
from db.ledger import post as post_ledger
from db.models import Benefit, BenefitPayment, BenefitRun, Card, Resident
from kiosk.policy import PolicyError
from kiosk.policy.loader import policy_digest
from kiosk.rules.benefit_types import MONTHLY_FAMILIES, benefit_family, family_types
from kiosk.rules.identity import mask_id_number
from kiosk.rules.money import Fen, format_yuan
from kiosk.rules.retirement import add_months
from kiosk.services import ServiceContext, ServiceError
from kiosk.services.accounts import payout_reference
from kiosk.services.payments import policy_book
from kiosk.services.staff import PermissionDenied, acting_staff

#: Benefit kinds the run pays (pensions of both schemes, unemployment, fund-paid injury, survivor).
RUN_KINDS = MONTHLY_FAMILIES
HEADER = ("序号", "姓名", "证件号码(掩码)", "公民身份号码", "社保卡号", "银行账号", "金额(元)", "所属月份",
          "业务参考号", "说明")


def benefit_ids(ids: Iterable[int]) -> Any:
    """``Benefit.id IN ids`` (the ``id`` annotation hides the field from mypy)."""
    return cast(Any, Benefit)._meta.primary_key.in_(list(ids))


def _tuples(query: Any) -> list[tuple[Any, ...]]:
    return cast(list[tuple[Any, ...]], list(query.tuples().iterator()))


def parse_month(text: str) -> dt.date:
    """``YYYY-MM`` as the first day of that month; ServiceError otherwise."""
    try:
        year, month = (int(part) for part in text.strip().split("-"))
        return dt.date(year, month, 1)
    except ValueError:
        raise ServiceError.keyed("refusal.benefit_run.bad_month", "bad_month", text=text[:20]) from None


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_amount(ctx: ServiceContext, benefit: Benefit, period: dt.date) -> Fen:
    """What ``benefit`` is due for ``period`` under the policy in force that month (fen).

    A benefit with ``basic_fen`` follows the resident basic pension: its fixed
    part plus the basic pension in force on the period's first day.
    """
    if not benefit.basic_fen:
        return int(benefit.monthly_fen)
    book = policy_book(ctx)
    try:
        basic = book.policy_for(period).resident_basic_pension_fen
    except PolicyError:
        basic = int(benefit.basic_fen)
    return int(benefit.monthly_fen) - int(benefit.basic_fen) + basic


def certification_due(benefit: Benefit, interval_months: int) -> dt.date:
    """The day the next 资格认证 is due: the last one (or the start) plus the interval."""
    base = benefit.certified_on or benefit.start_month
    return add_months(base, interval_months)


def certification_overdue(benefit: Benefit, month: dt.date, interval_months: int) -> bool:
    """True when a pension's 资格认证 fell due before ``month`` (suspended from this run)."""
    return benefit.kind in ("pension", "survivor") and month_of(certification_due(benefit, interval_months)) < month


@dataclass(frozen=True)
class Item:
    """One payment to write: a period of a benefit, ``monthly`` or ``arrears``."""

    period: dt.date
    kind: str
    amount_fen: Fen


@dataclass(frozen=True)
class Line:
    """One line of the disbursement file: everything one benefit gets in this run."""

    benefit_id: int
    resident_id: int
    application_id: int | None
    benefit_type: str
    name: str
    id_number: str
    card_number: str
    bank_account: str
    items: tuple[Item, ...]
    reference: str

    @property
    def amount_fen(self) -> Fen:
        return sum(item.amount_fen for item in self.items)

    def note(self, month: dt.date) -> str:
        """What the amount is, when not just this month's benefit: ``一次性抚恤金`` for the one-off
        survivor lump sum; ``YYYY-MM补发`` for an earlier month not paid before; ``YYYY-MM调整补差``
        for a raise topping up an EARLIER month already paid (a month paid for the first time is 补发
        at the amount in force, raise included). This month's own amount (with a raise since
        approval) is the month's benefit and is not labelled."""
        if self.benefit_type == "survivor_lump":
            return "一次性抚恤金"
        first_paid = {i.period for i in self.items if i.kind == "monthly"}
        periods = dict.fromkeys(i.period for i in self.items if i.period < month)  # in order, once each
        return "；".join(f"{p:%Y-%m}{'补发' if p in first_paid else '调整补差'}" for p in periods)


@dataclass
class Plan:
    """What a run would do: lines to pay, skips by reason, status changes."""

    month: dt.date
    lines: list[Line] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    suspend: list[int] = field(default_factory=list)
    finish: list[int] = field(default_factory=list)
    lowered: list[tuple[int, dt.date, Fen, Fen]] = field(default_factory=list)
    """(benefit id, month, paid, due now) of months already paid MORE than the policy in force gives."""
    raises: list[tuple[int, Fen, Fen, Fen, dt.date]] = field(default_factory=list)
    """(benefit id, monthly_fen, new monthly_fen, new basic_fen, first month of the new amount): a raise
    in force for the last month paid."""

    @property
    def total_fen(self) -> Fen:
        return sum(line.amount_fen for line in self.lines)


@dataclass(frozen=True)
class RunResult:
    """The run's report; :meth:`as_json` is the CLI contract."""

    month: dt.date
    paid: int
    total_fen: Fen
    skipped: dict[str, int]
    file: str | None
    posted: bool
    already: bool = False
    lines: tuple[Line, ...] = ()
    posted_at: dt.datetime | None = None  # when an already posted month was posted (``already``)
    policy_note: str = ""  # said when the policy differs from the one the previous run recorded
    policy: PolicyUsed | None = None  # the policy this run is (or was) computed with
    policy_change: PolicyChange | None = None  # policy_note's parts, for a screen in its own language
    covered: Covered | None = None  # nothing payable: the payments that already cover the month

    def as_json(self) -> dict[str, Any]:
        """``{"month", "paid", "total_fen", "skipped", "file"}`` (DESIGN.md §4), and ``"covered":
        {"payments", "total_fen", "outside_runs"}`` when nothing was payable (nothing posted)."""
        data: dict[str, Any] = {"month": f"{self.month:%Y-%m}", "paid": self.paid, "total_fen": self.total_fen,
                                "skipped": dict(sorted(self.skipped.items())), "file": self.file}
        if self.covered is not None:
            data["covered"] = {"payments": self.covered.payments, "total_fen": self.covered.total_fen,
                               "outside_runs": self.covered.outside_runs}
        return data


@dataclass(frozen=True)
class Covered:
    """The payments of a month's monthly benefits already made: how many, their total (fen) and how
    many of them no posted run explains (paid at 待遇支付, imported, or seeded without a run)."""

    payments: int
    total_fen: Fen
    outside_runs: int


def covered(month: dt.date) -> Covered:
    """:class:`Covered` for ``month`` (every payment of the monthly families with that period)."""
    types = [t for family in MONTHLY_FAMILIES for t in family_types(family)]
    rows = _tuples(BenefitPayment.select(BenefitPayment.amount_fen, BenefitPayment.run_month)
                   .where((BenefitPayment.period == month) & BenefitPayment.benefit_type.in_(types)))
    runs = {m if isinstance(m, dt.date) else dt.date.fromisoformat(str(m))
            for (m,) in _tuples(BenefitRun.select(BenefitRun.month))}
    outside = sum(1 for _, run_month in rows if run_month is None or (
        run_month if isinstance(run_month, dt.date) else dt.date.fromisoformat(str(run_month))) not in runs)
    return Covered(len(rows), sum(int(amount) for amount, _ in rows), outside)


def _paid_sums() -> dict[tuple[int, str, dt.date], Fen]:
    """What was paid per (resident, benefit family, month), from EVERY payment of the monthly
    families: rows of any benefit, rows with no benefit (a 待遇支付 step, imported or older data)
    and every spelling of the type (``pension_employee`` is a pension month, see
    :mod:`kiosk.rules.benefit_types`). A month paid by any of them is not paid again."""
    types = [t for family in MONTHLY_FAMILIES for t in family_types(family)]
    query = _tuples(BenefitPayment.select(BenefitPayment.resident, BenefitPayment.benefit_type, BenefitPayment.period,
                                          peewee.fn.SUM(BenefitPayment.amount_fen))
                    .where(BenefitPayment.benefit_type.in_(types))
                    .group_by(BenefitPayment.resident, BenefitPayment.benefit_type, BenefitPayment.period))
    sums: dict[tuple[int, str, dt.date], Fen] = defaultdict(int)
    for rid, type_, p, total in query:
        period = p if isinstance(p, dt.date) else dt.date.fromisoformat(str(p))
        sums[(int(rid), benefit_family(str(type_)), period)] += int(total)
    return dict(sums)


def _arrears_months() -> set[tuple[int, str, dt.date]]:
    """(resident, family, month) that were topped up by a raise (a ``arrears`` row): months whose
    paid amount depends on the policy file of the run that paid them."""
    types = [t for family in MONTHLY_FAMILIES for t in family_types(family)]
    query = _tuples(BenefitPayment.select(BenefitPayment.resident, BenefitPayment.benefit_type, BenefitPayment.period)
                    .where(BenefitPayment.benefit_type.in_(types) & (BenefitPayment.kind == "arrears")).distinct())
    return {(int(rid), benefit_family(str(type_)), p if isinstance(p, dt.date) else dt.date.fromisoformat(str(p)))
            for rid, type_, p in query}


def _cards() -> dict[int, str]:
    cards: dict[int, str] = {}
    for resident_id, number in _tuples(Card.select(Card.resident, Card.card_number)
                                       .where(Card.status == "active").order_by(Card.card_number)):
        cards[int(resident_id)] = str(number)
    return cards


def last_month(benefit: Benefit, month: dt.date, death: dt.date | None) -> dt.date:
    """The last period due by ``month``: the window's end, the end month, the month of death."""
    last = month
    if benefit.months is not None:
        last = min(last, add_months(benefit.start_month, int(benefit.months) - 1))
    if benefit.end_month is not None:
        last = min(last, benefit.end_month)
    if death is not None:
        last = min(last, month_of(death))
    return last


def _periods(first: dt.date, last: dt.date) -> Iterable[dt.date]:
    period = first
    while period <= last:
        yield period
        period = add_months(period, 1)


def plan(ctx: ServiceContext, month: dt.date) -> Plan:
    """Read what the run for ``month`` would pay (inside the caller's connection); writes nothing."""
    result = Plan(month)
    paid = _paid_sums()
    raised = _arrears_months()
    cards = _cards()
    try:
        interval = policy_book(ctx).policy_for(month).lifecycle.certification_interval_months
    except PolicyError:
        interval = 12
    rows = (Benefit.select(Benefit, Resident).join(Resident)
            .where(Benefit.kind.in_(RUN_KINDS) & (Benefit.start_month <= month)).order_by(Benefit.id))
    for benefit in rows:
        person: Resident = benefit.resident
        # A benefit stopped by a death is still due up to the month of death (paid to the estate).
        settling = benefit.status == "stopped" and benefit.reason == "deceased" and benefit.end_month is not None
        if benefit.status != "in_payment" and not settling:
            # A suspension says why (not_certified ...); a benefit stopped by a death says deceased.
            named = benefit.status == "suspended" or (benefit.status == "stopped" and benefit.reason == "deceased")
            result.skipped[(benefit.reason or benefit.status) if named else benefit.status] += 1
            continue
        if person.death_date is not None and month_of(person.death_date) < benefit.start_month:
            result.skipped["deceased"] += 1
            continue
        if not settling and certification_overdue(benefit, month, interval):
            result.skipped["not_certified"] += 1
            result.suspend.append(benefit.id)
            continue
        last = last_month(benefit, month, person.death_date)
        items: list[Item] = []
        for period in _periods(benefit.start_month, last):
            due = month_amount(ctx, benefit, period)
            already = paid.get((person.id, benefit_family(str(benefit.kind)), period), 0)
            if already == 0:
                # A month paid for the first time is paid at the amount in force that month (a raise
                # included): arrears are only for months already paid (RULES.md §13.2, attack D10).
                items.append(Item(period, "monthly", due))
            elif already < due:
                items.append(Item(period, "arrears", due - already))
            elif already > due and benefit.basic_fen and (
                    due < int(benefit.monthly_fen)
                    or (person.id, benefit_family(str(benefit.kind)), period) in raised):
                # Paid under a policy giving more than this one (not a duplicate payment, which the
                # rule audit finds): see _refuse_policy_change.
                result.lowered.append((benefit.id, period, already, due))
        window_end = benefit.months is not None and last == add_months(benefit.start_month, int(benefit.months) - 1)
        if window_end:
            result.finish.append(benefit.id)  # its last month is paid by this run (or was before)
        if not items:
            if settling:
                result.skipped["deceased"] += 1  # stopped by the death, every month due is paid
            elif window_end:
                result.skipped["finished"] += 1
            elif person.death_date is not None and month_of(person.death_date) < month:
                result.skipped["deceased"] += 1  # nothing after the month of death
            else:
                result.skipped["already_paid"] += 1
            continue
        # The benefit's own account, else the one 信息变更 recorded for the person. Never the card
        # NUMBER (9 characters, not an account a bank can credit): no account, no payment.
        account = str(benefit.bank_account or person.bank_account or "").strip()
        if not account:
            result.skipped["no_bank_account"] += 1
            continue
        # An injury claim's approved amount is its lump sum: the monthly allowance is the Benefit's alone.
        application = None if benefit.kind == "injury" else benefit.__data__.get("application")
        if benefit.basic_fen and items:
            # From the month a raise applies the benefit's own monthly amount is the new one.
            current = month_amount(ctx, benefit, last)
            if current > int(benefit.monthly_fen):
                new_basic = int(benefit.basic_fen) + current - int(benefit.monthly_fen)
                since = last
                while since > benefit.start_month and month_amount(ctx, benefit, add_months(since, -1)) == current:
                    since = add_months(since, -1)
                result.raises.append((benefit.id, int(benefit.monthly_fen), current, new_basic, since))
        result.lines.append(Line(benefit.id, person.id, application, str(benefit.kind),
                                 str(person.name), str(person.id_number), cards.get(person.id, ""), account,
                                 tuple(items), f"DF{month:%Y%m}{benefit.id:07d}"))
        for item in items:  # a second benefit of the same family and month in this run pays nothing
            key = (person.id, benefit_family(str(benefit.kind)), item.period)
            paid[key] = paid.get(key, 0) + item.amount_fen
    return result


def _posted(month: dt.date) -> BenefitRun | None:
    return BenefitRun.get_or_none(BenefitRun.month == month)


def preview(ctx: ServiceContext, month: dt.date) -> RunResult:
    """The run for ``month`` as it would be posted (预览); writes nothing, needs no approval."""
    with ctx.database.connection_context():
        done = _posted(month)
        if done is not None:  # named like post() names it: its file and when (attack E10)
            return RunResult(month, 0, 0, {}, done.file or None, posted=False, already=True,
                             posted_at=done.created_at)
        result = plan(ctx, month)
        _refuse_policy_change(ctx, result)
        change = policy_change(ctx, month)
        used = policy_used(ctx, month)
        paid_before = None if result.lines else covered(month)
    return RunResult(month, len(result.lines), result.total_fen, dict(result.skipped), None, posted=False,
                     lines=tuple(result.lines), policy_note=_note(change), policy=used, policy_change=change,
                     covered=paid_before)


def _require_supervisor(ctx: ServiceContext) -> int:
    staff = acting_staff(ctx)
    if staff is None or staff.role not in ("supervisor", "admin"):
        raise PermissionDenied.keyed("refusal.benefit_run.needs_supervisor", "needs_supervisor")
    return int(staff.id)


def _refuse_on_rule_findings(ctx: ServiceContext, lines: Sequence[Line]) -> None:
    """Issue 16: refuse while the rule audit (稽核) reports unexplained findings in what this run pays.

    Asks ``kiosk.services.rule_audit.unexplained_findings`` for the residents,
    benefits and applications of the lines (when that module is installed).
    """
    try:
        module = importlib.import_module("kiosk.services.rule_audit")
    except ImportError:
        return
    check = getattr(module, "unexplained_findings", None)
    if check is None or not lines:
        return
    findings = list(check(ctx, resident_ids=[line.resident_id for line in lines],
                          benefit_ids=[line.benefit_id for line in lines],
                          application_ids=[line.application_id for line in lines if line.application_id]))
    if findings:
        kinds = sorted({str(getattr(f, "kind", "?")) for f in findings})
        raise ServiceError.keyed("refusal.benefit_run.rule_findings", "rule_findings", count=len(findings),
                                 kinds_zh="、".join(kinds), kinds_en=", ".join(kinds))


def post(ctx: ServiceContext, month: dt.date, out: Path | None) -> RunResult:
    """Post the run for ``month`` (one transaction) and write the disbursement file to ``out``.

    Needs a supervisor/admin on ``ctx`` (PermissionDenied). A month already
    posted pays nothing (``already`` True). A month with nothing payable posts
    nothing and writes no file (``posted`` False, ``covered`` set; status
    changes such as a 资格认证 suspension wait for the next run that pays). Raises ServiceError when the file
    cannot be written (nothing is posted then).
    """
    approver = _require_supervisor(ctx)
    if month > month_of(ctx.today()):
        raise ServiceError.keyed("refusal.benefit_run.future_month", "future_month", month=f"{month:%Y-%m}")
    if out is not None and out.suffix.lower() not in (".csv", ".xlsx"):
        raise ServiceError.keyed("refusal.benefit_run.bad_file", "bad_file", name=out.name)
    now, today = ctx.now(), ctx.today()
    written: Path | None = None
    try:
        with ctx.database.connection_context(), write_transaction(ctx.database):
            if not is_sqlite(ctx.database):
                # One run at a time (back pay of the same month from two runs must not both pay).
                ctx.database.execute_sql("SELECT pg_advisory_xact_lock(15015)")
            done = _posted(month)
            if done is not None:
                return RunResult(month, 0, 0, {}, done.file or None, posted=False, already=True,
                                 posted_at=done.created_at)
            if out is not None and out.exists():
                # A disbursement file is never overwritten (another month's, or one already sent to the bank).
                raise ServiceError.keyed("refusal.benefit_run.file_exists", "file_exists", path=str(out))
            result = plan(ctx, month)
            _refuse_policy_change(ctx, result)
            if not result.lines:
                # Nothing payable (attack D7): no empty run row (it would bar a later run of the month)
                # and no empty 代发文件; the caller says which payments already cover the month.
                return RunResult(month, 0, 0, dict(result.skipped), None, posted=False, covered=covered(month))
            _refuse_on_rule_findings(ctx, result.lines)
            policy = record_policy(ctx, month, now)
            change = policy_change(ctx, month)
            _write_payments(ctx, result, month, now, today)
            digest = ""
            if out is not None:
                written = out
                write_file(out, result.lines, month)
                digest = file_sha256(out)
            BenefitRun.create(month=month, paid=len(result.lines), total_fen=result.total_fen,
                              approved_by=approver, file=str(out or ""), created_at=now,
                              policy_digest=policy.digest, policy_version=policy.label, file_sha256=digest)
            audit.append(actor=ctx.actor, terminal=ctx.terminal, action="benefit.run", now=now,
                         entity="benefit_run", entity_id=f"{month:%Y-%m}",
                         detail={"paid": len(result.lines), "total_fen": result.total_fen,
                                 "skipped": dict(result.skipped), "file": str(out or ""), "file_sha256": digest,
                                 "suspended": result.suspend, "finished": result.finish,
                                 "raised": [{"benefit": b, "from_fen": old, "to_fen": new,
                                             "effective": f"{since:%Y-%m}", "policy": policy.label}
                                            for b, old, new, _, since in result.raises],
                                 "policy": {"digest": policy.digest, "version": policy.label,
                                            "effective": policy.effective.isoformat()}})
    except OSError as exc:
        if written is not None:
            written.unlink(missing_ok=True)
        raise ServiceError.keyed("refusal.benefit_run.file", "file", problem=str(exc.strerror or exc)) from None
    except BaseException:
        if written is not None:
            written.unlink(missing_ok=True)  # the bank must never get a file of a run that was not posted
        raise
    return RunResult(month, len(result.lines), result.total_fen, dict(result.skipped),
                     str(out) if out is not None else None, posted=True, lines=tuple(result.lines),
                     policy_note=_note(change), policy=policy, policy_change=change)


@dataclass(frozen=True)
class PolicyUsed:
    """The policy a run was posted with: content hash, ``label`` (file name and version), effective date."""

    digest: str
    label: str
    effective: dt.date


def policy_used(ctx: ServiceContext, month: dt.date) -> PolicyUsed:
    """The policy in force for ``month`` on this terminal (:func:`kiosk.policy.loader.policy_digest`)."""
    book = policy_book(ctx)
    try:
        effective = book.policy_for(month).effective
    except PolicyError:
        effective = book.versions[0].effective
    label = f"{Path(book.source).name} 版本{effective.isoformat()}"[:120]
    return PolicyUsed(policy_digest(book), label, effective)


def record_policy(ctx: ServiceContext, month: dt.date, now: dt.datetime) -> PolicyUsed:
    """:func:`policy_used`, and its row in ``policy_version`` the first time it is used (caller's transaction)."""
    from db.models import PolicyVersion

    used = policy_used(ctx, month)
    if not PolicyVersion.select().where((PolicyVersion.effective == used.effective)
                                        & (PolicyVersion.digest == used.digest)).exists():
        PolicyVersion.create(effective=used.effective, source=policy_book(ctx).source[:300], digest=used.digest,
                             loaded_at=now)
    return used


@dataclass(frozen=True)
class PolicyChange:
    """This terminal's policy differs from the one the previous run (``month``) recorded:
    labels as stored (file name and 版本 effective date), full content hashes."""

    month: dt.date
    before_label: str
    before_digest: str
    label: str
    digest: str


def policy_change(ctx: ServiceContext, month: dt.date) -> PolicyChange | None:
    """The previous run's policy and this terminal's when their content hashes differ (a raise
    paid as 调整补差 is then said, never silent); None when they agree or no earlier run recorded
    one. Caller's connection."""
    earlier = (BenefitRun.select().where((BenefitRun.month != month) & (BenefitRun.policy_digest != ""))
               .order_by(BenefitRun.created_at.desc()).first())
    here = policy_used(ctx, month)
    if earlier is None or earlier.policy_digest == here.digest:
        return None
    return PolicyChange(earlier.month, str(earlier.policy_version), str(earlier.policy_digest), here.label, here.digest)


def _note(change: PolicyChange | None) -> str:
    if change is None:
        return ""
    return (f"注意：本次按政策“{change.label}”（{change.digest[:12]}）计发，与 {change.month:%Y-%m} 发放所用的"
            f"“{change.before_label}”（{change.before_digest[:12]}）不同 policy differs from the previous run")


def policy_change_note(ctx: ServiceContext, month: dt.date) -> str:
    """:func:`policy_change` as one sentence (Chinese, with an English gloss) for the command line; "" when none."""
    return _note(policy_change(ctx, month))


def _refuse_policy_change(ctx: ServiceContext, result: Plan) -> None:
    """Refuse a run whose policy gives LESS for months already paid than was paid (a terminal with
    another policy file, or a file changed since): naming the policy the earlier run recorded and
    the one in force here. A raise (more than was paid) is paid as arrears (补发) and recorded."""
    if not result.lowered:
        return
    _, period, paid, due = min(result.lowered, key=lambda item: item[1])
    earlier = (BenefitRun.select().where((BenefitRun.month >= period) & (BenefitRun.policy_digest != ""))
               .order_by(BenefitRun.month).first())
    here = policy_used(ctx, result.month)
    params: dict[str, object] = {
        "period": f"{period:%Y-%m}", "paid": format_yuan(paid), "label": here.label, "digest": here.digest[:12],
        "due": format_yuan(due), "months": len(result.lowered)}
    if earlier is None:
        raise ServiceError.keyed("refusal.benefit_run.policy_changed", "policy_changed", **params)
    raise ServiceError.keyed("refusal.benefit_run.policy_changed_since", "policy_changed",
                             earlier=f"{earlier.month:%Y-%m}", earlier_label=earlier.policy_version,
                             earlier_digest=earlier.policy_digest[:12], **params)


def _write_payments(ctx: ServiceContext, result: Plan, month: dt.date, now: dt.datetime, today: dt.date) -> None:
    if result.suspend:
        Benefit.update(status="suspended", reason="not_certified", updated_at=now) \
            .where(benefit_ids(result.suspend)).execute()
    if result.finish:
        Benefit.update(status="finished", reason="months_used", updated_at=now) \
            .where(benefit_ids(result.finish) & (Benefit.status == "in_payment")).execute()
    for benefit_id, _, monthly, basic, _since in result.raises:
        Benefit.update(monthly_fen=monthly, basic_fen=basic, updated_at=now).where(
            benefit_ids([benefit_id])).execute()
    parts: dict[int, tuple[str, Fen]] = {
        b.id: (str(b.account_kind), int(b.account_part_fen)) for b in
        Benefit.select(Benefit.id, Benefit.account_kind, Benefit.account_part_fen)
        .where(benefit_ids(line.benefit_id for line in result.lines) & (Benefit.account_part_fen > 0))}
    fields = (BenefitPayment.resident, BenefitPayment.application, BenefitPayment.benefit_type,
              BenefitPayment.period, BenefitPayment.amount_fen, BenefitPayment.paid_at, BenefitPayment.benefit,
              BenefitPayment.run_month, BenefitPayment.kind, BenefitPayment.bank_account, BenefitPayment.reference)
    rows: list[tuple[Any, ...]] = []
    payouts: defaultdict[tuple[int, str, dt.date], Fen] = defaultdict(int)
    for line in result.lines:
        for item in line.items:
            # The account and reference are where the money went as it was at the run (a later
            # 信息变更 changes the person's).
            rows.append((line.resident_id, line.application_id, line.benefit_type, item.period, item.amount_fen,
                         now, line.benefit_id, month, item.kind, line.bank_account, line.reference))
            if item.kind == "monthly" and line.benefit_id in parts:
                kind, part = parts[line.benefit_id]
                payouts[(line.resident_id, kind, item.period)] += part
    insert_rows(ctx.database, BenefitPayment, fields, rows)
    # The account part of each pension month is paid out of the personal account (as at 待遇支付),
    # one entry per month paid, its reference naming that month (``DF202510@2025-07``): a month's
    # account part belongs to the month, not to the day the run was posted (balance at death).
    for (resident_id, kind, period), amount in sorted(payouts.items()):
        account = account_for(resident_id, kind, today=today, now=now)
        part = min(amount, int(account.balance_fen))
        if part > 0:
            post_ledger(account, -part, "payout", entry_date=today, now=now,
                        reference=payout_reference(f"DF{month:%Y%m}", period))


def file_sha256(path: Path) -> str:
    """The SHA-256 (hex) of a file's bytes, as recorded for the 代发文件 a run wrote."""
    import hashlib

    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def write_file(path: Path, lines: Sequence[Line], month: dt.date) -> None:
    """The bank disbursement file (代发文件): one row per payee and a control-total row.

    CSV (UTF-8 with BOM) with cells neutralised against formulas, or .xlsx with
    every cell typed text; mode 0600 from creation, moved into place when complete.
    """
    total = sum(line.amount_fen for line in lines)
    body = [[str(n), payee_name(line.name), mask_id_number(line.id_number), line.id_number, line.card_number,
             line.bank_account, format_yuan(line.amount_fen, grouping=False), f"{month:%Y-%m}", line.reference,
             line.note(month)] for n, line in enumerate(lines, 1)]
    footer = ["合计", f"{len(lines)}笔", "", "", "", "", format_yuan(total, grouping=False), f"{month:%Y-%m}", "", ""]
    if path.suffix.lower() == ".csv":
        with private_file(path, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            for row in (HEADER, *body, footer):
                writer.writerow([number_cell(c) for c in row])
        return
    import openpyxl  # only when writing a workbook (slow to import)
    from openpyxl.cell import WriteOnlyCell

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(f"代发{month:%Y%m}")
    for row in (HEADER, *body, footer):
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=str(value))
            cell.data_type = "s"  # text: never a formula, ID and account numbers never numbers
            cell.number_format = "@"  # and formatted as text, so editing the cell keeps it text
            cells.append(cell)
        sheet.append(cells)
    with private_file(path, "wb") as handle:
        workbook.save(handle)


#: A long identifier: 12 or more digits, or digits ending in the ID check character X.
_LONG_NUMBER = re.compile(r"\d{12,}|\d{11,}[Xx]", re.ASCII)


def number_cell(value: Any) -> str:
    """One CSV cell of the 代发文件: every long identifier (ID number — with or without the final X —,
    bank account, card number) is written the same way, as text with a leading tab, so a spreadsheet
    never turns it into 6.2E+18 or drops digits; other cells as :func:`db.files.csv_cell` (formula
    leads neutralised). A bank importing the CSV strips leading whitespace (README, 代发文件)."""
    text = "" if value is None else str(value)
    if _LONG_NUMBER.fullmatch(text):
        return "\t" + text
    return csv_cell(text)


def payee_name(name: str) -> str:
    """A payee name as data for the bank: control and format characters (line breaks, tabs, bidi
    marks) removed — names are normalised at registration, but an imported or older row may hold one."""
    return "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf")).strip()


def read_file_total(path: Path) -> tuple[int, Fen]:
    """Rows and the sum of amounts of a written .csv disbursement file (for checks and tests)."""
    from kiosk.rules.money import parse_yuan

    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    body = [r for r in rows[1:] if r and r[0] != "合计"]
    return len(body), sum(parse_yuan(r[6]) for r in body)


def open_benefit(ctx: ServiceContext, application: Any, data: dict[str, Any], first_payment: BenefitPayment | None
                 ) -> Benefit | None:
    """At 待遇支付 of a claim: the Benefit the monthly run keeps paying (inside the step's transaction).

    Pension (both schemes, lifelong; a resident pension follows the basic pension),
    unemployment (``data["months"]`` months) and the fund-paid injury allowance of
    grades 1-4 (工伤条例 Art. 35; grades 5-6 are paid by the employer, Art. 36).
    ``first_payment`` (the month 待遇支付 paid) is linked to it. None for other claims; their
    payment (maternity, medical, the injury lump sum) is a one-off: ``kind`` ``lump_sum``.
    """
    kind = str(application.type).removeprefix("benefit_")
    today, now = ctx.today(), ctx.now()
    start = month_of(today)
    months: int | None = None
    basic = 0
    monthly = int(data.get("monthly_fen") or 0)
    if kind == "pension":
        monthly = int(data["amount_fen"])
        if data.get("scheme") == "resident" or data.get("account_kind") == "pension_resident":
            try:
                basic = policy_book(ctx).policy_for(start).resident_basic_pension_fen
            except PolicyError:
                basic = 0
    elif kind == "unemployment":
        monthly = int(data["amount_fen"])
        months = int(data.get("months") or 0) or None
    elif kind == "injury":
        if int(data.get("grade") or 0) not in (1, 2, 3, 4) or not monthly:
            _one_off(first_payment)
            return None
    else:
        _one_off(first_payment)
        return None
    benefit = Benefit.create(
        resident=application.__data__["resident"], application=application.id, kind=kind,
        scheme=str(data.get("scheme") or ""), start_month=start, months=months, monthly_fen=monthly, basic_fen=basic,
        account_kind=str(data.get("account_kind") or "") if kind == "pension" else "",
        account_part_fen=int(data.get("account_part_fen") or 0) if kind == "pension" else 0,
        certified_on=today if kind == "pension" else None, created_at=now, updated_at=now)
    if first_payment is not None and kind != "injury":  # the injury step pays the lump sum, not a month
        BenefitPayment.update(benefit=benefit.id, kind="monthly").where(
            BenefitPayment.id == first_payment.id).execute()
    elif kind == "injury":
        _one_off(first_payment)
    return benefit


def _one_off(payment: BenefitPayment | None) -> None:
    """Mark a claim's payment as the one-off it is (``lump_sum``), not a month of a benefit."""
    if payment is not None:
        BenefitPayment.update(kind="lump_sum").where(BenefitPayment.id == payment.id).execute()


def default_path(month: dt.date, folder: str | Path | None = None) -> Path:
    """Where a run's 代发文件 goes when no file is named: ``<folder>/daifa-YYYY-MM.csv``, the folder
    being ``[payment] disbursement_dir`` (passed by the caller) or ``<data dir>/disbursement``
    (created, mode 0700)."""
    from kiosk.config import data_dir

    place = Path(folder).expanduser() if folder else data_dir() / "disbursement"
    place.mkdir(parents=True, exist_ok=True, mode=0o700)
    return place / f"daifa-{month:%Y-%m}.csv"
