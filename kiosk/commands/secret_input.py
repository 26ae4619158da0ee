"""A secret (PIN, service password) asked twice, shared by ``kiosk staff`` and ``kiosk card``."""

from __future__ import annotations

import getpass
import sys

from kiosk.commands import CommandError


def read_twice(prompt: str, again: str, *, missing: str, one_line_ok: bool) -> tuple[str, str]:
    """The secret and its confirmation, as typed (not compared here).

    On a terminal both are asked without echo (``prompt``, then ``again``).
    Otherwise they are the first two non-blank stdin lines, stripped; with
    ``one_line_ok`` a single line serves as both. Raises CommandError with
    ``missing`` when stdin holds too few lines.
    """
    if sys.stdin.isatty():
        return getpass.getpass(prompt), getpass.getpass(again)
    lines = [line.strip() for line in sys.stdin.read().splitlines() if line.strip()]
    if len(lines) < (1 if one_line_ok else 2):
        raise CommandError(missing)
    return lines[0], lines[1] if len(lines) > 1 else lines[0]
