"""社保卡服务密码: the second factor that opens a resident's records at the
self-service terminal, and the counter/CLI actions that manage it.

A card or ID number only says *who* the resident claims to be; many people
know someone's ID number. The records open only with the resident's 6-digit
service password (:func:`open_records`). It is kept only as an argon2id hash
(the staff PINs' hasher, :mod:`kiosk.rules.pins`). ``MAX_FAILURES`` wrong
entries in a row lock self-service for that person until a clerk unlocks
it (:func:`unlock`); the count is one ``UPDATE ... SET n = n + 1``, so
parallel attempts on PostgreSQL cannot lose one. A clerk sets or resets the
password after checking the person's ID card (:func:`set_password`).

Every opening, wrong entry, lock, set and unlock writes an audit entry with
the terminal and the reason (``resident.open``, ``resident.password_failed``,
``resident.password_locked``, ``resident.password_set``,
``resident.password_unlock``).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import peewee

from db import audit
from db.connection import write_transaction
from db.models import Resident
from kiosk.rules.identity import InvalidIdNumber, mask_id_number, parse_id_number
from kiosk.rules.pins import hash_pin, verify_pin
from kiosk.rules.service_password import WeakServicePassword, check_service_password
from kiosk.services import NotFound, ServiceContext, ServiceError
from kiosk.services.resident_standing import refuse_if_deceased
from kiosk.services.residents import ResidentSummary, _summary

MAX_FAILURES = 5


class NoServicePassword(ServiceError):
    """The resident has no service password yet: set one at the counter."""


class ServicePasswordLocked(ServiceError):
    """Too many wrong entries: self-service stays closed until a clerk unlocks it."""


class WrongServicePassword(ServiceError):
    """Wrong password; ``remaining`` entries are left before self-service locks."""

    def __init__(self, remaining: int) -> None:
        keyed = ServiceError.keyed("refusal.service_password.wrong", "wrong_password", remaining=remaining)
        super().__init__(keyed.message, code=keyed.code, key=keyed.key, params=keyed.params)
        self.remaining = remaining


@dataclass(frozen=True)
class PasswordState:
    """Whether a resident can open their records at the kiosk (never the hash)."""

    resident_id: int
    has_password: bool
    locked: bool
    failures: int


def normalise(password: str) -> str:
    """Full-width digits (an input method in full-width mode) as ASCII; spaces dropped."""
    return "".join(unicodedata.normalize("NFKC", password).split())


def state(ctx: ServiceContext, resident_id: int) -> PasswordState:
    """The resident's password state; NotFound for an unknown id."""
    with ctx.database.connection_context():
        row = (Resident.select(Resident.id, Resident.service_password_hash, Resident.service_password_failures,
                               Resident.service_password_locked_at)
               .where(Resident.id == resident_id).first())
    if row is None:
        raise NotFound.keyed("refusal.service_password.resident_unknown", "resident_unknown")
    return PasswordState(row.id, bool(row.service_password_hash), row.service_password_locked_at is not None,
                         row.service_password_failures)


@dataclass(frozen=True)
class Claim:
    """Who a card or ID number names, before the password: nothing personal."""

    resident_id: int
    via: str  # card_number | id_number
    has_password: bool
    locked: bool


def claim(ctx: ServiceContext, text: str) -> Claim:
    """The first step at the kiosk: which resident ``text`` names, and whether
    a password can open their records. Raises what
    :func:`kiosk.services.residents.identify` raises (PrintedCode for a code
    the kiosk printed, NotRegistered, CardBlocked, InvalidInput, NotFound).
    """
    from kiosk.rules.codes import parse_card_input
    from kiosk.services.residents import identify

    resident = identify(ctx, text)
    via = parse_card_input(text, today=ctx.today()).kind
    current = state(ctx, resident.id)
    return Claim(resident.id, via, current.has_password, current.locked)


