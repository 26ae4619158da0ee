"""``kiosk db init | migrate | check | backup FILE | restore FILE`` (and seed-demo).

``init`` and ``migrate`` create the audit key file (mode 0600, beside the
configuration) when there is none and the database holds no keyed chain yet;
a keyed chain whose key file is gone is an error, never a new key.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import peewee

from db import audit
from db.backup import BackupError, backup, backup_daily, restore
from db.check import Problem, run_checks
from db.schema import SchemaError, applied_versions, current_version, init_schema, migrate_schema
from kiosk.commands import CommandError, DatabaseFault, argtypes
from kiosk.commands.context import clock_for, database_for, settings_for
from kiosk.config import Settings
from kiosk.i18n import Translator, translate

#: The schema version from which every audit entry is keyed.
KEYED_FROM_VERSION = 4


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("db", help="create, migrate, check and back up the database")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("init", help="create the schema (migrates an existing database)").set_defaults(func=db_init)
    actions.add_parser("migrate", help="apply pending schema migrations").set_defaults(func=db_migrate)
    actions.add_parser("check", help="integrity, foreign keys, ledgers, audit chain").set_defaults(func=db_check)
    b = actions.add_parser("backup", help="write a consistent copy to FILE")
    b.add_argument("file", type=argtypes.path)
    b.set_defaults(func=db_backup)
    d = actions.add_parser("backup-daily", help="back up into DIR and remove backups older than --keep-days")
    d.add_argument("directory", type=argtypes.path)
    d.add_argument("--keep-days", type=argtypes.bounded_int(1, 36500), default=30)
    d.set_defaults(func=db_backup_daily)
    r = actions.add_parser("restore", help="load a backup FILE into the configured (empty) database")
    r.add_argument("file", type=argtypes.path)
    r.set_defaults(func=db_restore)
    s = actions.add_parser("seed-demo", help="fill an empty database with a demo township")
    s.add_argument("--residents", type=argtypes.bounded_int(1, 1_000_000), default=1000, metavar="N", help="how many residents (default 1000)")
    s.add_argument("--seed", type=argtypes.bounded_int(0, 2**63 - 1), default=2026, metavar="S", help="random seed; same seed, same data")
    s.add_argument("--as-of", dest="as_of", metavar="YYYY-MM-DD", type=argtypes.iso_date,
                   help="the township as it stood on an earlier day (benefits paid to the month before), "
                        "to rehearse months of `kiosk benefit run`; default today")
    s.set_defaults(func=db_seed_demo)


def prepare_audit_key(settings: Settings, database: peewee.Database) -> None:
    """Register the audit key, creating the key file when this database has no keyed chain yet."""
    path = settings.audit_key_path()
    if path.exists():
        key = _load(path)
    else:
        keyed = current_version(database) >= KEYED_FROM_VERSION and "audit_entry" in database.get_tables() \
            and database.execute_sql("SELECT 1 FROM audit_entry LIMIT 1").fetchone() is not None
        if keyed:
            _load(path)  # raises the "missing key file" message: a new key would verify nothing
        try:
            key = audit.create_key_file(path)
        except audit.AuditKeyError as exc:
            raise CommandError(str(exc)) from None
        print(Translator(settings.terminal.language)("audit.key.created", path=path))
    audit.use_key(key)


def _load(path: Path) -> bytes:
    try:
        return audit.load_key_file(path)
    except audit.AuditKeyError as exc:
        raise CommandError(str(exc)) from None


def db_init(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    database = database_for(settings, current=False)
    prepare_audit_key(settings, database)
    version = init_schema(database, clock_for(settings).now_utc().replace(tzinfo=None))
    print(f"数据库已就绪 database ready: schema version {version}")
    return 0


def db_migrate(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    database = database_for(settings, current=False)
    before = current_version(database)
    recorded: set[int] = set()
    if before:
        prepare_audit_key(settings, database)
        recorded = applied_versions(database)
    try:
        after = migrate_schema(database, clock_for(settings).now_utc().replace(tzinfo=None))
    except SchemaError as exc:
        raise DatabaseFault(str(exc)) from None
    done = sorted(applied_versions(database) - recorded)
    if done:  # "already current" only when nothing at all was applied
        print(f"schema version {before} → {after} (applied {', '.join(map(str, done))})")
    else:
        print(f"schema already current ({after})")
    return 0


def db_check(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    t = Translator(settings.terminal.language)
    database = database_for(settings, current=False)
    key_path = settings.audit_key_path()
    problems: list[Problem] = []
    try:
        key = audit.load_key_file(key_path)
    except audit.AuditKeyError as exc:
        problems.append(Problem("audit", str(exc)))
        key = None
    if key is not None and audit.key_file_exposed(key_path):
        problems.append(Problem("audit", t("audit.key.exposed", path=key_path)))
    anchor_path = settings.audit_anchor_path()
    try:
        anchors = audit.read_anchor_file(anchor_path) if anchor_path.exists() else []
    except audit.AnchorFileError as exc:
        problems.append(Problem("audit", str(exc)))
        anchors = []
    problems += run_checks(database, key=key, anchors=anchors, audit_chain=key is not None)
    if problems:
        for problem in problems:
            print(f"✗ {problem}")
        print(f"数据库检查未通过 check FAILED: {len(problems)} problem(s)")
        return 1
    print("数据库检查通过 check passed: integrity, foreign keys, ledgers, audit chain")
    return 0


def db_backup(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    try:
        target = backup(settings.database_url(), argtypes.new_file(args.file))
    except BackupError as exc:
        raise CommandError(str(exc)) from None
    except OSError as exc:  # a folder that cannot hold the file (/proc, read-only, no permission)
        raise CommandError(translate("fixe_cli.write_failed", "zh_CN", path=args.file,
                                     problem=exc.strerror or exc)) from None
    print(f"备份完成 backup written: {target}")
    return 0


def db_backup_daily(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    now = clock_for(settings).now_local().replace(tzinfo=None)
    try:
        # The folder itself may be new (the timer's first run), not the one it is in (a typo).
        directory = argtypes.new_file(args.directory, folder=True)
        target, removed = backup_daily(settings.database_url(), directory, keep_days=args.keep_days, now=now)
    except BackupError as exc:
        raise CommandError(str(exc)) from None
    except OSError as exc:  # a file of that name, no permission
        raise CommandError(translate("fixe_cli.write_failed", "zh_CN", path=args.directory,
                                     problem=exc.strerror or exc)) from None
    print(f"备份完成 backup written: {target}; removed {len(removed)} older than {args.keep_days} days")
    return 0


def db_restore(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    try:
        restore(args.file, settings.database_url())
    except BackupError as exc:
        raise CommandError(str(exc)) from None
    print(f"恢复完成 restored into {settings.database_url()}; run `kiosk db check` next")
    return 0


def db_seed_demo(args: argparse.Namespace) -> int:
    from db.demo import DemoError, seed_demo
    from kiosk.commands.run import demo_resident_line

    settings = settings_for(args)
    database = database_for(settings)
    clock = clock_for(settings)
    if args.residents < 1:
        raise CommandError("--residents 至少为1")
    today, now = clock.today(), clock.now_utc()
    if getattr(args, "as_of", None):
        day = args.as_of
        if day > today:
            raise CommandError(f"--as-of {day.isoformat()} 晚于今天：演示数据只能是今天或以前的样子")
        # 09:00 in the hall on that day, stored as UTC like every moment.
        today, now = day, dt.datetime.combine(day, dt.time(9, 0), tzinfo=clock.tz).astimezone(dt.UTC)
    try:
        summary = seed_demo(database, residents=args.residents, seed=args.seed, today=today, now=now)
    except DemoError as exc:
        raise CommandError(str(exc)) from None
    print(f"演示数据已生成 demo data seeded (seed {args.seed}):")
    for table, count in summary.counts.items():
        print(f"  {table:<22} {count:>9}")
    print("可在终端上输入的演示号码 demo numbers to type on the kiosk (身份证号 / 社保卡号 / 服务密码):")
    for sample in summary.samples:
        print(f"  {sample.name:<6} {demo_resident_line(sample)}")
    print("演示工作人员 demo staff (PIN 只显示这一次 shown once, stored hashed):")
    for staff in summary.staff:
        print(f"  {staff.number} {staff.name} {staff.role:<10} PIN {staff.pin}")
    return 0
