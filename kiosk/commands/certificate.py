"""``kiosk certificate issue ID_NUMBER --from YYYY-MM --to YYYY-MM [--purpose TEXT] [--staff NUMBER] [--json]``.

Issues a 参保证明 (:func:`kiosk.services.certificates.issue_certificate`):
the resident's enrolments in the period and its contribution history, the
issuing agency (settings ``[hall] agency``), the electronic-seal block and
the verification QR; stored as a print job and printed at once through this
terminal's print spool (settings ``[printer] url``; a printer that is down
prints it when it is back, the job is never lost). ``--json`` prints
``{"code", "qr", "job", "period", "printed", "problem"}``; ``kiosk verify``
checks the code (``qr`` is the QR's whole text: its first line ``SBZM2:RC…:MAC``, then
the facts). The purpose goes through the one normaliser and is refused (exit 2, one line naming
the character) when it holds a control or invisible character or is longer than 40 characters;
the certificate names the person in full. With ``--staff`` the clerk's PIN is read from stdin and the
audit names them, else the command line (``admin-cli``). Exit 0 when the
certificate was issued (even if the printer is down: it says so), 2 for a
bad ID number or period.
"""

from __future__ import annotations

import argparse
import dataclasses
import json

from kiosk.commands import CommandError, argtypes
from kiosk.commands.records import open_context, resident_id_for
from kiosk.services import ServiceError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("certificate", help="参保证明: issue and print a certificate of insurance")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    issue = actions.add_parser("issue", help="issue a 参保证明 for a period and print it through the spool")
    issue.add_argument("id_number", help="公民身份号码 (18 characters)")
    issue.add_argument("--from", dest="start", type=argtypes.month, required=True, metavar="YYYY-MM", help="first month of the period")
    issue.add_argument("--to", dest="end", type=argtypes.month, required=True, metavar="YYYY-MM", help="last month of the period")
    issue.add_argument("--purpose", default="", help="what it is for (用途), printed on the certificate")
    issue.add_argument("--staff", metavar="NUMBER", help="the clerk's number (PIN on stdin)")
    issue.add_argument("--json", action="store_true", help="print one JSON object")
    issue.set_defaults(func=issue_command)


def issue_command(args: argparse.Namespace) -> int:
    from kiosk.commands.context import clock_for, settings_for
    from kiosk.commands.queue import print_ticket
    from kiosk.commands.staff_pin import staff_context
    from kiosk.services.certificates import issue_certificate
    from printers.certificate import qr_text
    from printers.document import QR

    settings = settings_for(args)
    ctx, database = open_context(args)
    try:
        try:
            start, end = args.start, args.end
            resident_id = resident_id_for(ctx, args.id_number)
            acting = staff_context(ctx, args.staff) if args.staff else dataclasses.replace(
                ctx, staff_number="admin-cli")
            job, document = issue_certificate(acting, resident_id, start, end, purpose=args.purpose)
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        problem = print_ticket(settings, database, clock_for(settings))
    finally:
        database.close()
    qr = next((b.data for b in document.blocks if isinstance(b, QR)), qr_text(document.code, ""))
    period = f"{start:%Y-%m} 至 {end:%Y-%m}"
    if args.json:
        print(json.dumps({"code": document.code, "qr": qr, "job": job, "period": period, "printed": not problem,
                          "problem": problem or None}, ensure_ascii=False))
        return 0
    print(f"已出具参保证明 issued：{period}，校验码 code {document.code}（kiosk verify {document.code}）")
    if problem:
        print(f"打印机暂不可用 printer not ready：{problem}；恢复后会自动打印 it prints when the printer is back")
    return 0
