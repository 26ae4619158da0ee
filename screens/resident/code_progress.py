"""An application receipt scanned at identify (its number SQ… or its
receipt code RC…): that one application's progress. The receipt's random
verification code shows it in full, the applicant masked; a bare (sequential,
guessable) application number only the status and the step timeline.
It opens nothing else: no resident home, no other application."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll

from kiosk.services import residents
from screens.resident.common import ResidentScreen
from screens.resident.progress import append_timeline
from screens.widgets.plain import Static


class CodeProgressScreen(ResidentScreen):
    """Loads :func:`kiosk.services.residents.progress_by_code` and shows it."""

    TITLE_KEY = "identity.code.title"
    PERSONAL = False  # a printed code opens only what it names

    def __init__(self, kind: str, value: str) -> None:
        super().__init__()
        self.kind = kind
        self.value = value

    def on_mount(self) -> None:
        ctx, kind, value = self.host.ctx, self.kind, self.value
        self.run_service(lambda: residents.progress_by_code(ctx, kind, value), self._loaded, self._failed)

    def compose_body(self) -> ComposeResult:
        t = self.t
        found: Any = self.data
        app = found.application
        english = self.host.translator.language == "en"
        text = Text()
        if found.full:
            text.append(t("identity.code.applicant", name=found.masked_name) + "\n")
            text.append(f"{app.name_en if english else app.name_zh}  {app.number}\n", style="bold")
        else:
            text.append(f"{app.number}\n", style="bold")
        append_timeline(text, app, t, english)
        with VerticalScroll(id="progress-list"):
            yield Static(text, classes="application")
            if not found.full:
                yield Static(t("fix19.code.status_only"), classes="message")
            yield Static(t("identity.code.only_this"), classes="message")
