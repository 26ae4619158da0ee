"""Shared fixtures: a fixed clock and a fresh database on each backend.

Database tests take the ``database`` (or ``db_url``) fixture and run twice:
on a SQLite file and on the PostgreSQL server named by
``KIOSK_TEST_PG_URL`` (``scripts/pg-test-server start`` prints it). Each
PostgreSQL test gets its own schema, so parallel runs do not meet. With
``CI`` set, a missing server fails the tests instead of skipping them.

Nothing a test runs writes outside its own folders: before any test, the
log directory, the user data and config directories and the audit key file
are pointed into one temporary folder for the session (subprocesses inherit
the environment), and that folder is removed at the end.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import peewee
import pytest

from db import audit
from db.connection import open_database
from db.schema import init_schema
from kiosk.clock import FixedClock

PG_URL = os.environ.get("KIOSK_TEST_PG_URL", "")

#: The session's own folder for logs, user dirs and the audit key.
SESSION_DIR = Path(tempfile.mkdtemp(prefix="kiosk-tests-"))
os.environ["KIOSK_LOG_DIR"] = str(SESSION_DIR / "logs")
os.environ["XDG_DATA_HOME"] = str(SESSION_DIR / "data")
os.environ["XDG_CONFIG_HOME"] = str(SESSION_DIR / "config")
os.environ[audit.KEY_ENV] = str(SESSION_DIR / "audit.key")
audit.create_key_file(SESSION_DIR / "audit.key")


def _quicker_pilot_idle_checks() -> None:
    """Pilot's idle check (``textual._wait.wait_for_idle``) sleeps in 20 ms steps: every key a
    test presses waits at least 40 ms (two checks), and a Pilot walk spent three quarters of
    its time asleep (10 s of CPU in 44 s). Steps of 5 ms ask the same question (did the
    process use under 1/20 of the step?) four times as often. Measured: a crawl and a key walk
    together 77 s → 47 s for the same 16 s of CPU."""
    import textual._wait as wait

    assert hasattr(wait, "SLEEP_GRANULARITY") and hasattr(wait, "SLEEP_IDLE"), "Textual renamed its idle check"
    wait.SLEEP_GRANULARITY = 0.005
    wait.SLEEP_IDLE = wait.SLEEP_GRANULARITY / 20.0


_quicker_pilot_idle_checks()


#: Pilot walks (``tests/screens``) drive the same services the service, CLI and
#: reliability tests run on both databases; on PostgreSQL they found nothing the
#: SQLite walk did not, and took a quarter of the suite's time. They run on SQLite
#: unless this variable is set (``KIOSK_SCREENS_ON_POSTGRES=1 make test``).
SCREENS_ON_POSTGRES_ENV = "KIOSK_SCREENS_ON_POSTGRES"
SCREENS_DIR = Path(__file__).parent / "screens"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the PostgreSQL runs of the Pilot walks unless ``KIOSK_SCREENS_ON_POSTGRES`` is set.

    A walk that must meet PostgreSQL itself (LISTEN, a server restart) is
    marked ``@pytest.mark.both_databases`` and keeps both runs.
    """
    if os.environ.get(SCREENS_ON_POSTGRES_ENV):
        return
    kept, dropped = [], []
    for item in items:
        on_pg = item.get_closest_marker("postgres") is not None
        walk = item.path.is_relative_to(SCREENS_DIR)
        if on_pg and walk and item.get_closest_marker("both_databases") is None:
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session", autouse=True)
def _session_folder() -> Iterator[Path]:
    """Remove the session folder when the run ends."""
    yield SESSION_DIR
    shutil.rmtree(SESSION_DIR, ignore_errors=True)


@pytest.fixture(autouse=True)
def _forget_registered_audit_key() -> Iterator[None]:
    """A key registered by one test (the CLI registers the configured one) ends with it."""
    yield
    audit.use_key(None)


