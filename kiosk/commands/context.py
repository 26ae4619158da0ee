"""What most sub-commands need: settings, an open database, the clock."""

from __future__ import annotations

import argparse

import peewee

from db.connection import DatabaseUrlError, open_database
from db.schema import SchemaError, require_current
from kiosk.clock import Clock
from kiosk.commands import CommandError, DatabaseFault
from kiosk.config import Settings, load_settings


def settings_for(args: argparse.Namespace) -> Settings:
    """Settings by the lookup order, with ``--config`` when given."""
    return load_settings(getattr(args, "config", None))


def clock_for(settings: Settings) -> Clock:
    return Clock(settings.hall.time_zone)


def database_for(settings: Settings, *, current: bool = True) -> peewee.Database:
    """Open the configured database; with ``current``, insist the schema is up to date."""
    url = settings.database_url()
    timeouts = settings.database
    try:
        database = open_database(url, connect_timeout=timeouts.connect_timeout,
                                 statement_timeout=timeouts.statement_timeout)
        database.connect(reuse_if_open=True)
    except DatabaseUrlError as exc:
        raise CommandError(str(exc)) from None
    except peewee.OperationalError as exc:
        raise DatabaseFault(unreachable_message(settings, url, exc)) from None
    if current:
        try:
            require_current(database)
        except SchemaError as exc:
            raise DatabaseFault(str(exc)) from None
    return database


def unreachable_message(settings: Settings, url: str, exc: BaseException) -> str:
    """The calm one-line message for a database that cannot be reached or does not answer in time."""
    from kiosk.i18n import translate

    reason = first_line(exc)
    language = settings.terminal.language
    if "timeout" in reason.lower():
        return translate("dbfaults.no_answer", language, url=redact(url),
                         seconds=settings.database.connect_timeout)
    return translate("dbfaults.unreachable", language, url=redact(url), reason=reason)


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
