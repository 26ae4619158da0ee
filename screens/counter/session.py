"""Who is logged in at this counter and which resident they are serving.

The session lives on the host app as the attribute ``counter_session``
(the app need not know its type). Logging in replaces ``host.ctx`` with the
staff member's context; logging out restores the context the app started
with, so nothing of the last clerk or resident is left behind.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from kiosk.services import ServiceContext
from kiosk.services.registration import ResidentInfo
from kiosk.services.staff import StaffSession

ATTRIBUTE = "counter_session"


@dataclass
class CounterSession:
    """The logged-in staff member, the context before login, the resident being served."""

    staff: StaffSession
    base_ctx: ServiceContext
    resident: ResidentInfo | None = None


def current(host: Any) -> CounterSession | None:
    """The session on ``host``, None when nobody is logged in."""
    session = getattr(host, ATTRIBUTE, None)
    return session if isinstance(session, CounterSession) else None


def begin(host: Any, staff: StaffSession) -> CounterSession:
    """Log ``staff`` in on ``host``: every later service call acts as them."""
    previous = current(host)
    base = previous.base_ctx if previous is not None else _without_staff(host.ctx)
    session = CounterSession(staff, base)
    setattr(host, ATTRIBUTE, session)
    host.ctx = staff.context(base)
    return session


def end(host: Any) -> None:
    """Forget the staff member and the resident; restore the anonymous context."""
    session = current(host)
    if session is not None:
        host.ctx = session.base_ctx
    elif getattr(host, "ctx", None) is not None:
        host.ctx = _without_staff(host.ctx)
    setattr(host, ATTRIBUTE, None)


def _without_staff(ctx: ServiceContext) -> ServiceContext:
    return dataclasses.replace(ctx, staff_id=None, staff_number="")
