"""Schema creation and versioned migrations.

``init`` creates the current schema on an empty database and stamps the
latest version. ``migrate`` applies, in order and each in its own
transaction, every migration newer than the database's version. A migration
is a function of the database that uses peewee's schema migrator, so the
same step runs on SQLite and PostgreSQL and keeps every row.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import peewee

from db import audit
from db.audit import GENESIS_HASH
from db.defaults import ensure_defaults
from db.models import ALL_MODELS, AuditHead, SchemaVersion

if TYPE_CHECKING:
    from playhouse.migrate import SchemaMigrator


def migrate(*operations: Any) -> None:
    """playhouse.migrate.migrate, imported only when a migration runs (not when a kiosk starts)."""
    from playhouse.migrate import migrate as run

    run(*operations)


@dataclass(frozen=True)
class Migration:
    """One schema step: its number, what it does, and how."""

    version: int
    description: str
    apply: Callable[[peewee.Database, SchemaMigrator], None]


def _baseline(database: peewee.Database, migrator: SchemaMigrator) -> None:
    """Version 1 is the schema as first released; created by ``init``."""


def _ticket_terminal(database: peewee.Database, migrator: SchemaMigrator) -> None:
    """Version 2 records which terminal issued each ticket."""
    columns = {c.name for c in database.get_columns("ticket")}
    if "terminal" not in columns:
        migrate(migrator.add_column("ticket", "terminal", peewee.CharField(max_length=20, default="")))


def _service_password(database: peewee.Database, migrator: SchemaMigrator) -> None:
    """Version 3: the resident's 6-digit service password (argon2 hash), wrong
    entries in a row and the self-service lock; existing rows get no password."""
    columns = {c.name for c in database.get_columns("resident")}
    steps = []
    if "service_password_hash" not in columns:
        steps.append(migrator.add_column("resident", "service_password_hash",
                                         peewee.CharField(max_length=200, default="")))
    if "service_password_failures" not in columns:
        steps.append(migrator.add_column("resident", "service_password_failures", peewee.IntegerField(default=0)))
    if "service_password_locked_at" not in columns:
        steps.append(migrator.add_column("resident", "service_password_locked_at", peewee.DateTimeField(null=True)))
    if steps:
        migrate(*steps)


def _entitlement_columns(database: peewee.Database, migrator: SchemaMigrator) -> None:
    """Version 7 (issue 14): resident.hukou_region (户籍地), application.accepted_by /
    approved_by (受审分离), transfer.months / temporary. 户口性质 stays readable."""
    wanted = {
        "resident": (("hukou_region", peewee.CharField(max_length=6, default="")),),
        "application": (("accepted_by", peewee.IntegerField(null=True)),
                        ("approved_by", peewee.IntegerField(null=True))),
        "transfer": (("months", peewee.IntegerField(default=0)),
                     ("temporary", peewee.BooleanField(default=False))),
    }
    steps: list[object] = []  # playhouse.migrate operations
    for table, columns in wanted.items():
        present = {c.name for c in database.get_columns(table)}
        steps.extend(migrator.add_column(table, name, field) for name, field in columns if name not in present)
    if steps:
        migrate(*steps)


def _benefits_in_payment(database: peewee.Database, migrator: SchemaMigrator) -> None:
    """Version 8 (issue 15): benefit (待遇 in payment), benefit_run (posted monthly runs) and
    benefit_payment.benefit_id / run_month / kind. Existing payments keep no benefit (one-off)."""
    from db.models import Benefit, BenefitRun

    database.create_tables([Benefit, BenefitRun], safe=True)
    present = {c.name for c in database.get_columns("benefit_payment")}
    steps = []
    if "benefit_id" not in present:
        steps.append(migrator.add_column("benefit_payment", "benefit_id",
                                         peewee.ForeignKeyField(Benefit, field="id", null=True,
                                                                on_delete="SET NULL")))
    if "run_month" not in present:
        steps.append(migrator.add_column("benefit_payment", "run_month", peewee.DateField(null=True)))
    if "kind" not in present:
        steps.append(migrator.add_column("benefit_payment", "kind", peewee.CharField(max_length=10,
                                                                                      default="monthly")))
    if steps:
        migrate(*steps)


#: The ``now`` of the migration run, for steps that write a dated record.
_MIGRATION_NOW: contextvars.ContextVar[dt.datetime] = contextvars.ContextVar("migration_now")


def _audit_hmac(database: peewee.Database, migrator: SchemaMigrator) -> None:
    """Version 4: the audit chain is keyed (HMAC-SHA256, key file outside the
    database). An existing unkeyed chain is checked the old way, re-hashed
    with the key and closed by an ``audit.rekey`` entry naming the old head;
    a broken old chain stops the migration (re-keying would bless it)."""
    if not database.execute_sql("SELECT 1 FROM audit_entry LIMIT 1").fetchone():
        return
    # Re-keying blesses whatever chain is there, so it runs only on a database whose own
    # history says it predates the keyed chain. A forger with only the database could
    # otherwise rewrite the chain with plain SHA-256, delete version 4's row and let
    # migrate re-key the forgery (see _refuse_gaps too).
    later = [v for v in applied_versions(database) if v > 4]
    if later:
        raise SchemaError(f"数据库已记录结构版本 {max(later)}，却缺少版本 4（审计链加密钥）：版本记录被改动过，"
                          "不能重新加密钥。请从备份恢复，或把这份数据库交主管核查")
    if "death_date" in {column.name for column in database.get_columns("resident")}:
        # Version 6 added resident.death_date: a database that has it went through version 4 (or was
        # created keyed at a later version), whatever its version rows now say.
        raise SchemaError("数据库结构已含版本 6 的字段（resident.death_date），版本 4（审计链加密钥）的记录却不见了："
                          "版本记录被改动过，不能重新加密钥。请从备份恢复，或把这份数据库交主管核查")
    if database.execute_sql("SELECT 1 FROM audit_entry WHERE action = 'audit.rekey' LIMIT 1").fetchone():
        raise SchemaError("审计链里已有 audit.rekey（已加过密钥），版本 4 的记录却不见了：版本记录被改动过，"
                          "不能再次加密钥。请从备份恢复，或把这份数据库交主管核查")
    try:
        key = audit.current_key()
    except audit.AuditKeyError as exc:
        raise SchemaError(f"升级审计链需要审计密钥：{exc}") from None
    try:
        audit.rekey_legacy_chain(database, key, _MIGRATION_NOW.get())
    except audit.LegacyChainBroken as exc:
        raise SchemaError(f"旧审计链在 {exc} 处断开：不能升级为密钥链。请从备份恢复，"
                          "或把这份数据库交主管核查后再迁移") from None


def _death_date(database: peewee.Database, migrator: SchemaMigrator) -> None:
    """Version 6 (issue 14): resident.death_date, the date of death on record (死亡登记);
    the entitlement service refuses claims after it (reason ``deceased``)."""
    if "death_date" not in {c.name for c in database.get_columns("resident")}:
        migrate(migrator.add_column("resident", "death_date", peewee.DateField(null=True)))


def _queue_functions(database: peewee.Database, migrator: SchemaMigrator | None) -> None:
    """Version 10 (issue 18): the PostgreSQL queue functions ``kiosk_take_ticket`` and
    ``kiosk_call_next`` (db.queue_functions: one round trip each, NOTIFY included);
    nothing on SQLite. ``init_schema`` runs it too, since it stamps without applying."""
    from db.queue_functions import create_queue_functions

    create_queue_functions(database)


def _rule_finding_notes(database: peewee.Database, migrator: SchemaMigrator) -> None:
    """Version 11 (issue 16): rule_finding_note, the 稽核 findings a supervisor marked
    explained (with a reason), so the next audit shows them as known."""
    from db.models import RuleFindingNote

    database.create_tables([RuleFindingNote], safe=True)


def _payment_channel(database: peewee.Database, migrator: SchemaMigrator) -> None:
    """Version 14 (issue 15.3): payment.channel (counter | tax | bank) and payment.reference (the
    channel's 税票号/银行流水号), unique per channel; existing payments were taken at the counter."""
    present = {c.name for c in database.get_columns("payment")}
    steps = []
    if "channel" not in present:
        steps.append(migrator.add_column("payment", "channel", peewee.CharField(max_length=8, default="counter")))
    if "reference" not in present:
        steps.append(migrator.add_column("payment", "reference", peewee.CharField(max_length=40, null=True)))
    if steps:
        migrate(*steps)
    if not any(index.name == "payment_channel_reference" for index in database.get_indexes("payment")):
        migrate(migrator.add_index("payment", ("channel", "reference"), True))


def _info_change(database: peewee.Database, migrator: SchemaMigrator) -> None:
    """Version 12 (issue 15.2 信息变更): info_change_history (the values a change replaced) and
    resident.bank_account (the 社保卡金融账户 changed at the counter; "" = the card's own)."""
    from db.models import InfoChangeHistory

    if "bank_account" not in {c.name for c in database.get_columns("resident")}:
        migrate(migrator.add_column("resident", "bank_account", peewee.CharField(max_length=40, default="")))
    database.create_tables([InfoChangeHistory], safe=True)


def _money15(database: peewee.Database, migrator: SchemaMigrator) -> None:
    """Version 13 (issue 15 money fixes): benefit.recovered_fen (overpayment netted against the estate
    at the inheritance payment), benefit_run.policy_digest and benefit_run.policy_version (the policy
    file a run was posted with: its content hash and the version's effective date)."""
    steps = []
    if "recovered_fen" not in {c.name for c in database.get_columns("benefit")}:
        steps.append(migrator.add_column("benefit", "recovered_fen", peewee.BigIntegerField(default=0)))
    present = {c.name for c in database.get_columns("benefit_run")}
    if "policy_digest" not in present:
        steps.append(migrator.add_column("benefit_run", "policy_digest", peewee.CharField(max_length=64, default="")))
    if "policy_version" not in present:
        steps.append(migrator.add_column("benefit_run", "policy_version", peewee.CharField(max_length=120, default="")))
    if steps:
        migrate(*steps)


def _disbursement_anchor(database: peewee.Database, migrator: SchemaMigrator) -> None:
    """Version 15 (attack D6): benefit_payment.bank_account and benefit_payment.reference (the account a
    run paid each line to, as it was then, and its 业务参考号) and benefit_run.file_sha256 (the 代发文件's
    hash), so a file can be checked against the database and the money traced after a 信息变更.
    Defaults, not NOT NULL without one (SQLite would rebuild the table)."""
    steps = []
    present = {c.name for c in database.get_columns("benefit_payment")}
    if "bank_account" not in present:
        steps.append(migrator.add_column("benefit_payment", "bank_account", peewee.CharField(max_length=40, default="")))
    if "reference" not in present:
        steps.append(migrator.add_column("benefit_payment", "reference", peewee.CharField(max_length=40, default="")))
    if "file_sha256" not in {c.name for c in database.get_columns("benefit_run")}:
        steps.append(migrator.add_column("benefit_run", "file_sha256", peewee.CharField(max_length=64, default="")))
    if steps:
        migrate(*steps)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "baseline schema", _baseline),
    Migration(2, "ticket.terminal", _ticket_terminal),
    Migration(3, "resident service password", _service_password),
    Migration(4, "audit chain keyed with HMAC-SHA256", _audit_hmac),
    Migration(6, "resident.death_date", _death_date),
    Migration(7, "hukou_region, application accepted_by/approved_by, transfer months/temporary",
              _entitlement_columns),
    Migration(8, "benefit in payment, benefit_run, benefit_payment.benefit_id/run_month/kind", _benefits_in_payment),
    Migration(10, "PostgreSQL queue functions (take ticket, call next) with NOTIFY", _queue_functions),
    Migration(11, "rule_finding_note (稽核 findings marked explained)", _rule_finding_notes),
    Migration(12, "info_change_history and resident.bank_account (信息变更)", _info_change),
    Migration(13, "benefit.recovered_fen, benefit_run.policy_digest/policy_version (issue 15 money)", _money15),
    Migration(14, "payment.channel and payment.reference (collection channels)", _payment_channel),
    Migration(15, "benefit_payment.bank_account/reference, benefit_run.file_sha256 (代发文件 anchored)",
              _disbursement_anchor),
)
LATEST_VERSION = MIGRATIONS[-1].version


