"""Staff accounts: add, log in (with lockout), change PIN, deactivate.

PINs are kept only as argon2id hashes (:mod:`kiosk.rules.pins`). Failed
counter logins are counted in the database with one atomic UPDATE, so the
lockout (5 failures → 15 minutes) holds across terminals, restarts and
parallel attempts. The staff gate on public terminals (:func:`gate_login`)
never counts: it only slows its own terminal down. Unknown and known staff
numbers get the same message after the same argon2 work. Every success,
failure and lockout writes an audit entry in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import secrets
from dataclasses import dataclass

import peewee

from db import audit
from db.connection import write_transaction
from db.models import Resident, Staff
from kiosk.i18n import translate
from kiosk.rules.identity import NAME_MAX_LENGTH
from kiosk.rules.pins import WeakPin, check_pin_rules, hash_pin, verify_pin
from kiosk.rules.text import InvalidText, check_name, normalise_name, normalise_number
from kiosk.services import Conflict, NotFound, ServiceContext, ServiceError

ROLES = ("clerk", "supervisor", "admin")
ROLE_NAMES = {"clerk": "经办员", "supervisor": "审核员（主管）", "admin": "管理员"}
MAX_FAILURES = 5
LOCK_MINUTES = 15


class LoginFailed(ServiceError):
    """Wrong staff number or PIN, or the account is locked; the message says which."""


class PermissionDenied(ServiceError):
    """The logged-in staff member's role may not do this."""


@dataclass(frozen=True)
class StaffInfo:
    """A staff member as screens show them (never the PIN hash)."""

    id: int
    number: str
    name: str
    role: str
    role_name: str
    active: bool
    locked_until: dt.datetime | None  # naive UTC


@dataclass(frozen=True)
class StaffSession:
    """A successful login: who is at this terminal and what they may do."""

    staff_id: int
    number: str
    name: str
    role: str
    role_name: str
    logged_in_at: dt.datetime  # naive UTC

    @property
    def is_supervisor(self) -> bool:
        """Supervisors and admins approve (审核) and see reports."""
        return self.role in ("supervisor", "admin")

    def context(self, ctx: ServiceContext) -> ServiceContext:
        """``ctx`` acting as this staff member (what every later call takes)."""
        return ctx.as_staff(self.staff_id, self.number)


def _info(row: Staff) -> StaffInfo:
    return StaffInfo(row.id, row.number, row.name, row.role, ROLE_NAMES.get(row.role, row.role),
                     bool(row.active), row.locked_until)


def _actor(ctx: ServiceContext) -> str:
    """Who an admin action's audit entry names: the logged-in staff member, ``admin-cli`` for
    a command run on this machine, ``system`` only for the program's own calls."""
    return ctx.actor if ctx.staff_id or ctx.from_cli else "system"


def acting_staff(ctx: ServiceContext) -> Staff | None:
    """The Staff row of whoever is logged in on ``ctx`` (None for residents/CLI)."""
    if ctx.staff_id is None:
        return None
    row = Staff.get_or_none(Staff.id == ctx.staff_id)
    if row is None or not row.active:
        raise PermissionDenied.keyed("refusal.staff.inactive_session")
    return row


def require_role(ctx: ServiceContext, *roles: str, what: str) -> Staff | None:
    """Refuse unless the acting staff member has one of ``roles`` (one or two of :data:`ROLES`);
    ``what`` names the action: ``refusal.staff.what.<what>`` (add, reset_pin, unlock, deactivate).

    A context without staff (the ``kiosk`` command run on the machine) is
    trusted: whoever can run it can already open the database.
    """
    row = acting_staff(ctx)
    if row is not None and row.role not in roles:
        current: dict[str, object] = (
            {"current_key": f"maint17.role.{row.role}"} if row.role in ROLES else {"current": row.role})
        names = {"role_key": f"maint17.role.{roles[0]}"}
        if len(roles) > 1:
            names["other_key"] = f"maint17.role.{roles[1]}"
        raise PermissionDenied.keyed("refusal.staff.role_needed_two" if len(roles) > 1 else "refusal.staff.role_needed",
                                     what_key=f"refusal.staff.what.{what}", **names, **current)
    return row


