"""The ``kiosk`` command: one program, several sub-commands.

Each area registers its sub-commands from a module in ``kiosk.commands``
(see :mod:`kiosk.commands`); this module only builds the parser, runs the
chosen handler and turns expected failures into one clear line on stderr
with a non-zero exit code.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from kiosk import __version__, logs
from kiosk.commands import COMMAND_MODULES, COMMANDS, CommandError
from kiosk.config import ConfigError, data_dir


def _global_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="FILE", help="kiosk.toml to use (else $KIOSK_CONFIG, else the user config dir)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")


def command_in(argv: Sequence[str]) -> str | None:
    """The sub-command named in ``argv`` (after any global options), if any."""
    pre = argparse.ArgumentParser(add_help=False)
    _global_options(pre)
    _, rest = pre.parse_known_args(list(argv))
    return rest[0] if rest and rest[0] in COMMANDS else None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; with ``command``, only that command's module is imported."""
    parser = argparse.ArgumentParser(
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
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(command_in(argv))
    args = parser.parse_args(argv)
    log_dir = Path(os.environ.get("KIOSK_LOG_DIR") or data_dir() / "logs")
    try:
        logs.configure(log_dir, verbose=args.verbose)
    except OSError as exc:  # a read-only disk must not stop the kiosk
        print(f"kiosk: logging disabled ({exc})", file=sys.stderr)
    try:
        result: int = args.func(args)
    except (CommandError, ConfigError) as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 2
    except Exception:
        logging.getLogger("kiosk.cli").exception("command %s failed", args.command)
        raise
    except KeyboardInterrupt:
        print("kiosk: interrupted", file=sys.stderr)
        return 130
    return result


if __name__ == "__main__":
    raise SystemExit(main())
