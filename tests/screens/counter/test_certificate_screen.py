"""参保证明 at the counter (issue 15): resident detail, key 3, a period typed as YYYY-MM (a wrong
month is named and kept, a purpose with a control character is refused and kept), issued and printed
at once; the screen shows the person masked, the printed certificate names them in full and the
issuing agency; its code verifies. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import peewee
from textual.widgets import Input

from db.models import AuditEntry
from kiosk.clock import FixedClock
from kiosk.services.certificates import verify_code
from kiosk.services.registration import get_resident
from printers.preview import preview_text
from screens.counter.certificate import CertificateScreen
from screens.counter.resident_detail import ResidentDetailScreen
from tests.screens.counter.helpers import login, make_counter_app, message, until
from tests.services.benefit_town import build
from tests.support import RecordingPrinter


async def test_issue_certificate_from_resident_detail(database: peewee.Database, clock: FixedClock,
                                                      tmp_path: Path) -> None:
    town = build(database, clock, tmp_path, unemployment=False)
    town.at(dt.date(2026, 3, 2))
    villager = get_resident(town.ctx, town.people["villager"])
    printer = RecordingPrinter()
    app = make_counter_app(database, clock, printer)
    app.settings.hall.agency = "示范县社会保险事业管理中心"
    app.ctx.extras["agency"] = app.settings.hall.agency  # what make_app puts there from the settings
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, "1001", "2580")
        app.push_screen(ResidentDetailScreen(villager))
        await until(pilot, lambda: isinstance(app.screen, ResidentDetailScreen))
        await pilot.press("3")
        await until(pilot, lambda: isinstance(app.screen, CertificateScreen))
        first = app.screen.query_one("#certificate-from", Input)
        assert first.value == "2024-01" and app.screen.query_one("#certificate-to", Input).value == "2026-03"
        first.value = "2020-13"
        await pilot.click("#certificate-issue")
        await until(pilot, lambda: "YYYY-MM" in message(app))
        assert first.value == "2020-13" and printer.jobs == []  # kept for correcting; nothing printed
        first.value = "2020-01"
        app.screen.query_one("#certificate-to", Input).value = "2024-12"
        app.screen.query_one("#certificate-purpose", Input).value = "子女\x07入学"
        app.screen.query_one("#certificate-purpose", Input).focus()
        await pilot.press("enter")  # (the button ignores a second click within 0.2 s)
        await until(pilot, lambda: "U+0007" in message(app))
        assert printer.jobs == [] and "用途" in message(app)
        assert app.screen.query_one("#certificate-purpose", Input).value == "子女\x07入学"  # kept to correct
        who = str(app.screen.query_one("#certificate-who").render())
        assert villager.masked_name in who and villager.name not in who and villager.id_number not in who
        app.screen.query_one("#certificate-purpose", Input).value = "子女入学"
        app.screen.query_one("#certificate-purpose", Input).focus()
        await pilot.press("enter")
        await until(pilot, lambda: "已出具" in message(app))
        assert len(printer.jobs) == 1
        document = printer.jobs[0][1]
        text = "\n".join(preview_text(document))
        assert document.kind == "certificate" and document.code in message(app)
        assert "示范县社会保险事业管理中心" in text and "子女入学" in text and "2020-01 至 2024-12" in text
        assert f"{villager.name} {villager.id_number}" in text
    assert verify_code(town.clerk, document.code).genuine
    with database.connection_context():
        entry = AuditEntry.get(AuditEntry.action == "certificate.issue")
        assert entry.actor == "1001"
