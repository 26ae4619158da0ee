"""``kiosk run`` (the kiosk in one of its modes) and ``kiosk demo`` (a
throwaway data directory with demo residents and a preview printer)."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.commands import CommandError
from kiosk.commands.context import clock_for, database_for, settings_for
from kiosk.config import MODES, Settings

if TYPE_CHECKING:
    from printers.devices import Device


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    run = sub.add_parser("run", help="start the kiosk (self-service, counter or display board)")
    run.add_argument("--mode", choices=MODES, help="override [terminal] mode")
    run.add_argument("--counter", type=int, metavar="N", help="counter (window) number for counter mode")
    run.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help="kiosk.toml to use")
    run.set_defaults(func=run_kiosk)
    demo = sub.add_parser("demo", help="try the kiosk: throwaway data, demo residents, preview printer")
    demo.add_argument("--mode", choices=MODES, default="self", help="mode to start in (default self)")
    demo.set_defaults(func=run_demo)


def _printer_for(settings: Settings) -> Device:
    from printers.devices import open_device
    from printers.escpos_render import RenderOptions

    try:
        return open_device(settings.printer_url(), RenderOptions(paper=settings.printer.paper,
                                                                 encoding=settings.printer.encoding))
    except ValueError as exc:
        raise CommandError(str(exc)) from None


def prepare_training_database(settings: Settings) -> None:
    """Training mode: make sure the sandbox exists, current, with practice residents."""
    from db.demo import seed_demo
    from db.models import Resident
    from db.schema import init_schema

    clock = clock_for(settings)
    database = database_for(settings, current=False)
    init_schema(database, clock.now_utc().replace(tzinfo=None))
    if not Resident.select().exists():
        summary = seed_demo(database, residents=200, today=clock.today(), now=clock.now_utc())
        for member in summary.staff:
            print(f"培训账号 training staff: {member.number} ({member.role}) PIN {member.pin}", file=sys.stderr)
    database.close()


def _start(settings: Settings, mode: str) -> int:
    from kiosk.app import make_app
    from kiosk.policy import PolicyError

    if settings.terminal.training:
        prepare_training_database(settings)
    database = database_for(settings)
    try:
        app = make_app(settings, database, _printer_for(settings), clock_for(settings), mode=mode)
    except PolicyError as exc:
        raise CommandError(str(exc)) from None
    app.run()
    # Non-zero after an unexpected error (1) or a lost terminal (129), so that
    # systemd restarts the kiosk and a shell script sees the failure.
    return app.return_code or 0


def run_kiosk(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    if args.counter is not None:
        if not 1 <= args.counter <= 99:
            raise CommandError(f"--counter {args.counter}: allowed 1 to 99")
        settings.terminal.counter = args.counter
    return _start(settings, args.mode or settings.terminal.mode)


def run_demo(args: argparse.Namespace) -> int:
    from db.demo import seed_demo
    from db.schema import init_schema

    folder = Path(tempfile.mkdtemp(prefix="kiosk-demo-"))
    settings = Settings(source="(demo)")
    settings.database.url = f"sqlite:///{folder / 'kiosk.db'}"
    settings.printer.url = f"preview:{folder / 'receipts'}"
    clock = clock_for(settings)
    database = database_for(settings, current=False)
    init_schema(database, clock.now_utc().replace(tzinfo=None))
    summary = seed_demo(database, residents=300, today=clock.today(), now=clock.now_utc())
    for person in summary.samples[:3]:
        print(f"demo resident: {person.id_number}  card {person.card_number}  服务密码 password {person.password}  "
              f"{person.note}", file=sys.stderr)
    for member in summary.staff:
        print(f"demo staff: {member.number} ({member.role}) PIN {member.pin}", file=sys.stderr)
    print(f"kiosk demo: data in {folder}; receipts in {folder / 'receipts'}", file=sys.stderr)
    return _start(settings, args.mode)
