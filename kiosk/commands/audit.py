"""``kiosk audit verify``: walk the hash-chained audit log.

Prints OK with the number of entries, or names the first entry that was
edited, removed or reordered and exits 1.
"""

from __future__ import annotations

import argparse

from db.audit import verify_chain
from db.models import AuditEntry
from kiosk.commands.context import database_for, settings_for


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("audit", help="the hash-chained audit log")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("verify", help="check that no audit entry was edited, removed or reordered").set_defaults(
        func=audit_verify)


def audit_verify(args: argparse.Namespace) -> int:
    database_for(settings_for(args))
    problem = verify_chain()
    if problem is not None:
        print(f"审计日志校验失败 FAILED: {problem}")
        return 1
    count = AuditEntry.select().count()
    print(f"OK 审计日志完整 audit chain intact: {count} 条记录 entries")
    return 0
