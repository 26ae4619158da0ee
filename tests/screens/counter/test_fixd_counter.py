"""Attack D findings at the counter (fixer FS), Pilot tests by keyboard:

- D8: 参保证明 — Enter pressed three times issues (and prints) one certificate; the form is then
  locked and says what was issued; a later Enter issues nothing; 另开一份 unlocks it;
- D16: every step form at 80x24 in English (and Chinese) shows its error line on screen;
- D13: the English counter's strings that came through in Chinese;
- D3: the Find dialog with the database down keeps the typed number and says the database does
  not answer.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import peewee
from textual.widgets import Button, Input

from db.models import AuditEntry, PrintJob
from kiosk.clock import FixedClock
from screens.counter.certificate import CertificateScreen
from tests.screens.counter.helpers import clerk_and_resident, login, make_counter_app, message, until
from tests.support import RecordingPrinter


def _count(database: peewee.Database, model: Any, *where: Any) -> int:
    with database.connection_context():
        return int(model.select().where(*where).count()) if where else int(model.select().count())


# -- D8: one certificate per request --------------------------------------------------------------


async def test_certificate_enter_three_times_issues_one_and_locks(database: peewee.Database,
                                                                  clock: FixedClock) -> None:
    person = clerk_and_resident(database, clock)
    printer = RecordingPrinter()
    app = make_counter_app(database, clock, printer, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        app.push_screen(CertificateScreen(person))
        await until(pilot, lambda: isinstance(app.screen, CertificateScreen)
                    and bool(app.screen.query("#certificate-purpose")))
        screen = app.screen
        assert isinstance(screen, CertificateScreen)
        purpose = screen.query_one("#certificate-purpose", Input)
        purpose.value = "visa"
        purpose.focus()
        await pilot.press("enter", "enter", "enter")  # a key bounce
        await until(pilot, lambda: bool(screen.issued_code))
        await pilot.pause(0.3)
        assert _count(database, AuditEntry, AuditEntry.action == "certificate.issue") == 1
        assert _count(database, PrintJob) == 1 and len(printer.jobs) == 1
        said = message(app)
        assert screen.issued_code in said and "locked" in said, said
        assert purpose.disabled and screen.query_one("#certificate-issue", Button).disabled
        await pilot.press("enter")  # any later Enter issues nothing
        await pilot.pause(0.3)
        assert _count(database, AuditEntry, AuditEntry.action == "certificate.issue") == 1
        # A second certificate is a deliberate act: 另开一份 unlocks the form.
        again = screen.query_one("#certificate-again", Button)
        assert again.display
        again.press()
        await until(pilot, lambda: not purpose.disabled)
        purpose.focus()
        await pilot.press("enter")
        await until(pilot, lambda: _count(database, AuditEntry, AuditEntry.action == "certificate.issue") == 2)

