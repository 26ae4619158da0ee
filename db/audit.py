"""The audit log: an HMAC chain whose key lives outside the database.

Each entry's ``hash`` is HMAC-SHA256 (key from the key file, see
:func:`load_key_file`) over its own fields and the previous entry's hash, so
an entry that is edited, removed, inserted or reordered breaks the chain at a
place :func:`check_chain` names, and a person holding only the database
cannot recompute a valid chain. Appends are serialised through the single
``AuditHead`` row (locked FOR UPDATE on PostgreSQL; SQLite writers already
hold the database write lock), so two terminals never fork the chain.
Call :func:`append` inside the transaction of the change it records.

The key: the composition root (the CLI, ``kiosk run``, the demo) loads it
from the file named in the settings and registers it with :func:`use_key`.
Worker processes that open the database directly (test workers, benchmarks)
find it through ``$KIOSK_AUDIT_KEY_FILE``. Without a key, :func:`append`
raises :class:`AuditKeyError`: an unkeyed entry would break the chain.

Anchors: the head (sequence number and hash) is copied out of the database
every day (:func:`format_anchor`, printed on the daily report, appended to
the anchor file). :func:`check_chain` with anchors proves no anchored entry
was removed or changed, which the in-database head alone cannot: someone
who deletes the newest entries can also rewind ``audit_head``.

Databases from before schema version 4 carry an unkeyed SHA-256 chain; the
version-4 migration (:func:`rekey_legacy_chain`) checks that chain the old
way, re-computes every hash with the key and appends an ``audit.rekey``
entry recording the old head, so from then on every entry is keyed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import re
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import peewee

from db.models import AuditEntry, AuditHead, database_proxy

GENESIS_HASH = "0" * 64
SCHEME = "hmac-sha256"
KEY_BYTES = 32
KEY_ENV = "KIOSK_AUDIT_KEY_FILE"
#: Hex digits an anchor must give at least (64 bits: unforgeable on paper).
MIN_ANCHOR_HEX = 16
_PAYLOAD_TAG = "kiosk-audit/2"
_COLUMNS = ("id", "seq", "created_at", "actor", "terminal", "action", "entity", "entity_id", "detail",
            "prev_hash", "hash")
_TEXT_COLUMNS = ("actor", "terminal", "action", "entity", "entity_id", "prev_hash", "hash")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_DIGITS = re.compile(r"[1-9][0-9]{0,17}", re.ASCII)
#: Tables whose rows are always written together with an audit entry: if any
#: holds rows, an empty chain means the chain was emptied. (Tickets are not
#: here: taking a ticket is anonymous and not audited; calling one is.)
BUSINESS_TABLES = ("resident", "application", "payment", "benefit_payment", "staff")


class AuditKeyError(RuntimeError):
    """The audit key file is missing, unreadable or malformed (one line)."""


class AnchorFileError(ValueError):
    """An anchor file that cannot be read or has a malformed line."""


# -- the key ---------------------------------------------------------------------------

_registered_key: bytes | None = None
_key_problem: AuditKeyError | None = None


def use_key(key: bytes | None) -> None:
    """Register the key every :func:`append` in this process uses (None forgets it)."""
    global _registered_key, _key_problem
    _registered_key, _key_problem = key, None


def use_key_file(path: Path) -> None:
    """Register the key in ``path``; if it cannot be loaded, remember why, so the first
    :func:`append` or :func:`current_key` names the file instead of a vaguer message
    (commands that never touch the chain are not stopped by it)."""
    global _key_problem
    try:
        use_key(load_key_file(path))
    except AuditKeyError as exc:
        use_key(None)
        _key_problem = exc


def current_key() -> bytes:
    """The registered key, else the one in ``$KIOSK_AUDIT_KEY_FILE``; raises AuditKeyError."""
    if _registered_key is not None:
        return _registered_key
    if _key_problem is not None:
        raise _key_problem
    env = os.environ.get(KEY_ENV)
    if env:
        return load_key_file(Path(env))
    raise AuditKeyError("审计密钥未加载：请用 kiosk 命令启动（它按配置读取 [audit] key_file）")


def create_key_file(path: Path) -> bytes:
    """Create a new random key file with mode 0600 (never overwrites); returns the key.

    Raises AuditKeyError when the file already exists or cannot be written.
    """
    key = secrets.token_bytes(KEY_BYTES)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise AuditKeyError(f"审计密钥文件 {path} 已存在，不会覆盖") from None
    except OSError as exc:
        raise AuditKeyError(f"无法创建审计密钥文件 {path}：{exc.strerror or exc}") from None
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key.hex() + "\n")
    return key


def load_key_file(path: Path) -> bytes:
    """Read a key file written by :func:`create_key_file`; raises AuditKeyError."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise AuditKeyError(f"审计密钥文件 {path} 不存在：从备份放回原处（不要新建，新密钥验不了旧记录）") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditKeyError(f"无法读取审计密钥文件 {path}：{getattr(exc, 'strerror', None) or exc}") from None
    if not _HEX64.fullmatch(text):
        raise AuditKeyError(f"审计密钥文件 {path} 格式不对（应为 64 位十六进制）")
    return bytes.fromhex(text)


