"""The ``kiosk`` command: one program, several sub-commands.

Each area registers its sub-commands from a module in ``kiosk.commands``
(see :mod:`kiosk.commands`); this module only builds the parser, runs the
chosen handler and turns expected failures into one clear line on stderr
with a non-zero exit code: a person's mistake (:class:`CommandError`, a bad
configuration, a missing audit key) exits 2; a database that is damaged,
lacks a table or cannot be reached exits 3 with a calm line, the details
going to the log (``KIOSK_DEBUG=1`` shows the traceback as well). Before
the command runs, the configured audit key is registered (see
:mod:`db.audit`), so every command appends to the chain with it.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from kiosk import __version__, gc_pause, logs
from kiosk.commands import COMMAND_MODULES, COMMANDS, EXIT_DATABASE, CommandError, DatabaseFault
from kiosk.config import ConfigError, load_settings

#: Set to 1 to see the traceback of a database fault (it is always logged).
DEBUG_ENV = "KIOSK_DEBUG"
__all__ = ["EXIT_DATABASE", "main"]


def _global_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="FILE", help="kiosk.toml to use (else $KIOSK_CONFIG, else the user config dir)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")


def command_in(argv: Sequence[str]) -> str | None:
    """The sub-command named in ``argv`` (after any global options), if any."""
    pre = argparse.ArgumentParser(add_help=False)
    _global_options(pre)
    _, rest = pre.parse_known_args(list(argv))
    return rest[0] if rest and rest[0] in COMMANDS else None


class OneLineParser(argparse.ArgumentParser):
    """argparse with its error as one line on stderr, exit 2 (DESIGN.md §4): what is wrong and
    where the usage is, instead of the usage block. Sub-command parsers are of the same class."""

    def error(self, message: str) -> NoReturn:
        from kiosk.i18n import translate

        self.exit(2, translate("fixe_cli.usage", "zh_CN", prog=self.prog, message=" ".join(message.split())) + "\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; with ``command``, only that command's module is imported."""
    parser = OneLineParser(
        prog="kiosk",
        description="社保服务终端 · township social-insurance service-hall kiosk",
    )
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    _global_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in (COMMANDS[command],) if command else COMMAND_MODULES:
        importlib.import_module(f"kiosk.commands.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; its exit status. Output cut short by a closed pipe
    (``kiosk audit verify | head -1``) ends quietly with 141 (128 + SIGPIPE), as a shell tool does."""
    try:
        result = _main(argv)
        sys.stdout.flush()  # inside the try: a pipe closed early fails here, not at interpreter exit
    except BrokenPipeError:
        # Point stdout at /dev/null so the interpreter's own final flush does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):  # stdout is not a real file (a test's capture)
            pass
        finally:
            os.close(devnull)
        return 128 + 13
    finally:
        gc_pause.resume(freeze=False)  # `kiosk run` that ended before its first screen: collect again
    return result


def _main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    command = command_in(argv)
    if command == "run":
        gc_pause.pause()  # the interface starts: no garbage collection until its first screen is drawn
    parser = build_parser(command)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version (0) or a bad argument (2, its one line said): the status
        return exc.code if isinstance(exc.code, int) else 2
    log_path: Path | None = None
    if not getattr(args, "own_logs", False):  # `kiosk demo` logs into its own folder
        try:
            log_path = logs.configure(logs.log_dir(), verbose=args.verbose)
        except OSError as exc:  # a read-only disk must not stop the kiosk
            print(f"kiosk: logging disabled ({exc})", file=sys.stderr)
    from db.audit import AuditKeyError

    try:
        _register_audit_key(args)
        result: int = args.func(args)
    except DatabaseFault as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return EXIT_DATABASE
    except (CommandError, ConfigError, AuditKeyError) as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        logging.getLogger("kiosk.cli").exception("command %s failed", args.command)
        message = database_fault(exc, args, log_path)
        if message is None or os.environ.get(DEBUG_ENV):
            raise
        print(f"kiosk: {message}", file=sys.stderr)
        return EXIT_DATABASE
    except KeyboardInterrupt:
        print("kiosk: interrupted", file=sys.stderr)
        return 130
    return result


def _register_audit_key(args: argparse.Namespace) -> None:
    """Register the configured audit key (``kiosk demo`` brings its own).

    A missing or unreadable file is not an error here: commands that never
    touch the chain run, and those that do (an append, ``audit verify``,
    ``db check``) name the file; ``db init`` creates it.
    """
    if args.command == "demo":
        return
    from db import audit

    try:
        path = load_settings(getattr(args, "config", None)).audit_key_path()
    except ConfigError:
        return  # the command loads the settings itself and reports the error
    audit.use_key_file(path)


def _is_database_error(exc: BaseException) -> bool:
    import sqlite3

    import peewee

    if isinstance(exc, peewee.PeeweeException | sqlite3.Error):
        return True
    return any(cls.__module__.split(".")[0] == "psycopg" for cls in type(exc).__mro__)


def database_fault(exc: BaseException, args: argparse.Namespace, log_path: Path | None) -> str | None:
    """One calm line for a database that is damaged, incomplete or unreachable; None for other errors."""
    if not _is_database_error(exc):
        return None
    from kiosk.commands.context import redact
    from kiosk.i18n import translate

    language, target = "zh_CN", "?"
    try:
        settings = load_settings(getattr(args, "config", None))
        language, target = settings.terminal.language, redact(settings.database_url())
    except ConfigError:
        pass
    text = " ".join(str(exc).split()) or type(exc).__name__
    lowered = text.lower()
    log = str(log_path) if log_path else "-"
    table = re.search(r'no such table: ([\w.]+)|relation "([^"]+)" does not exist', text)
    if table:
        return translate("files.db_missing_table", language, table=table.group(1) or table.group(2),
                         target=target, log=log)
    if any(sign in lowered for sign in ("not a database", "malformed", "disk image", "file is encrypted")):
        return translate("files.db_corrupt", language, target=target, log=log)
    if any(sign in lowered for sign in ("connect", "timeout", "timed out", "server closed", "unable to open")):
        return translate("files.db_unreachable", language, target=target, log=log)
    return translate("files.db_error", language, target=target, reason=text[:160], log=log)


if __name__ == "__main__":
    raise SystemExit(main())
