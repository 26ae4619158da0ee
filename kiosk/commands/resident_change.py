"""``kiosk resident change ID_NUMBER --field name|id_number|hukou_region|bank_account --value V
--document TEXT --staff NUMBER [--supervisor NUMBER] [--json]`` and ``kiosk resident history
ID_NUMBER [--json]`` (信息变更, issue 15.2; :mod:`kiosk.services.info_change`).

``change`` accepts (受理) the change as the clerk ``--staff``; a 户籍地 or bank account
change is then reviewed and completed by the same clerk. A name or ID number change
needs a supervisor who did not accept it: with ``--supervisor`` that supervisor reviews
(审核) it and the clerk completes (办结) it at once; without, it waits at 受理 for a
supervisor at a counter. PINs come through the shared staff PIN reader
(:mod:`kiosk.commands.staff_pin`): asked without echo on a terminal, else the
clerk's PIN on the first stdin line and the supervisor's on the second; each is
checked like a counter login (wrong PINs count and lock). ``--json`` prints
``{"application", "status", "finished", "field", "old_value", "new_value"}`` with the
values masked. ``history`` lists the values changes replaced, masked; the look is
audited. The ID number may be the record's old 15 digits or their 18-character form.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from kiosk.commands import CommandError
from kiosk.commands.records import run_in_context
from kiosk.commands.staff_pin import read_pins
from kiosk.services import ServiceContext, ServiceError

FIELDS = ("name", "id_number", "hukou_region", "bank_account")


def register_actions(actions: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``change`` and ``history`` to ``kiosk resident``."""
    change = actions.add_parser("change", help="信息变更: correct name, ID number (15→18), 户籍地 or bank account")
    change.add_argument("id_number", help="公民身份号码 (18 characters, or the record's old 15 digits)")
    change.add_argument("--field", required=True, choices=FIELDS, help="what to change")
    change.add_argument("--value", required=True, help="the new value")
    change.add_argument("--document", required=True,
                        help="the supporting document and its number (户口簿/公安机关证明, 户籍证明, 银行卡/社保卡)")
    change.add_argument("--staff", metavar="NUMBER", required=True, help="the accepting clerk's number (PIN on stdin)")
    change.add_argument("--supervisor", metavar="NUMBER",
                        help="the approving supervisor's number for a name or ID number (PIN on the second line)")
    change.add_argument("--json", action="store_true", help="print one JSON object")
    change.set_defaults(func=change_command)
    history = actions.add_parser("history", help="信息变更 history: the old values, masked")
    history.add_argument("id_number", help="公民身份号码 (18 characters, or the record's old 15 digits)")
    history.add_argument("--json", action="store_true", help="print one JSON object")
    history.set_defaults(func=history_command)


def _login(ctx: ServiceContext, number: str, pin: str) -> Any:
    """The StaffSession of ``number`` (LoginFailed on a wrong PIN, counted like a counter login)."""
    from kiosk.services import staff as staff_service

    return staff_service.login(ctx, number, pin)


def _check_pair(clerk: Any, supervisor: Any) -> None:
    """Refuse, before anything is written, a supervisor who is the clerk or not a supervisor:
    otherwise the application would be accepted and then stuck at 受理, blocking every later
    change of that person (已有正在办理的信息变更)."""
    if supervisor.staff_id == clerk.staff_id:
        raise CommandError(f"受审分离：--staff 与 --supervisor 是同一人（{clerk.number}），姓名或身份证号码的变更须由"
                           "另一位主管审核；没有受理任何业务 (the supervisor must be another person; nothing recorded)")
    if not supervisor.is_supervisor:
        raise CommandError(f"{supervisor.number} 不是主管，不能审核姓名或身份证号码的变更；没有受理任何业务 "
                           "(--supervisor must be a supervisor or admin; nothing recorded)")


def change_command(args: argparse.Namespace) -> int:
    from kiosk.services import info_change

    identity = args.field in info_change.IDENTITY_FIELDS
    if args.supervisor and not identity:
        raise CommandError("户籍地和银行账户的变更由经办人办结，不需要 --supervisor")
    clerk_pin, supervisor_pin = read_pins(bool(args.supervisor))

    def act(ctx: ServiceContext) -> tuple[Any, str]:
        resident_id = info_change.find_resident_id(ctx, args.id_number)
        info_change.normalise_value(args.field, args.value, ctx.today())  # a bad value: refused before 受理
        clerk_session = _login(ctx, args.staff, clerk_pin)
        clerk = clerk_session.context(ctx)
        reviewer = None
        if args.supervisor:
            supervisor_session = _login(ctx, args.supervisor, supervisor_pin)
            _check_pair(clerk_session, supervisor_session)  # before the application exists
            reviewer = supervisor_session.context(ctx)
        info = info_change.request(clerk, resident_id, args.field, args.value, args.document)
        if identity and reviewer is None:
            return info, ""
        try:
            done = info_change.complete(clerk, info.number, reviewer=reviewer)
        except ServiceError as exc:
            # The application stays accepted (退回 or 撤回 it at a counter); say both.
            raise ServiceError(f"{exc.message}（业务 {info.number} 已受理，未办结）", code=exc.code) from None
        return done, str(done.data.get("old_value", ""))

    info, old = run_in_context(args, act)
    field, new = args.field, str(info.data.get("value", ""))
    if args.json:
        print(json.dumps({"application": info.number, "status": info.status, "finished": info.finished,
                          "field": field, "old_value": info_change.mask_value(field, old) if old else None,
                          "new_value": info_change.mask_value(field, new)}, ensure_ascii=False))
        return 0
    if info.finished:
        print(f"已办结 done {info.number}：{field} {info_change.mask_value(field, old) or '-'} → "
              f"{info_change.mask_value(field, new)}（旧值已记入变更历史，已审计 kept in history, audited）")
    else:
        print(f"已受理 accepted {info.number}：变更姓名或身份证号码须由另一位主管审核 "
              "(a supervisor reviews it at a counter, or run again with --supervisor)")
    return 0


def history_command(args: argparse.Namespace) -> int:
    from kiosk.services import info_change

    def read(ctx: ServiceContext) -> tuple[list[info_change.HistoryRow], Any]:
        resident_id = info_change.find_resident_id(ctx, args.id_number)
        return info_change.history(ctx, resident_id), ctx.clock  # the look is audited (admin-cli)

    rows, clock = run_in_context(args, read)
    if args.json:
        print(json.dumps({"history": [row.as_json() for row in rows]}, ensure_ascii=False))
        return 0
    for row in rows:
        print(f"{clock.to_local(row.changed_at):%Y-%m-%d %H:%M}  {row.field}  {row.masked_old or '-'} → "
              f"{row.masked_new}  {row.application}  {row.staff_number}  {row.document}")
    print(f"合计 {len(rows)} 项变更 total")
    return 0