def staff_key(number: str) -> str:
    """A staff number as typed, in its stored form: the one normaliser's
    number rule (NFKC, separators removed, upper case), so ``Ｓ００１``,
    ``s001`` and `` S001 `` are all ``S001``. Text the normaliser refuses
    (a control or zero-width character) comes back only trimmed; it then
    matches no account and gets the answer an unknown number gets."""
    try:
        return normalise_number(number)
    except InvalidText:
        return number.strip()


def clean_pin(pin: str) -> str:
    """A PIN as typed, through the one normaliser (full-width ``８８０３７５``
    → ``880375``, spaces dropped); refused text comes back unchanged (it
    then matches no hash)."""
    try:
        return normalise_number(pin)
    except InvalidText:
        return pin


def clean_name(name: str) -> str:
    """A staff member's name as typed, through the one normaliser and the name rule residents'
    names pass (:func:`kiosk.rules.text.normalise_name`, :func:`~kiosk.rules.text.check_name`):
    a control character or an escape sequence (it would reach the counter's terminal as a
    command), an invisible character, a digit or a markup-like symbol is refused. Raises
    ServiceError: ``refusal.fixe_audit.staff_name`` with the rule's reason (code = the rule's
    reason), or ``refusal.registration.bad_name`` (code ``bad_name``: empty or longer than
    :data:`~kiosk.rules.identity.NAME_MAX_LENGTH`)."""
    from kiosk.services.registration import refusal_with_reason

    try:
        value = normalise_name(name)
        if value:
            check_name(value)
    except InvalidText as exc:
        raise refusal_with_reason("refusal.fixe_audit.staff_name", exc.reason, exc) from None
    if not value or len(value) > NAME_MAX_LENGTH:
        raise ServiceError.keyed("refusal.registration.bad_name", "bad_name", max=NAME_MAX_LENGTH)
    return value


def _find(number: str) -> Staff | None:
    """The account for a normalised staff number; compared upper-cased so a
    row stored before numbers were normalised (``s001``) is still found."""
    return Staff.get_or_none(peewee.fn.UPPER(Staff.number) == number)


def _check_pin(pin: str) -> None:
    try:
        check_pin_rules(pin)
    except WeakPin as exc:
        # key/params: the rule's catalog message, so a screen shows it in its language.
        raise ServiceError(str(exc), code="weak_pin", key=exc.key, params=exc.params) from None


def add_staff(ctx: ServiceContext, number: str, name: str, role: str, pin: str) -> StaffInfo:
    """Create a staff account; only an admin (or the local command) may.
    The number is stored normalised (:func:`staff_key`), the PIN too (:func:`clean_pin`), the
    name by the residents' name rule (:func:`clean_name`). ServiceError codes: ``bad_number``,
    ``bad_name``, the name rule's reason (``control``, ``name_symbol`` ...), ``bad_role``,
    ``weak_pin``; Conflict ``duplicate``."""
    number, name, pin = staff_key(number), clean_name(name), clean_pin(pin)
    if not number or len(number) > 20 or not number.isalnum():
        raise ServiceError.keyed("refusal.staff.bad_number", "bad_number")
    if role not in ROLES:
        raise ServiceError.keyed("refusal.staff.bad_role", "bad_role", role=role[:20])
    _check_pin(pin)
    pin_hash = hash_pin(pin)  # slow on purpose; outside the write lock
    now = ctx.now()
    with write_transaction(ctx.database):
        require_role(ctx, "admin", what="add")
        if _find(number) is not None:
            raise Conflict.keyed("refusal.staff.duplicate", "duplicate", number=number)
        row = Staff.create(number=number, name=name, role=role, pin_hash=pin_hash, created_at=now)
        audit.append(actor=_actor(ctx), terminal=ctx.terminal, action="staff.add",
                     now=now, entity="staff", entity_id=number, detail=ctx.audit_detail({"name": name, "role": role}))
    return _info(row)


def _minutes_left(until: dt.datetime, now: dt.datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds() / 60))


#: The catalog message of the one answer to a wrong staff number or a wrong PIN (with
#: :data:`_WRONG_PARAMS`), so that neither the text nor the time tells a stranger which
#: staff numbers exist.
WRONG_KEY = "maint17.staff.wrong"
_WRONG_PARAMS: dict[str, object] = {"failures": MAX_FAILURES, "minutes": LOCK_MINUTES}
#: The staff gate's answer on a public terminal: the same for unknown and
#: known numbers, and no lock-out warning, because the gate never locks
#: (the terminal only waits longer; the screen shows how long).
GATE_WRONG_KEY = "fix19.gate.wrong"