class SchemaError(RuntimeError):
    """The database has no schema, or one newer than this program knows."""


def current_version(database: peewee.Database) -> int:
    """The applied schema version, 0 for an empty database."""
    if not database.table_exists("schema_version"):
        return 0
    row = SchemaVersion.select(peewee.fn.MAX(SchemaVersion.version)).scalar()
    return int(row or 0)


def init_schema(database: peewee.Database, now: dt.datetime) -> int:
    """Create every table on an empty database; on an existing one, migrate.

    Returns the schema version afterwards.
    """
    if current_version(database) > 0:
        return migrate_schema(database, now)
    with database.atomic():
        database.create_tables(ALL_MODELS, safe=True)
        for step in MIGRATIONS:
            SchemaVersion.create(version=step.version, description=step.description, applied_at=now)
        AuditHead.get_or_create(id=1, defaults={"seq": 0, "hash": GENESIS_HASH})
        ensure_defaults()  # queue categories A-V and counters 1-6 (RULES §11.2)
        _queue_functions(database, None)  # server-side functions are not tables: create them here too
    return LATEST_VERSION


def migrate_schema(database: peewee.Database, now: dt.datetime) -> int:
    """Apply every pending migration; returns the version afterwards."""
    version = current_version(database)
    if version == 0:
        raise SchemaError("数据库尚未初始化：请先运行 kiosk db init")
    if version > LATEST_VERSION:
        raise SchemaError(
            f"数据库结构版本 {version} 比本程序（{LATEST_VERSION}）新：请升级程序，不要降级数据库"
        )
    from playhouse.migrate import SchemaMigrator

    migrator = SchemaMigrator.from_database(database)
    _MIGRATION_NOW.set(now)
    applied = applied_versions(database)
    _refuse_gaps(applied)
    pending = [step for step in MIGRATIONS if step.version not in applied]
    if not pending:
        _refuse_missing_tables(database)
    with _foreign_keys_deferred(database):
        for step in pending:
            try:
                with database.atomic():
                    step.apply(database, migrator)
                    SchemaVersion.create(version=step.version, description=step.description, applied_at=now)
            except peewee.DatabaseError as exc:  # a table gone under the step, a column retyped
                first = " ".join(str(exc).split())[:160]
                raise SchemaError(f"迁移到版本 {step.version} 失败：{first}。数据库可能不完整，请运行 kiosk db check") from None
            version = max(version, step.version)
    _refuse_missing_tables(database)
    return version


