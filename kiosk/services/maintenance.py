"""The staff gate's maintenance menu (ctrl+t + staff PIN): who may do what,
and the audit trail of every action taken there.

Anyone with a staff PIN may open the menu and print a printer test page.
Switching the terminal's mode and quitting the program leave a public
self-service terminal as a counter anyone can sit at, or at a shell prompt,
so only a supervisor or an admin may do either (:data:`SUPERVISED`); the
role is read from the database at the moment of the action, not from the
session that opened the menu. Every action — entering, each choice, a
refusal and leaving — is one audit entry (``maintenance.<action>``) with
the staff number and the terminal, written in its own transaction before
the screen acts on it.
"""

from __future__ import annotations

from typing import Any

from db import audit
from db.connection import write_transaction
from db.models import Staff
from kiosk.services import ServiceContext
from kiosk.services.staff import PermissionDenied, StaffSession

#: The actions the menu records (``maintenance.enter`` ... ``maintenance.leave``).
ACTIONS = ("enter", "printer_test", "mode", "quit", "leave")
#: The actions only a supervisor or an admin may take.
SUPERVISED = ("mode", "quit")
SUPERVISOR_ROLES = ("supervisor", "admin")
#: The refusal's code; screens show their own catalog message for it.
REFUSED = "maintenance_supervisor_only"


def may(session: StaffSession | None, action: str) -> bool:
    """Whether the menu offers ``action`` to ``session`` (the service checks again)."""
    if action not in SUPERVISED:
        return session is not None
    return session is not None and session.role in SUPERVISOR_ROLES


def record(ctx: ServiceContext, session: StaffSession, action: str, **detail: Any) -> None:
    """Audit one maintenance ``action`` by ``session`` on ``ctx.terminal``.

    ``detail`` (JSON-able: the new mode, how the menu was left) goes into the
    entry. Raises :class:`PermissionDenied` (code :data:`REFUSED`) for a
    supervised action by anyone but an active supervisor or admin; the
    refusal itself is audited (``maintenance.refused``) and stays recorded.
    ``ValueError`` for an action not in :data:`ACTIONS` (a programming error).
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown maintenance action {action!r}")
    now = ctx.now()
    refused = False
    with write_transaction(ctx.database):
        row = Staff.get_or_none(Staff.id == session.staff_id)
        role = row.role if row is not None and row.active else ""
        if action in SUPERVISED and role not in SUPERVISOR_ROLES:
            refused = True
            audit.append(actor=session.number, terminal=ctx.terminal, action="maintenance.refused", now=now,
                         entity="staff", entity_id=session.number,
                         detail={"wanted": action, "role": role or "inactive", **detail})
        else:
            audit.append(actor=session.number, terminal=ctx.terminal, action=f"maintenance.{action}", now=now,
                         entity="staff", entity_id=session.number, detail={"role": role, **detail})
    if refused:  # after the commit: the refusal's entry stays
        raise PermissionDenied.keyed("refusal.maintenance.supervisor_only", REFUSED)
