"""``kiosk config show``: the effective settings and where they came from."""

from __future__ import annotations

import argparse

from kiosk.commands.context import redact, settings_for
from kiosk.config import describe


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("config", help="show the effective configuration")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    show = actions.add_parser("show", help="print every setting, its value and what it means")
    show.set_defaults(func=show_config)


def show_config(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    rows = describe(settings)
    width = max(len(key) for key, _, _ in rows)
    for key, value, doc in rows:
        shown = redact(value) if "database" in key else value
        print(f"{key:<{width}}  {shown or '(empty)'}    # {doc}")
    return 0
