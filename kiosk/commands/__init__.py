"""Sub-commands of ``kiosk``, one module per area.

A module here defines ``register(subparsers)``, adding its parsers and
setting ``func`` on each to a handler ``(args) -> int`` (the exit code).
Handlers raise :class:`CommandError` for anything a person got wrong; the
CLI prints it as one line and exits 2. :class:`DatabaseFault` (a database
that is damaged, incomplete or unreachable) exits :data:`EXIT_DATABASE`. Shared helpers (settings, database)
are in :mod:`kiosk.commands.context`.
"""

from __future__ import annotations

#: Each top-level command and the module that registers it, in --help order.
#: The CLI imports only the module of the command being run, so starting the
#: kiosk does not pay for importing every other command's dependencies.
COMMANDS: dict[str, str] = {
    "run": "run",
    "demo": "run",
    "serve": "serve",
    "db": "db",
    "config": "config",
    "doctor": "doctor",
    "import": "importexport",
    "export": "importexport",
    "staff": "staff",
    "audit": "audit",
    "report": "report",
    "policy": "policy",
    "printer": "printer",
    "queue": "queue",
    "card": "card",
    "account": "account",
    "benefit": "benefit",
    "pension": "pension",
    "resident": "resident",
    "verify": "verify",
    "collection": "collection",
    "certificate": "certificate",
}

#: Every command module, each once, in --help order.
COMMAND_MODULES: tuple[str, ...] = tuple(dict.fromkeys(COMMANDS.values()))


class CommandError(Exception):
    """A failure a person can fix; its text is the whole message."""


#: Exit status of every command for a database that is damaged, incomplete or unreachable
#: (run, db, audit, doctor and the rest alike; README "Command line").
EXIT_DATABASE = 3


class DatabaseFault(CommandError):
    """The database is damaged, lacks tables or a schema step, or cannot be reached:
    one line, exit :data:`EXIT_DATABASE`."""
