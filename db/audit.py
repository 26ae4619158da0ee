"""The hash-chained audit log.

Each entry's hash covers its own fields and the previous entry's hash, so an
edited, removed or reordered entry breaks the chain at a place
:func:`verify_chain` can name. Appends are serialised through the single
``AuditHead`` row (locked FOR UPDATE on PostgreSQL; SQLite writers already
hold the database write lock), so two terminals never fork the chain.
Call :func:`append` inside the transaction of the change it records.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import peewee

from db.models import AuditEntry, AuditHead, database_proxy

GENESIS_HASH = "0" * 64


def _digest(prev_hash: str, seq: int, created_at: dt.datetime, actor: str, terminal: str,
            action: str, entity: str, entity_id: str, detail: Any) -> str:
    payload = json.dumps(
        [prev_hash, seq, created_at.isoformat(timespec="microseconds"), actor, terminal,
         action, entity, entity_id, detail],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def append(*, actor: str, terminal: str, action: str, now: dt.datetime, entity: str = "",
           entity_id: str | int = "", detail: dict[str, Any] | None = None) -> AuditEntry:
    """Add one entry to the chain (inside the caller's transaction)."""
    created_at = now.astimezone(dt.UTC).replace(tzinfo=None) if now.tzinfo else now
    head_query = AuditHead.select().where(AuditHead.id == 1)
    if not isinstance(database_proxy.obj, peewee.SqliteDatabase):
        head_query = head_query.for_update()
    head = head_query.get_or_none()
    if head is None:
        head = AuditHead.create(id=1, seq=0, hash=GENESIS_HASH)
    seq = head.seq + 1
    body = detail or {}
    digest = _digest(head.hash, seq, created_at, actor, terminal, action, entity, str(entity_id), body)
    entry = AuditEntry.create(seq=seq, created_at=created_at, actor=actor, terminal=terminal,
                              action=action, entity=entity, entity_id=str(entity_id), detail=body,
                              prev_hash=head.hash, hash=digest)
    AuditHead.update(seq=seq, hash=digest).where(AuditHead.id == 1).execute()
    return entry


@dataclass(frozen=True)
class ChainBreak:
    """Where the chain stops holding, and why."""

    seq: int
    entry_id: int | None
    reason: str

    def __str__(self) -> str:
        return f"审计记录 #{self.seq}（id={self.entry_id}）：{self.reason}"


def verify_chain(batch: int = 5000) -> ChainBreak | None:
    """Walk the chain in order; return the first break, or None when whole."""
    prev_hash = GENESIS_HASH
    expected_seq = 1
    last_id: int | None = None
    query = AuditEntry.select().order_by(AuditEntry.seq)
    for entry in query.iterator():
        if entry.seq != expected_seq:
            return ChainBreak(expected_seq, last_id, f"缺少第 {expected_seq} 条（下一条是第 {entry.seq} 条）：记录被删除或重排")
        if entry.prev_hash != prev_hash:
            return ChainBreak(entry.seq, entry.id, "前一条的哈希不符：之前的记录被修改、删除或重排")
        digest = _digest(entry.prev_hash, entry.seq, entry.created_at, entry.actor, entry.terminal,
                         entry.action, entry.entity, entry.entity_id, entry.detail)
        if digest != entry.hash:
            return ChainBreak(entry.seq, entry.id, "内容与哈希不符：这条记录被修改过")
        prev_hash = entry.hash
        expected_seq += 1
        last_id = entry.id
    head = AuditHead.get_or_none(AuditHead.id == 1)
    if head is not None and (head.seq != expected_seq - 1 or head.hash != prev_hash):
        return ChainBreak(expected_seq, None, f"链尾应为第 {head.seq} 条，实际只到第 {expected_seq - 1} 条：末尾记录被删除")
    return None
