"""``kiosk audit verify [--anchor FILE]`` and ``kiosk audit anchor``.

``verify`` walks the HMAC-chained audit log with the configured key and
prints OK with the number of entries and the head, or one line naming the
first entry that was edited (any column, any type, NULL), removed,
inserted, reordered, or recomputed without the key, and exits 1. With
``--anchor FILE`` (default: the configured anchor file, when it exists) it
also proves every anchored entry is still there with its anchored hash,
which catches the newest entries removed and ``audit_head`` rewound.

``rules`` (稽核, issue 16) scans the records against the rules the
entitlement service uses (:mod:`kiosk.services.rule_audit`) and lists every
violation; exit 0 when nothing is found, 1 when anything is.

``anchor`` verifies the chain, then appends the head as
``TIME seq=N hash=HEX`` to the anchor file (the daily backup timer runs it).
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from db import audit
from kiosk.commands import CommandError, argtypes
from kiosk.commands.context import clock_for, database_for, settings_for
from kiosk.config import Settings
from kiosk.i18n import Translator


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("audit", help="the HMAC-chained audit log")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    verify = actions.add_parser("verify", help="check that no audit entry was edited, removed, inserted or reordered")
    verify.add_argument("--anchor", metavar="FILE", type=argtypes.path,
                        help="anchor file to compare with (default: [audit] anchor_file when it exists)")
    verify.set_defaults(func=audit_verify)
    anchor = actions.add_parser("anchor", help="verify, then append the chain head (seq, hash) to the anchor file")
    anchor.add_argument("--file", metavar="FILE", type=argtypes.path, help="anchor file (default: [audit] anchor_file)")
    anchor.set_defaults(func=audit_anchor)
    rules = actions.add_parser("rules", help="稽核: list every record the rules forbid (exit 1 when any is found)")
    rules.add_argument("--json", action="store_true", help="print one JSON object")
    rules.add_argument("--since", metavar="YYYY-MM-DD", type=_iso_date,
                       help="only records dated on or after this day")
    rules.set_defaults(func=audit_rules)


def load_key(settings: Settings) -> bytes:
    """The configured audit key, or a CommandError saying which file is missing."""
    try:
        return audit.load_key_file(settings.audit_key_path())
    except audit.AuditKeyError as exc:
        raise CommandError(str(exc)) from None


def load_anchors(settings: Settings, explicit: Path | None, t: Translator) -> tuple[list[audit.Anchor], str | None]:
    """Anchors from ``--anchor`` (must exist) or the configured file (if it exists), and a note."""
    path = explicit or settings.audit_anchor_path()
    if explicit is None and not path.exists():
        return [], t("audit.verify.no_anchor_file", path=path)
    try:
        anchors = audit.read_anchor_file(path)
    except audit.AnchorFileError as exc:
        raise CommandError(str(exc)) from None
    return anchors, t("audit.verify.anchors", path=path, count=len(anchors))


def audit_verify(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    t = Translator(settings.terminal.language)
    key = load_key(settings)
    anchors, note = load_anchors(settings, args.anchor, t)
    database = database_for(settings)
    result = audit.check_chain(database, key=key, anchors=anchors)
    if result.problem is not None:
        print(t("audit.verify.failed", problem=result.problem.describe(t)))
        return 1
    print(t("audit.verify.ok", count=result.entries, seq=result.head_seq))
    if note:
        print(note)
    return 0


def audit_anchor(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    t = Translator(settings.terminal.language)
    key = load_key(settings)
    # A file named here is written only into a folder that exists (the configured one is made).
    path = argtypes.new_file(args.file) if args.file else settings.audit_anchor_path()
    database = database_for(settings)
    try:
        anchors = audit.read_anchor_file(path) if path.exists() else []
    except audit.AnchorFileError as exc:
        raise CommandError(str(exc)) from None
    result = audit.check_chain(database, key=key, anchors=anchors)
    if result.problem is not None:
        print(t("audit.anchor.refused", problem=result.problem.describe(t)))
        return 1
    if result.entries == 0:
        print(t("audit.anchor.empty"))
        return 0
    at = clock_for(settings).now_local().isoformat(timespec="seconds")
    line = audit.format_anchor(result.head_seq, result.head_hash, at)
    try:
        audit.append_anchor_line(path, line)
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror or exc}") from None
    print(t("audit.anchor.written", line=line, path=path))
    return 0


def _iso_date(text: str) -> dt.date:
    from kiosk.commands.records import iso_date

    return iso_date(text)


def audit_rules(args: argparse.Namespace) -> int:
    """``kiosk audit rules [--json] [--since D]``: exit 0 clean, 1 findings (known ones excepted)."""
    import json

    from kiosk.commands.records import open_context
    from kiosk.services import ServiceError, rule_audit

    ctx, database = open_context(args)
    language = settings_for(args).terminal.language
    t = Translator(language)
    try:
        try:
            report = rule_audit.run_audit(ctx, since=args.since, language=language)
            rule_audit.record_audit_look(ctx, report, since=args.since)
        except ServiceError as exc:
            raise CommandError(exc.message) from None
    finally:
        database.close()
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False))
        return 1 if report.findings else 0
    if not report.findings:
        print(t("ruleaudit.cli.clean", checked=report.checked))
    else:
        print(t("ruleaudit.cli.found", count=len(report.findings), checked=report.checked))
        shown_rules: set[str] = set()
        for finding in report.findings:
            print(t("ruleaudit.cli.line", kind=t(f"ruleaudit.kind.{finding.kind}"), table=finding.table,
                    id=finding.id, reference=finding.reference, resident=finding.resident, detail=finding.detail))
            if finding.kind not in shown_rules:
                shown_rules.add(finding.kind)
                print(t("ruleaudit.cli.rule", rule=finding.rule))
    if report.known:
        print(t("ruleaudit.cli.known", count=len(report.known)))
    return 1 if report.findings else 0
