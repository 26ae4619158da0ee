"""Migration 12 (信息变更, issue 15.2) on SQLite and PostgreSQL: a database from before it gains
info_change_history and resident.bank_account, and keeps its residents."""

from __future__ import annotations

import datetime as dt

from db.connection import open_database
from db.models import Contribution, InfoChangeHistory, Payment, Resident, SchemaVersion
from db.schema import LATEST_VERSION, current_version, init_schema, migrate_schema

NOW = dt.datetime(2026, 11, 29, 1, 30)


def test_migrate_adds_the_history_table_and_the_bank_account(db_url: str) -> None:
    database = open_database(db_url)
    init_schema(database, NOW)
    person = Resident.create(id_number="110101199003074514", name="张三", sex="male",
                             birth_date=dt.date(1990, 3, 7), created_at=NOW, updated_at=NOW)
    # A hall's database: rows point at the resident. On SQLite the NOT NULL column makes playhouse
    # rebuild the resident table (copy, drop, rename): with foreign keys on, dropping it failed on the
    # payment (ON DELETE RESTRICT) and would have deleted the contributions (ON DELETE CASCADE).
    Payment.create(resident=person, amount_fen=30000, method="cash", purpose="pension_resident",
                   receipt_code="RC0000000001", terminal="T01", created_at=NOW)
    Contribution.create(resident=person, insurance="pension", scheme="resident", month=dt.date(2025, 1, 1),
                        individual_fen=30000, paid_at=NOW)
    # Back to version 11: later versions are re-applied by migrate (each checks what is there).
    database.execute_sql("DROP TABLE info_change_history")
    database.execute_sql("ALTER TABLE resident DROP COLUMN bank_account")
    SchemaVersion.delete().where(SchemaVersion.version >= 12).execute()
    assert current_version(database) == 11
    assert migrate_schema(database, NOW) == LATEST_VERSION
    assert "bank_account" in {c.name for c in database.get_columns("resident")}
    assert database.table_exists("info_change_history")
    row = Resident.get(Resident.id_number == "110101199003074514")
    assert row.bank_account == "" and row.name == "张三"
    assert Contribution.get().resident_id == row.id == Payment.get().resident_id  # kept, still pointing at it
    if database.__class__.__name__.startswith("Sqlite"):
        assert database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1  # switched back on
    InfoChangeHistory.create(resident=row.id, field="name", old_value="张三", new_value="张叁", changed_at=NOW)
    assert InfoChangeHistory.select().count() == 1
    database.close()
