"""Schema v6 (resident.death_date) released after v7: a database made at 7 without 6
is found incomplete and ``migrate`` adds the missing step — SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import peewee
import pytest
from playhouse.migrate import SchemaMigrator, migrate

from db.models import SchemaVersion
from db.schema import SchemaError, applied_versions, migrate_schema, require_current

NOW = dt.datetime(2026, 11, 29, 1, 30)


def test_a_missing_lower_version_is_applied(database: peewee.Database) -> None:
    migrate(SchemaMigrator.from_database(database).drop_column("resident", "death_date"))
    SchemaVersion.delete().where(SchemaVersion.version == 6).execute()
    with pytest.raises(SchemaError, match="缺少版本 6"):
        require_current(database)
    migrate_schema(database, NOW)
    require_current(database)
    assert 6 in applied_versions(database)
    assert "death_date" in {c.name for c in database.get_columns("resident")}
