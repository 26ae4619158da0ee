"""Helpers shared by the commands that read one resident's records
(``kiosk benefit check``, ``kiosk pension estimate``): a service context
with the policy book (and a runner on it), the resident behind an ID number, ``--date``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TypeVar

import peewee

from kiosk.commands import CommandError, argtypes
from kiosk.commands.context import database_for, settings_for
from kiosk.commands.staff import service_context
from kiosk.policy import PolicyError, load_policy
from kiosk.services import ServiceContext, ServiceError

_T = TypeVar("_T")


#: ``--date`` as a date: the shared argparse type (range-checked; one usage line on a bad value).
iso_date = argtypes.iso_date


def open_context(args: argparse.Namespace) -> tuple[ServiceContext, peewee.Database]:
    """Settings, policy book and database as a ServiceContext (close the database after)."""
    settings = settings_for(args)
    try:
        book = load_policy(settings.policy.file or None)
    except PolicyError as exc:
        raise CommandError(str(exc)) from None
    database = database_for(settings)
    ctx = service_context(settings, database)
    ctx.extras["policy"] = book
    return ctx, database


def run_in_context(args: argparse.Namespace, action: Callable[[ServiceContext], _T]) -> _T:
    """``action`` on :func:`open_context`'s context, the database closed after;
    a ServiceError becomes a CommandError (its message, one line)."""
    ctx, database = open_context(args)
    try:
        return action(ctx)
    except ServiceError as exc:
        raise CommandError(exc.message) from None
    finally:
        database.close()


def resident_id_for(ctx: ServiceContext, text: str) -> int:
    """The resident whose ID number is ``text``; CommandError (one line) otherwise."""
    from db.models import Resident
    from kiosk.rules.identity import InvalidIdNumber, mask_id_number, parse_id_number
    from kiosk.rules.text import InvalidText, normalise_number

    try:
        number = parse_id_number(normalise_number(text), today=ctx.today()).number
    except (InvalidIdNumber, InvalidText) as exc:
        raise CommandError(f"身份证号码无效：{getattr(exc, 'message', str(exc))}") from None
    with ctx.database.connection_context():
        row = Resident.get_or_none(Resident.id_number == number)
    if row is None:
        raise CommandError(f"没有参保人 {mask_id_number(number)} 的记录")
    return int(row.id)
