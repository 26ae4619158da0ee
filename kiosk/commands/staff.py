"""``kiosk staff add NUMBER --name NAME --role clerk|supervisor|admin`` (and
list, deactivate, ``reset-pin NUMBER``, ``unlock NUMBER``).

The PIN is asked twice without echo on a terminal. When stdin is not a
terminal (scripts, tests) it is read from stdin: two lines are PIN and
confirmation; a single line is used for both. ``reset-pin`` sets a new PIN
(and lifts a lock-out); ``unlock`` lifts a lock-out after too many wrong
counter PINs and keeps the PIN. Every change is audited (``staff.add``, ``staff.reset_pin``,
``staff.unlock``, ``staff.deactivate``; actor ``admin-cli``, this terminal; the detail names
the staff number acted on and the operating-system user who ran the command). A name passes
the residents' name rule (no control character, digit or symbol): refused with one line, exit 2.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TypeVar

import peewee

from kiosk.commands import CommandError
from kiosk.commands.context import clock_for, database_for, settings_for
from kiosk.commands.secret_input import read_twice
from kiosk.config import Settings
from kiosk.rules.text import printable
from kiosk.services import ServiceContext, ServiceError
from kiosk.services import staff as staff_service

_T = TypeVar("_T")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("staff", help="manage counter staff (工作人员)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add a staff member; the PIN is asked twice (or read from stdin)")
    add.add_argument("number", help="staff number (工号)")
    add.add_argument("--name", required=True, help="name (姓名)")
    add.add_argument("--role", required=True, choices=staff_service.ROLES, help="clerk | supervisor | admin")
    add.set_defaults(func=staff_add)
    actions.add_parser("list", help="list staff members").set_defaults(func=staff_list)
    deactivate = actions.add_parser("deactivate", help="stop a staff member from logging in")
    deactivate.add_argument("number")
    deactivate.set_defaults(func=staff_deactivate)
    reset = actions.add_parser("reset-pin", help="set a new PIN (asked twice, or read from stdin); lifts a lock-out")
    reset.add_argument("number", help="staff number (工号)")
    reset.set_defaults(func=staff_reset_pin)
    unlock = actions.add_parser("unlock", help="lift a lock-out after too many wrong PINs (the PIN stays)")
    unlock.add_argument("number", help="staff number (工号)")
    unlock.set_defaults(func=staff_unlock)


def service_context(settings: Settings, database: peewee.Database) -> ServiceContext:
    """A service context for a command run on this machine: audited as the command line
    (``admin-cli``, as the commands that audit themselves), never as ``resident`` (attack D15);
    no staff is logged in (``staff_id`` None: services that need one refuse)."""
    return ServiceContext(database, clock_for(settings), terminal=settings.terminal.id, staff_number="admin-cli",
                          hall_name=settings.hall.name, region_code=settings.hall.region_code,
                          training=settings.terminal.training,
                          extras={"agency": settings.hall.agency or settings.hall.name})  # 参保证明 出具机构


def read_pin() -> str:
    """The new PIN, twice; raises CommandError when the two differ or none is given."""
    first, second = read_twice("PIN: ", "再次输入 PIN (again): ", one_line_ok=True,
                               missing="没有读到PIN：请在标准输入中提供PIN（一行或两行）")
    # Through the one normaliser first: full-width digits are the same PIN.
    first, second = staff_service.clean_pin(first), staff_service.clean_pin(second)
    if first != second:
        raise CommandError("两次输入的PIN不一致")
    return first


def _run(args: argparse.Namespace, action: Callable[[ServiceContext], _T]) -> _T:
    """``action`` on a service context for this machine; a ServiceError becomes a CommandError."""
    settings = settings_for(args)
    ctx = service_context(settings, database_for(settings))
    try:
        return action(ctx)
    except ServiceError as exc:
        raise CommandError(exc.message) from None


def staff_add(args: argparse.Namespace) -> int:
    pin = read_pin()
    info = _run(args, lambda ctx: staff_service.add_staff(ctx, args.number, args.name, args.role, pin))
    print(f"已添加工作人员 added: {info.number} {info.name} ({info.role_name})")
    return 0


def staff_list(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    ctx = service_context(settings, database_for(settings))
    for info in staff_service.list_staff(ctx):
        state = "在用" if info.active else "已停用"
        # A name stored before names passed the name rule may hold an escape sequence (attack E6).
        print(f"{printable(info.number)}\t{printable(info.name)}\t{info.role}\t{state}")
    return 0


def staff_deactivate(args: argparse.Namespace) -> int:
    info = _run(args, lambda ctx: staff_service.deactivate(ctx, args.number))
    print(f"已停用 deactivated: {info.number} {info.name}")
    return 0


def staff_reset_pin(args: argparse.Namespace) -> int:
    # The PIN is read once the database is open (a bad config fails before the prompt).
    _run(args, lambda ctx: staff_service.reset_pin(ctx, args.number, read_pin()))
    print(f"已重置PIN reset: {staff_service.staff_key(args.number)}（已记入审计日志 audited）")
    return 0


def staff_unlock(args: argparse.Namespace) -> int:
    info = _run(args, lambda ctx: staff_service.unlock(ctx, args.number))
    print(f"已解锁 unlocked: {info.number} {info.name}（已记入审计日志 audited）")
    return 0
