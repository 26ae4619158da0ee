"""Schema, migrations, ledgers, audit chain and `db check` on both backends."""

from __future__ import annotations

import datetime as dt
import os
import stat

import peewee
import pytest

from db import audit
from db.check import run_checks
from db.connection import open_database, sqlite_path
from db.ledger import LedgerError, account_for, post
from db.models import AuditEntry, AuditHead, LedgerEntry, Resident, SchemaVersion, Ticket
from db.schema import LATEST_VERSION, SchemaError, current_version, init_schema, migrate_schema
from kiosk.clock import FixedClock

NOW = dt.datetime(2026, 11, 29, 1, 30)


def make_resident(number: str = "110101199003074514", name: str = "张三") -> Resident:
    """A resident and, as every real path writes one, its audit entry."""
    resident = Resident.create(id_number=number, name=name, sex="male", birth_date=dt.date(1990, 3, 7),
                               created_at=NOW, updated_at=NOW)
    audit.append(actor="S001", terminal="T01", action="resident.register", now=NOW, entity="resident",
                 entity_id=resident.id)
    return resident


def test_init_creates_every_table_at_latest_version(database: peewee.Database) -> None:
    assert current_version(database) == LATEST_VERSION
    assert {"resident", "ledger_entry", "audit_entry", "print_job", "ticket"} <= set(database.get_tables())
    assert run_checks(database) == []


def test_init_twice_changes_nothing(database: peewee.Database) -> None:
    make_resident()
    assert init_schema(database, NOW) == LATEST_VERSION
    assert Resident.select().count() == 1


def test_ledger_posts_chain_balances(database: peewee.Database) -> None:
    resident = make_resident()
    with database.atomic():
        account = account_for(resident, "pension_resident", today=dt.date(2026, 1, 1), now=NOW)
        post(account, 50_000, "contribution", entry_date=dt.date(2026, 1, 5), now=NOW)
        post(account, 6_000, "subsidy", entry_date=dt.date(2026, 1, 5), now=NOW)
        post(account, -1_000, "payout", entry_date=dt.date(2026, 2, 1), now=NOW)
    account = account_for(resident, "pension_resident", today=dt.date(2026, 1, 1), now=NOW)
    assert account.balance_fen == 55_000
    assert [e.balance_after_fen for e in account.entries.order_by(LedgerEntry.seq)] == [50_000, 56_000, 55_000]
    with pytest.raises(LedgerError):
        post(account, -100_000, "payout", entry_date=dt.date(2026, 2, 1), now=NOW)
    assert run_checks(database) == []


def test_check_names_the_ledger_row_edited_by_hand(database: peewee.Database) -> None:
    resident = make_resident()
    account = account_for(resident, "pension_employee", today=dt.date(2026, 1, 1), now=NOW)
    entries = [post(account, amount, "contribution", entry_date=dt.date(2026, 1, 1), now=NOW)
               for amount in (10_000, 20_000, 30_000)]
    database.execute_sql(f"UPDATE ledger_entry SET amount_fen = 99999 WHERE id = {entries[1].id}")
    problems = run_checks(database)
    assert len(problems) == 1
    assert f"ledger_entry id={entries[1].id}" in str(problems[0])


def test_check_names_an_account_whose_balance_was_overwritten(database: peewee.Database) -> None:
    resident = make_resident()
    account = account_for(resident, "medical", today=dt.date(2026, 1, 1), now=NOW)
    post(account, 10_000, "contribution", entry_date=dt.date(2026, 1, 1), now=NOW)
    database.execute_sql(f"UPDATE account SET balance_fen = 1 WHERE id = {account.id}")
    problems = run_checks(database)
    assert [p.check for p in problems] == ["ledger"]
    assert f"account id={account.id}" in problems[0].message


def test_audit_chain_detects_edit_delete_and_reorder(database: peewee.Database) -> None:
    entries = [audit.append(actor="S001", terminal="T01", action="resident.update", now=NOW,
                            entity="resident", entity_id=i, detail={"n": i}) for i in range(1, 6)]
    assert audit.verify_chain() is None
    database.execute_sql(f"UPDATE audit_entry SET actor = 'S999' WHERE id = {entries[2].id}")
    found = audit.verify_chain()
    assert found is not None and found.entry_id == entries[2].id and found.seq == 3
    assert any(p.check == "audit" for p in run_checks(database))


