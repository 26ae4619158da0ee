"""``kiosk doctor``: a table of what works and what does not; a failed database
check exits EXIT_DATABASE (3) as every command does for a database fault, any
other essential failure 1."""

from __future__ import annotations

import argparse

from rich.cells import cell_len

from kiosk.commands import EXIT_DATABASE, argtypes
from kiosk.commands.context import settings_for
from kiosk.doctor import DATABASE_FINDING, diagnose

MARKS = {"ok": "✓", "warn": "!", "fail": "✗"}


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("doctor", help="check database, printer, fonts, terminal, time zone, disk")
    parser.add_argument("--printer-timeout", type=argtypes.bounded_float(0.1, 600), default=2.0, metavar="SECONDS")
    parser.set_defaults(func=doctor)


def doctor(args: argparse.Namespace) -> int:
    findings = diagnose(settings_for(args), printer_timeout=args.printer_timeout)
    width = max(cell_len(f.name) for f in findings)
    for finding in findings:
        pad = " " * (width - cell_len(finding.name))
        print(f"{MARKS[finding.level]} {finding.name}{pad}  {finding.detail}")
    essential_failed = [f for f in findings if f.essential and f.level == "fail"]
    failed = [f for f in findings if f.level == "fail"]
    if essential_failed:
        print(f"必须先解决 {len(essential_failed)} 个问题，终端才能运行 (essential check failed)")
        # the database is the essential check: its fault exits as every other command's does
        return EXIT_DATABASE if any(f.name == DATABASE_FINDING for f in essential_failed) else 1
    print("终端可以运行" + (f"，另有 {len(failed)} 个问题需处理" if failed else "，一切正常") + " (kiosk can run)")
    return 0