def key_file_exposed(path: Path) -> bool:
    """True when group or others may read or write the key file."""
    try:
        return bool(path.stat().st_mode & 0o077)
    except OSError:
        return False


# -- digests ---------------------------------------------------------------------------


def _payload(prev_hash: str, seq: int, created_at: str, actor: str, terminal: str, action: str,
             entity: str, entity_id: str, detail: Any, *, tag: bool) -> bytes:
    fields: list[Any] = [prev_hash, seq, created_at, actor, terminal, action, entity, entity_id, detail]
    if tag:
        fields.insert(0, _PAYLOAD_TAG)
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def keyed_digest(key: bytes, prev_hash: str, seq: int, created_at: str, actor: str, terminal: str,
                 action: str, entity: str, entity_id: str, detail: Any) -> str:
    """HMAC-SHA256 (hex) of one entry; ``created_at`` in ISO form with microseconds."""
    payload = _payload(prev_hash, seq, created_at, actor, terminal, action, entity, entity_id, detail, tag=True)
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def legacy_digest(prev_hash: str, seq: int, created_at: str, actor: str, terminal: str, action: str,
                  entity: str, entity_id: str, detail: Any) -> str:
    """Plain SHA-256 as chains before schema version 4 used (read only by the migration)."""
    payload = _payload(prev_hash, seq, created_at, actor, terminal, action, entity, entity_id, detail, tag=False)
    return hashlib.sha256(payload).hexdigest()


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="microseconds")


def append(*, actor: str, terminal: str, action: str, now: dt.datetime, entity: str = "",
           entity_id: str | int = "", detail: dict[str, Any] | None = None) -> AuditEntry:
    """Add one entry to the chain (inside the caller's transaction).

    Raises AuditKeyError when no key is available (nothing is written).
    """
    key = current_key()
    created_at = now.astimezone(dt.UTC).replace(tzinfo=None) if now.tzinfo else now
    head_query = AuditHead.select().where(AuditHead.id == 1)
    if not isinstance(database_proxy.obj, peewee.SqliteDatabase):
        head_query = head_query.for_update()
    head = head_query.get_or_none()
    if head is None:
        head = AuditHead.create(id=1, seq=0, hash=GENESIS_HASH)
    seq = head.seq + 1
    body = detail or {}
    stored = json.loads(json.dumps(body, ensure_ascii=False, sort_keys=True))  # what verify will read back
    digest = keyed_digest(key, head.hash, seq, _iso(created_at), actor, terminal, action, entity,
                          str(entity_id), stored)
    entry = AuditEntry.create(seq=seq, created_at=created_at, actor=actor, terminal=terminal,
                              action=action, entity=entity, entity_id=str(entity_id), detail=body,
                              prev_hash=head.hash, hash=digest)
    AuditHead.update(seq=seq, hash=digest).where(AuditHead.id == 1).execute()
    return entry


# -- reading rows defensively ------------------------------------------------------------


