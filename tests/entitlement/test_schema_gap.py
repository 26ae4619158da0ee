"""A hole in schema_version (v6 missing below v7): ``require_current`` names it and
``migrate`` refuses to fill it — real databases are stamped in order by init and
migrate, so a hole means the history was edited (the audit downgrade attack deletes
row 4 to get the chain re-keyed). SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import peewee
import pytest
from playhouse.migrate import SchemaMigrator, migrate

from db.models import SchemaVersion
from db.schema import SchemaError, applied_versions, migrate_schema, require_current

NOW = dt.datetime(2026, 11, 29, 1, 30)


def test_a_missing_lower_version_is_refused_not_filled(database: peewee.Database) -> None:
    migrate(SchemaMigrator.from_database(database).drop_column("resident", "death_date"))
    SchemaVersion.delete().where(SchemaVersion.version == 6).execute()
    with pytest.raises(SchemaError, match="缺少版本 6"):
        require_current(database)
    with pytest.raises(SchemaError, match=r"缺口.*缺少版本 6"):
        migrate_schema(database, NOW)
    assert 6 not in applied_versions(database)
    assert "death_date" not in {c.name for c in database.get_columns("resident")}
