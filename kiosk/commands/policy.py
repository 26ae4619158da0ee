"""``kiosk policy show [--date YYYY-MM-DD] [--file F]``: the policy parameters
in force on a day, one readable line each, in the terminal's language.

The file is ``--file``, else ``[policy] file`` of the settings, else the
shipped national defaults with example local figures.
"""

from __future__ import annotations

import argparse
import datetime as dt

from kiosk.clock import Clock
from kiosk.commands import CommandError
from kiosk.config import load_settings
from kiosk.i18n import Translator
from kiosk.policy import PolicyError, load_policy
from kiosk.rules.money import format_yuan
from kiosk.rules.parameters import PolicyParams
from kiosk.rules.steps import pct


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("policy", help="show the policy parameters (rates, tiers, local figures)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    show = actions.add_parser("show", help="print the parameters in force on a date")
    show.add_argument("--date", metavar="YYYY-MM-DD", help="the day to show (default: today in the hall)")
    show.add_argument("--file", metavar="F", help="a policy TOML file (default: [policy] file, else shipped)")
    show.set_defaults(func=show_policy)


def parse_day(text: str, t: Translator) -> dt.date:
    """A YYYY-MM-DD date, or a CommandError with one clear line."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(t("policy.show.bad_date", text=text)) from None


def show_policy(args: argparse.Namespace) -> int:
    settings = load_settings(getattr(args, "config", None))
    t = Translator(settings.terminal.language)
    day = parse_day(args.date, t) if args.date else Clock(settings.hall.time_zone).today()
    try:
        book = load_policy(args.file or settings.policy.file or None)
        params = book.policy_for(day)
    except PolicyError as exc:
        raise CommandError(str(exc)) from None
    print(t("policy.show.title", date=day.isoformat(), source=book.source))
    for line in describe_policy(params, t):
        print(f"  {line}")
    return 0


def describe_policy(p: PolicyParams, t: Translator) -> list[str]:
    """Readable lines for one policy version, labels from the catalog."""
    sep = "：" if t.language == "zh_CN" else ": "
    y = format_yuan
    r = p.rates
    whole: list[str] = []
    lines: list[tuple[str, str]] = [
        (t("policy.show.effective"), p.effective.isoformat()),
        (t("policy.show.average_wage"), y(p.wage.average_monthly_wage_fen)),
        (t("policy.show.base_bounds"),
         f"{y(p.wage.base_floor_fen)} – {y(p.wage.base_cap_fen)} "
         f"({pct(p.wage.base_floor_ratio)} – {pct(p.wage.base_cap_ratio)})"),
    ]
    for name, rate in (("pension", r.pension), ("medical", r.medical), ("unemployment", r.unemployment)):
        whole.append(t("policy.show.rate", insurance=t(f"rules.insurance.{name}"),
                       employer=pct(rate.employer), individual=pct(rate.individual)))
    rest: list[tuple[str, str]] = [
        (t("policy.show.work_injury_classes"), " / ".join(pct(x) for x in r.work_injury_class_rates)),
        (t("policy.show.flexible"), f"{pct(r.flexible_pension_rate)} ({pct(r.flexible_account_rate)})"),
        (t("policy.show.resident_tiers"),
         ", ".join(f"{y(tier.annual_fen)} (+{y(tier.subsidy_fen)})" for tier in p.resident_pension.tiers)),
        (t("policy.show.difficult_paid"), y(p.resident_pension.difficult_paid_fen)),
        (t("policy.show.basic_pension"),
         f"{y(p.basic_pension_fen)} + {y(p.resident_pension.basic_pension_local_extra_fen)}"
         f" = {y(p.resident_basic_pension_fen)}"),
        (t("policy.show.resident_medical"),
         f"{y(p.medical.resident_annual_fee_fen)} / {y(p.medical.resident_subsidy_fen)}"),
    ]
    levels = [t("policy.show.medical_level", name=level.name, deductible=y(level.deductible_fen),
                ratio=pct(level.ratio)) for level in p.medical.levels]
    tail: list[tuple[str, str]] = [
        (t("policy.show.medical_cap"), y(p.medical.annual_cap_fen)),
        (t("policy.show.serious"), f"{y(p.medical.serious_threshold_fen)}, {pct(p.medical.serious_ratio)}"),
        (t("policy.show.unemployment"),
         f"{y(p.unemployment.minimum_wage_fen)} × {pct(p.unemployment.benefit_ratio)}"),
        (t("policy.show.maternity"), f"98 + {p.maternity.local_extra_days}"),
        (t("policy.show.computation_base"), y(p.employee_pension.computation_base_fen)),
        (t("policy.show.divisor_rule"), p.employee_pension.divisor_rule),
        (t("policy.show.transitional"), f"{p.employee_pension.transitional_rate}"),
        (t("policy.show.priority_age"), str(p.priority_age)),
    ]
    if p.notes:
        tail.append((t("policy.show.notes"), " ".join(p.notes)))
    return (
        [f"{label}{sep}{value}" for label, value in lines]
        + whole
        + [f"{label}{sep}{value}" for label, value in rest]
        + levels
        + [f"{label}{sep}{value}" for label, value in tail]
    )