class _BadRow(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class _Row:
    id: int
    seq: int
    created_at: str
    actor: str
    terminal: str
    action: str
    entity: str
    entity_id: str
    detail: Any
    prev_hash: str
    hash: str


def _canon_time(value: Any) -> str | None:
    """A stored timestamp in the form the digest used, or None if it is no timestamp."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return _iso(value)
    if isinstance(value, str):
        for fmt in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S"):
            try:
                return _iso(dt.datetime.strptime(value, fmt))
            except ValueError:
                continue
    return None


def _typed(raw: Sequence[Any]) -> _Row:
    """One raw row checked column by column; raises _BadRow naming the column."""
    values = dict(zip(_COLUMNS, raw, strict=True))
    for name, value in values.items():
        if value is None:
            raise _BadRow("null", column=name)
    for name in ("id", "seq"):
        value = values[name]
        if isinstance(value, str) and _DIGITS.fullmatch(value):
            values[name] = int(value)  # the same number, in a column someone retyped as text
        elif type(value) is not int:
            raise _BadRow("not_integer", column=name, value=_show(value))
    for name in _TEXT_COLUMNS:
        if not isinstance(values[name], str):
            raise _BadRow("not_text", column=name, value=_show(values[name]))
    created = _canon_time(values["created_at"])
    if created is None:
        raise _BadRow("not_time", column="created_at", value=_show(values["created_at"]))
    detail = values["detail"]
    if not isinstance(detail, str):
        raise _BadRow("not_text", column="detail", value=_show(detail))
    try:
        parsed = json.loads(detail)
    except ValueError:
        raise _BadRow("not_json", column="detail") from None
    return _Row(values["id"], values["seq"], created, values["actor"], values["terminal"], values["action"],
                values["entity"], values["entity_id"], parsed, values["prev_hash"], values["hash"])


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _raw_rows(database: peewee.Database, batch: int) -> Iterator[tuple[Any, ...]]:
    """Every row in insertion (id) order: seq itself may have been edited.

    Memory stays at ``batch`` rows: SQLite's cursor steps through the table as it is
    read; psycopg's ordinary cursor would fetch the whole result at once (1M entries:
    580 MB), so PostgreSQL reads through a server-side cursor in one transaction (the
    same single ``ORDER BY id`` scan, so deletions, reorders and insertions show as
    before). Closing the generator early closes the cursor and ends the transaction.
    """
    sql = f"SELECT {', '.join(_COLUMNS)} FROM audit_entry ORDER BY id"
    if isinstance(database, peewee.PostgresqlDatabase):
        wrap = peewee.__exception_wrapper__  # type: ignore[attr-defined]  # psycopg's errors as peewee's, as execute_sql raises them
        with database.atomic(), database.connection().cursor(name="kiosk_audit_walk") as cursor:
            with wrap:
                cursor.execute(sql)
            while True:
                with wrap:
                    rows = cursor.fetchmany(batch)
                if not rows:
                    break
                yield from rows
        return
    cursor = database.execute_sql(sql)
    while rows := cursor.fetchmany(batch):
        yield from rows


# -- anchors ---------------------------------------------------------------------------

_ANCHOR_SEQ = re.compile(r"\bseq=(\d+)\b")
_ANCHOR_HASH = re.compile(r"\bhash=([0-9a-fA-F]+)\b")


@dataclass(frozen=True)
class Anchor:
    """A head copied out of the database: entry ``seq`` had a hash starting ``hash``."""

    seq: int
    hash: str
    line: int = 0
    text: str = ""


def format_anchor(seq: int, digest: str, at: str = "", *, short: bool = False) -> str:
    """``[AT ]seq=N hash=HEX`` (16 hex digits with ``short``, for paper): the line format
    the anchor file holds and that :func:`read_anchor_file` reads back."""
    shown = digest[:MIN_ANCHOR_HEX] if short else digest
    return f"{at + ' ' if at else ''}seq={seq} hash={shown}"


def read_anchor_file(path: Path) -> list[Anchor]:
    """Every anchor in a text file (blank lines and ``#`` comments skipped).

    A line needs ``seq=N`` and ``hash=HEX`` (at least 16 hex digits, as on a
    printed report). Raises AnchorFileError naming the line.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise AnchorFileError(f"锚点文件 {path} 不存在") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AnchorFileError(f"无法读取锚点文件 {path}：{getattr(exc, 'strerror', None) or exc}") from None
    anchors = []
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        seq, digest = _ANCHOR_SEQ.search(text), _ANCHOR_HASH.search(text)
        if seq is None or digest is None or len(digest.group(1)) < MIN_ANCHOR_HEX \
                or len(digest.group(1)) > 64 or int(seq.group(1)) < 1:
            raise AnchorFileError(f"锚点文件 {path} 第 {number} 行看不懂：应为 “seq=序号 hash=至少16位十六进制”")
        anchors.append(Anchor(int(seq.group(1)), digest.group(1).lower(), number, text))
    return anchors


def append_anchor_line(path: Path, line: str) -> None:
    """Append one line to the anchor file (created with mode 0600 when new)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(line.rstrip("\n") + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def head() -> tuple[int, str]:
    """The head as the database states it: (seq, hash); (0, GENESIS_HASH) when empty."""
    row = AuditHead.get_or_none(AuditHead.id == 1)
    return (0, GENESIS_HASH) if row is None else (int(row.seq), str(row.hash))


# -- verification ----------------------------------------------------------------------


@dataclass(frozen=True)
class ChainBreak:
    """Where the chain stops holding, and why.

    ``code`` names the reason (catalog key ``audit.break.CODE``) and
    ``params`` fill it in; ``seq`` is the entry concerned (0 for the chain
    as a whole) and ``entry_id`` its row id when there is a row.
    """

    seq: int
    entry_id: int | None
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def describe(self, t: Callable[..., str]) -> str:
        """The break in words, through a translator ``t(key, **params)``."""
        if self.entry_id is not None:
            where = t("audit.break.where_row", seq=self.seq, id=self.entry_id)
        elif self.seq:
            where = t("audit.break.where_seq", seq=self.seq)
        else:
            where = t("audit.break.where_chain")
        return f"{where}{t(f'audit.break.{self.code}', **self.params)}"

    @property
    def reason(self) -> str:
        """The reason alone, in Chinese."""
        from kiosk.i18n import translate  # a leaf module: message texts only

        return translate(f"audit.break.{self.code}", **self.params)

    def __str__(self) -> str:
        from kiosk.i18n import translate

        return self.describe(translate)


@dataclass(frozen=True)
class ChainResult:
    """What :func:`check_chain` found: entry count, the head, the first break."""

    entries: int
    head_seq: int
    head_hash: str
    anchors: int
    problem: ChainBreak | None


def _table_names(database: peewee.Database) -> set[str]:
    return set(database.get_tables())


def _business_counts(database: peewee.Database, tables: set[str]) -> dict[str, int]:
    counts = {}
    for table in BUSINESS_TABLES:
        if table in tables:
            row = database.execute_sql(f"SELECT COUNT(*) FROM {table}").fetchone()
            if row and row[0]:
                counts[table] = int(row[0])
    return counts


def check_chain(database: peewee.Database | None = None, *, key: bytes | None = None,
                anchors: Iterable[Anchor] = (), batch: int = 5000) -> ChainResult:
    """Walk the whole chain; never raises for what is stored in the tables.

    Checks every row's columns and types, the sequence (1, 2, 3 … in
    insertion order), each link and HMAC, the head row, that a chain is not
    empty while business records exist, and that every anchor's entry is
    still there with the anchored hash. ``key`` defaults to
    :func:`current_key` (AuditKeyError when there is none).
    """
    db = database or database_proxy.obj
    key = key if key is not None else current_key()
    wanted: dict[int, list[Anchor]] = {}
    for anchor in anchors:
        wanted.setdefault(anchor.seq, []).append(anchor)
    count = sum(len(group) for group in wanted.values())
    tables = _table_names(db)
    for table in ("audit_entry", "audit_head"):
        if table not in tables:
            return ChainResult(0, 0, GENESIS_HASH, count, ChainBreak(0, None, "no_table", {"table": table}))
    prev_hash = GENESIS_HASH
    position = 0
    last_id: int | None = None
    rows = _raw_rows(db, batch)
    while True:
        try:
            raw = next(rows)
        except StopIteration:
            break
        except peewee.DatabaseError as exc:  # a column dropped or retyped beyond reading
            reason = " ".join(str(exc).split())[:120]
            return ChainResult(position, 0, prev_hash, count,
                               ChainBreak(position + 1, None, "unreadable", {"reason": reason}))
        position += 1
        try:
            row = _typed(raw)
        except _BadRow as bad:
            seq = raw[1] if type(raw[1]) is int else position
            return ChainResult(position - 1, 0, prev_hash, count,
                               ChainBreak(seq, raw[0] if type(raw[0]) is int else None, bad.code, bad.params))
        found = _link_problem(key, row, position, prev_hash, last_id)
        if found is not None:
            return ChainResult(position - 1, 0, prev_hash, count, found)
        for anchor in wanted.pop(row.seq, []):
            if not row.hash.startswith(anchor.hash):
                return ChainResult(position, 0, row.hash, count, ChainBreak(
                    row.seq, row.id, "anchor_mismatch", {"line": anchor.line, "anchored": anchor.hash[:16]}))
        prev_hash, last_id = row.hash, row.id
    problem = None
    if position == 0:
        records = _business_counts(db, tables)
        if records:
            listed = "、".join(f"{table} {n}" for table, n in records.items())
            problem = ChainBreak(0, None, "empty_with_records", {"records": listed})
    problem = problem or _head_problem(db, position, prev_hash)
    if problem is None and wanted:
        first = min(wanted)
        problem = ChainBreak(first, None, "anchor_missing",
                             {"line": wanted[first][0].line, "last": position})
    return ChainResult(position, position, prev_hash, count, problem)


def _link_problem(key: bytes, row: _Row, position: int, prev_hash: str, last_id: int | None) -> ChainBreak | None:
    if row.seq != position:
        if row.seq > position:
            return ChainBreak(position, None, "missing", {"next_seq": row.seq, "next_id": row.id,
                                                          "after_id": last_id if last_id is not None else "-"})
        return ChainBreak(row.seq, row.id, "out_of_order", {"position": position})
    if row.prev_hash != prev_hash:
        return ChainBreak(row.seq, row.id, "bad_link", {})
    digest = keyed_digest(key, row.prev_hash, row.seq, row.created_at, row.actor, row.terminal, row.action,
                          row.entity, row.entity_id, row.detail)
    if not hmac.compare_digest(digest, row.hash):
        return ChainBreak(row.seq, row.id, "bad_hmac", {})
    return None


def _head_problem(database: peewee.Database, last_seq: int, last_hash: str) -> ChainBreak | None:
    rows = database.execute_sql("SELECT id, seq, hash FROM audit_head ORDER BY id").fetchall()
    if not rows:
        return ChainBreak(last_seq + 1, None, "head_missing", {"last": last_seq})
    if len(rows) > 1 or rows[0][0] != 1:
        return ChainBreak(last_seq + 1, None, "head_extra", {"rows": len(rows)})
    _, seq, digest = rows[0]
    if type(seq) is not int or not isinstance(digest, str):
        return ChainBreak(last_seq + 1, None, "head_bad", {"value": _show(seq)})
    if seq > last_seq:
        return ChainBreak(last_seq + 1, None, "tail_missing", {"head": seq, "last": last_seq})
    if seq < last_seq:
        return ChainBreak(seq + 1, None, "head_behind", {"head": seq, "last": last_seq})
    if digest != last_hash:
        return ChainBreak(last_seq, None, "head_hash", {})
    return None


def verify_chain(batch: int = 5000, *, key: bytes | None = None,
                 anchors: Iterable[Anchor] = ()) -> ChainBreak | None:
    """Walk the chain in order; return the first break, or None when whole."""
    return check_chain(key=key, anchors=anchors, batch=batch).problem


# -- the version-4 migration -------------------------------------------------------------


class LegacyChainBroken(RuntimeError):
    """The unkeyed chain does not hold: re-keying it would bless the damage."""


def rekey_legacy_chain(database: peewee.Database, key: bytes, now: dt.datetime) -> int:
    """Check the pre-version-4 SHA-256 chain, re-hash it with ``key``, record it.

    Runs inside the migration's transaction. Returns the number of entries
    re-keyed (0 for an empty chain: nothing to do, no entry). Raises
    LegacyChainBroken naming the first entry when the old chain is broken.
    """
    prev_old = prev_new = GENESIS_HASH
    position = 0
    for raw in list(_raw_rows(database, 5000)):
        position += 1
        try:
            row = _typed(raw)
        except _BadRow as bad:
            raise LegacyChainBroken(f"#{position}（id={raw[0]}）：{bad.code} {bad.params}") from None
        old = legacy_digest(row.prev_hash, row.seq, row.created_at, row.actor, row.terminal, row.action,
                            row.entity, row.entity_id, row.detail)
        if row.seq != position or row.prev_hash != prev_old or old != row.hash:
            raise LegacyChainBroken(f"#{position}（id={row.id}）")
        new = keyed_digest(key, prev_new, row.seq, row.created_at, row.actor, row.terminal, row.action,
                           row.entity, row.entity_id, row.detail)
        AuditEntry.update(prev_hash=prev_new, hash=new).where(AuditEntry.id == row.id).execute()
        prev_old, prev_new = old, new
    seq, digest = head()
    if (seq, digest) != (position, prev_old):
        raise LegacyChainBroken(f"audit_head（seq={seq}，链实际到第 {position} 条）")
    if position == 0:
        return 0
    AuditHead.update(seq=position, hash=prev_new).where(AuditHead.id == 1).execute()
    previous = _registered_key
    use_key(key)
    try:
        append(actor="system", terminal="migrate", action="audit.rekey", now=now, entity="audit",
               detail={"scheme": SCHEME, "entries": position, "legacy_head_seq": position,
                       "legacy_head_hash": prev_old})
    finally:
        use_key(previous)
    return position
