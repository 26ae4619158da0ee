"""参保证明 at the self-service kiosk (issue 15): after the service password, 7 打印凭证 then 2 opens the
certificate's preview (no code yet, nothing printed); another period reloads it; 1 asks and only +
prints; the screen shows the person masked (a bystander can see it), the printed certificate names
them in full; its code verifies and the issue is audited as the resident's."""

from __future__ import annotations

from collections.abc import Callable

from db.models import AuditEntry
from kiosk.app import KioskApp
from kiosk.services.certificates import verify_code
from printers.preview import preview_text
from screens.resident.certificate import CertificateScreen
from screens.resident.statement import StatementScreen
from tests.screens.test_resident_flows import SIZE, screen_text, settle
from tests.services.resident_factory import ZHANG_CARD, ZHANG_ID, ZHANG_NAME
from tests.support import RecordingPrinter, sign_in


async def test_resident_prints_her_certificate(make_kiosk: Callable[..., KioskApp],
                                               printer: RecordingPrinter) -> None:
    app = make_kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, ZHANG_CARD)
        await settle(pilot)
        await pilot.press("7")
        await settle(pilot, 0.3)
        assert isinstance(app.screen, StatementScreen)
        await pilot.press("2")
        await settle(pilot, 0.3)
        assert isinstance(app.screen, CertificateScreen)
        today = app.ctx.today()
        text = screen_text(app)
        assert "参保证明" in text and f"{today.year - 2}-01 至 {today:%Y-%m}" in text and "电子印章" in text
        assert "张*国" in text and "1101**********4515" in text
        assert ZHANG_ID not in text and ZHANG_NAME not in text
        assert printer.jobs == []
        await pilot.press("4")  # 近五年
        await settle(pilot, 0.3)
        assert f"{today.year - 4}-01 至 {today:%Y-%m}" in screen_text(app)
        await pilot.press("1")
        await settle(pilot, 0.3)
        assert printer.jobs == []  # a digit alone never prints
        await pilot.press("plus")
        await settle(pilot, 0.3)
        assert isinstance(app.screen, CertificateScreen)
        assert len(printer.jobs) == 1 and printer.jobs[0][1].kind == "certificate"
        document = printer.jobs[0][1]
        shown = screen_text(app)
        assert ZHANG_ID not in shown and ZHANG_NAME not in shown  # still masked after printing
    assert f"{ZHANG_NAME} {ZHANG_ID}" in "\n".join(preview_text(document))  # on paper in full
    assert verify_code(app.ctx, document.code).genuine
    with app.ctx.database.connection_context():
        assert AuditEntry.get(AuditEntry.action == "certificate.issue").actor == "resident"
