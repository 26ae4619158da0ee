"""Supervisor reports: business by type and status per day, payments
collected by method, enrolment coverage (参保率) by village and insurance,
and their export to .xlsx (one sheet each, Chinese headers, money in yuan).
Every report also carries the audit chain's head at the time it was made
(``seq=N hash=HEX``), so the printed or filed report anchors the chain
outside the database (see :mod:`db.audit`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from db import audit
from db.models import Application, Enrolment, Payment, Resident
from kiosk.rules.money import Fen, fen_to_yuan
from kiosk.rules.workflows import WORKFLOWS
from kiosk.services import ServiceContext, ServiceError
from kiosk.services.payments import METHODS
from kiosk.services.registration import INSURANCE_NAMES, age_on

COVERAGE_INSURANCES = ("pension", "medical")
ENROL_AGE = 16


@dataclass(frozen=True)
class BusinessRow:
    """Applications submitted on ``day`` of one type now in one status."""

    day: dt.date
    type: str
    type_name: str
    status: str
    status_name: str
    count: int


@dataclass(frozen=True)
class PaymentRow:
    """Money collected on ``day`` by one method."""

    day: dt.date
    method: str
    method_name: str
    count: int
    amount_fen: Fen


@dataclass(frozen=True)
class CoverageRow:
    """参保率 of one village and insurance: enrolled ÷ residents aged ≥16."""

    village: str
    insurance: str
    insurance_name: str
    residents: int  # aged 16 or more
    enrolled: int  # of them, with an active enrolment (any scheme)

    @property
    def rate(self) -> Decimal:
        """Fraction 0..1 (four places); 0 for a village with nobody aged 16+."""
        if not self.residents:
            return Decimal(0)
        return (Decimal(self.enrolled) / self.residents).quantize(Decimal("0.0001"))


@dataclass(frozen=True)
class DailyReport:
    """The three tables for the days ``start``..``end`` (local dates, inclusive)."""

    start: dt.date
    end: dt.date
    business: tuple[BusinessRow, ...]
    payments: tuple[PaymentRow, ...]
    coverage: tuple[CoverageRow, ...]
    # The audit chain's head when the report was made: sequence number and hash (64 hex digits).
    audit_seq: int = 0
    audit_hash: str = audit.GENESIS_HASH

    @property
    def audit_anchor(self) -> str:
        """The anchor line as the anchor file holds it: ``seq=N hash=HEX``."""
        return audit.format_anchor(self.audit_seq, self.audit_hash)


def _utc_bounds(ctx: ServiceContext, start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = ctx.clock.tz
    low = dt.datetime.combine(start, dt.time(), tz).astimezone(dt.UTC).replace(tzinfo=None)
    high = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tz).astimezone(dt.UTC).replace(tzinfo=None)
    return low, high


def _local_day(ctx: ServiceContext, moment: dt.datetime) -> dt.date:
    return ctx.clock.to_local(moment).date()


def daily_report(ctx: ServiceContext, start: dt.date | None = None, end: dt.date | None = None) -> DailyReport:
    """Build the report for ``start``..``end`` (default: today); coverage is as of ``end``."""
    start = start or ctx.today()
    end = end or start
    if end < start:
        raise ServiceError.keyed("refusal.reports.bad_range", "bad_range")
    low, high = _utc_bounds(ctx, start, end)
    with ctx.database.connection_context():
        business: Counter[tuple[dt.date, str, str]] = Counter()
        for type_, status, created in cast(Any, Application.select(Application.type, Application.status, Application.created_at)
                                       .where((Application.created_at >= low) & (Application.created_at < high))
                                       .tuples().iterator()):
            business[(_local_day(ctx, created), type_, status)] += 1
        money: dict[tuple[dt.date, str], list[int]] = defaultdict(lambda: [0, 0])
        for method, amount, created in cast(Any, Payment.select(Payment.method, Payment.amount_fen, Payment.created_at)
                                        .where((Payment.created_at >= low) & (Payment.created_at < high))
                                        .tuples().iterator()):
            cell = money[(_local_day(ctx, created), method)]
            cell[0] += 1
            cell[1] += amount
        coverage = _coverage(end)
        head_seq, head_hash = audit.head()
    business_rows = []
    for (day, type_, status), count in sorted(business.items()):
        wf = WORKFLOWS.get(type_)
        business_rows.append(BusinessRow(day, type_, wf.name_zh if wf else type_, status,
                                         wf.status_name(status) if wf else status, count))
    payment_rows = [PaymentRow(day, method, METHODS.get(method, method), n, total)
                    for (day, method), (n, total) in sorted(money.items())]
    return DailyReport(start, end, tuple(business_rows), tuple(payment_rows), coverage,
                       audit_seq=head_seq, audit_hash=head_hash)


def _coverage(day: dt.date) -> tuple[CoverageRow, ...]:
    adults: dict[int, str] = {}
    residents = cast(Any, Resident.select(Resident.id, Resident.village, Resident.birth_date).tuples())
    for resident_id, village, birth in residents:
        if age_on(birth, day) >= ENROL_AGE:
            adults[resident_id] = village or "（未填村）"
    enrolled: dict[str, set[int]] = defaultdict(set)
    active = cast(Any, Enrolment.select(Enrolment.resident, Enrolment.insurance)
                  .where((Enrolment.status == "active") & (Enrolment.start_date <= day)
                         & Enrolment.insurance.in_(COVERAGE_INSURANCES)).tuples())
    for member, insurance in active:
        if member in adults:
            enrolled[insurance].add(member)
    per_village = Counter(adults.values())
    rows = []
    for village in sorted(per_village):
        for insurance in COVERAGE_INSURANCES:
            count = sum(1 for rid in enrolled[insurance] if adults[rid] == village)
            rows.append(CoverageRow(village, insurance, INSURANCE_NAMES[insurance], per_village[village], count))
    return tuple(rows)


def export_xlsx(report: DailyReport, path: Path | str) -> Path:
    """Write the report to an .xlsx file: 业务统计, 收款统计, 参保率 sheets."""
    # openpyxl (with Pillow behind it) costs ~200 ms to import: only when exporting,
    # not at every `kiosk` start (the CLI imports this module to register its command).
    from openpyxl import Workbook
    from openpyxl.styles import Font

    target = Path(path)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "业务统计"
    _header(sheet, ("日期", "业务类型", "状态", "笔数"))
    for b in report.business:
        sheet.append((b.day, b.type_name, b.status_name, b.count))
        sheet.cell(sheet.max_row, 1).number_format = "yyyy-mm-dd"
    money = book.create_sheet("收款统计")
    _header(money, ("日期", "支付方式", "笔数", "金额（元）"))
    for p in report.payments:
        money.append((p.day, p.method_name, p.count, float(fen_to_yuan(p.amount_fen))))
        money.cell(money.max_row, 1).number_format = "yyyy-mm-dd"
        money.cell(money.max_row, 4).number_format = "#,##0.00"
    if report.payments:
        money.append(("合计", "", sum(p.count for p in report.payments),
                      float(fen_to_yuan(sum(p.amount_fen for p in report.payments)))))
        money.cell(money.max_row, 4).number_format = "#,##0.00"
        money.cell(money.max_row, 1).font = Font(bold=True)
    cover = book.create_sheet("参保率")
    _header(cover, ("村（社区）", "险种", "16周岁以上人数", "参保人数", "参保率"))
    for c in report.coverage:
        cover.append((c.village, c.insurance_name, c.residents, c.enrolled, float(c.rate)))
        cover.cell(cover.max_row, 5).number_format = "0.00%"
    anchor = book.create_sheet("审计锚点")
    _header(anchor, ("项目", "值"))
    anchor.append(("审计链尾序号 seq", report.audit_seq))
    anchor.append(("审计链尾校验码 hash", report.audit_hash))
    anchor.append(("锚点行（可抄入锚点文件）", report.audit_anchor))
    anchor.column_dimensions["B"].width = 80
    for ws in (sheet, money, cover):
        for column in "ABCDE":
            ws.column_dimensions[column].width = 18
    book.save(target)  # the folder must exist (the command says so when it does not)
    return target


def _header(sheet: object, titles: tuple[str, ...]) -> None:
    from openpyxl.styles import Font
    from openpyxl.worksheet.worksheet import Worksheet

    assert isinstance(sheet, Worksheet)
    sheet.append(titles)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
