"""``kiosk benefit check ID_NUMBER KIND [--date D] [--fact KEY=VALUE ...] [--json]``.

Asks the entitlement service (:mod:`kiosk.services.entitlement`) whether the
person is entitled to a benefit of KIND (pension | unemployment | maternity
| medical | injury | funeral) on the date (default: the hall's today), from
the records; ``--fact`` gives what only a document says (a birth date, a
hospital bill, an injury determination's number and grade). ``--json``
prints exactly ``{"eligible", "reasons", "monthly_fen", "lump_sum_fen",
"months", "steps"}``. The look at the person's records is audited.
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
