"""The HMAC audit chain names the first bad entry for any corruption (SQLite and PostgreSQL).

Each test builds a chain of five entries (and a resident, as every real
database has business records), damages it the way someone with only the
database could, and checks that :func:`db.audit.check_chain` names the
entry; nothing stored in the tables may make it raise.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import peewee
import pytest

from db import audit
from db.check import run_checks
from db.connection import is_sqlite
from db.models import AuditEntry, AuditHead, Resident

NOW = dt.datetime(2026, 11, 29, 1, 30)
COLUMNS = ("seq", "created_at", "actor", "terminal", "action", "entity", "entity_id", "detail", "prev_hash", "hash")


@pytest.fixture
def chain(database: peewee.Database) -> list[AuditEntry]:
    """Five entries (ids in order) and one resident."""
    Resident.create(id_number="110101199003074514", name="张三", sex="male", birth_date=dt.date(1990, 3, 7),
                    created_at=NOW, updated_at=NOW)
    return [audit.append(actor="S001", terminal="T01", action="resident.update", now=NOW + dt.timedelta(seconds=i),
                         entity="resident", entity_id=i, detail={"n": i, "名": "张三"}) for i in range(1, 6)]


def problem(**kwargs: object) -> audit.ChainBreak:
    found = audit.check_chain(**kwargs).problem  # type: ignore[arg-type]
    assert found is not None, "the damage went unnoticed"
    return found


def loosen(database: peewee.Database, column: str, *, to_text: bool = False) -> None:
    """Let a column hold NULL or (``to_text``) any text, as an intruder with the database can."""
    if is_sqlite(database):
        # CREATE TABLE AS copies the rows without NOT NULL (SQLite columns already take any type).
        database.execute_sql("CREATE TABLE loose AS SELECT * FROM audit_entry")
        database.execute_sql("DROP TABLE audit_entry")
        database.execute_sql("ALTER TABLE loose RENAME TO audit_entry")
    elif to_text:
        database.execute_sql(f"ALTER TABLE audit_entry ALTER COLUMN {column} TYPE text USING {column}::text")
    else:
        database.execute_sql(f"ALTER TABLE audit_entry ALTER COLUMN {column} DROP NOT NULL")


def test_an_intact_chain_passes_and_reports_its_head(chain: list[AuditEntry], database: peewee.Database) -> None:
    result = audit.check_chain()
    assert result.problem is None and result.entries == 5
    assert (result.head_seq, result.head_hash) == (5, chain[-1].hash) == audit.head()
    assert run_checks(database) == []


def test_created_at_edited_to_a_string_names_the_entry(chain: list[AuditEntry], database: peewee.Database) -> None:
    if not is_sqlite(database):
        loosen(database, "created_at", to_text=True)
    database.execute_sql(f"UPDATE audit_entry SET created_at = 'yesterday 9 am' WHERE id = {chain[2].id}")
    found = problem()
    assert (found.seq, found.entry_id, found.code) == (3, chain[2].id, "not_time")
    assert "#3" in str(found) and "created_at" in str(found)


def test_created_at_moved_by_a_second_names_the_entry(chain: list[AuditEntry], database: peewee.Database) -> None:
    AuditEntry.update(created_at=NOW + dt.timedelta(seconds=99)).where(AuditEntry.id == chain[1].id).execute()
    found = problem()
    assert (found.seq, found.entry_id, found.code) == (2, chain[1].id, "bad_hmac")


@pytest.mark.parametrize("column", COLUMNS)
def test_each_column_set_to_null_names_the_entry(chain: list[AuditEntry], database: peewee.Database,
                                                 column: str) -> None:
    loosen(database, column)
    database.execute_sql(f"UPDATE audit_entry SET {column} = NULL WHERE id = {chain[2].id}")
    found = problem()
    assert (found.seq, found.entry_id, found.code) == (3, chain[2].id, "null")
    assert column in str(found)


def test_an_integer_column_edited_to_text_names_the_entry(chain: list[AuditEntry], database: peewee.Database) -> None:
    loosen(database, "seq", to_text=True)
    database.execute_sql(f"UPDATE audit_entry SET seq = 'three' WHERE id = {chain[2].id}")
    found = problem()
    assert (found.seq, found.entry_id, found.code) == (3, chain[2].id, "not_integer")


def test_a_text_column_holding_a_number_names_the_entry(chain: list[AuditEntry], database: peewee.Database) -> None:
    if not is_sqlite(database):
        loosen(database, "detail", to_text=True)
    database.execute_sql(f"UPDATE audit_entry SET detail = 42 WHERE id = {chain[3].id}")
    found = problem()
    assert (found.seq, found.entry_id) == (4, chain[3].id)


def test_a_deleted_middle_entry_is_named(chain: list[AuditEntry]) -> None:
    AuditEntry.delete().where(AuditEntry.id == chain[2].id).execute()
    found = problem()
    assert (found.seq, found.code) == (3, "missing")
    assert f"id={chain[1].id}" in str(found) and f"id={chain[3].id}" in str(found)


def test_deleted_newest_entries_with_a_rewound_head_need_the_anchor(chain: list[AuditEntry]) -> None:
    anchor = audit.Anchor(5, chain[4].hash, line=1)
    AuditEntry.delete().where(AuditEntry.id >= chain[2].id).execute()
    AuditHead.update(seq=2, hash=chain[1].hash).execute()
    assert audit.check_chain().problem is None  # the head alone cannot tell
    found = problem(anchors=[anchor])
    assert (found.seq, found.code) == (5, "anchor_missing")
    assert "#5" in str(found)


def test_an_anchored_entry_rewritten_is_named(chain: list[AuditEntry]) -> None:
    """An anchor of 16 hex digits (as printed on paper) is enough."""
    anchor = audit.Anchor(4, chain[3].hash[:16], line=2)
    assert audit.check_chain(anchors=[anchor]).problem is None
    other = b"k" * 32  # someone holding a key (or the old one) rewrote the whole chain
    previous = audit.GENESIS_HASH
    for entry in AuditEntry.select().order_by(AuditEntry.seq):
        digest = audit.keyed_digest(other, previous, entry.seq, entry.created_at.isoformat(timespec="microseconds"),
                                    entry.actor, entry.terminal, entry.action, entry.entity, entry.entity_id,
                                    entry.detail)
        AuditEntry.update(prev_hash=previous, hash=digest).where(AuditEntry.id == entry.id).execute()
        previous = digest
    AuditHead.update(hash=previous).execute()
    assert audit.check_chain(key=other).problem is None
    found = problem(key=other, anchors=[anchor])
    assert (found.seq, found.code) == (4, "anchor_mismatch")


def test_reordered_entries_are_named(chain: list[AuditEntry], database: peewee.Database) -> None:
    AuditEntry.update(seq=99).where(AuditEntry.id == chain[1].id).execute()
    AuditEntry.update(seq=2).where(AuditEntry.id == chain[2].id).execute()
    AuditEntry.update(seq=3).where(AuditEntry.id == chain[1].id).execute()
    found = problem()
    assert found.seq == 2 and found.code == "missing"
    assert f"第 3 条，id={chain[1].id}" in str(found)  # the row found where entry 2 belongs


def test_an_inserted_forged_entry_is_named(chain: list[AuditEntry]) -> None:
    forged = AuditEntry.create(seq=6, created_at=NOW, actor="S001", terminal="T01", action="payment.record",
                               entity="payment", entity_id="1", detail={}, prev_hash=chain[-1].hash, hash="f" * 64)
    AuditHead.update(seq=6, hash="f" * 64).execute()
    found = problem()
    assert (found.seq, found.entry_id, found.code) == (6, forged.id, "bad_hmac")


def test_emptied_tables_with_business_records_are_an_error(chain: list[AuditEntry],
                                                           database: peewee.Database) -> None:
    AuditEntry.delete().execute()
    AuditHead.delete().execute()
    found = problem()
    assert found.code == "empty_with_records" and "resident 1" in str(found)
    assert any(p.check == "audit" for p in run_checks(database))
    found = problem(anchors=[audit.Anchor(5, chain[4].hash, line=1)])
    assert found.code == "empty_with_records"


def test_an_empty_chain_without_business_records_is_fine(database: peewee.Database) -> None:
    assert audit.check_chain().problem is None


def test_a_chain_recomputed_with_plain_sha256_fails_at_the_first_entry(chain: list[AuditEntry]) -> None:
    """An intruder with only the database edits an entry and recomputes every hash the old way."""
    AuditEntry.update(actor="S999").where(AuditEntry.id == chain[1].id).execute()
    previous = audit.GENESIS_HASH
    for entry in AuditEntry.select().order_by(AuditEntry.seq):
        digest = audit.legacy_digest(previous, entry.seq, entry.created_at.isoformat(timespec="microseconds"),
                                     entry.actor, entry.terminal, entry.action, entry.entity, entry.entity_id,
                                     entry.detail)
        AuditEntry.update(prev_hash=previous, hash=digest).where(AuditEntry.id == entry.id).execute()
        previous = digest
    AuditHead.update(hash=previous).execute()
    found = problem()
    assert (found.seq, found.entry_id, found.code) == (1, chain[0].id, "bad_hmac")


def test_a_missing_key_is_an_error_not_a_pass(chain: list[AuditEntry], monkeypatch: pytest.MonkeyPatch,
                                              database: peewee.Database) -> None:
    monkeypatch.delenv(audit.KEY_ENV)
    audit.use_key(None)
    with pytest.raises(audit.AuditKeyError):
        audit.check_chain()
    with pytest.raises(audit.AuditKeyError):
        audit.append(actor="S001", terminal="T01", action="x", now=NOW)
    assert [p.check for p in run_checks(database)] == ["audit"]


def test_key_file_is_created_0600_and_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "audit.key"
    key = audit.create_key_file(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert audit.load_key_file(path) == key and len(key) == audit.KEY_BYTES
    with pytest.raises(audit.AuditKeyError, match="已存在"):
        audit.create_key_file(path)
    path.write_text("not a key\n", encoding="ascii")
    with pytest.raises(audit.AuditKeyError, match="格式"):
        audit.load_key_file(path)
    with pytest.raises(audit.AuditKeyError, match="不存在"):
        audit.load_key_file(tmp_path / "nothing.key")


def test_anchor_file_round_trip_and_a_bad_line_named(tmp_path: Path) -> None:
    path = tmp_path / "anchors.txt"
    audit.append_anchor_line(path, audit.format_anchor(7, "ab" * 32, "2026-11-29T21:30:00+08:00"))
    with path.open("a", encoding="utf-8") as handle:
        handle.write("# copied from the printed daily report\n审计链尾 seq=9 hash=0123456789ABCDEF\n")
    assert path.stat().st_mode & 0o777 == 0o600
    assert [(a.seq, a.hash, a.line) for a in audit.read_anchor_file(path)] == [
        (7, "ab" * 32, 1), (9, "0123456789abcdef", 3)]
    with path.open("a", encoding="utf-8") as handle:
        handle.write("seq=10 hash=abc\n")
    with pytest.raises(audit.AnchorFileError, match="第 4 行"):
        audit.read_anchor_file(path)


def test_a_dropped_column_is_reported_not_raised(chain: list[AuditEntry], database: peewee.Database) -> None:
    database.execute_sql("ALTER TABLE audit_entry DROP COLUMN terminal")
    found = problem()
    assert (found.seq, found.code) == (1, "unreadable") and "terminal" in str(found)


def test_the_walk_streams_in_batches_and_closes_cleanly(chain: list[AuditEntry], database: peewee.Database) -> None:
    """PostgreSQL: a server-side cursor (constant memory, 1M entries no longer load at once);
    the walk is still one scan in id order, and stopping early leaves no cursor or transaction."""
    rows = audit._raw_rows(database, 2)
    first = next(rows)
    if not is_sqlite(database):
        open_cursors = [r[0] for r in database.execute_sql("SELECT name FROM pg_cursors").fetchall()]
        assert "kiosk_audit_walk" in open_cursors  # the plain cursor had fetched the whole result
    assert [first[0], *(r[0] for r in rows)] == [e.id for e in chain]
    early = audit._raw_rows(database, 2)
    next(early)
    early.close()
    assert not database.in_transaction()
    if not is_sqlite(database):
        assert database.execute_sql("SELECT count(*) FROM pg_cursors").fetchone()[0] == 0
    assert audit.check_chain(database, batch=2).problem is None
