"""``kiosk benefit check ID_NUMBER KIND [--date D] [--fact KEY=VALUE ...] [--json]``,
``kiosk benefit run YYYY-MM [--dry-run] [--out FILE.csv|FILE.xlsx] [--staff NUMBER] [--json]``,
``kiosk benefit run-check YYYY-MM --file PATH [--json]`` (:mod:`kiosk.services.run_check`: the
代发文件 against the database line by line, exit 1 on any difference),
``kiosk benefit certify ID_NUMBER --staff NUMBER`` and ``kiosk benefit due-certification [--month YYYY-MM]``.

``run`` (:mod:`kiosk.services.benefit_run`) previews with ``--dry-run``
(writes nothing) and otherwise posts the month's payments, which a
supervisor approves: ``--staff NUMBER`` with the PIN on stdin (asked without
echo on a terminal), checked like a counter login (wrong PINs count and
lock). ``--json`` prints ``{"month", "paid", "total_fen", "skipped", "file"}``;
the 代发文件 goes to ``--out`` or ``<data dir>/disbursement/daifa-YYYY-MM.csv``.

Asks the entitlement service (:mod:`kiosk.services.entitlement`) whether the
person is entitled to a benefit of KIND (pension | unemployment | maternity
| medical | injury | funeral) on the date (default: the hall's today), from
the records; ``--fact`` gives what only a document says (a birth date, a
hospital bill, an injury determination's number and grade). ``--json``
prints exactly ``{"eligible", "reasons", "monthly_fen", "lump_sum_fen",
"months", "steps"}``. The look at the person's records is audited.

``certify`` records a 待遇领取资格认证 application (受理 → 认证完成 by the clerk,
:mod:`kiosk.services.lifecycle_apps`); ``--json`` prints ``{"certified", "resumed", "next_due"}``.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from kiosk.commands import CommandError, argtypes
from kiosk.commands.context import settings_for
from kiosk.commands.records import iso_date, open_context, resident_id_for, run_in_context
from kiosk.commands.staff_pin import staff_context
from kiosk.i18n import Translator
from kiosk.rules.money import format_yuan
from kiosk.services import ServiceContext, ServiceError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("benefit", help="benefits (待遇): check an entitlement from the records")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="is this person entitled, why (not), and how much")
    check.add_argument("id_number", help="公民身份号码 (18 characters)")
    check.add_argument("kind", help="pension | unemployment | maternity | medical | injury | funeral")
    check.add_argument("--date", type=iso_date, help="decide as of this day (YYYY-MM-DD; default today)")
    check.add_argument("--fact", action="append", default=[], metavar="KEY=VALUE",
                       help="a document fact, e.g. grade=9, total=12000, birth_date=2026-03-01 (repeatable)")
    check.add_argument("--json", action="store_true", help="print one JSON object")
    check.set_defaults(func=check_command)
    run = actions.add_parser("run", help="monthly payment run (待遇发放): preview, or post with a supervisor's PIN")
    run.add_argument("month", type=argtypes.month, help="YYYY-MM")
    run.add_argument("--dry-run", action="store_true", help="preview the totals; write nothing (no --out)")
    run.add_argument("--out", help="the bank disbursement file (代发文件), .csv or .xlsx; a new file, never "
                                   "overwritten (default: [payment] disbursement_dir/daifa-YYYY-MM.csv)")
    run.add_argument("--staff", metavar="NUMBER", help="the approving supervisor's number (PIN on stdin)")
    run.add_argument("--json", action="store_true", help="print one JSON object")
    run.set_defaults(func=run_command)
    check_file = actions.add_parser("run-check", help="check a 代发文件 against the run that wrote it, line by line")
    check_file.add_argument("month", type=argtypes.month, help="YYYY-MM (the run's month)")
    check_file.add_argument("--file", required=True, help="the disbursement file (.csv or .xlsx) to check")
    check_file.add_argument("--json", action="store_true", help="print one JSON object")
    check_file.set_defaults(func=run_check_command)
    certify = actions.add_parser("certify", help="待遇领取资格认证 of a pensioner (resumes a suspended pension)")
    certify.add_argument("id_number", help="公民身份号码 (18 characters)")
    certify.add_argument("--staff", metavar="NUMBER", required=True, help="the clerk's number (PIN on stdin)")
    certify.add_argument("--channel", choices=("counter", "self_assisted"), default="counter",
                         help="at the counter, or at a self-service terminal with a clerk beside the person")
    certify.add_argument("--json", action="store_true", help="print one JSON object")
    certify.set_defaults(func=certify_command)
    due = actions.add_parser("due-certification", help="pensioners whose 资格认证 is due by a month's end, by village")
    due.add_argument("--month", type=argtypes.month, help="YYYY-MM (default this month)")
    due.add_argument("--json", action="store_true", help="print one JSON object")
    due.set_defaults(func=due_command)


def run_command(args: argparse.Namespace) -> int:

    from kiosk.services import benefit_run

    ctx, database = open_context(args)
    try:
        try:
            month = args.month
            if args.dry_run and args.out:
                # A preview never writes a file: a file named like a 代发文件 could reach the bank.
                raise CommandError("预览（--dry-run）不写代发文件：去掉 --out 查看预览，或去掉 --dry-run 由主管发放并写文件 "
                                   "(--dry-run writes no file; drop --out, or post without --dry-run)")
            if args.dry_run:
                result = benefit_run.preview(ctx, month)
            else:
                if not args.staff:
                    raise CommandError("待遇发放须由主管审批：请加 --staff 主管工号，并在标准输入提供PIN"
                                       "（先用 --dry-run 预览）")
                folder = settings_for(args).payment.disbursement_dir
                out = argtypes.new_file(args.out) if args.out else benefit_run.default_path(month, folder or None)
                result = benefit_run.post(staff_context(ctx, args.staff), month, out)
        except ServiceError as exc:
            raise CommandError(exc.message) from None
    finally:
        database.close()
    if result.already:
        when = f"（{result.posted_at:%Y-%m-%d}）" if result.posted_at else ""
        held = f"，代发文件是 {result.file} (its file)" if result.file else "（当时未写代发文件 no file written）"
        ignored = f"；--out {args.out} 未写入 not written" if args.out and args.out != result.file else ""
        message = f"{month:%Y-%m} 已经发放过{when}{held}，本次未发放 already posted: nothing paid twice{ignored}"
        if args.json:
            import sys

            print(message, file=sys.stderr)  # stdout stays the one JSON object
        else:
            print(message)
            return 0
    if result.policy_note:
        import sys

        print(result.policy_note, file=sys.stderr if args.json else sys.stdout)
    if result.covered is not None:
        import sys

        # Nothing payable (attack D7): say so, and which payments already cover the month.
        t = Translator("zh_CN")
        lines = [t("money_fixd.run.covered", month=f"{month:%Y-%m}", count=result.covered.payments,
                   total=format_yuan(result.covered.total_fen), outside=result.covered.outside_runs)]
        if not args.dry_run:
            lines.insert(0, t("money_fixd.run.nothing", month=f"{month:%Y-%m}"))
        for line in lines:
            print(line, file=sys.stderr if args.json else sys.stdout)
    if args.json:
        print(json.dumps(result.as_json(), ensure_ascii=False))
        return 0
    if result.posted or args.dry_run:  # an unposted run (nothing payable) was said above
        head = "预览 preview" if not result.posted else "已发放 posted"
        print(f"{head} {month:%Y-%m}：{result.paid}笔，合计{format_yuan(result.total_fen)}元")
    for reason, count in sorted(result.skipped.items()):
        print(f"  未发 skipped {reason}: {count}")
    if result.file:
        print(f"代发文件 file: {result.file}")
    return 0


def run_check_command(args: argparse.Namespace) -> int:
    """``run-check``: :func:`kiosk.services.run_check.check_file`, audited (admin-cli and the OS user);
    exit 1 when the file differs from the database or from the file the run wrote."""
    from pathlib import Path

    from db import audit
    from db.connection import write_transaction
    from db.files import os_user
    from kiosk.services import run_check

    ctx, database = open_context(args)
    try:
        try:
            month = args.month
            # The audit entry names the file an auditor can find again, not the path as typed here.
            result = run_check.check_file(ctx, month, Path(args.file).expanduser().resolve())
            with database.connection_context(), write_transaction(database):
                audit.append(actor="admin-cli", terminal=ctx.terminal, action="benefit.run_check", now=ctx.now(),
                             entity="benefit_run", entity_id=f"{month:%Y-%m}",
                             detail={"file": result.file, "sha256": result.sha256, "ok": result.ok,
                                     "differences": len(result.differences), "os_user": os_user()})
        except ServiceError as exc:
            raise CommandError(exc.message) from None
    finally:
        database.close()
    if args.json:
        print(json.dumps(result.as_json(), ensure_ascii=False))
        return 0 if result.ok else 1
    t = Translator("zh_CN")
    print(t("money_fixd.check.head", month=f"{month:%Y-%m}", file=result.file, lines=result.lines))
    if result.hash_matches is None:
        print(t("money_fixd.check.hash_none"))
    elif result.hash_matches:
        print(t("money_fixd.check.hash_same", digest=result.sha256))
    else:
        print(t("money_fixd.check.hash_differs", recorded=result.recorded_sha256, digest=result.sha256))
    if not result.accounts_recorded:
        print(t("money_fixd.check.no_accounts"))
    for diff in result.differences:
        if diff.field == "unknown_reference":
            print("  " + t("money_fixd.check.unknown", line=diff.line, reference=diff.reference))
        elif diff.field == "missing_line":
            print("  " + t("money_fixd.check.missing", reference=diff.reference,
                           amount=format_yuan(int(diff.database_value))))
        elif diff.field == "total":
            print("  " + _total_text(t, diff))
        else:
            group = "fixe_cli" if diff.field in ("name", "card_number") else "money_fixd"
            alike = t("fixe_cli.check.masked_alike") if diff.file_value == diff.database_value else ""
            print("  " + t("money_fixd.check.line", line=diff.line, reference=diff.reference,
                           what=t(f"{group}.field.{diff.field}"), file=diff.file_value,
                           database=diff.database_value) + alike)
    if result.differences:
        print(t("money_fixd.check.bad", count=len(result.differences)))
    else:
        print(t("money_fixd.check.ok") if result.ok else t("money_fixd.check.bad_hash_only"))
    return 0 if result.ok else 1


def _total_text(t: Translator, diff: Any) -> str:
    """The 合计 difference with all three sides (the lines, the 合计 line, the database): which is off."""
    lines_count, lines_fen = diff.lines_value.split("/")
    count, fen = diff.database_value.split("/")
    footer_count, footer_fen = diff.file_value.split("/")
    footer = t("fixe_cli.check.footer_value", count=footer_count, fen=footer_fen)
    if "?" in diff.file_value:
        footer += t("fixe_cli.check.footer_unreadable")
    return t("fixe_cli.check.total_lines", lines=lines_count, lines_fen=lines_fen, footer=footer, count=count, fen=fen)


def certify_command(args: argparse.Namespace) -> int:
    from kiosk.services import applications

    def certify(ctx: ServiceContext) -> dict[str, Any]:
        # Issue 15: a 待遇领取资格认证 application (受理 → 认证完成 by the clerk, receipt spooled, audited).
        clerk = staff_context(ctx, args.staff)
        info = applications.submit(clerk, resident_id_for(ctx, args.id_number), "certification",
                                   {"channel": args.channel}, ["id_card"])
        return dict(applications.advance(clerk, info.number, "certified").data["result"])

    result = run_in_context(args, certify)
    if args.json:
        print(json.dumps({"certified": result["certified"], "resumed": result["resumed"],
                          "next_due": result["next_due"]}))
        return 0
    print(f"资格认证完成 certified：{result['certified']}项待遇，恢复发放 resumed {len(result['resumed'])}项；"
          f"下次认证 next due {result['next_due']}")
    return 0


def due_command(args: argparse.Namespace) -> int:
    from db import audit
    from db.connection import write_transaction
    from kiosk.services import lifecycle

    ctx, database = open_context(args)
    try:
        try:
            month = args.month or ctx.today().replace(day=1)
            rows = lifecycle.due_for_certification(ctx, month)
            with database.connection_context(), write_transaction(database):
                audit.append(actor="admin-cli", terminal=ctx.terminal, action="benefit.due_list", now=ctx.now(),
                             entity="benefit", entity_id=f"{month:%Y-%m}", detail={"rows": len(rows)})
        except ServiceError as exc:
            raise CommandError(exc.message) from None
    finally:
        database.close()
    if args.json:
        print(json.dumps({"month": f"{month:%Y-%m}", "due": [
            {"village": r.village, "name": r.name_masked, "id_number": r.id_masked, "due": r.due.isoformat(),
             "suspended": r.suspended} for r in rows]}, ensure_ascii=False))
        return 0
    village = None
    for row in rows:
        if row.village != village:
            village = row.village
            print(f"[{village or '未填村居'}]")
        state = "（已暂停发放）" if row.suspended else ""
        print(f"  {row.name_masked}\t{row.id_masked}\t应认证 {row.due.isoformat()}{state}")
    print(f"合计 {len(rows)} 人 total")
    return 0


def check_command(args: argparse.Namespace) -> int:
    from db import audit
    from db.connection import write_transaction
    from kiosk.services import entitlement

    ctx, database = open_context(args)
    try:
        try:
            facts = entitlement.parse_fact_args(args.fact)
            resident_id = resident_id_for(ctx, args.id_number)
            decision = entitlement.decide(ctx, resident_id, args.kind.strip().lower(), on=args.date, facts=facts)
            with write_transaction(database):
                audit.append(actor="admin-cli", terminal=ctx.terminal, action="entitlement.check", now=ctx.now(),
                             entity="resident", entity_id=str(resident_id),
                             detail={"kind": decision.kind, "eligible": decision.eligible,
                                     "reasons": list(decision.reasons)})
        except ServiceError as exc:
            raise CommandError(exc.message) from None
    finally:
        database.close()
    t = Translator("zh_CN")
    if args.json:
        print(json.dumps(decision.as_json(t), ensure_ascii=False))
        return 0
    print("符合条件 eligible" if decision.eligible else
          f"不符合条件 not eligible：{entitlement.reason_text(decision.reasons, t)}")
    if decision.monthly_fen is not None:
        print(f"每月 monthly：{format_yuan(decision.monthly_fen)}元")
    if decision.lump_sum_fen is not None:
        print(f"一次性 lump sum：{format_yuan(decision.lump_sum_fen)}元")
    if decision.months is not None:
        print(f"月数 months：{decision.months}")
    for line in entitlement.render_steps(decision.steps, t):
        print(f"  {line}")
    return 0
