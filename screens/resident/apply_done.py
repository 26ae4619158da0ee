"""The last step of every apply wizard: 受理 — the application number, the
materials to bring, the working days and what became of the receipt."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid, VerticalScroll

from screens.resident.apply_common import (
    ApplyDraft,
    ApplyScreen,
    Submitted,
    business_name,
    days_text,
    materials_lines,
)
from screens.widgets.menu import MenuButton
from screens.widgets.plain import Static


class ApplyDoneScreen(ApplyScreen):
    """受理: the application number, materials to bring, working days, the receipt's fate."""

    TITLE_KEY = "resident.apply.done.title"

    def __init__(self, draft: ApplyDraft, done: Submitted) -> None:
        super().__init__()
        self.draft = draft
        self.done = done

    def compose_body(self) -> ComposeResult:
        t = self.t
        info = self.done.info
        yield Static(t("resident.apply.done.number", number=info.number), id="apply-number", classes="big")
        with VerticalScroll(id="apply-summary"):
            yield Static(business_name(self, info.type, self.draft.business), classes="balance")
            yield Static(t("resident.apply.done.status", status=info.status_name if self.host.translator.language
                           != "en" else self.draft.workflow.status_name(info.status, "en")))
            for line in self.draft.lines:
                yield Static(line, classes="apply-line")
            yield Static(t("resident.apply.materials"), classes="apply-heading")
            yield Static("\n".join(materials_lines(self, info.type)), id="apply-materials")
            yield Static(days_text(self, info.expected_days), id="apply-days")
            for note in self.draft.notes:
                yield Static(note, classes="warning apply-note")
            yield Static(self.done.message or t("resident.apply.done.kept"), id="apply-printed", classes="message")
        with Grid(classes="menu-grid apply-actions"):
            yield MenuButton("1", t("resident.apply.done.more"), "more")
            yield MenuButton("0", t("app.home"), "home")

    def choose(self, choice: str) -> None:
        if choice == "more":
            self.go_back()
        elif choice == "home":
            self.host.go_home()
