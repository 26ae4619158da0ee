"""What most sub-commands need: settings, an open database, the clock."""

from __future__ import annotations

import argparse

import peewee

from db.connection import DatabaseUrlError, open_database
from db.schema import SchemaError, require_current
from kiosk.clock import Clock
from kiosk.commands import CommandError
from kiosk.config import Settings, load_settings


def settings_for(args: argparse.Namespace) -> Settings:
    """Settings by the lookup order, with ``--config`` when given."""
    return load_settings(getattr(args, "config", None))


def clock_for(settings: Settings) -> Clock:
    return Clock(settings.hall.time_zone)


def database_for(settings: Settings, *, current: bool = True) -> peewee.Database:
    """Open the configured database; with ``current``, insist the schema is up to date."""
    url = settings.database_url()
    try:
        database = open_database(url)
        database.connect(reuse_if_open=True)
    except DatabaseUrlError as exc:
        raise CommandError(str(exc)) from None
    except peewee.OperationalError as exc:
        raise CommandError(f"无法连接数据库 {redact(url)}：{first_line(exc)}") from None
    if current:
        try:
            require_current(database)
        except SchemaError as exc:
            raise CommandError(str(exc)) from None
    return database


def redact(url: str) -> str:
    """Hide a password in a database URL before printing it."""
    if "://" in url and "@" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}" if ":" in creds else url
    return url


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