def __getattr__(name: str) -> str:
    """``WRONG`` and ``GATE_WRONG``: those answers in Chinese (the catalog read when first asked)."""
    if name == "WRONG":
        return translate(WRONG_KEY, "zh_CN", **_WRONG_PARAMS)
    if name == "GATE_WRONG":
        return translate(GATE_WRONG_KEY, "zh_CN")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.cache
def _dummy_hash() -> str:
    """An argon2 hash no PIN matches, checked for unknown staff numbers so
    they take as long as known ones (made once, with the same cost)."""
    return hash_pin(secrets.token_hex(16))


def _check(row: Staff | None, pin: str) -> bool:
    """Verify ``pin`` against the row's hash, or the dummy hash when there is no row."""
    right = verify_pin(row.pin_hash if row is not None else _dummy_hash(), pin)
    return right and row is not None


def login(ctx: ServiceContext, number: str, pin: str) -> StaffSession:
    """Check a staff number and PIN at a counter; raises :class:`LoginFailed`.

    Unknown numbers, inactive accounts and wrong PINs all get :data:`WRONG`
    after one argon2 verification (a dummy hash for unknown numbers); only a
    right PIN learns that its account is locked or deactivated. After
    ``MAX_FAILURES`` wrong PINs in a row the account is locked for
    ``LOCK_MINUTES`` minutes. The count is one ``UPDATE ... SET n = n + 1``
    (no read-modify-write), so parallel wrong logins on PostgreSQL each count.
    The kiosk's staff gate uses :func:`gate_login`, which never counts.
    Number and PIN go through the one normaliser first (:func:`staff_key`,
    :func:`clean_pin`): a full-width input method is not a wrong PIN.
    """
    number, pin = staff_key(number), clean_pin(pin)
    row = _find(number)
    right = _check(row, pin)  # slow on purpose; before any lock is taken
    now = ctx.now()
    # The failure's catalog message ("" while none), so that screens show it in their language.
    key: str = ""
    params: dict[str, object] = {}
    session: StaffSession | None = None
    with write_transaction(ctx.database):
        if row is None:
            audit.append(actor=number or "?", terminal=ctx.terminal, action="staff.login_failed", now=now,
                         entity="staff", entity_id=number, detail={"reason": "unknown"})
            key, params = WRONG_KEY, _WRONG_PARAMS
        elif not right:
            failed = Staff.failed_attempts + 1
            # One statement: the count and the lock move together, whoever else is typing.
            (Staff.update(failed_attempts=peewee.Case(None, [(failed >= MAX_FAILURES, 0)], failed),
                          locked_until=peewee.Case(None, [(failed >= MAX_FAILURES, now + dt.timedelta(
                              minutes=LOCK_MINUTES))], Staff.locked_until))
             .where(Staff.id == row.id).execute())
            current = Staff.select(Staff.failed_attempts, Staff.locked_until).where(Staff.id == row.id).first()
            if current.failed_attempts == 0 and current.locked_until is not None and current.locked_until > now:
                audit.append(actor=number, terminal=ctx.terminal, action="staff.locked", now=now,
                             entity="staff", entity_id=number, detail={"failures": MAX_FAILURES,
                                                                       "minutes": LOCK_MINUTES})
            else:
                audit.append(actor=number, terminal=ctx.terminal, action="staff.login_failed", now=now,
                             entity="staff", entity_id=number,
                             detail={"reason": "pin", "failures": current.failed_attempts})
            key, params = WRONG_KEY, _WRONG_PARAMS
        else:
            current = Staff.select(Staff.active, Staff.locked_until).where(Staff.id == row.id).first()
            if not current.active:
                audit.append(actor=number, terminal=ctx.terminal, action="staff.login_failed", now=now,
                             entity="staff", entity_id=number, detail={"reason": "inactive"})
                key, params = "maint17.staff.inactive", {"number": number}
            elif current.locked_until is not None and current.locked_until > now:
                audit.append(actor=number, terminal=ctx.terminal, action="staff.login_refused_locked", now=now,
                             entity="staff", entity_id=number, detail={})
                minutes = _minutes_left(current.locked_until, now)
                key, params = "maint17.staff.locked", {"minutes": minutes}
            else:
                Staff.update(failed_attempts=0, locked_until=None).where(Staff.id == row.id).execute()
                audit.append(actor=number, terminal=ctx.terminal, action="staff.login", now=now,
                             entity="staff", entity_id=number, detail={"role": row.role})
                session = StaffSession(row.id, row.number, row.name, row.role,
                                       ROLE_NAMES.get(row.role, row.role), now)
    # Raised after the commit: the failure count and its audit entry must stay.
    if key or session is None:
        raise LoginFailed.keyed(key or "refusal.staff.login_failed", "login_failed", **params)
    return session


