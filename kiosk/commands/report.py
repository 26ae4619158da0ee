"""``kiosk report daily [--date D] FILE.xlsx``: the supervisor's daily report."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sub.add_parser("report", help="supervisor reports (.xlsx)")
