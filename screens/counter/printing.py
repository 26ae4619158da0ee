"""Printing a receipt job a service has just stored.

Services store receipts as print jobs inside their own transaction, so a
printer problem never undoes the business; here the counter asks the spool
to print the job now (in the service thread) and says what happened.

The words are the counter's own (catalog ``printer_faults.counter``): the
resident is already at a counter, and this counter's spool prints the receipt
when its printer is back, so a failed print never sends anyone to another
counter (attack D9); a receipt the printer did not confirm is reprinted here
with 补打.
"""

from __future__ import annotations

from printers.devices import error_kind
from screens.base import KioskHost


def flush_job(host: KioskHost, job_id: int | None) -> str:
    """Print stored job ``job_id`` now; returns the message to show ("" if none).

    Call it inside ``run_service`` (it talks to the printer). Without a job
    the spool worker is only woken.
    """
    if job_id is not None:
        outcome = host.services.flush(job_id)
        spool = host.services.spool
        job = spool.job(job_id)
        if job.status == "printed":
            if job.confirmed:
                return str(outcome.message)
            return host.t("printer_faults.counter.sent_unconfirmed", code=job.code)
        if job.status == "failed":
            return host.t("printer_faults.counter.failed", reason=job.last_error, code=job.code)
        reason = host.t(f"printer_faults.reason.{error_kind(spool.last_error)}")
        return host.t("printer_faults.counter.kept", reason=reason, code=job.code)
    wake_spool(host)
    return ""


def wake_spool(host: KioskHost) -> None:
    """Tell the spool worker a job is waiting."""
    host.services.spool.wake()
