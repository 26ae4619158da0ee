"""Peewee models for every record the hall keeps.

Conventions: money is integer fen (``BigIntegerField``); timestamps are naive
UTC (``utc_now`` from the injected clock, converted to the hall's zone only
for display); business dates (ticket day, contribution month) are local
dates. History is append-only: application status changes are events,
account movements are ledger rows carrying the running balance, the audit
log is hash-chained. Models are bound to a database at run time through
:data:`database_proxy`; nothing connects at import.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import peewee
from peewee import (
    BigIntegerField,
    BooleanField,
    CharField,
    CompositeKey,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

database_proxy = peewee.DatabaseProxy()

INSURANCES = ("pension", "medical", "unemployment", "injury", "maternity")
SCHEMES = ("employee", "resident", "flexible")
ACCOUNT_KINDS = ("pension_employee", "pension_resident", "medical")


class JSONTextField(TextField):
    """JSON kept as text, so SQLite and PostgreSQL store it the same way."""

    def db_value(self, value: Any) -> str | None:
        if value is None:
            return None
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    def python_value(self, value: str | None) -> Any:
        return None if value is None else json.loads(value)


class BaseModel(peewee.Model):
    """Common base: bound to the proxy, snake_case table names."""

    id: int  # peewee adds the auto-increment key; declared for the type checker

    class Meta:
        database = database_proxy
        legacy_table_names = False


class SchemaVersion(BaseModel):
    """Which migrations have been applied to this database."""

    version = IntegerField(primary_key=True)
    description = CharField(max_length=200)
    applied_at = DateTimeField()


class Employer(BaseModel):
    """A paying unit, identified by its unified social credit code."""

    uscc = CharField(max_length=18, unique=True)
    name = CharField(max_length=200)
    address = CharField(max_length=300, default="")
    injury_class = IntegerField(default=1)  # work-injury industry risk class 1-8
    created_at = DateTimeField()


class Resident(BaseModel):
    """An insured person (参保人); the ID number is the social security number."""

    id_number = CharField(max_length=18, unique=True)
    name = CharField(max_length=60)
    sex = CharField(max_length=6)  # male | female
    birth_date = DateField()
    phone = CharField(max_length=20, default="")
    address = CharField(max_length=300, default="")
    village = CharField(max_length=60, default="", index=True)
    # 户口性质 (农业 | 非农业) was abolished in 2014: kept readable for old rows, no longer asked.
    hukou = CharField(max_length=8, default="")
    retirement_category = CharField(max_length=16, default="")  # male | female_cadre | female_worker
    disabled = BooleanField(default=False)
    low_income = BooleanField(default=False)
    employer = ForeignKeyField(Employer, null=True, backref="residents", on_delete="SET NULL")
    created_at = DateTimeField()
    updated_at = DateTimeField()
    # 社保卡服务密码 (migration 3): an argon2id hash ("" = not set yet), wrong
    # entries in a row at the self-service terminal, and when self-service
    # was locked after too many (cleared by a clerk).
    service_password_hash = CharField(max_length=200, default="")
    service_password_failures = IntegerField(default=0)
    service_password_locked_at = DateTimeField(null=True)
    # 户籍地 (migration 7): the 6-digit region code (GB/T 2260) of the household
    # registration; decides where the resident scheme enrols and the temporary-
    # account rule of transfers (国办发〔2009〕66号). "" = not recorded.
    hukou_region = CharField(max_length=6, default="")
    # 死亡登记 (migration 6): claims after this date are refused (entitlement reason "deceased").
    death_date = DateField(null=True)
    # 社保卡金融账户 changed through 信息变更 (migration 12): the account benefits are paid into
    # when a Benefit names none; "" = the social security card's own account (its number).
    bank_account = CharField(max_length=40, default="")


class Card(BaseModel):
    """A social security card; loss reports freeze it at once."""

    resident = ForeignKeyField(Resident, backref="cards", on_delete="CASCADE")
    card_number = CharField(max_length=9, unique=True)
    status = CharField(max_length=12, default="active")  # active | frozen | replaced | cancelled
    issued_on = DateField()
    status_changed_at = DateTimeField()


class Enrolment(BaseModel):
    """Membership of one insurance under one scheme (参保登记)."""

    resident = ForeignKeyField(Resident, backref="enrolments", on_delete="CASCADE")
    insurance = CharField(max_length=14)  # one of INSURANCES
    scheme = CharField(max_length=10)  # one of SCHEMES
    status = CharField(max_length=10, default="active")  # active | suspended | ended
    start_date = DateField()
    end_date = DateField(null=True)
    employer = ForeignKeyField(Employer, null=True, on_delete="SET NULL")

    class Meta:
        indexes = ((("resident", "insurance", "scheme", "start_date"), True),)


class ContributionAssessment(BaseModel):
    """A 缴费核定 result: base, amounts and the policy version it used."""

    resident = ForeignKeyField(Resident, backref="assessments", on_delete="CASCADE")
    year = IntegerField()
    insurance = CharField(max_length=14)
    scheme = CharField(max_length=10)
    base_fen = BigIntegerField()
    individual_fen = BigIntegerField()
    employer_fen = BigIntegerField(default=0)
    subsidy_fen = BigIntegerField(default=0)
    detail = JSONTextField(default=dict)  # the notice lines as shown to the resident
    policy_effective = DateField()
    assessed_at = DateTimeField()


class Payment(BaseModel):
    """Money received at a counter or by bank deduction."""

    resident = ForeignKeyField(Resident, backref="payments", on_delete="RESTRICT")
    amount_fen = BigIntegerField()
    method = CharField(max_length=8)  # cash | bank | card at the counter; tax | withhold by a channel
    purpose = CharField(max_length=40)
    receipt_code = CharField(max_length=12, unique=True)
    received_by = IntegerField(null=True)  # Staff id; a number, so deleting staff never touches money
    terminal = CharField(max_length=20)
    created_at = DateTimeField()
    # Issue 15.3 (migration 14): who collected it — counter | tax (税务) | bank (银行代扣) — and the
    # channel's own reference (税票号/银行流水号), unique per channel so a confirmation is recorded once.
    channel = CharField(max_length=8, default="counter")
    reference = CharField(max_length=40, null=True)

    class Meta:
        indexes = ((("channel", "reference"), True),)


class Contribution(BaseModel):
    """One paid month (or year, for resident schemes) of one insurance."""

    resident = ForeignKeyField(Resident, backref="contributions", on_delete="CASCADE")
    insurance = CharField(max_length=14)
    scheme = CharField(max_length=10)
    month = DateField()  # first day of the month paid for
    base_fen = BigIntegerField(default=0)
    individual_fen = BigIntegerField()
    employer_fen = BigIntegerField(default=0)
    subsidy_fen = BigIntegerField(default=0)
    employer = ForeignKeyField(Employer, null=True, on_delete="SET NULL")
    payment = ForeignKeyField(Payment, null=True, backref="contributions", on_delete="SET NULL")
    paid_at = DateTimeField()

    class Meta:
        indexes = ((("resident", "insurance", "scheme", "month"), True),)


class Account(BaseModel):
    """A personal account; ``balance_fen`` must equal its ledger's running total."""

    resident = ForeignKeyField(Resident, backref="accounts", on_delete="CASCADE")
    kind = CharField(max_length=20)  # one of ACCOUNT_KINDS
    balance_fen = BigIntegerField(default=0)
    opened_on = DateField()
    updated_at = DateTimeField()

    class Meta:
        indexes = ((("resident", "kind"), True),)


