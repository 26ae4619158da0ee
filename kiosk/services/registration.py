"""Counter work on people and cards: register a new resident, issue a card,
and find a resident by whatever the clerk scans or types.

Unlike the self-service :func:`kiosk.services.residents.identify`, the
counter's :func:`find_resident` also finds people whose card is frozen or
replaced (the clerk is there to sort that out) and returns unmasked fields
(the clerk's screen faces away from the hall); screens still use the
``masked_*`` fields wherever a bystander may look.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass
from typing import Any, cast

import peewee

from db import audit
from db.connection import write_transaction
from db.models import Application, Card, Enrolment, Payment, PrintJob, Resident, Ticket
from kiosk.i18n import Translator, catalog
from kiosk.rules.codes import TICKET_CODE, parse_card_input
from kiosk.rules.enrolment import valid_region_code
from kiosk.rules.identity import (
    NAME_MAX_LENGTH,
    InvalidIdNumber,
    legacy_15_form,
    mask_id_number,
    mask_name,
    mask_phone,
    parse_id_number,
)
from kiosk.rules.text import (
    InvalidText,
    check_name,
    normalise_name,
    normalise_number,
    normalise_phone,
    normalise_text,
)
from kiosk.services import Conflict, NotFound, ServiceContext, ServiceError

#: 退休类别 as typed or chosen: Chinese or the stored code.
RETIREMENT_CATEGORY_INPUT = {"female_cadre": "female_cadre", "女干部": "female_cadre",
                             "female_worker": "female_worker", "女工人": "female_worker"}
CARD_STATUS_NAMES = {"active": "正常", "frozen": "挂失冻结", "replaced": "已换新", "cancelled": "已注销"}
INSURANCE_NAMES = {"pension": "养老保险", "medical": "医疗保险", "unemployment": "失业保险",
                   "injury": "工伤保险", "maternity": "生育保险"}
SCHEME_NAMES = {"employee": "职工", "resident": "城乡居民", "flexible": "灵活就业"}
_PHONE = re.compile(r"^[0-9+\-]{7,20}$")
_CARD_ATTEMPTS = 20


def _desc(model: type[peewee.Model]) -> Any:
    """Newest first by primary key (the ``id`` annotation hides the field from mypy)."""
    return cast(Any, model._meta.primary_key).desc()  # type: ignore[attr-defined]


@dataclass(frozen=True)
class CardInfo:
    """A social security card as the counter shows it."""

    card_number: str
    status: str  # active | frozen | replaced | cancelled
    status_name: str
    issued_on: dt.date


@dataclass(frozen=True)
class EnrolmentInfo:
    """One insurance the resident is enrolled in."""

    insurance: str
    insurance_name: str
    scheme: str
    scheme_name: str
    status: str
    start_date: dt.date


@dataclass(frozen=True)
class ResidentInfo:
    """A resident at the counter: full fields for the clerk, masked ones for the hall."""

    id: int
    id_number: str
    name: str
    sex: str
    birth_date: dt.date
    age: int
    phone: str
    address: str
    village: str
    hukou: str  # 户口性质 of old records (abolished 2014): shown if present, no longer asked
    card: CardInfo | None  # the current card (active or frozen), None if none
    enrolments: tuple[EnrolmentInfo, ...]
    found_by: str = ""  # id_number | card_number | ticket | application | receipt | registered
    hukou_region: str = ""  # 户籍地: 6-digit region code, "" when not recorded
    retirement_category: str = ""  # male | female_cadre | female_worker | "" (a woman not yet asked)

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def masked_id(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone) if self.phone else ""


def age_on(birth: dt.date, day: dt.date) -> int:
    """Whole years of age on ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def card_info(card: Card) -> CardInfo:
    return CardInfo(card.card_number, card.status, CARD_STATUS_NAMES.get(card.status, card.status), card.issued_on)


def current_card(resident_id: int) -> Card | None:
    """The resident's active card, else a frozen one, else None."""
    cards = list(Card.select().where((Card.resident == resident_id) & (Card.status.in_(("active", "frozen"))))
                 .order_by(_desc(Card)))
    for wanted in ("active", "frozen"):
        for card in cards:
            if card.status == wanted:
                return card
    return None


