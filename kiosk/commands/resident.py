"""``kiosk resident deceased ID_NUMBER --date YYYY-MM-DD [--staff NUMBER] [--json]`` (死亡注销) and
``kiosk resident unpaid YEAR [--village V] [--out FILE.csv|.xlsx] [--json]`` (村收缴名单).

Records the death (:func:`kiosk.services.lifecycle.record_death`): benefits
stop from the month after it, months paid after it are named as an
overpayment to recover, enrolments end, the personal account is settled for
inheritance. ``--json`` prints ``{"stopped", "overpaid_fen",
"funeral_grant_fen", "survivor_fen", "inheritable_fen"}``. With ``--staff``
the clerk's PIN is read from stdin and the entry names them; audited.
"""

from __future__ import annotations

import argparse
import dataclasses
import json

from kiosk.commands import CommandError, argtypes
from kiosk.commands.records import iso_date, open_context, resident_id_for, run_in_context
from kiosk.commands.staff_pin import staff_context
from kiosk.i18n import translate
from kiosk.rules.money import format_yuan
from kiosk.services import ServiceContext, ServiceError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("resident", help="residents' life events (死亡注销)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    from kiosk.commands.resident_change import register_actions  # 信息变更: change, history (issue 15.2)

    register_actions(actions)
    deceased = actions.add_parser("deceased", help="死亡注销: stop benefits, name overpayment, settle the account")
    deceased.add_argument("id_number", help="公民身份号码 (18 characters)")
    deceased.add_argument("--date", type=iso_date, required=True, help="date of death (YYYY-MM-DD)")
    deceased.add_argument("--staff", metavar="NUMBER", help="the clerk's number (PIN on stdin)")
    deceased.add_argument("--survivor", action="append", default=[], metavar="ID_NUMBER",
                          help="a survivor (遗属) who gets the 抚恤金/遗属待遇 per policy; the first is the payee "
                               "of the one-off (repeatable)")
    # issue 15: recorded as a 死亡注销 application (受理 → 审核 by a second person → 办结), kiosk.commands.resident_death
    deceased.add_argument("--supervisor", metavar="NUMBER",
                          help="with --staff: record it as a 死亡注销 application reviewed (审核) by this supervisor "
                               "(clerk's PIN on the first stdin line, the supervisor's on the second)")
    deceased.add_argument("--applicant", help="who reports the death (with --supervisor)")
    deceased.add_argument("--relationship", help="the applicant's relationship to the deceased (with --supervisor)")
    deceased.add_argument("--json", action="store_true", help="print one JSON object")
    deceased.set_defaults(func=deceased_command)
    unpaid = actions.add_parser("unpaid", help="who has not paid this year's resident pension/medical, by village")
    unpaid.add_argument("year", type=argtypes.year, help="the contribution year, e.g. 2026")
    unpaid.add_argument("--village", help="one village (村/社区) only")
    unpaid.add_argument("--out", help="write the list for the 协管员 (.xlsx: one sheet per village; .csv: one "
                        "file per village, FILE-村名.csv; mode 0600, audited)")
    unpaid.add_argument("--json", action="store_true", help="print one JSON object (masked)")
    unpaid.set_defaults(func=unpaid_command)
    enrolment = actions.add_parser("enrolment", help="停保/恢复/终止参保: suspend, resume or end one enrolment")
    enrolment.add_argument("id_number", help="公民身份号码 (18 characters)")
    enrolment.add_argument("insurance", choices=("pension", "medical", "unemployment", "injury", "maternity"))
    enrolment.add_argument("scheme", choices=("resident", "flexible", "employee"))
    enrolment.add_argument("action", choices=("suspend", "resume", "end"))
    enrolment.add_argument("--date", type=iso_date, help="effective date (default today)")
    enrolment.add_argument("--staff", metavar="NUMBER", required=True, help="the clerk's number (PIN on stdin)")
    enrolment.set_defaults(func=enrolment_command)


def enrolment_command(args: argparse.Namespace) -> int:
    from kiosk.services import applications

    def change(ctx: ServiceContext) -> tuple[str, str]:
        # Issue 15: an application (受理 → 办结 by the clerk, receipt spooled, audited), as at a counter.
        resident_id = resident_id_for(ctx, args.id_number)
        clerk = staff_context(ctx, args.staff)
        data = {"insurance": args.insurance, "scheme": args.scheme, "date": (args.date or ctx.today()).isoformat()}
        info = applications.submit(clerk, resident_id, f"enrolment_{args.action}", data, ["id_card"])
        done = applications.advance(clerk, info.number, "done")
        return done.number, str(done.data["result"]["status"])

    number, status = run_in_context(args, change)
    print(f"已办理 done {number}：{args.insurance}/{args.scheme} → {status}（已记入审计日志 audited）")
    return 0


def unpaid_command(args: argparse.Namespace) -> int:

    from kiosk.services import collection

    ctx, database = open_context(args)
    ctx = dataclasses.replace(ctx, staff_number="admin-cli")
    try:
        try:
            rows = collection.unpaid(ctx, args.year, args.village)
            written = collection.export_by_village(ctx, args.year, argtypes.new_file(args.out), args.village) \
                if args.out else None
        except ServiceError as exc:
            raise CommandError(exc.message) from None
    finally:
        database.close()
    if args.json:
        print(json.dumps({"year": args.year, "unpaid": [
            {"village": r.village, "name": r.masked[0], "id_number": r.masked[1], "insurance": r.insurance,
             "due_fen": r.due_fen} for r in rows], "file": args.out if written is not None else None,
            "files": [str(f) for f in written.files] if written is not None else []},
            ensure_ascii=False))
        return 0
    village = None
    for row in rows:
        if row.village != village:
            village = row.village
            print(f"[{village or '未填村居'}]")
        name, number = row.masked
        due = f"{format_yuan(row.due_fen)}元" if row.due_fen is not None else "按所选档次"
        insurance = translate(f"fix15counter.insurance.{row.insurance}", "zh_CN")  # not the raw code
        print(f"  {name}\t{number}\t{insurance}\t{due}")
    print(f"合计 {len(rows)} 项未缴 total" + (f"；已导出 written {'、'.join(str(f) for f in written.files)}"
                                          if written is not None else ""))
    return 0


def deceased_command(args: argparse.Namespace) -> int:
    from kiosk.services import lifecycle

    def record(ctx: ServiceContext) -> lifecycle.DeathResult:
        resident_id = resident_id_for(ctx, args.id_number)
        # Without --staff the audit names the command line (admin-cli), as other commands do.
        acting = staff_context(ctx, args.staff) if args.staff else dataclasses.replace(ctx, staff_number="admin-cli")
        survivors = [resident_id_for(ctx, number) for number in args.survivor]
        return lifecycle.record_death(acting, resident_id, args.date, survivors=survivors)

    if args.supervisor:
        from kiosk.commands.resident_death import by_application

        result = by_application(args)
    else:
        result = run_in_context(args, record)
    if args.json:
        print(json.dumps(result.as_json(), ensure_ascii=False))
        return 0
    print(f"已登记死亡 recorded: {args.date.isoformat()}；停发 stopped {len(result.stopped)} 项待遇")
    for stopped in result.stopped:
        if stopped.overpaid_fen:
            print(f"  待遇 {stopped.id} 死亡后多发 overpaid {'、'.join(stopped.overpaid_months)}："
                  f"{format_yuan(stopped.overpaid_fen)}元（须追回 to recover）")
    survivor_note = "" if result.survivor_benefits or not result.survivor_fen else \
        "（未登记遗属，尚未记录支付 none recorded: name the survivor to pay it）"
    print(f"丧葬补助金 funeral grant：{format_yuan(result.funeral_grant_fen)}元；"
          f"抚恤金 survivor：{format_yuan(result.survivor_fen)}元{survivor_note}")
    print(f"个人账户余额 account：{format_yuan(result.account_fen)}元，可继承 inheritable："
          f"{format_yuan(result.inheritable_fen)}元；终止参保 enrolments ended {result.enrolments_ended}")
    if result.survivor_benefits:
        print(f"遗属待遇 survivor benefits：{len(result.survivor_benefits)} 项，由每月待遇发放支付 paid by the monthly run")
    return 0
