"""办理进度: applications with a step timeline; a return or rejection shows why,
and an application waiting for materials names each one still to bring (and
where it is issued), as the counter's 一次性告知单 does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll

from kiosk.rules.workflows import END_STATES, WORKFLOWS
from kiosk.services import applications as application_service
from kiosk.services import reasons, residents
from kiosk.services.applications import MaterialInfo
from kiosk.services.residents import ApplicationView
from screens.resident.common import ResidentScreen
from screens.widgets.plain import Static

STATE_STYLE = {"done": "green", "current": "bold yellow", "stopped": "bold red", "todo": "dim"}


def append_timeline(text: Text, app: ApplicationView, t: Callable[..., str], english: bool) -> None:
    """Appends to ``text`` an application's status line (status, date applied),
    one line per step with its state and date, and the return/rejection reason
    if any; names in the reader's language (``english``), ``t`` the translator."""
    status = app.status_en if english else app.status_zh
    text.append(t("resident.progress.status", status=status, date=f"{app.created:%Y-%m-%d}") + "\n")
    for step in app.steps:
        # Where the flow stopped says how: a return is 退回补正 (to be resubmitted), not a refusal.
        label = (t(f"fix17counter.progress.{app.status}") if step.state == "stopped" and app.status in END_STATES
                 else t(f"resident.progress.state.{step.state}"))
        when = f"  {step.at:%Y-%m-%d}" if step.at else ""
        text.append(f"  [{label}] ", style=STATE_STYLE.get(step.state, ""))
        text.append(f"{step.name_en if english else step.name_zh}{when}\n")
    if app.reason:
        reason = reasons.render(app.reason_code, app.reason, t)  # a system-written reason in the reader's language
        text.append(t("resident.progress.reason", reason=reason) + "\n", style="bold red")


class ProgressScreen(ResidentScreen):
    """One block per application, newest first."""

    TITLE_KEY = "resident.home.progress"

    def load(self, ctx: Any, resident_id: int) -> Any:
        apps = residents.applications(ctx, resident_id)
        self.missing = application_service.missing_by_application(ctx, resident_id) if apps else {}
        return apps

    missing: dict[str, tuple[MaterialInfo, ...]] = {}

    def material_lines(self, type_: str, missing: tuple[MaterialInfo, ...]) -> list[str]:
        """One line per missing material: its name (in the reader's language), 补正 and where to get it."""
        english = self.host.translator.language == "en"
        language = "en" if english else "zh_CN"
        names = {m.code: m.name_en for m in WORKFLOWS[type_].materials} if type_ in WORKFLOWS else {}
        lines = []
        for material in missing:
            name = names.get(material.code, material.name) if english else material.name
            key = "counterdesk.progress.correction" if material.correction else "counterdesk.progress.material"
            lines.append(self.t(key, name=name, where=application_service.material_source(material.code, language)))
        return lines

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
                text.append(f"{name}  {app.number}\n", style="bold")
                append_timeline(text, app, t, english)
                missing = self.missing.get(app.number, ())
                if missing:
                    text.append(t("counterdesk.progress.bring") + "\n", style="bold")
                    for line in self.material_lines(app.type, missing):
                        text.append(line + "\n")
                yield Static(text, classes="application")