def resident_info(ctx: ServiceContext, row: Resident, found_by: str = "") -> ResidentInfo:
    """A resident row (plus card and enrolments) as a :class:`ResidentInfo`."""
    card = current_card(row.id)
    enrolments = tuple(
        EnrolmentInfo(e.insurance, INSURANCE_NAMES.get(e.insurance, e.insurance), e.scheme,
                      SCHEME_NAMES.get(e.scheme, e.scheme), e.status, e.start_date)
        for e in Enrolment.select().where(Enrolment.resident == row.id).order_by(Enrolment.start_date, Enrolment.id)
    )
    return ResidentInfo(row.id, row.id_number, row.name, row.sex, row.birth_date, age_on(row.birth_date, ctx.today()),
                        row.phone, row.address, row.village, row.hukou,
                        card_info(card) if card else None, enrolments, found_by,
                        str(row.hukou_region or ""), str(row.retirement_category or ""))


def refusal_with_reason(key: str, code: str, reason: Exception, /, kind: type[ServiceError] = ServiceError,
                        **params: object) -> ServiceError:
    """The refusal ``key`` of a typed value that a rule refused; the message's ``{reason}`` is
    the rule's own message. ``reason`` is the rule's error (:class:`~kiosk.rules.text.InvalidText`
    and its ID-number kind, or any error whose ``key``/``params`` name its catalog message, like
    ``InvalidAmount``).

    The result carries ``reason_key`` (the rule's message) and the rule's params beside
    ``params``, so a screen shows the whole sentence in its language ("The ID number is wrong:
    Wrong check digit ..."; :func:`kiosk.i18n.translate_message`); ``message`` is its Chinese
    form ("身份证号码有误：校验码不对……"). A rule error without a catalog message gives its
    own text as ``reason``. ``kind`` is the class of the result (ServiceError or a subclass
    taking ServiceError's arguments, such as EntitlementError).
    """
    inner_key = str(getattr(reason, "key", "") or "")
    if inner_key and inner_key in catalog("zh_CN"):
        inner: dict[str, object] = dict(getattr(reason, "params", None) or {})
        return kind.keyed(key, code, **{**inner, **params, "reason_key": inner_key})
    text = str(getattr(reason, "message", "") or "")
    if not text:
        text = reason.describe(Translator("zh_CN")) if isinstance(reason, InvalidText) else str(reason)
    return kind.keyed(key, code, **{**params, "reason": text})


def get_resident(ctx: ServiceContext, resident_id: int) -> ResidentInfo:
    """The resident with this id, or NotFound."""
    row = Resident.get_or_none(Resident.id == resident_id)
    if row is None:
        raise NotFound.keyed("maint17.app.resident_unknown", "resident_unknown")
    return resident_info(ctx, row)


def _random_card_number(rng: random.Random) -> str:
    # Nine digits, never starting with 0 (a scanner sometimes drops it).
    return str(rng.randint(100_000_000, 999_999_999))


def new_card(ctx: ServiceContext, resident_id: int) -> Card:
    """Create an active card with a fresh unique 9-character number.

    Runs inside the caller's transaction; a number that another terminal
    takes at the same moment is caught by the unique index and re-drawn.
    """
    rng = ctx.extras.get("rng")
    source = rng if isinstance(rng, random.Random) else random.SystemRandom()
    now = ctx.now()
    for _ in range(_CARD_ATTEMPTS):
        number = _random_card_number(source)
        if Card.select().where(Card.card_number == number).exists():
            continue
        try:
            with ctx.database.atomic():  # a savepoint: a clash only undoes this insert
                return Card.create(resident=resident_id, card_number=number, status="active",
                                   issued_on=ctx.today(), status_changed_at=now)
        except peewee.IntegrityError:
            continue
    raise ServiceError.keyed("refusal.registration.card_number", "card_number")


def _check_fields(phone: str) -> None:
    if phone and not _PHONE.match(phone):
        raise ServiceError.keyed("refusal.registration.bad_phone", "bad_phone")
    if phone.isdigit() and len(phone) == 11 and not phone.startswith("1"):
        raise ServiceError.keyed("refusal.registration.bad_mobile", "bad_phone")


def _region(text: str) -> str:
    """户籍地: a 6-digit region code (full-width digits folded, spaces dropped)."""
    try:
        code = normalise_number(text)
    except InvalidText:
        code = text
    if not valid_region_code(code):
        raise ServiceError.keyed("refusal.registration.bad_region", "bad_region", value=text.strip()[:20])
    return code


