"""办理进度: applications with a step timeline; a return or rejection shows why."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll

from kiosk.services import residents
from screens.resident.common import ResidentScreen
from screens.widgets.plain import Static

STATE_STYLE = {"done": "green", "current": "bold yellow", "stopped": "bold red", "todo": "dim"}


class ProgressScreen(ResidentScreen):
    """One block per application, newest first."""

    TITLE_KEY = "resident.home.progress"

    def load(self, ctx: Any, resident_id: int) -> Any:
        return residents.applications(ctx, resident_id)

    def compose_body(self) -> ComposeResult:
        t = self.t
        if not self.data:
            yield Static(t("resident.progress.none"), classes="message")
            return
        english = self.host.translator.language == "en"
        with VerticalScroll(id="progress-list"):
            for app in self.data:
                text = Text()
                name = app.name_en if english else app.name_zh
                status = app.status_en if english else app.status_zh
                text.append(f"{name}  {app.number}\n", style="bold")
                text.append(t("resident.progress.status", status=status, date=f"{app.created:%Y-%m-%d}") + "\n")
                for step in app.steps:
                    label = t(f"resident.progress.state.{step.state}")
                    when = f"  {step.at:%Y-%m-%d}" if step.at else ""
                    text.append(f"  [{label}] ", style=STATE_STYLE.get(step.state, ""))
                    text.append(f"{step.name_en if english else step.name_zh}{when}\n")
                if app.reason:
                    text.append(t("resident.progress.reason", reason=app.reason) + "\n", style="bold red")
                yield Static(text, classes="application")