@contextlib.contextmanager
def _foreign_keys_deferred(database: peewee.Database) -> Iterator[None]:
    """SQLite: foreign keys off while the steps run, checked whole afterwards.

    Adding a NOT NULL column (``add_column`` with a default) makes playhouse rebuild the table on
    SQLite (copy, drop, rename); dropping ``resident`` while contributions point at it fails with
    "FOREIGN KEY constraint failed", so a hall's populated database could not be migrated. SQLite's
    documented procedure for such changes is to switch foreign keys off outside the transaction,
    change the schema, run ``PRAGMA foreign_key_check`` and switch them on again
    (https://www.sqlite.org/lang_altertable.html). PostgreSQL alters in place: nothing to do.
    """
    if not isinstance(database, peewee.SqliteDatabase):
        yield
        return
    database.execute_sql("PRAGMA foreign_keys = OFF")
    try:
        yield
        broken = database.execute_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            table, rowid, parent, _ = broken[0]
            raise SchemaError(f"迁移后 {table} 第 {rowid} 行指向不存在的 {parent}（共 {len(broken)} 处）："
                              "请从备份恢复，或把这份数据库交主管核查")
    finally:
        database.execute_sql("PRAGMA foreign_keys = ON")


def _refuse_gaps(applied: set[int]) -> None:
    """Refuse a schema_version history with a hole: a known version missing below one recorded.

    Real databases are stamped in order (init stamps all, migrate applies in order), so a
    hole means the history was edited. Filling it is never safe to assume harmless: the
    version-4 step re-keys the audit chain and would bless a forged one.
    """
    top = max(applied, default=0)
    holes = [str(step.version) for step in MIGRATIONS if step.version < top and step.version not in applied]
    if holes:
        raise SchemaError(f"数据库的结构版本记录有缺口：已有版本 {top}，却缺少版本 {'、'.join(holes)}。"
                          "版本记录被改动过，迁移不会补做这些步骤；请从备份恢复，或把这份数据库交主管核查")