def resident_id_for(ctx: ServiceContext, id_number: str) -> int:
    """The resident id behind an 18-digit (or legacy 15-digit) ID number.

    Raises ServiceError (what is wrong with the number) or NotFound.
    """
    try:
        number = parse_id_number(normalise(id_number), today=ctx.today()).number
    except InvalidIdNumber as exc:
        raise ServiceError.keyed(exc.key, exc.reason, **exc.params) from None
    with ctx.database.connection_context():
        resident_id = Resident.select(Resident.id).where(Resident.id_number == number).scalar()
    if resident_id is None:
        raise NotFound.keyed("refusal.service_password.not_registered", "resident_unknown",
                             masked=mask_id_number(number))
    return int(resident_id)


def _audit(ctx: ServiceContext, action: str, resident_id: int, detail: dict[str, object]) -> None:
    # A clerk, the ``kiosk card`` command (admin-cli and the OS user: ctx.audit_detail), or the resident.
    audit.append(actor=ctx.actor if ctx.staff_id or ctx.from_cli else "resident",
                 terminal=ctx.terminal, action=action, now=ctx.now(), entity="resident", entity_id=resident_id,
                 detail=ctx.audit_detail(detail))


def open_records(ctx: ServiceContext, resident_id: int, password: str, *, via: str) -> ResidentSummary:
    """Self-service: the resident's records, when ``password`` is right.

    ``via`` says how they identified (``card_number`` or ``id_number``) and is
    the audit entry's reason. Raises :class:`NoServicePassword`,
    :class:`ServicePasswordLocked` (also on the entry that locks) or
    :class:`WrongServicePassword` with the entries left, ServiceError ``deceased`` (the right
    password of a person recorded as deceased: self-service is closed); each is audited and
    committed before it is raised.
    """
    password = normalise(password)
    current = state(ctx, resident_id)
    if current.locked:
        with write_transaction(ctx.database):
            _audit(ctx, "resident.open_refused", resident_id, {"via": via, "reason": "locked"})
        raise ServicePasswordLocked.keyed("refusal.service_password.locked", "password_locked")
    if not current.has_password:
        raise NoServicePassword.keyed("refusal.service_password.no_password", "no_password")
    with ctx.database.connection_context():
        stored = Resident.select(Resident.service_password_hash).where(Resident.id == resident_id).scalar()
    right = verify_pin(stored or "", password)  # slow on purpose; outside the write lock
    now = ctx.now()
    outcome: ServiceError | None = None
    summary: ResidentSummary | None = None
    with write_transaction(ctx.database):
        if right:
            # Still unlocked and still the same password, or the entry does not count.
            opened = (Resident.update(service_password_failures=0)
                      .where((Resident.id == resident_id) & Resident.service_password_locked_at.is_null()
                             & (Resident.service_password_hash == stored)).execute())
            row = Resident.get_by_id(resident_id) if opened else None
            if row is not None and row.death_date is not None:
                # Self-service closes at death (E13): said only to whoever knows the password.
                _audit(ctx, "resident.open_refused", resident_id, {"via": via, "reason": "deceased"})
                outcome = ServiceError.keyed("refusal.resident_standing.deceased_self_service", "deceased",
                                             date=row.death_date.isoformat())
            elif row is not None:
                _audit(ctx, "resident.open", resident_id, {"via": via, "reason": "service_password"})
                summary = _summary(row)
            else:
                _audit(ctx, "resident.open_refused", resident_id, {"via": via, "reason": "locked"})
                outcome = ServicePasswordLocked.keyed("refusal.service_password.locked_now", "password_locked")
        else:
            failures = Resident.service_password_failures + 1
            # One statement: the count and the lock move together, whoever else is typing.
            (Resident.update(service_password_failures=failures,
                             service_password_locked_at=peewee.Case(
                                 None, [(failures >= MAX_FAILURES, now)], Resident.service_password_locked_at))
             .where(Resident.id == resident_id).execute())
            count = int(Resident.select(Resident.service_password_failures)
                        .where(Resident.id == resident_id).scalar() or 0)
            _audit(ctx, "resident.password_failed", resident_id, {"via": via, "failures": count})
            if count >= MAX_FAILURES:
                if count == MAX_FAILURES:
                    _audit(ctx, "resident.password_locked", resident_id, {"failures": count})
                outcome = ServicePasswordLocked.keyed("refusal.service_password.locked_after", "password_locked",
                                                      count=MAX_FAILURES)
            else:
                outcome = WrongServicePassword(MAX_FAILURES - count)
    if outcome is not None:
        raise outcome
    assert summary is not None
    return summary


