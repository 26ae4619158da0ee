"""``kiosk import collection FILE [--channel tax|bank]``: the collection channel's confirmation file.

The tax authority (税务) or the bank (银行代扣) sends back what it collected. Each
row names the channel's reference (税票号 / 银行流水号), the payer's 公民身份号码,
险种, 所属期 (YYYY for the yearly resident contributions, YYYY-MM for an assessed
month), the amount in 元 and, optionally, the 缴费核定单号 the payer quoted (the
application number printed on the 缴费核定通知单). Same file rules as the
roster and records imports (:mod:`db.records_import`, whose reader and report
this module reuses): .csv or the first sheet of .xlsx, header in Chinese or
English, every bad row reported as ``第N行 列名: reason``, nothing written when
any row is bad unless ``skip_invalid`` (the bad rows then go to
``NAME.invalid.EXT``).

Matching: a year row is the resident pension or medical contribution of that
year (the pension tier from the person's open 缴费核定 of the year, else the
tier whose personal amount equals the row's amount; medical must equal the
policy's fee); a month row (or a row with a 缴费核定单号) is the open 缴费核定
(at 核定缴费金额) whose months include it, and the amount must be the
personal share of the whole notice: an amount that includes the employer
share is refused (never collected from a person). The channel is ``--channel``
or, when not given, the one the policy names; a row whose scheme the policy
collects by another channel is refused.

Idempotent on the reference: a reference already recorded for the same person
and amount is unchanged; recorded for anything else, or twice in the file, is
refused by line number. Each payment is recorded exactly as the counter does
(:mod:`kiosk.services.payments`; an assessment moves to 缴费记录) without
printing a receipt (the channel issued its own), in one transaction with the
audit entry ``collection.import``. A row for a person recorded as deceased is refused
(no contribution is recorded after a death; the channel refunds it).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from db import audit
from db.connection import write_transaction
from db.models import Application, Contribution, Enrolment, Payment
from db.records_import import (
    _ID,
    _INSURANCE,
    INSURANCE_VALUES,
    Column,
    _all_ids,
    _choice,
    _deaths,
    _id_number,
    _money,
    _residents,
    _Rows,
    _text,
)
from db.roster import ImportReport, RosterError, _zh
from kiosk.rules.contribution import assess_resident_medical
from kiosk.rules.money import Fen, format_yuan
from kiosk.services import ServiceContext, ServiceError, payments
from kiosk.services import applications as application_service
from kiosk.services.staff import PermissionDenied

COLUMNS = (
    Column("reference", "税票号/流水号", ("税票号", "电子税票号码", "税票号码", "完税凭证号", "银行流水号", "流水号",
                                          "交易流水号", "凭证号", "reference", "ref")),
    _ID, _INSURANCE,
    Column("period", "所属期", ("所属期", "费款所属期", "缴费所属期", "缴费年月", "缴费年度", "period")),
    Column("amount", "金额", ("金额", "缴费金额", "实缴金额", "金额(元)", "实缴金额(元)", "amount")),
    Column("notice", "缴费核定单号", ("缴费核定单号", "核定单号", "业务编号", "notice"), required=False),
)
CHANNELS = ("tax", "bank")


@dataclass(frozen=True)
class _Plan:
    """One confirmed payment to record: what it pays and how it was matched."""

    line: int
    resident_id: int
    reference: str
    amount_fen: Fen
    kind: str  # resident_pension | resident_medical | assessment
    year: int = 0
    tier_fen: Fen = 0
    application: str = ""


def _period(rows: _Rows, number: int, raw: Any) -> tuple[int, int | None] | None:
    """(year, month or None) from "2026" / "2026年" / "2026-03" / "2026年3月"."""
    text = _text(raw).replace(" ", "").removesuffix("度")
    digits = text.replace("年", "-").replace("月", "").replace("/", "-").replace(".", "-").strip("-")
    try:
        if len(digits) == 4 and digits.isdigit():
            return int(digits), None
        year, _, month = digits.partition("-")
        if len(year) == 4 and year.isdigit() and month.isdigit() and 1 <= int(month) <= 12:
            return int(year), int(month)
    except ValueError:
        pass
    rows.refuse(number, "period", f"所属期“{text[:20]}”不对，应写成 2026（城乡居民年度）或 2026-03（月度）")
    return None


def _open_assessments(resident_id: int) -> list[Application]:
    return list(Application.select().where((Application.resident == resident_id)
                                           & (Application.type == "assessment")
                                           & (Application.status == "notified")))


def _resident_tier(ctx: ServiceContext, resident_id: int, year: int, amount: Fen) -> Fen | None:
    """The tier this amount pays: the open resident 缴费核定 of the year, else the tier whose personal part it is."""
    for app in _open_assessments(resident_id):
        data = app.data or {}
        if data.get("scheme") == "resident" and int(data.get("year", 0)) == year:
            return int(data["tier_fen"])
    from db.models import Resident

    person = Resident.get_by_id(resident_id)
    for tier in payments.resident_pension_tiers(ctx):
        if payments.quote_for(ctx, person, tier.annual_fen, year).individual_pays_fen == amount:
            return tier.annual_fen
    return None


def import_confirmations(ctx: ServiceContext, path: Path, *, channel: str | None = None,
                         skip_invalid: bool = False) -> ImportReport:
    """Check the whole confirmation file, then record its payments in one transaction.

    ``ctx`` must act as a logged-in clerk (the 缴费记录 steps name them). Returns the
    report (``written`` False when a bad row stopped it). Raises RosterError for an
    unreadable file, ServiceError for a bad ``channel``, PermissionDenied without staff.
    """
    if channel is not None and channel not in CHANNELS:
        raise ServiceError.keyed("refusal.collection_import.bad_channel", "bad_channel")
    if ctx.staff_id is None:
        raise PermissionDenied.keyed("refusal.collection_import.login_required", "login_required")
    today = ctx.today()
    rows = _Rows(path, COLUMNS)
    plans: list[_Plan] = []
    unchanged = 0
    with ctx.database.connection_context():
        residents = _residents(_all_ids(path, COLUMNS, today))
        deaths = _deaths([rid for rid, _ in residents.values()])
        seen_refs: dict[str, int] = {}
        seen_items: dict[tuple[int, str, int, int | None], int] = {}

        def check(number: int, raw: dict[str, Any]) -> _Plan | None:
            nonlocal unchanged
            reference = _text(raw.get("reference")).replace(" ", "").upper()
            who = _id_number(rows, number, raw.get("id_number"), today, residents)
            insurance = _choice(rows, number, "insurance", raw.get("insurance"), INSURANCE_VALUES, "险种")
            period = _period(rows, number, raw.get("period"))
            amount = _money(rows, number, "amount", raw.get("amount"), required=True)
            notice = _text(raw.get("notice")).upper()
            if not payments._REFERENCE.match(reference):
                rows.refuse(number, "reference", f"税票号/流水号应为4到40位字母、数字或连字符，收到“{reference[:40]}”")
            elif reference in seen_refs:
                rows.refuse(number, "reference", f"与第{seen_refs[reference]}行的税票号/流水号相同（同一笔缴费只登记一次）")
            else:
                seen_refs[reference] = number
            if who is None or insurance is None or period is None or amount is None or number in rows.bad:
                return None
            rid = who[0]
            year, month = period
            if rid in deaths:  # the payment itself refuses it (E13); here with the row's number
                rows.refuse(number, "id_number", _zh("fixe_deceased.import.collection_deceased",
                                                     date=deaths[rid].isoformat()))
                return None
            # Checked first: a confirmation already recorded no longer matches an open 核定.
            done = Payment.get_or_none((Payment.reference == reference)
                                       & ((Payment.channel == channel) if channel else (Payment.channel != "counter")))
            if done is not None:
                if done.__data__["resident"] == rid and done.amount_fen == amount:
                    unchanged += 1  # the same confirmation imported again: nothing to do
                    return None
                rows.refuse(number, "reference", f"{reference} 已登记为另一笔缴费（收据 {done.receipt_code}），请核对")
                return None
            scheme = "resident" if month is None and not notice else ""
            application: Application | None = None
            if not scheme:
                application = _match_assessment(rows, number, rid, notice, year, month)
                if application is None:
                    return None
                scheme = str((application.data or {}).get("scheme"))
            rule = payments.policy(ctx).collection.rule(scheme, insurance)
            used = channel or rule.channel
            if used != rule.channel:
                rows.refuse(number, "reference", f"本地该险种由{payments.CHANNEL_ZH[rule.channel]}，"
                            f"不是{payments.CHANNEL_ZH[used]}")
                return None
            key = (rid, insurance, year, month)
            if key in seen_items:
                rows.refuse(number, "period", f"与第{seen_items[key]}行是同一人同一险种同一所属期")
                return None
            seen_items[key] = number
            if application is not None:
                return _assessment_plan(rows, number, rid, reference, amount, application)
            return _resident_plan(ctx, rows, number, rid, reference, amount, insurance, year)

        good = rows.read(check)
        rows.report.unchanged = unchanged
        if not rows.finish_invalid(skip_invalid):
            return rows.report
        plans = [plan for _, plan in good if plan is not None]
        quiet = dataclasses.replace(ctx, extras={**ctx.extras, "no_receipt": True})
        method = payments.CHANNEL_METHODS[channel] if channel else ""
        with write_transaction(ctx.database):
            for plan in plans:
                _record(quiet, plan, method)
            audit.append(actor=ctx.actor, terminal=ctx.terminal, action="collection.import", now=ctx.now(),
                         entity="payment", detail={"file": path.name, "channel": channel or "policy",
                                                   "added": len(plans), "unchanged": unchanged,
                                                   "invalid": rows.report.invalid})
    rows.report.added = len(plans)
    rows.report.written = True
    return rows.report


def _match_assessment(rows: _Rows, number: int, rid: int, notice: str, year: int,
                      month: int | None) -> Application | None:
    """The open 缴费核定 (at 核定缴费金额) this row pays, or None with the row refused."""
    candidates = _open_assessments(rid)
    if notice:
        found = [a for a in candidates if a.number == notice]
        if not found:
            rows.refuse(number, "notice", f"缴费核定单号 {notice[:30]} 不是此人待缴费的核定（没有、已缴或不是本人）")
            return None
        return found[0]
    wanted = f"{year:04d}-{month or 1:02d}-01"
    found = [a for a in candidates if wanted in ((a.data or {}).get("notice") or {}).get("months", [])]
    if not found:
        rows.refuse(number, "period", f"此人没有{year}-{month or 1:02d}待缴费的缴费核定：请先到窗口办理缴费核定")
        return None
    return found[0]


def _assessment_plan(rows: _Rows, number: int, rid: int, reference: str, amount: Fen,
                     application: Application) -> _Plan | None:
    notice = (application.data or {}).get("notice") or {}
    personal, employer = int(notice.get("individual_fen", 0)), int(notice.get("employer_fen", 0))
    if amount != personal:
        if employer and amount == personal + employer:
            rows.refuse(number, "amount", f"{format_yuan(amount)}元含单位缴费{format_yuan(employer)}元："
                        f"单位部分不能向个人收取，个人应缴{format_yuan(personal)}元")
        else:
            rows.refuse(number, "amount", f"{format_yuan(amount)}元与核定的个人应缴{format_yuan(personal)}元不符")
        return None
    return _Plan(number, rid, reference, amount, "assessment", application=str(application.number))


def _resident_plan(ctx: ServiceContext, rows: _Rows, number: int, rid: int, reference: str, amount: Fen,
                   insurance: str, year: int) -> _Plan | None:
    if insurance not in ("pension", "medical"):
        rows.refuse(number, "insurance", "按年度缴费的只有城乡居民养老保险和医疗保险")
        return None
    if not Enrolment.select().where((Enrolment.resident == rid) & (Enrolment.insurance == insurance)
                                    & (Enrolment.scheme == "resident") & (Enrolment.status == "active")).exists():
        rows.refuse(number, "insurance", f"此人没有参加城乡居民{'养老' if insurance == 'pension' else '医疗'}保险")
        return None
    paid = Contribution.get_or_none((Contribution.resident == rid) & (Contribution.insurance == insurance)
                                    & (Contribution.scheme == "resident")
                                    & (Contribution.month == dt.date(year, 1, 1)))
    if paid is not None:
        rows.refuse(number, "period", f"{year}年度已经缴费（另一笔记录），同一年度不能重复缴费")
        return None
    if insurance == "medical":
        fee = assess_resident_medical(payments.policy(ctx).medical).individual_fen
        if amount != fee:
            rows.refuse(number, "amount", f"{format_yuan(amount)}元与{year}年度医疗保险个人缴费{format_yuan(fee)}元不符")
            return None
        return _Plan(number, rid, reference, amount, "resident_medical", year=year)
    tier = _resident_tier(ctx, rid, year, amount)
    if tier is None:
        rows.refuse(number, "amount", f"{format_yuan(amount)}元不是任何缴费档次的个人缴费额，请核对")
        return None
    return _Plan(number, rid, reference, amount, "resident_pension", year=year, tier_fen=tier)


def _record(ctx: ServiceContext, plan: _Plan, method: str) -> None:
    """Record one planned payment (inside the import's transaction)."""
    if plan.kind == "assessment":
        app = Application.get(Application.number == plan.application)
        scheme = str((app.data or {}).get("scheme"))
        how = method or payments.CHANNEL_METHODS[payments.collection_rule(ctx, scheme, "pension").channel]
        application_service.advance(ctx, plan.application, "recorded", data={
            "method": how, "channel_reference": plan.reference, "channel_amount_fen": plan.amount_fen})
        return
    insurance = "pension" if plan.kind == "resident_pension" else "medical"
    how = method or payments.CHANNEL_METHODS[payments.collection_rule(ctx, "resident", insurance).channel]
    if plan.kind == "resident_pension":
        # A resident's open 缴费核定 of the year is completed at 缴费记录; otherwise a plain payment.
        for app in _open_assessments(plan.resident_id):
            data = app.data or {}
            if data.get("scheme") == "resident" and int(data.get("year", 0)) == plan.year:
                application_service.advance(ctx, app.number, "recorded", data={
                    "method": how, "channel_reference": plan.reference})
                return
        payments.pay_resident_pension(ctx, plan.resident_id, plan.tier_fen, how, year=plan.year,
                                      channel_reference=plan.reference)
    else:
        payments.pay_resident_medical(ctx, plan.resident_id, how, year=plan.year, channel_reference=plan.reference)


__all__ = ["COLUMNS", "RosterError", "import_confirmations"]
