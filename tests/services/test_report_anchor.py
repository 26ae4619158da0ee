"""The daily report and the printed day report carry the audit chain's head (the day's anchor)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import peewee

from db import audit
from kiosk.clock import FixedClock
from kiosk.services import ServiceContext
from kiosk.services.reports import daily_report, export_xlsx
from printers import templates
from printers.document import KeyValue
from tests.printers.samples import ctx as receipt_ctx

NOW = dt.datetime(2026, 11, 29, 1, 30)


def test_daily_report_anchors_the_head(database: peewee.Database, clock: FixedClock, tmp_path: Path) -> None:
    for n in range(3):
        audit.append(actor="S001", terminal="T01", action="x", now=NOW, detail={"n": n})
    seq, digest = audit.head()
    report = daily_report(ServiceContext(database, clock))
    assert (report.audit_seq, report.audit_hash) == (3, digest) and seq == 3
    assert report.audit_anchor == f"seq=3 hash={digest}"
    # what the report states can be copied into the anchor file and checked
    anchor_file = tmp_path / "anchors.txt"
    audit.append_anchor_line(anchor_file, report.audit_anchor)
    assert audit.check_chain(anchors=audit.read_anchor_file(anchor_file)).problem is None
    sheet = openpyxl.load_workbook(export_xlsx(report, tmp_path / "day.xlsx"))["审计锚点"]
    values = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert values == [3, digest, report.audit_anchor]


def test_printed_day_report_has_the_anchor_line() -> None:
    line = audit.format_anchor(3, "ab" * 32, short=True)
    document = templates.daily_report(receipt_ctx(), templates.DailyReportInput(
        dt.date(2026, 11, 29), (), audit_anchor=line))
    assert KeyValue("审计链尾", "seq=3 hash=abababababababab") in document.blocks
    plain = templates.daily_report(receipt_ctx(), templates.DailyReportInput(dt.date(2026, 11, 29), ()))
    assert not any(isinstance(b, KeyValue) and b.key == "审计链尾" for b in plain.blocks)
