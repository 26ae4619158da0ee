"""Backups: consistent copies while the database is written, restore, retention."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import peewee
import pytest

from db import audit
from db.backup import BackupError, backup, backup_daily, restore
from db.check import run_checks
from db.connection import open_database, write_transaction
from db.ledger import account_for, post
from db.models import ALL_MODELS, AuditEntry, LedgerEntry, Resident
from kiosk.cli import main

NOW = dt.datetime(2026, 11, 29, 1, 30)


def _writer(url: str, stop: threading.Event, written: list[int]) -> None:
    """Another terminal posting to a ledger (and the audit log) until told to stop."""
    database = open_database(url)
    resident = Resident.create(id_number="110101199003074514", name="张三", sex="male",
                               birth_date=dt.date(1990, 3, 7), created_at=NOW, updated_at=NOW)
    account = account_for(resident, "pension_resident", today=dt.date(2026, 1, 1), now=NOW)
    while not stop.is_set() and len(written) < 2000:
        with write_transaction(database):
            post(account, 100, "contribution", entry_date=dt.date(2026, 1, 1), now=NOW)
            audit.append(actor="S001", terminal="T01", action="payment", now=NOW)
        written.append(1)
    database.close()


def test_backup_during_writes_restores_whole(sqlite_database: peewee.Database, tmp_path: Path) -> None:
    url = f"sqlite:///{sqlite_database.database}"
    stop, written = threading.Event(), []
    thread = threading.Thread(target=_writer, args=(url, stop, written))
    thread.start()
    while len(written) < 50:
        pass
    target = backup(url, tmp_path / "copy.backup")
    stop.set()
    thread.join()
    restored_url = f"sqlite:///{tmp_path / 'restored.db'}"
    restore(target, restored_url)
    restored = open_database(restored_url)
    assert run_checks(restored) == []
    copied = {m.__name__: m.select().count() for m in ALL_MODELS}
    assert copied["LedgerEntry"] >= 50 and copied["LedgerEntry"] == copied["AuditEntry"]
    restored.close()
    # The backup is a snapshot: the live database kept going past it.
    live = open_database(url)
    assert LedgerEntry.select().count() == len(written) >= copied["LedgerEntry"]
    assert AuditEntry.select().count() == len(written)
    live.close()


def test_backup_refuses_to_overwrite_and_restore_refuses_a_full_database(
    sqlite_database: peewee.Database, tmp_path: Path
) -> None:
    url = f"sqlite:///{sqlite_database.database}"
    target = backup(url, tmp_path / "one.backup")
    with pytest.raises(BackupError, match="已存在"):
        backup(url, target)
    with pytest.raises(BackupError, match="已有数据"):
        restore(target, url)
    (tmp_path / "junk.backup").write_bytes(b"not a database at all" * 100)
    with pytest.raises(BackupError):
        restore(tmp_path / "junk.backup", f"sqlite:///{tmp_path / 'new.db'}")


def test_daily_backups_keep_only_recent_days(sqlite_database: peewee.Database, tmp_path: Path) -> None:
    url = f"sqlite:///{sqlite_database.database}"
    folder = tmp_path / "backups"
    made = [backup_daily(url, folder, keep_days=3, now=dt.datetime(2026, 11, day, 21, 30))[0]
            for day in range(20, 30)]
    left = sorted(p.name for p in folder.iterdir())
    assert left == [p.name for p in made[-4:]]  # 26th (exactly 3 days) to 29th


@pytest.mark.postgres
def test_postgres_backup_and_restore_via_cli(pg_schema_url: str, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setenv("KIOSK_DATABASE_URL", pg_schema_url)
    assert main(["db", "init"]) == 0
    database = open_database(pg_schema_url)
    resident = Resident.create(id_number="110101199003074514", name="张三", sex="male",
                               birth_date=dt.date(1990, 3, 7), created_at=NOW, updated_at=NOW)
    with write_transaction(database):
        post(account_for(resident, "medical", today=dt.date(2026, 1, 1), now=NOW), 500, "contribution",
             entry_date=dt.date(2026, 1, 1), now=NOW)
        audit.append(actor="S001", terminal="T01", action="payment", now=NOW)
    database.close()
    assert main(["db", "backup", str(tmp_path / "pg.backup")]) == 0

    base, query = pg_schema_url.split("?", 1)
    server, _ = base.rsplit("/", 1)
    scratch = f"restore_{tmp_path.name[-8:].lower().replace('-', '_')}"
    admin = open_database(base)
    admin.execute_sql(f'CREATE DATABASE "{scratch}"')
    try:
        restored_url = f"{server}/{scratch}?{query}"
        monkeypatch.setenv("KIOSK_DATABASE_URL", restored_url)
        assert main(["db", "restore", str(tmp_path / "pg.backup")]) == 0
        assert main(["db", "check"]) == 0
        restored = open_database(restored_url)
        assert Resident.select().count() == 1 and LedgerEntry.select().count() == 1
        restored.close()
    finally:
        admin.close()
        admin = open_database(base)
        admin.execute_sql(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        admin.close()
    # A PostgreSQL dump does not load into SQLite: a clear error, not a crash.
    monkeypatch.setenv("KIOSK_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    assert main(["db", "restore", str(tmp_path / "pg.backup")]) == 2


def _corrupt_a_page(path: Path) -> None:
    """Overwrite one b-tree page in the middle of the file with junk, as a failing disk would."""
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big") or 65536
    assert len(data) >= 6 * page, len(data)
    middle = (len(data) // page // 2) * page
    data[middle:middle + page] = bytes([0x5A]) * page
    path.write_bytes(bytes(data))


def test_a_page_corrupted_database_is_not_backed_up_and_old_backups_stay(
        sqlite_database: peewee.Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(400):
        Resident.create(id_number=f"1101011990030{n:05d}", name=f"张三{n}", sex="male",
                        birth_date=dt.date(1990, 3, 7), created_at=NOW, updated_at=NOW)
    sqlite_database.close()
    path = Path(sqlite_database.database)
    url = f"sqlite:///{path}"
    folder = tmp_path / "backups"
    good = [backup_daily(url, folder, keep_days=3, now=dt.datetime(2026, 11, day, 21, 30))[0] for day in (20, 21)]
    _corrupt_a_page(path)
    with pytest.raises(BackupError, match="已损坏"):
        backup(url, tmp_path / "bad.backup")
    assert not (tmp_path / "bad.backup").exists()
    with pytest.raises(BackupError, match="已损坏"):  # ten days later: the old good ones are not pruned
        backup_daily(url, folder, keep_days=3, now=dt.datetime(2026, 11, 30, 21, 30))
    assert sorted(folder.iterdir()) == good
    monkeypatch.setenv("KIOSK_DATABASE_URL", url)
    monkeypatch.setenv("KIOSK_LOG_DIR", str(tmp_path / "logs"))
    assert main(["db", "backup", str(tmp_path / "cli.backup")]) != 0
    assert main(["db", "backup-daily", str(folder)]) != 0
    assert sorted(folder.iterdir()) == good
