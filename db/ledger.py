"""Personal-account movements: append a ledger row and move the balance in
the same transaction. A balance is never overwritten by hand; it always
equals the last entry's running balance, which ``kiosk db check`` verifies.
"""

from __future__ import annotations

import datetime as dt

import peewee

from db.models import ACCOUNT_KINDS, Account, LedgerEntry, Resident, database_proxy


class LedgerError(ValueError):
    """A movement that would make no sense (unknown account, overdraft)."""


def account_for(resident: Resident | int, kind: str, *, today: dt.date, now: dt.datetime) -> Account:
    """The resident's account of ``kind``, opened on first use."""
    if kind not in ACCOUNT_KINDS:
        raise LedgerError(f"unknown account kind {kind!r}; allowed {', '.join(ACCOUNT_KINDS)}")
    account, _ = Account.get_or_create(
        resident=resident, kind=kind, defaults={"balance_fen": 0, "opened_on": today, "updated_at": now}
    )
    return account


def post(account: Account, amount_fen: int, kind: str, *, entry_date: dt.date, now: dt.datetime,
         reference: str = "", allow_negative: bool = False) -> LedgerEntry:
    """Append one movement (positive in, negative out) and move the balance.

    Must run inside the caller's write transaction. The account row is
    re-read under lock (FOR UPDATE on PostgreSQL) so concurrent postings
    chain correctly.
    """
    query = Account.select().where(Account.id == account.id)
    if not isinstance(database_proxy.obj, peewee.SqliteDatabase):
        query = query.for_update()
    locked = query.get()
    new_balance = locked.balance_fen + amount_fen
    if new_balance < 0 and not allow_negative:
        raise LedgerError(f"余额不足：账户余额 {locked.balance_fen} 分，支出 {-amount_fen} 分")
    last_seq = (LedgerEntry.select(peewee.fn.MAX(LedgerEntry.seq))
                .where(LedgerEntry.account == locked.id).scalar()) or 0
    entry = LedgerEntry.create(account=locked.id, seq=last_seq + 1, entry_date=entry_date, kind=kind,
                               amount_fen=amount_fen, balance_after_fen=new_balance,
                               reference=reference, created_at=now)
    Account.update(balance_fen=new_balance, updated_at=now).where(Account.id == locked.id).execute()
    account.balance_fen = new_balance
    return entry
