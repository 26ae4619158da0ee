"""``kiosk db init | migrate | check | backup FILE | restore FILE`` (and seed-demo)."""

from __future__ import annotations

import argparse
from pathlib import Path

from db.backup import BackupError, backup, backup_daily, restore
from db.check import run_checks
from db.schema import SchemaError, current_version, init_schema, migrate_schema
from kiosk.commands import CommandError
from kiosk.commands.context import clock_for, database_for, settings_for


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("db", help="create, migrate, check and back up the database")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("init", help="create the schema (migrates an existing database)").set_defaults(func=db_init)
    actions.add_parser("migrate", help="apply pending schema migrations").set_defaults(func=db_migrate)
    actions.add_parser("check", help="integrity, foreign keys, ledgers, audit chain").set_defaults(func=db_check)
    b = actions.add_parser("backup", help="write a consistent copy to FILE")
    b.add_argument("file", type=Path)
    b.set_defaults(func=db_backup)
    d = actions.add_parser("backup-daily", help="back up into DIR and remove backups older than --keep-days")
    d.add_argument("directory", type=Path)
    d.add_argument("--keep-days", type=int, default=30)
    d.set_defaults(func=db_backup_daily)
    r = actions.add_parser("restore", help="load a backup FILE into the configured (empty) database")
    r.add_argument("file", type=Path)
    r.set_defaults(func=db_restore)


def db_init(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    database = database_for(settings, current=False)
    version = init_schema(database, clock_for(settings).now_utc().replace(tzinfo=None))
    print(f"数据库已就绪 database ready: schema version {version}")
    return 0


def db_migrate(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    database = database_for(settings, current=False)
    before = current_version(database)
    try:
        after = migrate_schema(database, clock_for(settings).now_utc().replace(tzinfo=None))
    except SchemaError as exc:
        raise CommandError(str(exc)) from None
    print(f"schema version {before} → {after}" if after != before else f"schema already current ({after})")
    return 0


def db_check(args: argparse.Namespace) -> int:
    database = database_for(settings_for(args), current=False)
    problems = run_checks(database)
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
        target = backup(settings.database_url(), args.file)
    except BackupError as exc:
        raise CommandError(str(exc)) from None
    print(f"备份完成 backup written: {target}")
    return 0


def db_backup_daily(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    now = clock_for(settings).now_local().replace(tzinfo=None)
    try:
        target, removed = backup_daily(settings.database_url(), args.directory, keep_days=args.keep_days, now=now)
    except BackupError as exc:
        raise CommandError(str(exc)) from None
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
