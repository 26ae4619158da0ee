"""打印凭证: a contribution statement goes to the printer; its text preview
shows on screen (the preview printer also keeps .png/.bin/.txt files)."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import VerticalScroll

from kiosk.services import residents
from screens.resident.common import ResidentScreen
from screens.widgets.plain import Static


class StatementScreen(ResidentScreen):
    """Builds, prints and previews the statement in one service call."""

    TITLE_KEY = "resident.home.statement"

    def load(self, ctx: Any, resident_id: int) -> Any:
        document = residents.statement_document(ctx, resident_id)
        return self.host.services.print_document(document)

    def compose_body(self) -> ComposeResult:
        yield Static(self.data.message, id="statement-status", classes="balance")
        with VerticalScroll(id="receipt-preview"):
            yield Static("\n".join(self.data.lines), id="receipt-text")
