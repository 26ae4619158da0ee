"""The staff PINs a command reads for ``--staff NUMBER`` (and ``--supervisor NUMBER``).

On a terminal each PIN is asked without echo; otherwise (scripts, tests) the clerk's
PIN is the first non-blank stdin line and the supervisor's the second. Each is then
checked like a counter login (:func:`kiosk.services.staff.login`: wrong PINs count and
lock, the login is audited). The one reader for every command that acts as staff.
"""

from __future__ import annotations

import getpass
import sys

from kiosk.commands import CommandError
from kiosk.commands.secret_input import read_twice
from kiosk.services import ServiceContext, ServiceError


def read_pins(supervisor: bool = False) -> tuple[str, str]:
    """``(clerk PIN, supervisor PIN)``, the second "" unless ``supervisor``. Raises CommandError
    when stdin (not a terminal) holds fewer PINs than asked for."""
    if supervisor:
        return read_twice("经办人PIN clerk PIN: ", "主管PIN supervisor PIN: ", one_line_ok=False,
                          missing="没有读到两个PIN：标准输入第一行为经办人PIN，第二行为主管PIN")
    if sys.stdin.isatty():
        return getpass.getpass("PIN: "), ""
    for line in sys.stdin.read().splitlines():
        if line.strip():
            return line.strip(), ""
    raise CommandError("没有读到PIN：请在标准输入中提供工作人员PIN")


def staff_context(ctx: ServiceContext, number: str) -> ServiceContext:
    """``ctx`` acting as staff member ``number``, whose PIN :func:`read_pins` reads (a counter
    login: counted, audited). Raises CommandError with the refusal (wrong PIN, locked, unknown)."""
    from kiosk.services import staff as staff_service

    try:
        session = staff_service.login(ctx, number, read_pins()[0])
    except ServiceError as exc:
        raise CommandError(exc.message) from None
    return session.context(ctx)
