"""``kiosk printer test [--printer URL]``, ``kiosk printer status`` and ``kiosk printer jobs``.

The test page has every block type (text, big number, table, rare
characters as an image line, QR code, barcode); it goes straight to the
device, not through the spool, so a technician sees at once whether the
printer works. An unreachable printer, or one that accepts the connection
but does not take the page's bytes (printers.devices.PrinterNotTaking), is
one line and exit code 2; a page sent but not confirmed says so (exit 0).

``kiosk printer status`` exits 0 when the printer is usable (ready, or
connected but not answering status queries: 状态未知), 1 when it is
offline, out of paper or unreachable.

``kiosk printer jobs`` lists this terminal's receipts a clerk must decide on
(see printers.spool: "uncertain" ones, sent when the kiosk stopped, and
"failed" ones), the ones waiting for the printer (pending after a failed
attempt, with the reason; they print by themselves when it is back), and the
"held" ones (a self-service kiosk's 参保证明 whose resident left before it
printed: never printed there by itself, the counter's 补打 prints it by its code);
``--printed JOB_ID`` records that an uncertain receipt did come out (audited).
A reprint is made at the counter's 补打 screen.
"""

from __future__ import annotations

import argparse

from kiosk.commands import CommandError, argtypes
from kiosk.commands.context import clock_for, settings_for
from kiosk.i18n import Translator
from printers.devices import PrinterError, error_kind, open_device
from printers.escpos_render import RenderOptions, render_escpos
from printers.templates import PrinterTestInput, ReceiptContext, printer_test_page


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("printer", help="test the receipt printer")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    test = actions.add_parser("test", help="print a test page with every kind of receipt block")
    test.add_argument("--printer", metavar="URL", type=argtypes.non_empty, help="printer URL (default: [printer] url of kiosk.toml)")
    test.set_defaults(func=printer_test)
    status = actions.add_parser("status", help="ask the printer whether it is online and has paper")
    status.add_argument("--printer", metavar="URL", type=argtypes.non_empty, help="printer URL (default: [printer] url of kiosk.toml)")
    status.set_defaults(func=printer_status)
    jobs = actions.add_parser("jobs", help="receipts a clerk must check: uncertain (kiosk stopped while sending), "
                                           "failed, or held (a kiosk certificate left behind: 补打 at a counter)")
    jobs.add_argument("--terminal", metavar="ID", help="terminal id (default: [terminal] id of kiosk.toml)")
    jobs.add_argument("--printed", metavar="JOB_ID", type=argtypes.bounded_int(1, 2**63 - 1),
                      help="the uncertain receipt JOB_ID did come out: mark it printed")
    jobs.add_argument("--void", metavar="JOB_ID", type=argtypes.bounded_int(1, 2**63 - 1),
                      help="nobody came for the held document JOB_ID: void it (never printed)")
    jobs.set_defaults(func=printer_jobs)


def printer_test(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    url = args.printer or settings.printer_url()
    options = RenderOptions(paper=settings.printer.paper, encoding=settings.printer.encoding,
                            profile=settings.printer.profile)
    try:
        device = open_device(url, options)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    ctx = ReceiptContext(settings.hall.name, settings.terminal.id, clock_for(settings).now_local(),
                         training=settings.terminal.training)
    document = printer_test_page(ctx, PrinterTestInput(url, options.paper, options.encoding, options.profile))
    t = Translator(settings.terminal.language)
    try:
        confirmed = device.send(render_escpos(document, options), document=document)
    except PrinterError as exc:
        reason = t(f"printer_faults.reason.{error_kind(exc)}") + (f"（{exc.detail}）" if exc.detail else "")
        raise CommandError(t("printer_faults.test.not_printed", reason=reason)) from None
    if confirmed is False:  # every byte reached the printer, which said nothing: look at the paper
        print(t("printer_faults.test.unconfirmed", url=device.url, code=document.code))
        return 0
    print(f"测试页已发送到 {device.url}（校验码 {document.code}）")
    return 0


def printer_status(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    url = args.printer or settings.printer_url()
    try:
        device = open_device(url)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    status = device.status(timeout=2.0)
    print(f"{device.url}: {status.message}")
    usable = status.paper_ok or (status.unknown and status.online is not False and not status.paper_out)
    return 0 if usable else 1


def printer_jobs(args: argparse.Namespace) -> int:
    from db import audit
    from db.connection import write_transaction
    from db.files import os_user
    from kiosk.commands.context import database_for
    from printers.spool import PrintSpool

    settings = settings_for(args)
    terminal = args.terminal or settings.terminal.id
    clock = clock_for(settings)
    database = database_for(settings)
    try:
        # the device is never used here: listing and settling only touch the database
        spool = PrintSpool(database, open_device("preview:/nonexistent"), clock, terminal=terminal)
        if args.printed is not None:
            if not spool.settle(args.printed):
                raise CommandError(f"小票 {args.printed} 不是待核实（uncertain）状态，未更改")
            with write_transaction(database):
                audit.append(actor="admin-cli", terminal=terminal, action="receipt.settle",
                             now=clock.now_utc().replace(tzinfo=None), entity="print_job",
                             entity_id=str(args.printed))
            print(f"小票 {args.printed} 已记为已打印")
            return 0
        if args.void is not None:
            if not spool.void(args.void):
                raise CommandError(Translator(settings.terminal.language)("fixe_privacy.jobs.not_held", job=args.void))
            with write_transaction(database):
                audit.append(actor="admin-cli", terminal=terminal, action="receipt.void",
                             now=clock.now_utc().replace(tzinfo=None), entity="print_job",
                             entity_id=str(args.void), detail={"os_user": os_user()})
            print(Translator(settings.terminal.language)("fixe_privacy.jobs.voided", job=args.void))
            return 0
        waiting = spool.attention()
        printing = spool.in_progress()
        held = spool.held()
        stuck = [job for job in spool.pending() if job.attempts > 0]  # tried and failed: the printer's fault
    finally:
        database.close()
    t = Translator(settings.terminal.language)
    if stuck:
        print(t("printer_faults.jobs.waiting", terminal=terminal, count=len(stuck)))
        for job in stuck:
            print(f"  {job.id}  {job.code}  {job.kind}  {job.created_at:%Y-%m-%d %H:%M}  "
                  f"{t('printer_faults.jobs.waiting_state')}：{job.last_error}")
    if printing:  # a job killed while sending sits here for its first minutes: never "nothing"
        print(t("faults2.jobs.printing", terminal=terminal, count=len(printing)))
        for job in printing:
            print(f"  {job.id}  {job.code}  {job.kind}  {job.created_at:%Y-%m-%d %H:%M}  "
                  + t("faults2.jobs.printing_state"))
    if held:  # a kiosk certificate whose resident left: only 补打 at a counter prints it (attack E20)
        print(t("fixe_privacy.jobs.held", terminal=terminal, count=len(held)))
        for job in held:
            print(f"  {job.id}  {job.code}  {job.kind}  {job.created_at:%Y-%m-%d %H:%M}  "
                  f"{t('fixe_privacy.jobs.held_state')}：{job.last_error}")
    if not waiting:
        if not printing and not stuck and not held:
            print(f"终端 {terminal}：没有待核实的小票")
        return 0
    print(f"终端 {terminal}：{len(waiting)} 张小票待核实（补打请在窗口“补打”界面输入校验码）")
    for job in waiting:
        state = "不确定是否已打印" if job.status == "uncertain" else "无法打印"
        print(f"  {job.id}  {job.code}  {job.kind}  {job.created_at:%Y-%m-%d %H:%M}  {state}：{job.last_error}")
    return 0
