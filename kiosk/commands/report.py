"""``kiosk report daily [--date D | --from D --to D] FILE.xlsx``: the supervisor's report."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from kiosk.commands import CommandError
from kiosk.commands.context import database_for, settings_for
from kiosk.commands.staff import service_context
from kiosk.services import ServiceError
from kiosk.services.reports import daily_report, export_xlsx


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("report", help="supervisor reports (.xlsx)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    daily = actions.add_parser("daily", help="business, payments and 参保率 for a day (default today) as .xlsx")
    daily.add_argument("--date", help="local date YYYY-MM-DD (default today)")
    daily.add_argument("--from", dest="start", help="first day of a range YYYY-MM-DD")
    daily.add_argument("--to", dest="end", help="last day of a range YYYY-MM-DD")
    daily.add_argument("file", type=Path, help="where to write the .xlsx")
    daily.set_defaults(func=report_daily)


def _day(text: str | None, what: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{what} “{text}” 不是日期，请写成 YYYY-MM-DD") from None


def report_daily(args: argparse.Namespace) -> int:
    if args.file.suffix.lower() != ".xlsx":
        raise CommandError(f"{args.file}: 报表文件须以 .xlsx 结尾")
    day = _day(args.date, "--date")
    start = _day(args.start, "--from") or day
    end = _day(args.end, "--to") or day or start
    settings = settings_for(args)
    ctx = service_context(settings, database_for(settings))
    try:
        report = daily_report(ctx, start, end)
    except ServiceError as exc:
        raise CommandError(exc.message) from None
    path = export_xlsx(report, args.file)
    total = sum(p.amount_fen for p in report.payments)
    print(f"已导出 written: {path}（{report.start}～{report.end}：业务 {sum(b.count for b in report.business)} 笔，"
          f"收款 {total / 100:.2f} 元）")
    return 0
