"""``kiosk run`` (the kiosk in one of its modes) and ``kiosk demo`` (a
throwaway data directory with demo residents and a preview printer).

Before the app starts, ``run`` makes sure the audit key is loaded and no
table is missing, so a broken installation gets one line, not a blank or
crashing screen. ``demo`` keeps everything it writes (database, receipts,
logs, audit key and anchors) in its own folder and removes that folder when
the kiosk ends however it ends (a small janitor process waits for the demo
to exit), unless ``--keep``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.commands import CommandError, DatabaseFault, argtypes
from kiosk.commands.context import clock_for, database_for, settings_for
from kiosk.config import MODES, Settings

if TYPE_CHECKING:
    import peewee

    from db.demo import DemoResident, DemoSummary
    from printers.devices import Device
    from printers.escpos_render import RenderOptions
    from screens.widgets.demo_info import DemoInfo


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    run = sub.add_parser("run", help="start the kiosk (self-service, counter or display board)")
    run.add_argument("--mode", choices=MODES, help="override [terminal] mode")
    run.add_argument("--counter", type=argtypes.bounded_int(1, 99), metavar="N", help="counter (window) number for counter mode")
    run.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help="kiosk.toml to use")
    run.set_defaults(func=run_kiosk)
    demo = sub.add_parser("demo", help="try the kiosk: throwaway data, demo residents, preview printer")
    demo.add_argument("--mode", choices=MODES, default="self", help="mode to start in (default self)")
    demo.add_argument("--keep", action="store_true", help="keep the demo folder after the kiosk ends")
    demo.set_defaults(func=run_demo, own_logs=True)


def _printer_for(settings: Settings) -> Device:
    """The configured printer; a bad URL stops the kiosk here, before its interface opens."""
    from printers.devices import open_device

    def options() -> RenderOptions:  # made at the first receipt: the renderer is not loaded at start
        from printers.escpos_render import RenderOptions

        return RenderOptions(paper=settings.printer.paper, encoding=settings.printer.encoding)

    try:
        return open_device(settings.printer_url(), options)
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


def _start(settings: Settings, mode: str, demo_info: object = None) -> int:
    from kiosk.app import make_app
    from kiosk.policy import PolicyError

    if settings.terminal.one_cpu:
        from kiosk.affinity import keep_on_one_cpu

        keep_on_one_cpu()  # before any thread starts: they all inherit it
    if settings.terminal.training:
        prepare_training_database(settings)
    database = database_for(settings)
    _preflight(settings, database)
    try:
        app = make_app(settings, database, _printer_for(settings), clock_for(settings), mode=mode)
    except PolicyError as exc:
        raise CommandError(str(exc)) from None
    app.demo_info = demo_info  # kiosk demo: its cards, passwords and PINs on the first screen
    with interface_on_terminal():
        app.run()
    # Non-zero after an unexpected error (1) or a lost terminal (129), so that
    # systemd restarts the kiosk and a shell script sees the failure.
    return app.return_code or 0


@contextlib.contextmanager
def interface_on_terminal() -> Iterator[None]:
    """Textual draws the interface on stderr (``sys.__stderr__``). When stderr
    is redirected (``kiosk demo 2>demo.log``, to keep the printed cards and
    PINs) but stdout is a terminal, draw on that terminal while the app runs
    and give stderr back afterwards; otherwise the whole interface would go
    into the file and the terminal would stay blank."""
    if os.isatty(2) or not os.isatty(1):
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    os.dup2(1, 2)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


def _preflight(settings: Settings, database: peewee.Database) -> None:
    """Refuse to start without the audit key or with tables missing (one line each)."""
    from db import audit
    from db.schema import missing_tables  # not db.check (its integrity checks are for `kiosk db check`)
    from kiosk.i18n import translate

    audit.use_key(audit.load_key_file(settings.audit_key_path()))  # AuditKeyError names the file
    missing = missing_tables(database)
    if missing:
        raise DatabaseFault(translate("files.missing_tables", settings.terminal.language, tables="、".join(missing)))


JANITOR = "import shutil, sys; sys.stdin.buffer.read(); shutil.rmtree(sys.argv[1], ignore_errors=True)"
"""Waits until the demo process has ended (its pipe closes however it ends), then removes the folder."""


def _janitor(folder: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", JANITOR, str(folder)], stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def demo_resident_line(person: DemoResident) -> str:
    """One demo resident as ``kiosk demo`` and ``kiosk db seed-demo`` print it:
    ID number, card number, demo service password (服务密码) and what the person
    shows. Demo data only; real residents' passwords are never printed."""
    return f"{person.id_number}  card {person.card_number}  服务密码 password {person.password}  {person.note}"


def write_demo_info(summary: DemoSummary, path: Path) -> DemoInfo:
    """The demo's cards, service passwords and staff PINs, in Chinese and English,
    written to ``path`` with mode 0600 (they open the demo's records); returns the
    screens.widgets.demo_info.DemoInfo that the first screen shows."""
    from kiosk.i18n import translate
    from screens.widgets.demo_info import demo_lines, from_summary

    info = from_summary(summary, file=str(path))
    lines: list[str] = []
    for language in ("zh_CN", "en"):
        def in_language(key: str, /, _language: str = language, **params: object) -> str:
            return translate(key, _language, **params)

        lines += [in_language("frontdesk.demo.title"), *demo_lines(info, in_language), ""]
    text = "\n".join(lines)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)
    return info


def run_kiosk(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    if args.counter is not None:
        if not 1 <= args.counter <= 99:
            raise CommandError(f"--counter {args.counter}: allowed 1 to 99")
        settings.terminal.counter = args.counter
    return _start(settings, args.mode or settings.terminal.mode)


def run_demo(args: argparse.Namespace) -> int:
    from db import audit
    from db.demo import seed_demo
    from db.schema import init_schema
    from kiosk import logs
    from kiosk.i18n import translate

    folder = Path(tempfile.mkdtemp(prefix="kiosk-demo-"))
    janitor = None if args.keep else _janitor(folder)
    settings = Settings(source="(demo)")
    settings.database.url = f"sqlite:///{folder / 'kiosk.db'}"
    settings.printer.url = f"preview:{folder / 'receipts'}"
    settings.audit.key_file = str(folder / "audit.key")
    settings.audit.anchor_file = str(folder / "audit-anchors.txt")
    try:
        logs.configure(folder / "logs", verbose=args.verbose)
    except OSError as exc:
        print(f"kiosk: logging disabled ({exc})", file=sys.stderr)
    audit.use_key(audit.create_key_file(folder / "audit.key"))
    try:
        clock = clock_for(settings)
        database = database_for(settings, current=False)
        init_schema(database, clock.now_utc().replace(tzinfo=None))
        summary = seed_demo(database, residents=300, today=clock.today(), now=clock.now_utc())
        info = write_demo_info(summary, folder / "demo-info.txt")
        for person in summary.samples[:3]:
            print(f"demo resident: {demo_resident_line(person)}", file=sys.stderr)
        for member in summary.staff:
            print(f"demo staff: {member.number} ({member.role}) PIN {member.pin}", file=sys.stderr)
        print(f"kiosk demo: data in {folder}; receipts in {folder / 'receipts'}; "
              f"cards, passwords and PINs in {info.file}", file=sys.stderr)
        return _start(settings, args.mode, demo_info=info)
    finally:
        logs.stop()
        if janitor is None:
            print(translate("files.demo_kept", folder=folder), file=sys.stderr)
        else:
            assert janitor.stdin is not None
            janitor.stdin.close()  # the janitor removes the folder now (or when this process ends)