class LedgerEntry(BaseModel):
    """One account movement; ``balance_after_fen`` chains the entries so an
    edited row is found exactly (its balance no longer follows)."""

    account = ForeignKeyField(Account, backref="entries", on_delete="CASCADE")
    seq = IntegerField()  # 1, 2, 3 ... per account
    entry_date = DateField()
    kind = CharField(max_length=20)  # contribution | subsidy | interest | transfer_in | transfer_out | payout
    amount_fen = BigIntegerField()
    balance_after_fen = BigIntegerField()
    reference = CharField(max_length=40, default="")
    created_at = DateTimeField()

    class Meta:
        indexes = ((("account", "seq"), True),)


class Staff(BaseModel):
    """A clerk, supervisor or admin; the PIN is kept only as an argon2 hash."""

    number = CharField(max_length=20, unique=True)
    name = CharField(max_length=60)
    role = CharField(max_length=12)  # clerk | supervisor | admin
    pin_hash = CharField(max_length=200)
    failed_attempts = IntegerField(default=0)
    locked_until = DateTimeField(null=True)
    active = BooleanField(default=True)
    created_at = DateTimeField()


class Application(BaseModel):
    """A piece of business (业务): enrolment, assessment, benefit, transfer, card service."""

    number = CharField(max_length=16, unique=True)  # SQ + date + serial
    resident = ForeignKeyField(Resident, backref="applications", on_delete="RESTRICT")
    type = CharField(max_length=40)
    subtype = CharField(max_length=24, default="")
    status = CharField(max_length=20)
    data = JSONTextField(default=dict)
    channel = CharField(max_length=8, default="counter")  # self | counter
    expected_days = IntegerField(default=0)
    version = IntegerField(default=1)  # optimistic lock: two clerks, one wins
    # 受审分离 (migration 7): Staff ids, numbers (like Payment.received_by) so a
    # deleted staff row never touches an application. The acceptor may not approve.
    accepted_by = IntegerField(null=True)
    approved_by = IntegerField(null=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()


class ApplicationEvent(BaseModel):
    """A status change of an application: who, where, when, why."""

    application = ForeignKeyField(Application, backref="events", on_delete="CASCADE")
    from_status = CharField(max_length=20, default="")
    to_status = CharField(max_length=20)
    step = CharField(max_length=40, default="")
    staff = ForeignKeyField(Staff, null=True, on_delete="SET NULL")
    terminal = CharField(max_length=20)
    note = TextField(default="")
    created_at = DateTimeField()


class ApplicationMaterial(BaseModel):
    """One item of an application's materials checklist."""

    application = ForeignKeyField(Application, backref="materials", on_delete="CASCADE")
    code = CharField(max_length=30)
    name = CharField(max_length=100)
    received = BooleanField(default=False)
    received_at = DateTimeField(null=True)


BENEFIT_STATUSES = ("in_payment", "suspended", "stopped", "finished")


class Benefit(BaseModel):
    """A benefit in payment (待遇, migration 8): what the monthly run pays.

    Created at an application's 待遇支付 step (pension, unemployment, a
    fund-paid injury allowance) or at 死亡注销 (survivor pension). The amount
    for a month is ``monthly_fen``; when ``basic_fen`` is not 0 the benefit
    follows the resident basic pension, so a month's amount is ``monthly_fen
    - basic_fen`` + the basic pension in force that month (a raise applies
    from its effective month; months already paid get arrears). ``months``
    None is lifelong; ``end_month`` is the last month due once stopped or
    finished. ``certified_on`` is the last 待遇领取资格认证 (pensions).
    """

    resident = ForeignKeyField(Resident, backref="benefit_records", on_delete="RESTRICT")
    application = ForeignKeyField(Application, null=True, on_delete="SET NULL")
    kind = CharField(max_length=24)  # pension | unemployment | injury | survivor (as BenefitPayment.benefit_type)
    scheme = CharField(max_length=10, default="")
    start_month = DateField()
    months = IntegerField(null=True)
    monthly_fen = BigIntegerField()
    basic_fen = BigIntegerField(default=0)
    account_kind = CharField(max_length=20, default="")
    account_part_fen = BigIntegerField(default=0)
    status = CharField(max_length=12, default="in_payment")  # one of BENEFIT_STATUSES
    reason = CharField(max_length=40, default="")
    end_month = DateField(null=True)
    certified_on = DateField(null=True)
    bank_account = CharField(max_length=40, default="")  # 社保卡金融账户 ("" = the card's account)
    overpaid_fen = BigIntegerField(default=0)  # paid for months after death: to recover
    recovered_fen = BigIntegerField(default=0)  # of it, recovered (netted at the inheritance payment; migration 13)
    created_at = DateTimeField()
    updated_at = DateTimeField()


class BenefitRun(BaseModel):
    """A posted monthly payment run (migration 8); one per month, approved by a supervisor."""

    month = DateField(unique=True)
    paid = IntegerField()
    total_fen = BigIntegerField()
    approved_by = IntegerField()  # Staff id (a number, like Payment.received_by)
    file = CharField(max_length=400, default="")
    created_at = DateTimeField()
    policy_digest = CharField(max_length=64, default="")  # sha256 of the policy file's content (migration 13)
    policy_version = CharField(max_length=120, default="")  # source and effective date of the version used
    file_sha256 = CharField(max_length=64, default="")  # sha256 of the 代发文件 as written ("" = none; migration 15)


class BenefitPayment(BaseModel):
    """A benefit paid out (pension month, unemployment month, lump sum ...).

    Migration 8: ``benefit`` names the Benefit a monthly payment belongs to,
    ``run_month`` the run that paid it, ``kind`` monthly | arrears (补发 of a raise) | lump_sum
    (a one-off: maternity, medical, injury lump sum). Migration 15: ``bank_account`` the account a
    run paid the line to (as it was at the run; "" before, or not paid by a run) and ``reference``
    the line's 业务参考号 in the 代发文件 (``DF`` + YYYYMM + benefit id).
    """

    resident = ForeignKeyField(Resident, backref="benefits", on_delete="RESTRICT")
    application = ForeignKeyField(Application, null=True, on_delete="SET NULL")
    benefit_type = CharField(max_length=24)
    period = DateField()
    amount_fen = BigIntegerField()
    paid_at = DateTimeField()
    benefit = ForeignKeyField(Benefit, null=True, backref="payments", on_delete="SET NULL")
    run_month = DateField(null=True)
    kind = CharField(max_length=10, default="monthly")
    bank_account = CharField(max_length=40, default="")
    reference = CharField(max_length=40, default="")


class Transfer(BaseModel):
    """Transfer of insurance relations (关系转移接续) and the money it moves."""

    application = ForeignKeyField(Application, backref="transfers", on_delete="CASCADE")
    resident = ForeignKeyField(Resident, backref="transfers", on_delete="RESTRICT")
    direction = CharField(max_length=8)  # in | out
    kind = CharField(max_length=30)  # employee_interprovincial | resident_to_employee | employee_to_resident
    other_region = CharField(max_length=60, default="")
    account_fen = BigIntegerField(default=0)
    pooled_fen = BigIntegerField(default=0)
    # migration 7: contribution months the transfer carries into the receiving
    # scheme (0 when 17号 does not convert them), and a 临时缴费账户 (66号 Art. 5).
    months = IntegerField(default=0)
    temporary = BooleanField(default=False)
    created_at = DateTimeField()


class QueueCategory(BaseModel):
    """A kind of business to queue for: prefix A-Z, served by some counters."""

    prefix = CharField(max_length=1, primary_key=True)
    name_zh = CharField(max_length=40)
    name_en = CharField(max_length=60)
    counters = CharField(max_length=60, default="")  # "1,2,3"; empty = every counter
    service_minutes = IntegerField(default=8)
    priority = BooleanField(default=False)
    sort = IntegerField(default=0)
    active = BooleanField(default=True)


class Counter(BaseModel):
    """A service window (窗口) and which categories it serves."""

    number = IntegerField(primary_key=True)
    name = CharField(max_length=40, default="")
    categories = CharField(max_length=40, default="")  # "ABV"; empty = from QueueCategory.counters
    active = BooleanField(default=True)


class DayCounter(BaseModel):
    """The last ticket number issued per local day and prefix (one atomic upsert)."""

    day = DateField()
    prefix = CharField(max_length=1)
    last = IntegerField(default=0)

    class Meta:
        primary_key = CompositeKey("day", "prefix")


class Ticket(BaseModel):
    """A queue ticket (A007), numbered per local day and category."""

    day = DateField()
    prefix = CharField(max_length=1)
    number = IntegerField()
    code = CharField(max_length=6)  # A007
    resident = ForeignKeyField(Resident, null=True, backref="tickets", on_delete="SET NULL")
    priority = BooleanField(default=False)
    status = CharField(max_length=12, default="waiting")  # waiting | called | serving | held | done | no_show
    queue_key = DateTimeField()  # order within the waiting line; a transfer moves it forward
    counter = IntegerField(null=True)
    staff = ForeignKeyField(Staff, null=True, on_delete="SET NULL")
    taken_at = DateTimeField()
    called_at = DateTimeField(null=True)
    started_at = DateTimeField(null=True)
    finished_at = DateTimeField(null=True)
    call_count = IntegerField(default=0)
    terminal = CharField(max_length=20, default="")

    class Meta:
        indexes = (
            (("day", "prefix", "number"), True),
            (("status", "day"), False),
        )


class TicketEvent(BaseModel):
    """What happened to a ticket: taken, called, recalled, started, held, ..."""

    ticket = ForeignKeyField(Ticket, backref="events", on_delete="CASCADE")
    action = CharField(max_length=16)
    counter = IntegerField(null=True)
    staff = ForeignKeyField(Staff, null=True, on_delete="SET NULL")
    note = CharField(max_length=200, default="")
    created_at = DateTimeField()


class Rating(BaseModel):
    """A resident's satisfaction rating (1-5) after service."""

    ticket = ForeignKeyField(Ticket, null=True, on_delete="SET NULL")
    counter = IntegerField(null=True)
    staff = ForeignKeyField(Staff, null=True, on_delete="SET NULL")
    score = IntegerField()
    reason = CharField(max_length=200, default="")
    created_at = DateTimeField()


class AuditEntry(BaseModel):
    """One hash-chained record of a staff action or state change."""

    seq = BigIntegerField(unique=True)
    created_at = DateTimeField()
    actor = CharField(max_length=40)  # staff number, "resident", "system"
    terminal = CharField(max_length=20)
    action = CharField(max_length=40)
    entity = CharField(max_length=30, default="")
    entity_id = CharField(max_length=40, default="")
    detail = JSONTextField(default=dict)
    prev_hash = CharField(max_length=64)
    hash = CharField(max_length=64)


class AuditHead(BaseModel):
    """The single row that serialises appends to the audit chain."""

    id = IntegerField(primary_key=True)
    seq = BigIntegerField(default=0)
    hash = CharField(max_length=64)


class PrintJob(BaseModel):
    """A receipt, stored before it is printed; kept until it is."""

    code = CharField(max_length=12, unique=True)  # the verification code printed on it
    kind = CharField(max_length=24)  # ticket | acceptance | assessment | payment | statement | ...
    document = JSONTextField()
    status = CharField(max_length=10, default="pending")  # pending | printed | cancelled
    attempts = IntegerField(default=0)
    last_error = CharField(max_length=300, default="")
    next_try_at = DateTimeField()
    printed_at = DateTimeField(null=True)
    reprint_of = ForeignKeyField("self", null=True, backref="reprints", on_delete="SET NULL")
    resident = ForeignKeyField(Resident, null=True, on_delete="SET NULL")
    terminal = CharField(max_length=20)
    created_at = DateTimeField()

    class Meta:
        indexes = ((("status", "next_try_at"), False),)


class PolicyVersion(BaseModel):
    """A policy parameter set that calculations were made with."""

    effective = DateField()
    source = CharField(max_length=300)
    digest = CharField(max_length=64)
    loaded_at = DateTimeField()

    class Meta:
        indexes = ((("effective", "digest"), True),)


class InfoChangeHistory(BaseModel):
    """A recorded value a 信息变更 replaced (migration 12): append-only, one row per change.

    ``field`` is name | id_number | hukou_region | bank_account; ``old_value`` is what the
    record held before (full value: shown masked where a bystander may look); ``staff`` is
    the Staff id who completed (办结) it, a number like Payment.received_by; ``document``
    the supporting document as the clerk recorded it (户口簿, 公安机关证明 … and its number).
    """

    resident = ForeignKeyField(Resident, backref="info_changes", on_delete="RESTRICT")
    field = CharField(max_length=20)
    old_value = CharField(max_length=100)
    new_value = CharField(max_length=100)
    application = ForeignKeyField(Application, null=True, on_delete="SET NULL")
    staff = IntegerField(null=True)
    changed_at = DateTimeField()
    document = CharField(max_length=200, default="")


class RuleFindingNote(BaseModel):
    """A rule-audit (稽核) finding a supervisor marked explained (migration 11).

    The finding is named by its kind and record (``table_name``, ``record_id``);
    the next ``kiosk audit rules`` lists it as known, not as new. ``staff`` is
    the Staff id (a number, like Payment.received_by); every note is audited.
    """

    kind = CharField(max_length=30)
    table_name = CharField(max_length=30)
    record_id = BigIntegerField()
    reason = CharField(max_length=300)
    staff = IntegerField(null=True)
    created_at = DateTimeField()

    class Meta:
        indexes = ((("kind", "table_name", "record_id"), True),)


ALL_MODELS: tuple[type[BaseModel], ...] = (
    SchemaVersion,
    Employer,
    Resident,
    Card,
    Enrolment,
    ContributionAssessment,
    Payment,
    Contribution,
    Account,
    LedgerEntry,
    Staff,
    Application,
    ApplicationEvent,
    ApplicationMaterial,
    Benefit,
    BenefitRun,
    BenefitPayment,
    Transfer,
    QueueCategory,
    Counter,
    DayCounter,
    Ticket,
    TicketEvent,
    Rating,
    AuditEntry,
    AuditHead,
    PrintJob,
    PolicyVersion,
    RuleFindingNote,
    InfoChangeHistory,
)


def bind(database: peewee.Database) -> None:
    """Point every model at ``database``."""
    database_proxy.initialize(database)


def utc_now_naive(moment: dt.datetime) -> dt.datetime:
    """Store an aware time as naive UTC (the form every DateTimeField holds)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(dt.UTC).replace(tzinfo=None)
