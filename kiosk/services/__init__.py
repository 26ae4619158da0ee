"""Use cases: each public function is one transaction and returns plain
dataclasses (never peewee rows), so screens stay free of the database.

Every service takes a :class:`ServiceContext` first: the database, the
injected clock and who is acting where. Failures a person can cause raise
:class:`ServiceError` with a calm Chinese message saying what to do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, Self

import peewee

from kiosk.clock import Clock


class ServiceError(Exception):
    """Something a person can fix; ``message`` (Chinese) is shown as it is,
    unless ``key`` names a catalog message: screens then show
    ``t(key, **params)`` in the terminal's language (the English counter).

    Raise new refusals with :meth:`keyed`, so their text lives only in the
    catalogs (kiosk/i18n/*/errors.toml and the area files).
    """

    def __init__(self, message: str, *, code: str = "", key: str = "",
                 params: Mapping[str, object] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.key = key
        self.params = dict(params or {})

    @classmethod
    def keyed(cls, key: str, code: str = "", /, **params: object) -> Self:
        """The refusal whose text is the catalog message ``key`` formatted with ``params``;
        ``code`` is the machine-readable reason (``--json``, tests), e.g.
        ``Conflict.keyed("queue.counter_busy", "busy", code="A001", status_key=...)``.

        ``message`` is its Chinese form (logs, the command line); a screen
        shows it in its own language (:func:`kiosk.i18n.translate_message`,
        where a parameter named ``x_key`` is itself a catalog key). Subclasses
        whose ``__init__`` takes other arguments do not use this.
        """
        from kiosk.i18n import Translator, translate_message

        return cls(translate_message(Translator(), key, params), code=code, key=key, params=params)


#: The audit actor of a command an administrator runs on this machine (``kiosk staff add``,
#: ``kiosk card password``, ``kiosk audit rules`` ...): no staff member is logged in, and the
#: entry's detail names the operating-system account (:meth:`ServiceContext.audit_detail`).
#: ``system`` is only for the program's own jobs (seed-demo, scheduled runs, migrations).
CLI_ACTOR = "admin-cli"


class NotFound(ServiceError):
    """The resident, ticket or application asked for does not exist."""


class Conflict(ServiceError):
    """Someone else changed the same record first; reload and try again."""


@dataclass
class ServiceContext:
    """Who is acting, where, when, on which database."""

    database: peewee.Database
    clock: Clock
    terminal: str = "T01"
    hall_name: str = "示范镇社保服务大厅"
    region_code: str = "360726"
    training: bool = False
    staff_id: int | None = None
    staff_number: str = ""
    extras: dict[str, object] = field(default_factory=dict)

    @property
    def actor(self) -> str:
        """Who the audit log names: the staff number, else the resident terminal."""
        return self.staff_number or "resident"

    @property
    def from_cli(self) -> bool:
        """True for a command run on this machine (:data:`CLI_ACTOR`, no staff logged in)."""
        return self.staff_id is None and self.staff_number == CLI_ACTOR

    def audit_detail(self, detail: Mapping[str, object] | None = None) -> dict[str, object]:
        """An audit entry's ``detail`` as this context records it: ``detail`` and, for a
        command run on this machine (:attr:`from_cli`), ``os_user``, the operating-system
        account that ran it (so "who set this password" has an answer). The one way every
        service writes who did it from the command line (attack E11)."""
        result = dict(detail or {})
        if self.from_cli:
            from db.files import os_user  # only commands need it

            result["os_user"] = os_user()
        return result

    def now(self) -> dt.datetime:
        """Naive UTC, the form stored in every DateTimeField."""
        return self.clock.now_utc().replace(tzinfo=None)

    def today(self) -> dt.date:
        """The hall's local business date."""
        return self.clock.today()

    def as_staff(self, staff_id: int, staff_number: str) -> ServiceContext:
        """The same context acting as a logged-in staff member."""
        return ServiceContext(self.database, self.clock, self.terminal, self.hall_name, self.region_code,
                              self.training, staff_id, staff_number, self.extras)


def connected(ctx: ServiceContext) -> AbstractContextManager[Any]:
    """A connection for a service's work: the caller's open one (inside its transaction, or the
    executor's kept connection), else a new one closed at the end. Never closes a connection it did
    not open, so a service can run inside another service's write transaction."""
    return nullcontext() if not ctx.database.is_closed() else ctx.database.connection_context()
