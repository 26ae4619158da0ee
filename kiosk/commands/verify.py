"""``kiosk verify CODE [--json]``: what a printed code is, and whether it is genuine.

CODE is a receipt's verification code (``RC`` + 10 characters, as printed
under the barcode) or the text of a 参保证明's QR (first line
``SBZM2:RC…:MAC``, then the facts; the older ``SBZM1:RC…:MAC`` too). A
genuine code prints what the genuine document says, one fact a line, for the
checker to compare with the paper: for a certificate the issuing agency, issue
date, period, enrolments with their status, months and amounts paid per
insurance and the printed total; for a receipt its kind, date and amount. The
person is masked (the checker holds the paper with the full name; see
:mod:`kiosk.services.certificates`). A certificate is genuine only when its
HMAC matches the stored content and a scanned QR is the one printed. Exit 0
when genuine, 1 when not, 2 for text that is no code at all; audited
(``verify.code``). ``--json`` prints :meth:`Verification.as_json`. Messages in
the terminal's language (catalog ``fix15verify.verify``).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from typing import TYPE_CHECKING

from kiosk.commands.records import run_in_context

if TYPE_CHECKING:
    from kiosk.i18n import Translator
    from kiosk.services.certificates import Verification


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("verify", help="check a printed code (receipt RC… or 参保证明 QR)")
    parser.add_argument("code", help="RC… as printed, or the QR text SBZM2:RC…:MAC (with its lines)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=verify_command)


def describe(result: Verification, t: Translator) -> list[str]:
    """The answer as lines of text (what :func:`verify_command` prints)."""
    if not result.genuine:
        what = f"{result.title} " if result.title else ""
        reason = t(f"fix15verify.verify.reason.{result.reason}") if result.reason in (
            "unknown", "altered", "not_a_certificate") else result.reason
        return [t("fix15verify.verify.not_genuine", what=what, code=result.code, reason=reason)]
    lines = [t("fix15verify.verify.genuine", title=result.title, kind=result.kind, code=result.code,
               hall=result.hall, printed_at=result.printed_at)]
    if result.identity:
        lines.append(t("fix15verify.verify.identity", identity=result.identity))
    if result.kind != "certificate":
        if result.amount:
            lines.append(t("fix15verify.verify.amount", amount=result.amount))
        return lines
    lines += [t("fix15verify.verify.agency", agency=result.agency), t("fix15verify.verify.issued", issued=result.issued),
              t("fix15verify.verify.period", period=result.period)]
    if result.purpose:
        lines.append(t("fix15verify.verify.purpose", purpose=result.purpose))
    lines.append(t("fix15verify.verify.enrolments"))
    lines += [t("fix15verify.verify.enrolment", insurance=i, status=s, since=d) for i, s, d in result.enrolments] \
        or [t("fix15verify.verify.no_enrolments")]
    lines.append(t("fix15verify.verify.paid"))
    lines += [t("fix15verify.verify.paid_line", insurance=i, count=c, individual=p, employer=e)
              for i, c, p, e in result.paid] or [t("fix15verify.verify.no_paid")]
    lines += [t("fix15verify.verify.total", total=result.individual_total), t("fix15verify.verify.compare")]
    return lines


def verify_command(args: argparse.Namespace) -> int:
    from kiosk.commands.context import settings_for
    from kiosk.i18n import Translator
    from kiosk.services.certificates import verify_code

    result = run_in_context(args, lambda ctx: verify_code(dataclasses.replace(ctx, staff_number="admin-cli"), args.code))
    if args.json:
        print(json.dumps(result.as_json(), ensure_ascii=False))
    else:
        print("\n".join(describe(result, Translator(settings_for(args).terminal.language))))
    return 0 if result.genuine else 1