def test_audit_chain_detects_a_removed_entry(database: peewee.Database) -> None:
    entries = [audit.append(actor="S001", terminal="T01", action="x", now=NOW) for _ in range(4)]
    AuditEntry.delete().where(AuditEntry.id == entries[1].id).execute()
    found = audit.verify_chain()
    assert found is not None and found.seq == 2


def test_audit_chain_detects_a_removed_last_entry(database: peewee.Database) -> None:
    entries = [audit.append(actor="S001", terminal="T01", action="x", now=NOW) for _ in range(3)]
    AuditEntry.delete().where(AuditEntry.id == entries[-1].id).execute()
    assert audit.verify_chain() is not None


def _legacy_chain(count: int) -> None:
    """Entries as versions before 4 wrote them: plain SHA-256, no key."""
    previous = audit.GENESIS_HASH
    for seq in range(1, count + 1):
        digest = audit.legacy_digest(previous, seq, NOW.isoformat(timespec="microseconds"), "S001", "T01",
                                     "resident.register", "resident", str(seq), {"n": seq})
        AuditEntry.create(seq=seq, created_at=NOW, actor="S001", terminal="T01", action="resident.register",
                          entity="resident", entity_id=str(seq), detail={"n": seq}, prev_hash=previous, hash=digest)
        previous = digest
    AuditHead.update(seq=count, hash=previous).where(AuditHead.id == 1).execute()


def _back_to_version_1(database: peewee.Database) -> None:
    database.execute_sql("ALTER TABLE ticket DROP COLUMN terminal")
    database.execute_sql("ALTER TABLE resident DROP COLUMN death_date")  # version 6's column
    SchemaVersion.delete().where(SchemaVersion.version > 1).execute()
    assert current_version(database) == 1


def test_migrate_brings_a_version_1_database_up_without_losing_rows(db_url: str, clock: FixedClock) -> None:
    database = open_database(db_url)
    init_schema(database, NOW)
    resident = Resident.create(id_number="110101199003074514", name="张三", sex="male",
                               birth_date=dt.date(1990, 3, 7), created_at=NOW, updated_at=NOW)
    Ticket.create(day=dt.date(2026, 11, 29), prefix="A", number=1, code="A001", resident=resident,
                  queue_key=NOW, taken_at=NOW)
    _legacy_chain(3)
    # Take the database back to version 1: no ticket.terminal column, an unkeyed chain.
    _back_to_version_1(database)
    assert migrate_schema(database, NOW) == LATEST_VERSION
    assert "terminal" in {c.name for c in database.get_columns("ticket")}
    assert Ticket.select().count() == 1 and Resident.select().count() == 1
    # Version 4 re-keyed the old chain and said so in a fourth entry naming the old head.
    rekey = AuditEntry.get(AuditEntry.seq == 4)
    assert rekey.action == "audit.rekey" and rekey.detail["legacy_head_seq"] == 3
    assert run_checks(database) == []
    database.close()


def test_migrate_refuses_to_rekey_a_broken_legacy_chain(db_url: str) -> None:
    database = open_database(db_url)
    init_schema(database, NOW)
    _legacy_chain(3)
    database.execute_sql("UPDATE audit_entry SET actor = 'S999' WHERE seq = 2")
    _back_to_version_1(database)
    with pytest.raises(SchemaError, match="#2"):
        migrate_schema(database, NOW)
    assert current_version(database) < 4
    database.close()


def test_a_keyed_chain_made_to_look_old_is_not_rekeyed(db_url: str) -> None:
    """Removing schema version 4 to get a keyed chain re-keyed (blessing edits) fails."""
    database = open_database(db_url)
    init_schema(database, NOW)
    for n in range(3):
        audit.append(actor="S001", terminal="T01", action="x", now=NOW, detail={"n": n})
    _back_to_version_1(database)
    with pytest.raises(SchemaError, match="#1"):
        migrate_schema(database, NOW)
    database.close()


def test_sqlite_file_is_private_and_pragmas_are_set(sqlite_database: peewee.Database) -> None:
    path = sqlite_path(f"sqlite:///{sqlite_database.database}")
    assert path is not None
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    pragma = {name: sqlite_database.execute_sql(f"PRAGMA {name}").fetchone()[0]
              for name in ("journal_mode", "foreign_keys", "synchronous", "busy_timeout")}
    assert pragma == {"journal_mode": "wal", "foreign_keys": 1, "synchronous": 2, "busy_timeout": 15000}
