"""``kiosk account credit-interest YEAR``: the year-end 记账利息 job.

Credits the year's personal-account interest (rate and method from the
policy file) to every pension personal account, in one transaction with an
audit entry; a second run credits nothing and says so
(:func:`kiosk.services.accounts.credit_interest`).
"""

from __future__ import annotations

import argparse

from kiosk.commands import argtypes
from kiosk.commands.records import run_in_context
from kiosk.rules.money import format_yuan


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("account", help="personal accounts (个人账户)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    credit = actions.add_parser("credit-interest", help="credit a year's 记账利息 to every pension account (idempotent)")
    credit.add_argument("year", type=argtypes.year, help="the year whose interest to credit, e.g. 2024")
    credit.set_defaults(func=credit_interest)


def credit_interest(args: argparse.Namespace) -> int:
    from kiosk.services.accounts import credit_interest as credit

    result = run_in_context(args, lambda ctx: credit(ctx, args.year))
    if result.nothing_done and result.already:
        print(f"{result.year}年度利息已经结算过（{result.already}个账户），本次未记账")
        return 0
    print(f"{result.year}年度记账利息：{result.credited}个账户，合计{format_yuan(result.total_fen)}元"
          f"（计息方法 {result.method}；已结算 {result.already} 个，利息为0 {result.zero} 个）")
    return 0
