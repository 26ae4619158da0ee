"""``kiosk db check``: is this database whole?

Confirms every table exists and the schema is current, runs the backend's
integrity and foreign-key checks, walks every account's ledger (each row's
running balance must follow from the one before; the last must equal the
stored balance) and verifies the audit chain with its key and anchors (see
:func:`db.audit.check_chain`: any edited, removed, inserted or reordered
entry, a chain emptied while business records exist, an anchored entry
gone). Every problem names the row it found; nothing stored in the tables
makes it raise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import peewee

from db.audit import Anchor, AuditKeyError, check_chain, current_key
from db.connection import is_sqlite
from db.models import Account, LedgerEntry
from db.schema import LATEST_VERSION, current_version, missing_tables


@dataclass(frozen=True)
class Problem:
    """One thing wrong, in words that name where."""

    check: str
    message: str

    def __str__(self) -> str:
        return f"[{self.check}] {self.message}"


def run_checks(database: peewee.Database, *, key: bytes | None = None,
               anchors: Iterable[Anchor] = (), audit_chain: bool = True) -> list[Problem]:
    """Every check in turn; an empty list means the database is sound.

    ``key`` is the audit key (default: :func:`db.audit.current_key`; none at
    all is a problem, not a pass); ``anchors`` come from the anchor file.
    ``audit_chain=False`` skips the chain (the caller reported why).
    """
    problems: list[Problem] = []
    missing = missing_tables(database)
    if missing:
        problems.append(Problem("tables", f"缺少表 {'、'.join(missing)}：数据库不完整，请从备份恢复"))
        return problems
    version = current_version(database)
    if version != LATEST_VERSION:
        problems.append(Problem("schema", f"结构版本 {version}，应为 {LATEST_VERSION}（运行 kiosk db migrate）"))
        return problems
    problems += _integrity(database)
    problems += check_ledgers()
    if not audit_chain:
        return problems
    try:
        chain_key = key if key is not None else current_key()
    except AuditKeyError as exc:
        problems.append(Problem("audit", str(exc)))
        return problems
    chain_break = check_chain(database, key=chain_key, anchors=anchors).problem
    if chain_break is not None:
        problems.append(Problem("audit", str(chain_break)))
    return problems


def _integrity(database: peewee.Database) -> list[Problem]:
    if not is_sqlite(database):
        # PostgreSQL enforces foreign keys and checksums pages itself; ask it
        # for nothing it would not already have refused.
        return []
    problems = []
    rows = database.execute_sql("PRAGMA integrity_check").fetchall()
    if rows != [("ok",)]:
        problems += [Problem("integrity", str(r[0])) for r in rows[:20]]
    for table, rowid, parent, _ in database.execute_sql("PRAGMA foreign_key_check").fetchall()[:20]:
        problems.append(Problem("foreign_key", f"表 {table} 第 {rowid} 行引用的 {parent} 记录不存在"))
    return problems


def check_ledgers() -> list[Problem]:
    """Walk all ledgers in (account, seq) order without loading them at once."""
    problems: list[Problem] = []
    balances = {a.id: (a.balance_fen, a.resident_id, a.kind) for a in
                Account.select(Account.id, Account.balance_fen, Account.resident, Account.kind).iterator()}
    running: dict[int, int] = {}
    expected_seq: dict[int, int] = {}
    query = (LedgerEntry.select(LedgerEntry.id, LedgerEntry.account, LedgerEntry.seq,
                                LedgerEntry.amount_fen, LedgerEntry.balance_after_fen)
             .order_by(LedgerEntry.account, LedgerEntry.seq).tuples())
    broken: set[int] = set()
    for entry_id, account_id, seq, amount, balance_after in query.iterator():
        if account_id in broken:
            continue
        before = running.get(account_id, 0)
        want_seq = expected_seq.get(account_id, 1)
        if seq != want_seq:
            problems.append(Problem("ledger", f"账户 {account_id} 的流水缺少第 {want_seq} 笔（下一笔是 ledger_entry id={entry_id}）"))
            broken.add(account_id)
            continue
        if before + amount != balance_after:
            problems.append(Problem(
                "ledger",
                f"ledger_entry id={entry_id}（账户 {account_id} 第 {seq} 笔）：上笔余额 {before} + 发生额 {amount} "
                f"≠ 记载余额 {balance_after}，此行被改动过",
            ))
            broken.add(account_id)
            continue
        running[account_id] = balance_after
        expected_seq[account_id] = seq + 1
    for account_id, (stored, resident_id, kind) in balances.items():
        if account_id in broken:
            continue
        total = running.get(account_id, 0)
        if total != stored:
            problems.append(Problem(
                "ledger", f"account id={account_id}（参保人 {resident_id}，{kind}）：流水合计 {total} 分 ≠ 账户余额 {stored} 分"
            ))
    return problems
