"""``kiosk collection notice NUMBER --staff S`` (print or reprint a 缴费核定通知单) and the
``kiosk import collection FILE [--channel tax|bank] --staff S`` work behind
:mod:`kiosk.commands.importexport` (the channel's confirmation file, issue 15.3).

Both name the clerk (``--staff``, PIN on stdin): the notice is audited
(``assessment.notice``), every imported payment is recorded in the clerk's name.
The notice is stored in the print spool and one spool run prints it on this
terminal's printer (a ``preview:DIR`` printer writes .bin/.txt/.png).
"""

from __future__ import annotations

import argparse
import sys

from kiosk.commands import CommandError
from kiosk.commands.records import open_context
from kiosk.commands.staff_pin import staff_context
from kiosk.services import ServiceError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("collection", help="contribution collection: print a 缴费核定通知单")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    notice = actions.add_parser("notice", help="print (or reprint, marked 补打) the 缴费核定通知单 of an assessment")
    notice.add_argument("number", help="the assessment's application number (SQ…), printed on the notice")
    notice.add_argument("--staff", metavar="NUMBER", required=True, help="the clerk's number (PIN on stdin)")
    notice.set_defaults(func=notice_command)


def notice_command(args: argparse.Namespace) -> int:
    from kiosk.commands.context import clock_for, settings_for
    from kiosk.commands.queue import print_ticket
    from kiosk.services import collection_notice

    ctx, database = open_context(args)
    try:
        acting = staff_context(ctx, args.staff)
        try:
            _, document = collection_notice.print_notice(acting, args.number)
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        settings = settings_for(args)
        problem = print_ticket(settings, database, clock_for(settings))
    finally:
        database.close()
    print(f"缴费核定通知单 {args.number.strip().upper()}：凭证号 {document.code}"
          + ("（补打 reprint）" if document.reprint else ""))
    if problem:
        print(f"kiosk: 通知单已保存，暂未打印（{problem}），打印机恢复后会自动补打", file=sys.stderr)
    return 0


def import_collection(args: argparse.Namespace) -> int:
    """``kiosk import collection FILE``: record the channel's confirmations (see the services module)."""
    from db.roster import RosterError
    from kiosk.commands.importexport import print_report
    from kiosk.services.collection_import import import_confirmations

    if not args.staff:
        raise CommandError("登记缴费须由工作人员办理：请加 --staff 工号，并在标准输入提供PIN")
    ctx, database = open_context(args)
    try:
        acting = staff_context(ctx, args.staff)
        try:
            report = import_confirmations(acting, args.file, channel=args.channel, skip_invalid=args.skip_invalid)
        except (RosterError, ServiceError) as exc:
            raise CommandError(str(getattr(exc, "message", exc))) from None
    finally:
        database.close()
    print_report(report)
    if report.written:
        return 0
    print(f"有 {report.invalid} 行有错，没有登记任何缴费 nothing recorded. "
          "请改正后重新导入，或加 --skip-invalid 只登记正确的行")
    return 1
