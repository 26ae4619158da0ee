"""Nudging the print spool after a service stored a receipt job."""

from __future__ import annotations

from screens.base import KioskHost


def wake_spool(host: KioskHost) -> None:
    """Tell the spool worker a job is waiting (a no-op without a spool).

    Services store receipts as print jobs inside their own transaction; the
    spool prints them in the background, so a printer problem never undoes
    the business.
    """
    spool = getattr(host.services, "spool", None)
    wake = getattr(spool, "wake", None)
    if callable(wake):
        wake()