def _category(sex: str, text: str) -> str:
    """退休类别: men are always ``male``; a woman's is 女干部 (female_cadre) or 女工人 (female_worker)."""
    if sex == "male":
        if text and text not in ("male", "男"):
            raise ServiceError.keyed("refusal.registration.male_category", "bad_category")
        return "male"
    value = RETIREMENT_CATEGORY_INPUT.get(text.strip())
    if value is None:
        raise ServiceError.keyed("refusal.registration.bad_category", "bad_category")
    return value


def _normalised(**fields: str) -> tuple[str, ...]:
    """The fields through the one normaliser (kiosk.rules.text), in order;
    ServiceError(code=reason) names the field and the refused character."""
    normalisers = {"name": normalise_name, "phone": normalise_phone}
    values: list[str] = []
    for field, value in fields.items():
        try:
            values.append(normalisers.get(field, normalise_text)(value))
        except InvalidText as exc:
            raise refusal_with_reason("refusal.registration.bad_field", exc.reason, exc,
                                      field_key=f"refusal.registration.field.{field}") from None
    return tuple(values)


def register_resident(ctx: ServiceContext, id_number: str, name: str, *, phone: str = "", address: str = "",
                      village: str = "", hukou_region: str | None = None, retirement_category: str = "",
                      disabled: bool = False, low_income: bool = False, issue_card: bool = True) -> ResidentInfo:
    """Register a new resident (validated ID number) and, by default, issue a card.

    ``hukou_region`` is the 户籍地 as a 6-digit region code; ``None`` takes the
    ID number's region code (the counter shows it and the person confirms).
    ``retirement_category`` is for women: ``female_cadre`` (女干部) or
    ``female_worker`` (女工人); "" leaves it to be asked later (the rules then
    assume the earlier age); men are always ``male``. 户口性质 (农业/非农业) is no
    longer recorded: it was abolished in 2014. ServiceError codes: the ID
    check's reason, ``bad_name``, ``name_symbol`` (a character no name has: digits, brackets,
    ``@``, ``=`` ...), ``bad_phone``, ``bad_region``,
    ``bad_category``; Conflict ``duplicate``.
    """
    try:
        parsed = parse_id_number(id_number, today=ctx.today())
    except InvalidIdNumber as exc:
        raise refusal_with_reason("refusal.registration.bad_id", exc.reason, exc) from None
    name, phone, address, village = _normalised(name=name, phone=phone, address=address, village=village)
    if not name or len(name) > NAME_MAX_LENGTH:
        raise ServiceError.keyed("refusal.registration.bad_name", "bad_name", max=NAME_MAX_LENGTH)
    try:  # the name rule of 信息变更: letters, ·, spaces of foreign names; no digits, brackets, symbols
        check_name(name)
    except InvalidText as exc:
        raise refusal_with_reason("refusal.registration.name_char", exc.reason, exc) from None
    _check_fields(phone)
    region = parsed.region_code if hukou_region is None else (_region(hukou_region) if hukou_region.strip() else "")
    category = _category(parsed.sex, retirement_category) if (retirement_category or parsed.sex == "male") else ""
    now = ctx.now()
    with write_transaction(ctx.database):
        existing = Resident.get_or_none(Resident.id_number == parsed.number)
        if existing is not None:
            raise Conflict.keyed("refusal.registration.duplicate", "duplicate", id=mask_id_number(parsed.number),
                                 name=mask_name(existing.name))
        row = Resident.create(id_number=parsed.number, name=name, sex=parsed.sex, birth_date=parsed.birth_date,
                              phone=phone, address=address, village=village, hukou="", hukou_region=region,
                              retirement_category=category,
                              disabled=disabled, low_income=low_income, created_at=now, updated_at=now)
        detail: dict[str, object] = {"village": village, "hukou_region": region, "retirement_category": category}
        if issue_card:
            card = new_card(ctx, row.id)
            detail["card_number"] = card.card_number
        audit.append(actor=ctx.actor, terminal=ctx.terminal, action="resident.register", now=now,
                     entity="resident", entity_id=row.id, detail=detail)
        return resident_info(ctx, row, "registered")


