"""`kiosk db init | audit anchor | audit verify [--anchor]` through the real command line
(a subprocess): the key file, the anchor file, and one line naming the damaged entry
for every kind of corruption, never a traceback. SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import peewee
import pytest

from db import audit
from db.models import AuditEntry, AuditHead, Resident
from tests.db.test_audit_chain import loosen

ROOT = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2026, 11, 29, 1, 30)


@dataclass
class Cli:
    """Runs ``python -m kiosk`` with a configuration of its own in ``folder``."""

    folder: Path
    url: str

    @property
    def key_file(self) -> Path:
        return self.folder / "conf" / "audit.key"

    @property
    def anchor_file(self) -> Path:
        return self.folder / "anchors.txt"

    def env(self) -> dict[str, str]:
        config = self.folder / "conf" / "kiosk.toml"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(f'[audit]\nkey_file = "{self.key_file}"\nanchor_file = "{self.anchor_file}"\n',
                          encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k != audit.KEY_ENV}
        env.update(KIOSK_CONFIG=str(config), KIOSK_DATABASE_URL=self.url, PYTHONPATH=str(ROOT),
                   KIOSK_LOG_DIR=str(self.folder / "logs"), XDG_DATA_HOME=str(self.folder / "data"),
                   XDG_CONFIG_HOME=str(self.folder / "config"))
        return env

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "kiosk", *args], env=self.env(), capture_output=True,
                              text=True, cwd=self.folder, timeout=120, stdin=subprocess.DEVNULL)


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    """The whole output, asserted to be a single line without a traceback."""
    output = (result.stdout + result.stderr).strip()
    assert "Traceback" not in output, output
    assert len(output.splitlines()) == 1, output
    return output


@pytest.fixture
def cli(database: peewee.Database, db_url: str, tmp_path: Path) -> Cli:
    """An initialised database, its key file, and five keyed entries plus a resident."""
    runner = Cli(tmp_path, db_url)
    audit.use_key(audit.create_key_file(runner.key_file))
    Resident.create(id_number="110101199003074514", name="张三", sex="male", birth_date=dt.date(1990, 3, 7),
                    created_at=NOW, updated_at=NOW)
    for i in range(1, 6):
        audit.append(actor="S001", terminal="T01", action="resident.update", now=NOW, entity="resident",
                     entity_id=i, detail={"n": i})
    audit.append_anchor_line(runner.anchor_file, audit.format_anchor(*audit.head(), "2026-11-29T21:30:00+08:00"))
    return runner


def _entry(seq: int) -> AuditEntry:
    return AuditEntry.get(AuditEntry.seq == seq)


def _created_at_text(db: peewee.Database) -> int:
    if "postgres" in type(db).__name__.lower():
        loosen(db, "created_at", to_text=True)
    db.execute_sql("UPDATE audit_entry SET created_at = 'yesterday 9 am' WHERE seq = 3")
    return 3


def _null_actor(db: peewee.Database) -> int:
    loosen(db, "actor")
    db.execute_sql("UPDATE audit_entry SET actor = NULL WHERE seq = 2")
    return 2


def _seq_text(db: peewee.Database) -> int:
    loosen(db, "seq", to_text=True)
    db.execute_sql("UPDATE audit_entry SET seq = 'four' WHERE seq = '4'")
    return 4


def _deleted_middle(db: peewee.Database) -> int:
    AuditEntry.delete().where(AuditEntry.seq == 3).execute()
    return 3


def _deleted_newest_head_rewound(db: peewee.Database) -> int:
    keep = _entry(2)
    AuditEntry.delete().where(AuditEntry.seq > 2).execute()
    AuditHead.update(seq=2, hash=keep.hash).execute()
    return 5  # the anchored head


def _reordered(db: peewee.Database) -> int:
    second, third = _entry(2).id, _entry(3).id
    AuditEntry.update(seq=99).where(AuditEntry.id == second).execute()
    AuditEntry.update(seq=2).where(AuditEntry.id == third).execute()
    AuditEntry.update(seq=3).where(AuditEntry.id == second).execute()
    return 2


def _inserted(db: peewee.Database) -> int:
    last = _entry(5)
    AuditEntry.create(seq=6, created_at=NOW, actor="S001", terminal="T01", action="payment.record", entity="",
                      entity_id="", detail={}, prev_hash=last.hash, hash="e" * 64)
    AuditHead.update(seq=6, hash="e" * 64).execute()
    return 6


def _emptied(db: peewee.Database) -> int:
    AuditEntry.delete().execute()
    AuditHead.delete().execute()
    return 0


def _recomputed_unkeyed(db: peewee.Database) -> int:
    AuditEntry.update(actor="S999").where(AuditEntry.seq == 3).execute()
    previous = audit.GENESIS_HASH
    for entry in AuditEntry.select().order_by(AuditEntry.seq):
        digest = audit.legacy_digest(previous, entry.seq, entry.created_at.isoformat(timespec="microseconds"),
                                     entry.actor, entry.terminal, entry.action, entry.entity, entry.entity_id,
                                     entry.detail)
        AuditEntry.update(prev_hash=previous, hash=digest).where(AuditEntry.id == entry.id).execute()
        previous = digest
    AuditHead.update(hash=previous).execute()
    return 1


DAMAGE: dict[str, Callable[[peewee.Database], int]] = {
    "created_at_text": _created_at_text, "null_actor": _null_actor, "seq_text": _seq_text,
    "deleted_middle": _deleted_middle, "deleted_newest_head_rewound": _deleted_newest_head_rewound,
    "reordered": _reordered, "inserted": _inserted, "emptied": _emptied, "recomputed_unkeyed": _recomputed_unkeyed,
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_audit_verify_names_the_entry_in_one_line(cli: Cli, database: peewee.Database, damage: str) -> None:
    seq = DAMAGE[damage](database)
    database.close()
    result = cli("audit", "verify", "--anchor", str(cli.anchor_file))
    line = one_line(result)
    assert result.returncode == 1, line
    assert "FAILED" in line
    assert (f"#{seq}" in line) if seq else ("审计链" in line and "resident 1" in line)


def test_db_init_creates_the_key_and_anchor_then_verify(db_url: str, tmp_path: Path) -> None:
    runner = Cli(tmp_path, db_url)
    result = runner("db", "init")
    assert result.returncode == 0, result.stderr
    assert runner.key_file.stat().st_mode & 0o777 == 0o600
    assert str(runner.key_file) in result.stdout
    result = runner("staff", "add", "0001", "--name", "王芳", "--role", "clerk")
    assert result.returncode == 2  # no PIN on stdin: refused, nothing audited
    ok = runner("audit", "anchor")
    assert ok.returncode == 0 and "没有可锚定" in ok.stdout
    key = runner.key_file.read_bytes()
    assert runner("db", "init").returncode == 0 and runner.key_file.read_bytes() == key  # never replaced


def test_audit_anchor_appends_the_head_and_db_check_uses_it(cli: Cli, database: peewee.Database) -> None:
    result = cli("audit", "anchor")
    assert result.returncode == 0, result.stderr
    lines = cli.anchor_file.read_text(encoding="utf-8").splitlines()
    seq, digest = audit.head()
    assert len(lines) == 2 and lines[1].endswith(f"seq={seq} hash={digest}")
    assert cli("db", "check").returncode == 0
    AuditEntry.delete().where(AuditEntry.seq >= 4).execute()
    AuditHead.update(seq=3, hash=_entry(3).hash).execute()
    database.close()
    check = cli("db", "check")
    assert check.returncode == 1 and "#5" in check.stdout and "Traceback" not in check.stdout + check.stderr


def test_a_missing_key_file_is_one_clear_line(cli: Cli, database: peewee.Database) -> None:
    database.close()
    cli.key_file.unlink()
    result = cli("audit", "verify")
    line = one_line(result)
    assert result.returncode != 0 and str(cli.key_file) in line and "不存在" in line
    init = cli("db", "init")  # a keyed chain whose key is gone: never a fresh key
    assert init.returncode != 0 and not cli.key_file.exists()


def test_downgrade_attack_is_refused_by_migrate(cli: Cli, database: peewee.Database) -> None:
    """An intruder with only the database rewrites the chain the unkeyed way and deletes
    schema_version row 4, hoping `db migrate` re-keys the forgery: it refuses, and the
    chain still fails verification (tester's /tmp/attack13/recompute.py ... downgrade)."""
    from db.models import SchemaVersion

    _recomputed_unkeyed(database)
    SchemaVersion.delete().where(SchemaVersion.version == 4).execute()
    database.close()
    result = cli("db", "migrate")
    line = one_line(result)
    assert result.returncode != 0 and "缺少版本 4" in line and "already current" not in line
    assert cli("audit", "verify").returncode != 0  # refused (schema incomplete), never "OK"


def test_downgrade_with_every_later_version_deleted_is_refused(cli: Cli, database: peewee.Database) -> None:
    """No gap left to see: the chain itself says it was re-keyed before (an audit.rekey entry)."""
    from db.models import SchemaVersion

    audit.append(actor="system", terminal="migrate", action="audit.rekey", now=NOW, entity="audit")
    _recomputed_unkeyed(database)
    SchemaVersion.delete().where(SchemaVersion.version >= 4).execute()
    database.execute_sql("ALTER TABLE resident DROP COLUMN death_date")  # the structure made to look old too
    database.close()
    result = cli("db", "migrate")
    line = one_line(result)
    assert result.returncode != 0 and "audit.rekey" in line
    assert cli("audit", "verify").returncode != 0


def test_downgrade_of_a_database_born_keyed_is_refused_without_an_anchor(cli: Cli, database: peewee.Database) -> None:
    """No gap and no audit.rekey entry (the database was created at the latest version): its structure
    is newer than version 4, so the version rows were tampered with and nothing is re-keyed."""
    from db.models import SchemaVersion

    _recomputed_unkeyed(database)
    SchemaVersion.delete().where(SchemaVersion.version >= 4).execute()
    database.close()
    result = cli("db", "migrate")
    line = one_line(result)
    assert result.returncode != 0 and "版本记录被改动过" in line and "death_date" in line
    assert cli("audit", "verify").returncode != 0


@pytest.mark.parametrize("table", ["resident", "print_job"])
def test_migrate_and_doctor_name_a_dropped_table(cli: Cli, database: peewee.Database, table: str) -> None:
    database.execute_sql(f"DROP TABLE {table} CASCADE" if not isinstance(database, peewee.SqliteDatabase)
                         else f"DROP TABLE {table}")
    database.close()
    result = cli("db", "migrate")
    line = one_line(result)
    assert result.returncode != 0 and table in line and "already current" not in line
    doctor = cli("doctor")
    assert doctor.returncode != 0 and table in doctor.stdout, doctor.stdout + doctor.stderr


def test_an_unreachable_server_exits_with_the_database_code_everywhere(tmp_path: Path) -> None:
    """run, db, audit and doctor: one line, the same exit status (EXIT_DATABASE), no traceback."""
    from kiosk.commands import EXIT_DATABASE
    from tests.printers.fake_printer import refusing_port

    runner = Cli(tmp_path, f"postgresql://kiosk@127.0.0.1:{refusing_port()}/kiosk")
    audit.create_key_file(runner.key_file)  # the key is there: only the server is missing
    for argv in (("db", "migrate"), ("db", "check"), ("audit", "verify"), ("run", "--mode", "display")):
        result = runner(*argv)
        line = one_line(result)
        assert result.returncode == EXIT_DATABASE, (argv, line)
    doctor = runner("doctor", "--printer-timeout", "0.2")
    assert doctor.returncode == EXIT_DATABASE and "Traceback" not in doctor.stdout + doctor.stderr


def test_output_into_a_closed_pipe_ends_quietly(cli: Cli, database: peewee.Database) -> None:
    """`kiosk audit verify | head -1`: the reader is gone before the command writes."""
    database.close()
    read_end, write_end = os.pipe()
    os.close(read_end)  # no reader at all: every write fails with EPIPE, deterministically
    try:
        result = subprocess.run([sys.executable, "-m", "kiosk", "audit", "verify"], env=cli.env(), stdout=write_end,
                                stderr=subprocess.PIPE, text=True, cwd=cli.folder, timeout=120,
                                stdin=subprocess.DEVNULL)
    finally:
        os.close(write_end)
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr, result.stderr
    assert result.returncode == 141