def gate_login(ctx: ServiceContext, number: str, pin: str) -> StaffSession:
    """Check a staff number and PIN at a self-service or display terminal's
    staff gate (ctrl+t). Like :func:`login` in message and time, but a wrong
    PIN never counts towards the account's lock-out: a stranger at a public
    terminal must not be able to lock staff out. The terminal slows itself
    down instead (:func:`gate_delay`). Every attempt is audited
    (``staff.gate_failed`` / ``staff.gate_login``) with the terminal. Wrong
    answers get :data:`GATE_WRONG` (the gate never locks, so it never says it would).
    """
    number, pin = staff_key(number), clean_pin(pin)
    row = _find(number)
    right = _check(row, pin)
    now = ctx.now()
    key: str = ""  # the failure's catalog message, "" while none
    params: dict[str, object] = {}
    with write_transaction(ctx.database):
        if not right or row is None:
            audit.append(actor=number or "?", terminal=ctx.terminal, action="staff.gate_failed", now=now,
                         entity="staff", entity_id=number, detail={"reason": "unknown" if row is None else "pin"})
            key = GATE_WRONG_KEY
        elif not row.active:
            audit.append(actor=number, terminal=ctx.terminal, action="staff.gate_failed", now=now,
                         entity="staff", entity_id=number, detail={"reason": "inactive"})
            key, params = "maint17.staff.inactive", {"number": number}
        elif row.locked_until is not None and row.locked_until > now:
            audit.append(actor=number, terminal=ctx.terminal, action="staff.gate_failed", now=now,
                         entity="staff", entity_id=number, detail={"reason": "locked"})
            minutes = _minutes_left(row.locked_until, now)
            key, params = "refusal.staff.gate_locked", {"minutes": minutes}
        else:
            audit.append(actor=number, terminal=ctx.terminal, action="staff.gate_login", now=now,
                         entity="staff", entity_id=number, detail={"role": row.role})
    if key or row is None:
        raise LoginFailed.keyed(key or GATE_WRONG_KEY, "login_failed", **params)
    return StaffSession(row.id, row.number, row.name, row.role, ROLE_NAMES.get(row.role, row.role), now)


#: The staff gate's delay after failed PINs: 1, 2, 4, 8 ... seconds, at most this.
GATE_DELAY_CAP = 60.0


def gate_delay(failures: int, base: float = 1.0) -> float:
    """Seconds a terminal's staff gate waits before the next try after
    ``failures`` wrong PINs in a row: 0, then base × 1, 2, 4, 8 ... capped at
    :data:`GATE_DELAY_CAP` × ``base``."""
    if failures <= 0:
        return 0.0
    return base * min(GATE_DELAY_CAP, 2.0 ** (failures - 1))


def logout(ctx: ServiceContext) -> None:
    """Record that the staff member on ``ctx`` left the terminal."""
    if ctx.staff_id is None:
        return
    with write_transaction(ctx.database):
        audit.append(actor=ctx.actor, terminal=ctx.terminal, action="staff.logout", now=ctx.now(),
                     entity="staff", entity_id=ctx.staff_number, detail={})


def audit_reveal(ctx: ServiceContext, resident_id: int, *, reason: str = "counter_detail") -> None:
    """Record that the logged-in staff member showed a resident's full name and
    ID number on screen (the counter's ten-second 显示完整信息), with the
    terminal and ``reason`` (which screen, why).

    One audited write; the screen shows the data only after it succeeds, so no
    reveal goes unrecorded. Only a logged-in staff member may reveal.
    """
    with write_transaction(ctx.database):
        if acting_staff(ctx) is None:
            raise PermissionDenied.keyed("refusal.staff.login_required", "login_required")
        if not Resident.select().where(Resident.id == resident_id).exists():
            raise NotFound.keyed("maint17.app.resident_unknown", "resident_unknown")
        audit.append(actor=ctx.staff_number, terminal=ctx.terminal, action="resident.reveal", now=ctx.now(),
                     entity="resident", entity_id=resident_id, detail={"reason": reason})


