"""``kiosk pension estimate ID_NUMBER [--date D] [--json]``: the one pension estimate.

Prints the estimate of :func:`kiosk.services.estimate.estimate` (the same
function the kiosk's 养老金测算 uses): the scheme, the retirement date,
months required, paid and projected, the shortfall, the personal-account
balance (interest included), the monthly amount and the steps with the
options of that scheme. ``--json`` prints ``{"scheme", "retirement_date",
"required_months", "paid_months", "projected_months", "shortfall_months",
"account_balance_fen", "monthly_fen", "steps"}``. Audited as a look at the
person's records.
"""

from __future__ import annotations

import argparse
import json

from kiosk.commands import CommandError
from kiosk.commands.records import iso_date, open_context, resident_id_for
from kiosk.i18n import Translator
from kiosk.rules.money import format_yuan
from kiosk.services import ServiceError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("pension", help="pension (养老): estimate from the records")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    est = actions.add_parser("estimate", help="estimate the monthly pension at retirement, by scheme")
    est.add_argument("id_number", help="公民身份号码 (18 characters)")
    est.add_argument("--date", type=iso_date, help="estimate as of this day (YYYY-MM-DD; default today)")
    est.add_argument("--json", action="store_true", help="print one JSON object")
    est.set_defaults(func=estimate_command)


def estimate_command(args: argparse.Namespace) -> int:
    from db import audit
    from db.connection import write_transaction
    from kiosk.services.estimate import estimate

    ctx, database = open_context(args)
    try:
        try:
            resident_id = resident_id_for(ctx, args.id_number)
            result = estimate(ctx, resident_id, on=args.date)
            with write_transaction(database):
                # The command line and the OS user who ran it (ServiceContext.audit_detail, attack E11).
                audit.append(actor=ctx.actor, terminal=ctx.terminal, action="pension.estimate", now=ctx.now(),
                             entity="resident", entity_id=str(resident_id),
                             detail=ctx.audit_detail({"scheme": result.scheme}))
        except ServiceError as exc:
            raise CommandError(exc.message) from None
    finally:
        database.close()
    t = Translator("zh_CN")
    data = result.as_json(t)
    if args.json:
        print(json.dumps(data, ensure_ascii=False))
        return 0
    scheme = {"employee": "职工养老保险（含灵活就业）", "resident": "城乡居民养老保险"}[result.scheme]
    print(f"{scheme}：退休日期 {data['retirement_date']}，每月约 {format_yuan(result.monthly_fen)}元")
    print(f"最低 {result.required_months} 个月，已缴 {result.paid_months}，预计 {result.projected_months}，"
          f"还差 {result.shortfall_months}；个人账户 {format_yuan(result.account_balance_fen)}元")
    for line in data["steps"]:
        print(f"  {line}")
    return 0