def update_contact(ctx: ServiceContext, resident_id: int, *, phone: str | None = None, address: str | None = None,
                   village: str | None = None, hukou_region: str | None = None,
                   retirement_category: str | None = None) -> ResidentInfo:
    """Change a resident's phone, address, village, 户籍地 or (women) retirement
    category, audited with the old values; None leaves a field as it is."""
    with write_transaction(ctx.database):
        row = Resident.get_or_none(Resident.id == resident_id)
        if row is None:
            raise NotFound.keyed("maint17.app.resident_unknown", "resident_unknown")
        changes: dict[str, object] = {}
        for field, value in (("phone", phone), ("address", address), ("village", village)):
            if value is not None and (clean := _normalised(**{field: value})[0]) != getattr(row, field):
                changes[field] = clean
        _check_fields(str(changes.get("phone", "")))
        if hukou_region is not None and (region := _region(hukou_region)) != row.hukou_region:
            changes["hukou_region"] = region
        if retirement_category is not None and (category := _category(row.sex, retirement_category)) \
                != row.retirement_category:
            changes["retirement_category"] = category
        if changes:
            old = {k: getattr(row, k) for k in changes}
            Resident.update(updated_at=ctx.now(), **changes).where(Resident.id == row.id).execute()
            audit.append(actor=ctx.actor, terminal=ctx.terminal, action="resident.update", now=ctx.now(),
                         entity="resident", entity_id=row.id, detail={"old": old, "new": changes})
            row = Resident.get_by_id(row.id)
        return resident_info(ctx, row)


def issue_card(ctx: ServiceContext, resident_id: int) -> CardInfo:
    """Issue a first card to a resident who has none (loss and damage go through
    the card_loss / card_replace applications instead)."""
    with write_transaction(ctx.database):
        if Resident.get_or_none(Resident.id == resident_id) is None:
            raise NotFound.keyed("maint17.app.resident_unknown", "resident_unknown")
        existing = current_card(resident_id)
        if existing is not None:
            raise Conflict.keyed("refusal.registration.has_card", "has_card", card=existing.card_number,
                                 status_key=f"maint17.card_status.{existing.status}")
        card = new_card(ctx, resident_id)
        audit.append(actor=ctx.actor, terminal=ctx.terminal, action="card.issue", now=ctx.now(),
                     entity="card", entity_id=card.card_number, detail={"resident": resident_id})
        return card_info(card)


def find_resident(ctx: ServiceContext, text: str) -> ResidentInfo:
    """The resident behind a scanned card, ID number, ticket, application or receipt code.

    Raises ServiceError (code = the reason: length, date, check_digit ...)
    for input that is no valid number, and NotFound when nobody matches.
    """
    try:
        parsed = parse_card_input(text, today=ctx.today())
    except InvalidIdNumber as exc:
        # key/params: the ID check's catalog message, so a screen shows it in its language.
        raise ServiceError.keyed(exc.key, exc.reason, **exc.params) from None
    with ctx.database.connection_context():
        row = _lookup(parsed.kind, parsed.value)
        if row is None:
            params = {"id": mask_id_number(parsed.value)} if parsed.kind == "id_number" else {}
            raise NotFound.keyed(f"refusal.registration.unknown.{parsed.kind}", f"{parsed.kind}_unknown", **params)
        return resident_info(ctx, row, parsed.kind)


def _lookup(kind: str, value: str) -> Resident | None:
    if kind == "id_number":
        # An old record may still be kept under its first-generation 15 digits (信息变更 upgrades it).
        forms = [value] + [form for form in (legacy_15_form(value),) if form]
        rows = list(Resident.select().where(Resident.id_number.in_(forms)))
        return next((r for r in rows if r.id_number == value), rows[0] if rows else None)
    if kind == "card_number":
        card = Card.get_or_none(Card.card_number == value)
        return card.resident if card else None
    if kind == "application":
        application = Application.get_or_none(Application.number == value)
        return application.resident if application else None
    if kind == "ticket":
        match = TICKET_CODE.match(value)
        if match is None:
            return None
        day = dt.datetime.strptime(match.group(1), "%Y%m%d").date()
        code = f"{match.group(2)}{match.group(3)}"
        ticket = Ticket.get_or_none((Ticket.day == day) & (Ticket.code == code))
        return ticket.resident if ticket is not None and ticket.__data__["resident"] is not None else None
    payment = Payment.get_or_none(Payment.receipt_code == value)
    if payment is not None:
        return payment.resident
    job = PrintJob.get_or_none(PrintJob.code == value)
    return job.resident if job is not None and job.__data__["resident"] is not None else None
