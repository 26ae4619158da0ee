"""After a crash: is every piece of business whole or absent?

Each function returns a list of problems in words (empty = whole), so a
failing test names the application or payment that was cut in half.
"""

from __future__ import annotations

from collections import Counter

import peewee

from db.check import run_checks
from db.models import (
    Account,
    Application,
    ApplicationEvent,
    ApplicationMaterial,
    AuditEntry,
    Card,
    Contribution,
    LedgerEntry,
    Payment,
    PrintJob,
    Resident,
)
from kiosk.rules.workflows import WORKFLOWS


def _audit_counts(action: str) -> Counter[str]:
    return Counter(e.entity_id for e in AuditEntry.select(AuditEntry.entity_id).where(AuditEntry.action == action))


def problems(database: peewee.Database, *, receipts: bool = True) -> list[str]:
    """run_checks plus: residents, applications and payments whole; ledger sums = balances.

    ``receipts``: every application was submitted with its acceptance receipt.
    """
    found = [str(p) for p in run_checks(database)]
    registered = _audit_counts("resident.register")
    cards = Counter(c.__data__["resident"] for c in Card.select(Card.resident))
    for resident in Resident.select(Resident.id):
        if registered[str(resident.id)] != 1 or cards[resident.id] < 1:
            found.append(f"resident {resident.id}: audit {registered[str(resident.id)]}, cards {cards[resident.id]}")
    submitted = _audit_counts("application.submit")
    advanced = _audit_counts("application.advance")
    acceptance = PrintJob.select().where(PrintJob.kind == "acceptance").count()
    applications = list(Application.select())
    if receipts and acceptance != len(applications):
        found.append(f"{len(applications)} applications but {acceptance} acceptance receipts")
    for app in applications:
        events = list(ApplicationEvent.select().where(ApplicationEvent.application == app.id)
                      .order_by(ApplicationEvent.id))
        materials = ApplicationMaterial.select().where(ApplicationMaterial.application == app.id).count()
        wf = WORKFLOWS[app.type]
        if not events or events[0].from_status != "" or events[0].to_status != wf.first:
            found.append(f"{app.number}: no first event")
        elif len(events) != app.version or events[-1].to_status != app.status:
            found.append(f"{app.number}: version {app.version}/status {app.status} but {len(events)} events")
        if materials != len(wf.materials):
            found.append(f"{app.number}: {materials} of {len(wf.materials)} material rows")
        if submitted[app.number] != 1 or advanced[app.number] != app.version - 1:
            found.append(f"{app.number}: audit submit {submitted[app.number]}, advance {advanced[app.number]}")
    recorded = _audit_counts("payment.record")
    for payment in Payment.select():
        contributions = list(Contribution.select().where(Contribution.payment == payment.id))
        ledger = (LedgerEntry.select(peewee.fn.SUM(LedgerEntry.amount_fen))
                  .where(LedgerEntry.reference.startswith(payment.receipt_code)).scalar()) or 0
        credited = sum(c.individual_fen + c.subsidy_fen for c in contributions)
        paid = sum(c.individual_fen for c in contributions)
        if not contributions or paid != payment.amount_fen or ledger != credited:
            found.append(f"payment {payment.receipt_code}: {len(contributions)} contributions paying {paid} "
                         f"of {payment.amount_fen}, ledger {ledger} for {credited}")
        if recorded[payment.receipt_code] != 1 or not PrintJob.select().where(
                PrintJob.code == payment.receipt_code).exists():
            found.append(f"payment {payment.receipt_code}: audit or receipt missing")
    for account in Account.select():
        total = (LedgerEntry.select(peewee.fn.SUM(LedgerEntry.amount_fen))
                 .where(LedgerEntry.account == account.id).scalar()) or 0
        if total != account.balance_fen:
            found.append(f"account {account.id}: ledger sum {total} ≠ balance {account.balance_fen}")
    return found
