"""``kiosk import residents|enrolments|contributions FILE`` and ``kiosk export residents|contributions FILE``.

The roster spreadsheet work itself is in :mod:`db.roster`, enrolments and
contributions in :mod:`db.records_import` (same rules); this module only
parses arguments, resolves the acting staff member and prints the report:
every refused row as ``第N行 列名: reason``, then the counts.
"""

from __future__ import annotations

import argparse
import datetime as dt

from db import audit
from db.connection import write_transaction
from db.files import os_user
from db.models import Staff
from db.roster import ImportReport, RosterError, export_contributions, export_residents, import_residents
from kiosk.commands import CommandError, argtypes
from kiosk.commands.context import clock_for, database_for, settings_for
from kiosk.i18n import Translator
from kiosk.rules.parameters import PolicyParams


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    imp = sub.add_parser("import", help="import the roster, enrolments, contributions or a collection "
                                        "channel's confirmations from .csv or .xlsx")
    imp.add_argument("what", choices=["residents", "enrolments", "contributions", "collection"],
                     help="what to import (collection: the tax authority's or bank's confirmation file)")
    imp.add_argument("file", type=argtypes.path, help=".csv (UTF-8 or GBK) or .xlsx (first sheet)")
    imp.add_argument("--skip-invalid", action="store_true",
                     help="import the good rows; write the bad ones to FILE.invalid.csv/.xlsx")
    imp.add_argument("--staff", metavar="NUMBER", help="staff number recorded in the audit log (default admin-cli; "
                     "required for collection, PIN on stdin)")
    imp.add_argument("--channel", choices=["tax", "bank"],
                     help="collection only: the file comes from the tax authority or the bank (default: the policy's)")
    imp.set_defaults(func=import_command)
    exp = sub.add_parser("export", help="export residents or contributions to .csv or .xlsx")
    exp.add_argument("what", choices=["residents", "contributions"], help="what to export")
    exp.add_argument("file", type=argtypes.path, help="target .csv (UTF-8 with BOM) or .xlsx; written with mode 0600")
    exp.add_argument("--staff", metavar="NUMBER", help="staff number recorded in the audit log (default admin-cli)")
    exp.set_defaults(func=export_command)


def _actor(number: str | None) -> str:
    """The staff number to record (``--staff``, which must be active), else ``admin-cli``."""
    if not number:
        return "admin-cli"
    staff = Staff.get_or_none(Staff.number == number)
    if staff is None or not staff.active:
        raise CommandError(f"没有在职的工作人员编号 {number}")
    return str(staff.number)


def import_command(args: argparse.Namespace) -> int:
    if args.what == "collection":
        from kiosk.commands.collection import import_collection

        return import_collection(args)
    settings = settings_for(args)
    database = database_for(settings)
    actor = _actor(args.staff)
    clock = clock_for(settings)
    options = {"today": clock.today(), "now": clock.now_utc(), "skip_invalid": args.skip_invalid, "actor": actor,
               "terminal": settings.terminal.id or "cli"}
    try:
        if args.what == "residents":
            report = import_residents(database, args.file, **options)
        elif args.what == "enrolments":
            from db.records_import import import_enrolments

            report = import_enrolments(database, args.file, **options)
        else:
            from db.records_import import import_contributions
            from kiosk.policy import PolicyError, load_policy

            try:
                book = load_policy(settings.policy.file or None)
            except PolicyError as exc:
                raise CommandError(str(exc)) from None
            def policy(day: dt.date) -> PolicyParams:
                # Periods before the first policy version use the first (the oldest figures held).
                try:
                    return book.policy_for(day)
                except PolicyError:
                    return book.versions[0]

            report = import_contributions(database, args.file, policy=policy, **options)
    except RosterError as exc:
        raise CommandError(str(exc)) from None
    print_report(report)
    if report.written:
        return 0
    print(f"有 {report.invalid} 行有错，没有导入任何数据 nothing imported. "
          "请改正后重新导入，或加 --skip-invalid 只导入正确的行")
    return 1


def print_report(report: ImportReport) -> None:
    """Notes, every refused row, then one line of counts."""
    for note in report.notes:
        print(f"注意 note: {note}")
    for error in report.errors:
        print(str(error))
    if report.invalid_file is not None:
        print(f"有错的 {report.invalid} 行已写入 invalid rows written to: {report.invalid_file}")
    print(f"新增 added {report.added}，更新 updated {report.updated}，"
          f"未变 unchanged {report.unchanged}，有错 invalid {report.invalid}")


def export_command(args: argparse.Namespace) -> int:
    """Write the file (0600, formula-safe), then record who exported what, how many rows, where.

    The audit entry is its own short transaction after the file is complete
    (the export itself only reads); if it cannot be written the file is
    removed, so no export exists that the audit log does not know of.
    """
    args.file = argtypes.new_file(args.file)  # a missing folder is said, never made
    settings = settings_for(args)
    database = database_for(settings)
    actor = _actor(args.staff)
    clock = clock_for(settings)
    try:
        if args.what == "residents":
            count = export_residents(database, args.file)
        else:
            count = export_contributions(database, args.file)
    except (RosterError, OSError) as exc:
        raise CommandError(str(exc)) from None
    target = args.file.resolve()
    try:
        with write_transaction(database):
            audit.append(actor=actor, terminal=settings.terminal.id or "cli", action=f"export.{args.what}",
                         now=clock.now_utc(), entity=args.what,
                         detail={"rows": count, "file": str(target), "os_user": os_user()})
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    print(Translator(settings.terminal.language)("files.exported", count=count, path=target))
    return 0
