"""``kiosk card password ID_NUMBER`` and ``kiosk card unlock ID_NUMBER``.

The 社保卡服务密码 opens a resident's records at the self-service terminal
(kiosk.services.service_password). From the shell, as at the counter, it is
set after the person's ID card was checked: on a terminal the command asks
for that confirmation (or takes ``--id-card-checked``); a script (stdin not a
terminal) declares it with ``--id-card-checked``, and without the flag the
audit entry records ``"id_card_checked": false`` with ``"channel": "cli"``. The password is asked twice
without echo on a terminal; when stdin is not a terminal it is read from
stdin: two lines, password and confirmation. Both commands are audited as
``admin-cli`` on this terminal, with the operating-system user who ran them.
"""

from __future__ import annotations

import argparse
import sys

from kiosk.commands import CommandError
from kiosk.commands.context import database_for, settings_for
from kiosk.commands.secret_input import read_twice


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("card", help="社保卡服务密码: set it, or unlock self-service")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    password = actions.add_parser("password", help="set the 6-digit service password (asked twice, or two stdin lines)")
    password.add_argument("id_number", metavar="ID_NUMBER", help="公民身份号码")
    password.add_argument("--id-card-checked", action="store_true",
                          help="the person's original ID card was checked (asked on a terminal otherwise)")
    password.set_defaults(func=card_password)
    unlock = actions.add_parser("unlock", help="re-open self-service after too many wrong passwords")
    unlock.add_argument("id_number", metavar="ID_NUMBER", help="公民身份号码")
    unlock.set_defaults(func=card_unlock)


def read_password() -> str:
    """The new password, twice; raises CommandError when they differ or none is given."""
    first, second = read_twice("服务密码 service password: ", "再次输入 again: ", one_line_ok=False,
                               missing="没有读到两次服务密码：请在标准输入中提供两行（密码和确认）")
    if first != second:
        raise CommandError("两次输入的服务密码不一致")
    return first


def _id_card_checked(args: argparse.Namespace) -> bool | None:
    """Whether the person's ID card was checked, as far as this command knows:
    True from ``--id-card-checked`` or a "y" at the terminal's question, False
    when the clerk at the terminal says no, None when a script (stdin not a
    terminal) did not declare it. Only what was declared is audited as checked."""
    if args.id_card_checked:
        return True
    if not sys.stdin.isatty():
        return None
    answer = input("已核验本人身份证原件？ID card checked? [y/N] ").strip().lower()
    return answer in ("y", "yes", "是")


def shown_id(text: str) -> str:
    """An ID number as the command echoes it: normalised by the one normaliser
    (full-width digits, spaces), then masked; never the raw text."""
    from kiosk.rules.identity import mask_id_number
    from kiosk.rules.text import InvalidText, normalise_number

    try:
        return mask_id_number(normalise_number(text))
    except InvalidText:
        return mask_id_number(text.strip().upper())


def _context(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from kiosk.commands.staff import service_context
    from kiosk.services.service_password import CHANNEL

    settings = settings_for(args)
    ctx = service_context(settings, database_for(settings))
    ctx.extras[CHANNEL] = "cli"
    return ctx


def card_password(args: argparse.Namespace) -> int:
    from kiosk.services import ServiceError
    from kiosk.services import service_password as svc

    checked = _id_card_checked(args)
    if checked is False:
        raise CommandError("请先核验本人身份证原件，再设置服务密码")
    password = read_password()
    ctx = _context(args)
    try:
        resident_id = svc.resident_id_for(ctx, args.id_number)
        svc.set_password(ctx, resident_id, password, id_card_checked=bool(checked))
    except ServiceError as exc:
        raise CommandError(exc.message) from None
    print(f"已设置服务密码 password set: {shown_id(args.id_number)}")
    if not checked:
        print("注意：未声明已核验身份证原件（脚本请加 --id-card-checked），审计记录为未核验 "
              "note: ID card check not declared (--id-card-checked); audited as not checked", file=sys.stderr)
    return 0


def card_unlock(args: argparse.Namespace) -> int:
    from kiosk.services import ServiceError
    from kiosk.services import service_password as svc

    ctx = _context(args)
    try:
        resident_id = svc.resident_id_for(ctx, args.id_number)
        was_locked = svc.unlock(ctx, resident_id)
    except ServiceError as exc:
        raise CommandError(exc.message) from None
    masked = shown_id(args.id_number)
    print(f"已解除锁定 unlocked: {masked}" if was_locked else f"未锁定，无需解锁 not locked: {masked}")
    return 0