@pytest.fixture
def clock() -> FixedClock:
    """2026-11-29 09:30 in Asia/Shanghai, standing still until moved."""
    return FixedClock(moment=dt.datetime(2026, 11, 29, 1, 30, tzinfo=dt.UTC))


def _pg_admin() -> peewee.PostgresqlDatabase:
    from db.connection import make_database

    database = make_database(PG_URL)
    assert isinstance(database, peewee.PostgresqlDatabase)
    return database


def _require_pg() -> None:
    if not PG_URL:
        message = "KIOSK_TEST_PG_URL is not set (run scripts/pg-test-server start)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh, private schema."""
    _require_pg()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin()
    try:
        admin.connect()
    except peewee.OperationalError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL at {PG_URL} unreachable: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    admin.execute_sql(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options={quote(f'-c search_path={schema}')}"
    finally:
        _drop_schema(admin, schema)
        admin.close()


def _drop_schema(admin: peewee.Database, schema: str, attempts: int = 3) -> None:
    """DROP SCHEMA … CASCADE, again if PostgreSQL chose it as a deadlock's victim (six workers
    drop schemas at once, and a test's last connection may still be closing)."""
    for attempt in range(attempts):
        try:
            admin.execute_sql(f'DROP SCHEMA "{schema}" CASCADE')
            return
        except peewee.OperationalError as exc:
            if "deadlock" not in str(exc) or attempt == attempts - 1:
                raise


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database URL, once per backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'kiosk.db'}"
    else:
        yield request.getfixturevalue("pg_schema_url")


#: A freshly initialised SQLite file per creation time, made once per test process.
_SQLITE_TEMPLATES: dict[dt.datetime, Path] = {}


def _initialised_sqlite_template(now: dt.datetime) -> Path:
    """A SQLite file made by ``init_schema`` at ``now``, once per test process and ``now``:
    tests start from a copy (creating 40 tables took ~50 ms of CPU per test; a copy 1 ms).
    Making it binds the models to it: bind the test's own database after this."""
    template = _SQLITE_TEMPLATES.get(now)
    if template is None:
        template = SESSION_DIR / f"template-{os.getpid()}-{len(_SQLITE_TEMPLATES)}.db"
        db = open_database(f"sqlite:///{template}")
        db.connect()
        init_schema(db, now)
        db.close()  # the last connection: the write-ahead log is folded into the file
        _SQLITE_TEMPLATES[now] = template
    return template


@contextmanager
def _initialised(url: str, clock: FixedClock) -> Iterator[peewee.Database]:
    """The database at ``url``, connected, with every table at the latest version and the models bound."""
    now = clock.now_utc().replace(tzinfo=None)
    sqlite_path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else ""
    template = _initialised_sqlite_template(now) if sqlite_path else None
    db = open_database(url)  # binds the models; makes the SQLite file as the program does (mode 0600)
    if template is not None:
        shutil.copyfile(template, sqlite_path)  # into that file: it keeps its mode
    db.connect()
    if not sqlite_path:
        init_schema(db, now)
    try:
        yield db
    finally:
        db.close()


@pytest.fixture
def database(db_url: str, clock: FixedClock) -> Iterator[peewee.Database]:
    """An initialised database with the models bound to it."""
    with _initialised(db_url, clock) as db:
        yield db


@pytest.fixture
def sqlite_database(tmp_path: Path, clock: FixedClock) -> Iterator[peewee.Database]:
    """An initialised SQLite database only (for SQLite-specific checks)."""
    with _initialised(f"sqlite:///{tmp_path / 'kiosk.db'}", clock) as db:
        yield db


@pytest.fixture
def pg_database(pg_schema_url: str, clock: FixedClock) -> Iterator[peewee.Database]:
    """An initialised PostgreSQL database only (LISTEN/NOTIFY, server functions)."""
    with _initialised(pg_schema_url, clock) as db:
        yield db
