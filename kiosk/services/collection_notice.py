"""The 缴费核定通知单 (contribution assessment notice) of issue 15.3.

At 核定缴费金额 (the ``notified`` step of an assessment application) the notice
is stored as a print job in the step's transaction (:func:`notice_job`); the
counter's spool prints it. It shows the payer (masked), the period, base, rate
(Decimal) and amount (fen) of every line, the personal total (an employee's
employer share shown apart and never collected from the person), the
collection channel the policy names and how to pay there, and the reference
number (the application number, barcode and QR) the payer quotes to the tax
authority or bank and the clerk matches a confirmation with.

:func:`print_notice` stores it again for ``kiosk collection notice NUMBER``
(marked 补打 when one was printed before), audited ``assessment.notice``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from db import audit
from db.connection import write_transaction
from db.models import Application, PrintJob, Resident
from kiosk.services import NotFound, ServiceContext, ServiceError
from kiosk.services.payments import CHANNEL_ZH, REFERENCE_ZH, _receipt_context, policy
from kiosk.services.residents import INSURANCE_ZH, SCHEME_ZH
from printers import spool
from printers.document import Document
from printers.templates import AssessmentInput, AssessmentLine, Person, assessment_notice

_INSURANCE_KEYS = {"work_injury": "injury"}


def how_to_pay(channel: str, counter: bool) -> tuple[str, ...]:
    """The lines telling the payer how to pay through ``channel`` (tax|bank); ``counter`` adds the counter."""
    if channel == "bank":
        lines = ["由银行从您签约的账户（社保卡金融账户）代扣，请在截止日前存足金额；",
                 f"扣款后{REFERENCE_ZH['bank']}即缴费凭据。"]
    else:
        lines = ["请凭缴费核定单号到税务部门缴费（办税服务厅、电子税务局、手机缴费或银行代收网点）；",
                 f"缴费后保留完税凭证（{REFERENCE_ZH['tax']}）。"]
    if counter:
        lines.append("也可在本服务大厅窗口缴纳现金或刷卡。")
    return tuple(lines)


def notice_document(ctx: ServiceContext, resident: Resident, number: str, data: dict[str, Any],
                    code: str | None = None) -> Document:
    """The notice of assessment application ``number`` from its stored ``data["notice"]``."""
    notice = data["notice"]
    months = notice.get("months") or []
    scheme_code = str(data.get("scheme") or "")
    period = (f"{months[0][:7]} 至 {months[-1][:7]}" if len(months) > 1 else months[0][:7]) if months else ""
    if scheme_code == "resident" and months:
        period = f"{months[0][:4]}年度"
    lines = tuple(AssessmentLine(f"{INSURANCE_ZH.get(line['insurance'], line['insurance'])}"
                                 f"({'单位' if line.get('payer') == 'employer' else '个人'})",
                                 int(line.get("base_fen") or 0), str(line.get("rate") or ""),
                                 int(line.get("amount_fen") or 0), employer=line.get("payer") == "employer")
                  for line in notice.get("lines", []))
    personal = [_INSURANCE_KEYS.get(str(line["insurance"]), str(line["insurance"]))
                for line in notice.get("lines", []) if line.get("payer") != "employer"]
    rules = [policy(ctx).collection.rule(scheme_code, insurance) for insurance in personal or ["pension"]]
    channel = rules[0].channel
    counter = all(rule.counter for rule in rules)
    return assessment_notice(_receipt_context(ctx), AssessmentInput(
        Person(resident.name, resident.id_number), period, SCHEME_ZH.get(scheme_code, scheme_code), lines,
        subsidy_fen=int((data.get("quote") or {}).get("subsidy_fen", 0)),
        channel=CHANNEL_ZH[channel] + ("；窗口可代收" if counter else ""),
        how_to_pay=how_to_pay(channel, counter), reference=number), code=code)


def notice_job(ctx: ServiceContext, resident_id: int, number: str, data: dict[str, Any]) -> int:
    """Store the notice as a print job (inside the ``notified`` step's transaction); returns the job id."""
    document = notice_document(ctx, Resident.get_by_id(resident_id), number, data)
    return spool.enqueue(document, ctx.clock, resident_id=resident_id)


def print_notice(ctx: ServiceContext, number: str) -> tuple[int, Document]:
    """Store the notice of assessment application ``number`` again for this terminal's printer.

    Marked 补打 (a new code, the first one named) when one was stored before. Audited
    ``assessment.notice``. Raises NotFound (no such application) or ServiceError
    (``not_assessment``; ``not_notified``: the amounts are not yet 核定).
    """
    with write_transaction(ctx.database):
        row = Application.get_or_none(Application.number == number.strip().upper())
        if row is None:
            raise NotFound.keyed("maint17.app.unknown", "application_unknown", number=number.strip()[:30])
        if row.type != "assessment":
            raise ServiceError.keyed("refusal.collection_notice.not_assessment", "not_assessment", number=row.number)
        data = dict(row.data or {})
        if "notice" not in data or "assessment_id" not in data:
            raise ServiceError.keyed("refusal.collection_notice.not_notified", "not_notified", number=row.number)
        resident = Resident.get_by_id(row.__data__["resident"])
        document = notice_document(ctx, resident, row.number, data)
        earlier = PrintJob.get_or_none(PrintJob.id == data.get("notice_print_job"))
        if earlier is not None:
            document = dataclasses.replace(document, reprint=True, original_code=earlier.code)
        job_id = spool.enqueue(document, ctx.clock, resident_id=resident.id,
                               reprint_of=earlier.id if earlier is not None else None)
        audit.append(actor=ctx.actor, terminal=ctx.terminal, action="assessment.notice", now=ctx.now(),
                     entity="application", entity_id=row.number,
                     detail={"job": job_id, "code": document.code, "reprint": earlier is not None})
    return job_id, document