def missing_tables(database: peewee.Database) -> list[str]:
    """Tables of the models that the database lacks (a dropped table, a half restore)."""
    present = set(database.get_tables())
    return sorted(m._meta.table_name for m in ALL_MODELS if m._meta.table_name not in present)


def _refuse_missing_tables(database: peewee.Database) -> None:
    missing = missing_tables(database)
    if missing:
        raise SchemaError(f"缺少表 {'、'.join(missing)}：数据库不完整，请从备份恢复")


def applied_versions(database: peewee.Database) -> set[int]:
    """The migration versions recorded in schema_version."""
    return {int(v) for (v,) in SchemaVersion.select(SchemaVersion.version).tuples().iterator()}


def require_current(database: peewee.Database) -> None:
    """Raise SchemaError unless the schema is initialised and current."""
    version = current_version(database)
    if version == 0:
        raise SchemaError("数据库尚未初始化：请运行 kiosk db init")
    if version != LATEST_VERSION:
        raise SchemaError(f"数据库结构版本 {version}，需要 {LATEST_VERSION}：请运行 kiosk db migrate")
    applied = applied_versions(database)
    _refuse_gaps(applied)  # a hole is not fixed by migrate: say what it is
    missing = [str(step.version) for step in MIGRATIONS if step.version not in applied]
    if missing:
        raise SchemaError(f"数据库结构缺少版本 {'、'.join(missing)}：请运行 kiosk db migrate")
