"""Printing a receipt job a service has just stored.

Services store receipts as print jobs inside their own transaction, so a
printer problem never undoes the business; here the counter asks the spool
to print the job now (in the service thread) and says what happened.
"""

from __future__ import annotations

from screens.base import KioskHost


def flush_job(host: KioskHost, job_id: int | None) -> str:
    """Print stored job ``job_id`` now; returns the message to show ("" if none).

    Call it inside ``run_service`` (it talks to the printer). Without a job
    the spool worker is only woken.
    """
    if job_id is not None:
        return str(host.services.flush(job_id).message)
    wake_spool(host)
    return ""


def wake_spool(host: KioskHost) -> None:
    """Tell the spool worker a job is waiting."""
    host.services.spool.wake()
