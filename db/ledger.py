"""Personal-account movements: append a ledger row and move the balance in
the same transaction. A balance is never overwritten by hand; it always
equals the last entry's running balance, which ``kiosk db check`` verifies.
"""

from __future__ import annotations

import datetime as dt

import peewee

from db.models import ACCOUNT_KINDS, Account, LedgerEntry, Resident, database_proxy
from kiosk.rules.money import format_yuan


class LedgerError(ValueError):
    """A movement that would make no sense (unknown account, overdraft).

    ``key`` (``refusal.ledger.*``) and ``params`` name its catalog message, so a
    service passing it on shows it in the screen's language; ``message`` (and
    ``str()``) is the Chinese form for logs and the command line.
    """

    def __init__(self, key: str, /, **params: object) -> None:
        from kiosk.i18n import translate  # a headless leaf module (message texts only), as db.audit does

        self.key = key
        self.params: dict[str, object] = dict(params)
        self.message = translate(key, **params)
        super().__init__(self.message)


def account_for(resident: Resident | int, kind: str, *, today: dt.date, now: dt.datetime) -> Account:
    """The resident's account of ``kind``, opened on first use."""
    if kind not in ACCOUNT_KINDS:
        raise LedgerError("refusal.ledger.unknown_kind", kind=kind, allowed=", ".join(ACCOUNT_KINDS))
    account, _ = Account.get_or_create(
        resident=resident, kind=kind, defaults={"balance_fen": 0, "opened_on": today, "updated_at": now}
    )
    return account


def post(account: Account, amount_fen: int, kind: str, *, entry_date: dt.date, now: dt.datetime,
         reference: str = "", allow_negative: bool = False) -> LedgerEntry:
    """Append one movement (positive in, negative out) and move the balance.

    Must run inside the caller's write transaction. The account row is
    re-read under lock (FOR UPDATE on PostgreSQL) so concurrent postings
    chain correctly. ``amount_fen`` is in fen. Raises :class:`LedgerError`
    (``refusal.ledger.overdraft``) when an outgoing movement exceeds the balance
    and ``allow_negative`` is false; nothing is written then.
    """
    query = Account.select().where(Account.id == account.id)
    if not isinstance(database_proxy.obj, peewee.SqliteDatabase):
        query = query.for_update()
    locked = query.get()
    new_balance = locked.balance_fen + amount_fen
    if new_balance < 0 and not allow_negative:
        raise LedgerError("refusal.ledger.overdraft", balance=format_yuan(locked.balance_fen),
                          amount=format_yuan(-amount_fen))
    last_seq = (LedgerEntry.select(peewee.fn.MAX(LedgerEntry.seq))
                .where(LedgerEntry.account == locked.id).scalar()) or 0
    entry = LedgerEntry.create(account=locked.id, seq=last_seq + 1, entry_date=entry_date, kind=kind,
                               amount_fen=amount_fen, balance_after_fen=new_balance,
                               reference=reference, created_at=now)
    Account.update(balance_fen=new_balance, updated_at=now).where(Account.id == locked.id).execute()
    account.balance_fen = new_balance
    return entry
