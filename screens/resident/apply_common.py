"""What the self-service application wizards share (DESIGN.md §5: a wizard is
a sequence of small step screens sharing one draft object).

:class:`ApplyDraft` gathers the choices; every step screen holds the same
draft. Nothing is written until the resident confirms on
``apply_confirm.ApplyConfirmScreen``: then one service call stores the
application and its 受理回执 (same transaction), the receipt is printed
through the spool, and ``apply_done.ApplyDoneScreen`` shows the application
number, the materials to bring, the working days and what became of the
receipt. Esc goes back one step; 首页 or the idle watchdog drop the draft.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.rules.workflows import WORKFLOWS, Workflow
from kiosk.services import applications
from screens.resident.common import ResidentScreen
from screens.widgets.cjk_wrap import Prose

CSS_FILE = Path(__file__).with_name("apply.tcss")


@dataclass
class ApplyDraft:
    """One application being put together at the terminal (nothing stored yet)."""

    type: str
    """The workflow type (kiosk.rules.workflows.WORKFLOWS key)."""
    data: dict[str, Any] = field(default_factory=dict)
    """What the service reads (application_effects docstring lists the keys)."""
    subtype: str = ""
    lines: list[str] = field(default_factory=list)
    """The resident's choices as shown on the confirm screen (already translated)."""
    notes: list[str] = field(default_factory=list)
    """What the resident must know (e.g. pay at the counter), on confirm and done screens."""
    confirm_twice: bool = False
    """Card loss: a second confirmation before anything is written."""
    business: str = ""
    """What the resident calls it, when the workflow's name is too general (缴费核定)."""

    @property
    def workflow(self) -> Workflow:
        return WORKFLOWS[self.type]


@dataclass(frozen=True)
class Submitted:
    """The stored application and what became of its receipt."""

    info: applications.ApplicationInfo
    printed: bool
    message: str
    preview: tuple[str, ...] = ()


def business_name(screen: ResidentScreen, type_: str, override: str = "") -> str:
    if override:
        return override
    flow = WORKFLOWS[type_]
    return flow.name_en if screen.host.translator.language == "en" else flow.name_zh


def materials_lines(screen: ResidentScreen, type_: str) -> list[str]:
    """The materials to bring, numbered; optional ones marked 如适用."""
    english = screen.host.translator.language == "en"
    lines = []
    for i, material in enumerate(WORKFLOWS[type_].materials, 1):
        name = material.name_en if english else material.name_zh
        if not material.required:
            name += screen.t("resident.apply.optional")
        lines.append(f"  {i}. {name}")
    return lines or [screen.t("resident.apply.no_materials")]


def days_text(screen: ResidentScreen, days: int) -> str:
    return screen.t("resident.apply.days", days=days) if days else screen.t("resident.apply.days_now")


class ApplyScreen(ResidentScreen):
    """Base of every apply screen: its own styles, no data to load unless it says so."""

    CSS_PATH = CSS_FILE
    PAGED = False  # short steps (the bar keeps the long titles whole); ↑↓ PgUp PgDn still scroll a summary

    def needs_data(self) -> bool:
        return False


class ApplyStep(ApplyScreen):
    """A wizard step holding the shared draft."""

    def __init__(self, draft: ApplyDraft) -> None:
        super().__init__()
        self.draft = draft

    def say(self, message: str) -> None:
        """A calm message on the step (its #apply-message line)."""
        for widget in self.query("#apply-message").results(Prose):
            widget.set_text(message)  # broken with 避头尾: no line starts with ，or 。
