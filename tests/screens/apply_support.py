"""Helpers for the apply-wizard Pilot tests: identify by number keys, press
keys and wait for the service workers, read the DB and the receipt."""

from __future__ import annotations

from typing import Any

from db.models import Application, PrintJob
from kiosk.app import KioskApp
from printers.document import Document
from printers.preview import preview_text
from tests.screens.test_resident_flows import screen_text, settle
from tests.support import sign_in

SIZE = (80, 24)

__all__ = ["SIZE", "applications_of", "identify", "press", "receipt_text", "screen_text", "settle"]


async def press(pilot: Any, *keys: str, wait: float = 0.05) -> None:
    """Press keys one by one, letting each screen (and its worker) settle."""
    for key in keys:
        await pilot.press(key)
        await settle(pilot, wait)


async def identify(pilot: Any, number: str) -> None:
    """Type a number and Enter on the attract screen (as a card reader does),
    then the resident's service password (tests.support.sign_in)."""
    await sign_in(pilot, number)
    await settle(pilot)


def applications_of(resident_id: int, type_: str | None = None) -> list[Application]:
    query = Application.select().where(Application.resident == resident_id)
    if type_ is not None:
        query = query.where(Application.type == type_)
    return list(query.order_by(Application.id))


def receipt_text(number: str) -> str:
    """The stored 受理回执 whose text names ``number`` (preview as printed on 80 mm)."""
    for job in PrintJob.select().where(PrintJob.kind == "acceptance").order_by(PrintJob.id):
        text = "\n".join(preview_text(Document.from_dict(job.document), 80))
        if number in text:
            return text
    return ""


def app_screen_name(app: KioskApp) -> str:
    return type(app.screen).__name__
