"""``kiosk queue take CATEGORY | status | categories``.

``take`` issues a ticket and prints its number alone on stdout's first line
(``A007``), so scripts can read it; the ticket receipt goes into the print
spool in the same transaction and one spool run tries to print it at once.
A printer problem never loses the ticket: the job stays pending and the
kiosk's spool worker prints it later.
"""

from __future__ import annotations

import argparse
import sys

import peewee

from kiosk.clock import Clock
from kiosk.commands import CommandError
from kiosk.commands.context import clock_for, database_for, first_line, settings_for
from kiosk.config import Settings
from kiosk.services import NotFound, ServiceContext, ServiceError
from kiosk.services import queue as queue_service


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("queue", help="take queue tickets and show the queue")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    take = actions.add_parser("take", help="issue (and print) a ticket; prints its number, e.g. A007")
    take.add_argument("category", help="category prefix, e.g. A (see: kiosk queue categories)")
    take.add_argument("--no-print", action="store_true", help="issue the number without printing a ticket")
    take.set_defaults(func=queue_take)
    actions.add_parser("status", help="waiting counts and now serving").set_defaults(func=queue_status)
    actions.add_parser("categories", help="list the queue categories").set_defaults(func=queue_categories)


def _context(settings: Settings, database: peewee.Database, clock: Clock) -> ServiceContext:
    # Audited as the command line (admin-cli), not as a resident at a kiosk (attack D15).
    return ServiceContext(database=database, clock=clock, terminal=settings.terminal.id, staff_number="admin-cli",
                          hall_name=settings.hall.name, region_code=settings.hall.region_code,
                          training=settings.terminal.training)


def queue_take(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    database = database_for(settings)
    clock = clock_for(settings)
    ctx = _context(settings, database, clock)
    try:
        info = queue_service.take_ticket(ctx, args.category, receipt=not args.no_print)
    except NotFound as exc:
        raise CommandError(exc.message) from None
    except ServiceError as exc:
        raise CommandError(exc.message) from None
    print(info.code, flush=True)
    print(f"{info.category_zh} · 前面等候 {info.ahead} 人 · 预计约 {info.wait_minutes} 分钟 · {info.scan_code}")
    if info.print_job_id is not None:
        problem = print_ticket(settings, database, clock)
        if problem:
            print(f"kiosk: 号码已取到，小票暂未打印（{problem}），打印机恢复后会自动补打", file=sys.stderr)
    return 0


def print_ticket(settings: Settings, database: peewee.Database, clock: Clock) -> str:
    """One spool run on this terminal's printer; returns "" or what went wrong."""
    from printers.devices import open_device
    from printers.escpos_render import RenderOptions
    from printers.spool import PrintSpool

    try:
        options = RenderOptions(paper=settings.printer.paper, encoding=settings.printer.encoding,
                                profile=settings.printer.profile)
        device = open_device(settings.printer_url(), options)
    except ValueError as exc:
        return str(exc)
    spool = PrintSpool(database, device, clock, terminal=settings.terminal.id, options=options)
    try:
        spool.run_once()
    except Exception as exc:  # the ticket is committed; printing problems must not hide the number
        return first_line(exc)
    return first_line(spool.last_error) if spool.last_error is not None else ""


def queue_status(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    database = database_for(settings)
    status = queue_service.queue_status(_context(settings, database, clock_for(settings)))
    print(f"{status.day:%Y-%m-%d} 等候 waiting: {status.total_waiting}")
    for w in status.waiting:
        print(f"  {w.prefix} {w.name_zh:<8}\t{w.waiting}")
    print("正在办理 now serving:")
    for c in status.counters:
        if c.ticket is None:
            print(f"  {c.counter}号窗口\t-")
        else:
            name = f" {c.ticket.masked_name}" if c.ticket.masked_name else ""
            print(f"  {c.counter}号窗口\t{c.ticket.code} {c.ticket.status_zh}{name}")
    if status.recent:
        print("最近叫号 last calls: " + "  ".join(f"{r.code}→{r.counter}号" for r in status.recent))
    return 0


def queue_categories(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    database = database_for(settings)
    for c in queue_service.list_categories(_context(settings, database, clock_for(settings)), include_inactive=True):
        counters = ",".join(str(n) for n in c.counters) or "全部 all"
        flags = ("优先 " if c.priority else "") + ("" if c.active else "停用 inactive")
        print(f"{c.prefix}  {c.name_zh}\t{c.name_en}\t窗口 {counters}\t约{c.service_minutes}分钟 {flags}".rstrip())
    return 0