def audit_open(ctx: ServiceContext, resident_id: int, *, reason: str) -> None:
    """Record that the logged-in staff member opened a resident's records at the
    counter (terminal, and ``reason``: how the resident was found — card,
    ID number, ticket, application, receipt — or which screen)."""
    with write_transaction(ctx.database):
        audit.append(actor=ctx.actor, terminal=ctx.terminal, action="resident.open", now=ctx.now(),
                     entity="resident", entity_id=resident_id, detail={"channel": "counter", "reason": reason})


def change_pin(ctx: ServiceContext, number: str, old_pin: str, new_pin: str) -> None:
    """Change one's own PIN (the old PIN must match; the new one must meet the rules)."""
    old_pin, new_pin = clean_pin(old_pin), clean_pin(new_pin)
    _check_pin(new_pin)
    if old_pin == new_pin:
        raise ServiceError.keyed("refusal.staff.same_pin", "same_pin")
    row = _find(staff_key(number))
    if row is None or not row.active or not verify_pin(row.pin_hash, old_pin):
        raise LoginFailed.keyed("refusal.staff.old_pin", "login_failed")
    new_hash = hash_pin(new_pin)
    with write_transaction(ctx.database):
        Staff.update(pin_hash=new_hash, failed_attempts=0, locked_until=None).where(Staff.id == row.id).execute()
        audit.append(actor=ctx.staff_number or row.number, terminal=ctx.terminal, action="staff.change_pin",
                     now=ctx.now(), entity="staff", entity_id=row.number, detail={})


def reset_pin(ctx: ServiceContext, number: str, new_pin: str) -> None:
    """An admin sets a new PIN for someone (and lifts a lockout)."""
    new_pin = clean_pin(new_pin)
    _check_pin(new_pin)
    new_hash = hash_pin(new_pin)
    with write_transaction(ctx.database):
        require_role(ctx, "admin", what="reset_pin")
        row = _get(number)
        Staff.update(pin_hash=new_hash, failed_attempts=0, locked_until=None).where(Staff.id == row.id).execute()
        audit.append(actor=_actor(ctx), terminal=ctx.terminal, action="staff.reset_pin",
                     now=ctx.now(), entity="staff", entity_id=row.number, detail=_who(ctx, row.number))


def unlock(ctx: ServiceContext, number: str) -> StaffInfo:
    """Lift a lock-out after too many wrong counter PINs (the PIN stays); audited
    as ``staff.unlock``. Raises NotFound for an unknown number."""
    with write_transaction(ctx.database):
        require_role(ctx, "admin", what="unlock")
        row = _get(number)
        Staff.update(failed_attempts=0, locked_until=None).where(Staff.id == row.id).execute()
        audit.append(actor=_actor(ctx), terminal=ctx.terminal, action="staff.unlock",
                     now=ctx.now(), entity="staff", entity_id=row.number,
                     detail={**_who(ctx, row.number),
                             "was_locked": row.locked_until is not None and row.locked_until > ctx.now()})
        row.failed_attempts, row.locked_until = 0, None
    return _info(row)


def deactivate(ctx: ServiceContext, number: str) -> StaffInfo:
    """Stop a staff account from logging in (history keeps their number)."""
    with write_transaction(ctx.database):
        require_role(ctx, "admin", what="deactivate")
        row = _get(number)
        if ctx.staff_id == row.id:
            raise ServiceError.keyed("refusal.staff.self", "self")
        Staff.update(active=False).where(Staff.id == row.id).execute()
        audit.append(actor=_actor(ctx), terminal=ctx.terminal, action="staff.deactivate",
                     now=ctx.now(), entity="staff", entity_id=row.number, detail=_who(ctx, row.number))
        row.active = False
    return _info(row)


def _who(ctx: ServiceContext, number: str) -> dict[str, object]:
    """An admin action's audit detail: the staff number acted on and, for a command run on
    this machine, the operating-system account that ran it (:meth:`ServiceContext.audit_detail`)."""
    return ctx.audit_detail({"staff": number})


def _get(number: str) -> Staff:
    row = _find(staff_key(number))
    if row is None:
        raise NotFound.keyed("refusal.staff.not_found", "not_found", number=number)
    return row


def list_staff(ctx: ServiceContext) -> list[StaffInfo]:
    """Every staff account, by number."""
    return [_info(row) for row in Staff.select().order_by(Staff.number)]
