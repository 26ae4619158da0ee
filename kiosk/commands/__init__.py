"""Sub-commands of ``kiosk``, one module per area.

A module here defines ``register(subparsers)``, adding its parsers and
setting ``func`` on each to a handler ``(args) -> int`` (the exit code).
Handlers raise :class:`CommandError` for anything a person got wrong; the
CLI prints it as one line and exits 2. Shared helpers (settings, database)
are in :mod:`kiosk.commands.context`.
"""

from __future__ import annotations

#: Modules registered by kiosk.cli, in the order they appear in --help.
COMMAND_MODULES: tuple[str, ...] = (
    "run",
    "db",
    "config",
    "doctor",
    "importexport",
    "staff",
    "audit",
    "report",
    "policy",
    "printer",
    "queue",
    "serve",
)


class CommandError(Exception):
    """A failure a person can fix; its text is the whole message."""