def set_password(ctx: ServiceContext, resident_id: int, password: str, *, id_card_checked: bool) -> None:
    """Set or reset the resident's service password (counter or ``kiosk card password``).

    The clerk confirms they checked the person's ID card (``id_card_checked``);
    at the counter that is required. The ``kiosk card`` command run by a script
    (``ctx.extras[CHANNEL] == "cli"``) may set it undeclared; the audit entry
    records the truth: ``{"id_card_checked": bool, "channel": "counter"|"cli", "reset": bool}``.
    The password must pass :func:`kiosk.rules.service_password.check_service_password`.
    Clears wrong entries and the lock. Audited as ``resident.password_set``.
    Raises ServiceError (code ``id_not_checked``, ``weak_password``, ``deceased``) or NotFound.
    """
    channel = "cli" if ctx.extras.get(CHANNEL) == "cli" else "counter"
    if not id_card_checked and channel != "cli":
        raise ServiceError.keyed("refusal.service_password.id_not_checked", "id_not_checked")
    password = normalise(password)
    with ctx.database.connection_context():
        row = (Resident.select(Resident.id_number, Resident.birth_date, Resident.service_password_hash,
                               Resident.death_date)
               .where(Resident.id == resident_id).first())
    if row is None:
        raise NotFound.keyed("refusal.service_password.resident_unknown", "resident_unknown")
    # A password opens the records at the self-service terminal: never for a deceased person (E13).
    refuse_if_deceased(row.death_date, "password")
    try:
        check_service_password(password, row.id_number, row.birth_date)
    except WeakServicePassword as exc:
        raise ServiceError.keyed(exc.key, "weak_password", **exc.params) from None
    new_hash = hash_pin(password)  # slow on purpose; outside the write lock
    with write_transaction(ctx.database):
        _require_staff(ctx)
        Resident.update(service_password_hash=new_hash, service_password_failures=0,
                        service_password_locked_at=None).where(Resident.id == resident_id).execute()
        _audit(ctx, "resident.password_set", resident_id,
               {"id_card_checked": bool(id_card_checked), "channel": channel,
                "reset": bool(row.service_password_hash)})


def unlock(ctx: ServiceContext, resident_id: int) -> bool:
    """Re-open self-service after too many wrong entries; True if it was locked.

    Audited as ``resident.password_unlock`` either way. ServiceError ``deceased`` for a person
    recorded as deceased (self-service stays closed).
    """
    with write_transaction(ctx.database):
        _require_staff(ctx)
        row = (Resident.select(Resident.service_password_locked_at, Resident.death_date)
               .where(Resident.id == resident_id).first())
        if row is None:
            raise NotFound.keyed("refusal.service_password.resident_unknown", "resident_unknown")
        refuse_if_deceased(row.death_date, "password")
        Resident.update(service_password_failures=0, service_password_locked_at=None).where(
            Resident.id == resident_id).execute()
        was_locked = row.service_password_locked_at is not None
        _audit(ctx, "resident.password_unlock", resident_id, {"was_locked": was_locked})
    return was_locked


#: Set in ``ctx.extras[CHANNEL]`` by the ``kiosk card`` command: a person at
#: the machine's shell, trusted like every other local command.
CHANNEL = "channel"


def _require_staff(ctx: ServiceContext) -> None:
    """A logged-in staff member (counter) or the local command; never a resident terminal."""
    from kiosk.services.staff import acting_staff

    if ctx.staff_id is None and ctx.extras.get(CHANNEL) != "cli":
        raise ServiceError.keyed("refusal.service_password.login_required", "login_required")
    acting_staff(ctx)
