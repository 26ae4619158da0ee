"""Supervisor reports as .xlsx:

- ``kiosk report daily [--date D | --from D --to D] FILE.xlsx``: business, payments, 参保率;
- ``kiosk report queue [--date D | --from D --to D] FILE.xlsx``: tickets, waits, service
  times, no-shows by category, counter and hour, and satisfaction ratings.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from pathlib import Path

from kiosk.commands import CommandError, argtypes
from kiosk.commands.context import database_for, settings_for
from kiosk.commands.staff import service_context
from kiosk.i18n import translate
from kiosk.services import ServiceError
from kiosk.services.queue_reports import export_queue_xlsx, minutes, queue_report
from kiosk.services.reports import daily_report, export_xlsx


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("report", help="supervisor reports (.xlsx)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    daily = actions.add_parser("daily", help="business, payments and 参保率 for a day (default today) as .xlsx")
    daily.add_argument("--date", type=argtypes.iso_date, help="local date YYYY-MM-DD (default today)")
    daily.add_argument("--from", dest="start", type=argtypes.iso_date, help="first day of a range YYYY-MM-DD")
    daily.add_argument("--to", dest="end", type=argtypes.iso_date, help="last day of a range YYYY-MM-DD")
    daily.add_argument("file", type=argtypes.path, help="where to write the .xlsx")
    daily.set_defaults(func=report_daily)
    queue = actions.add_parser("queue", help="queue tickets, waits, no-shows and ratings for a day "
                                             "(default today) as .xlsx")
    queue.add_argument("--date", type=argtypes.iso_date, help="local date YYYY-MM-DD (default today)")
    queue.add_argument("--from", dest="start", type=argtypes.iso_date, help="first day of a range YYYY-MM-DD")
    queue.add_argument("--to", dest="end", type=argtypes.iso_date, help="last day of a range YYYY-MM-DD")
    queue.add_argument("file", type=argtypes.path, help="where to write the .xlsx")
    queue.set_defaults(func=report_queue)


def _period(args: argparse.Namespace) -> tuple[dt.date | None, dt.date | None]:
    """The days asked for: --date, or --from/--to (one of them alone is one day)."""
    if args.file.suffix.lower() != ".xlsx":
        raise CommandError(f"{args.file}: 报表文件须以 .xlsx 结尾")
    if args.date and (args.start or args.end):
        raise CommandError("--date 与 --from/--to 只能选一种")
    args.file = argtypes.new_file(args.file)
    day = args.date
    start = args.start or day
    end = args.end or day or start
    return start or end, end


def _written(write: Callable[[], Path], target: Path) -> Path:
    """``write()``, an OSError (a folder that cannot hold the file) as one line."""
    try:
        return write()
    except OSError as exc:
        raise CommandError(translate("fixe_cli.write_failed", "zh_CN", path=target,
                                     problem=exc.strerror or exc)) from None


def report_daily(args: argparse.Namespace) -> int:
    start, end = _period(args)
    settings = settings_for(args)
    ctx = service_context(settings, database_for(settings))
    try:
        report = daily_report(ctx, start, end)
    except ServiceError as exc:
        raise CommandError(exc.message) from None
    path = _written(lambda: export_xlsx(report, args.file), args.file)
    total = sum(p.amount_fen for p in report.payments)
    print(f"已导出 written: {path}（{report.start}～{report.end}：业务 {sum(b.count for b in report.business)} 笔，"
          f"收款 {total / 100:.2f} 元）")
    return 0


def report_queue(args: argparse.Namespace) -> int:
    start, end = _period(args)
    settings = settings_for(args)
    database = database_for(settings)
    ctx = service_context(settings, database)
    first = start or ctx.today()
    try:
        with database.connection_context():
            report = queue_report(ctx, first, end or first)
    except ServiceError as exc:
        raise CommandError(exc.message) from None
    path = _written(lambda: export_queue_xlsx(report, args.file), args.file)
    wait = minutes(report.total.avg_wait_seconds)
    print(f"已导出 written: {path}（{report.first_day}～{report.last_day}：取号 {report.total.tickets} 个，"
          f"办结 {report.total.served}，过号 {report.total.no_shows}，"
          f"平均等候 {'-' if wait is None else wait} 分钟，评价 {sum(r.ratings for r in report.ratings)} 条）")
    return 0
