"""参保登记 (resident pension or resident medical), step 1: who may enrol, and
whether this resident already is. Someone already enrolled (in the resident
scheme, or in the employee scheme of the same insurance) is told so clearly
and cannot go on; everyone else goes to the confirm step."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Grid, VerticalScroll

from kiosk.services import residents
from screens.resident.apply_common import ApplyStep
from screens.resident.apply_confirm import ApplyConfirmScreen
from screens.widgets.cjk_wrap import Prose
from screens.widgets.menu import MenuButton
from screens.widgets.plain import Static

INSURANCE = {"enrol_resident_pension": "pension", "enrol_resident_medical": "medical"}


def blocking_enrolment(type_: str, enrolments: list[Any]) -> str | None:
    """The scheme that already covers this insurance ("resident"/"employee"/"flexible"), else None."""
    insurance = INSURANCE[type_]
    for row in enrolments:
        if row.insurance == insurance and row.status == "active":
            return str(row.scheme)
    return None


class EnrolScreen(ApplyStep):
    """What enrolment means, and 1 下一步 unless already enrolled."""

    TITLE_KEY = "resident.apply.enrol.title"

    def needs_data(self) -> bool:
        return True

    def load(self, ctx: Any, resident_id: int) -> Any:
        return residents.enrolments(ctx, resident_id)

    def compose_body(self) -> ComposeResult:
        t = self.t
        kind = INSURANCE[self.draft.type]
        blocked = blocking_enrolment(self.draft.type, self.data)
        with VerticalScroll(id="apply-summary"):
            yield Static(t(f"resident.apply.enrol.{kind}.who"), classes="apply-line")
            yield Static(t(f"resident.apply.enrol.{kind}.fee"), classes="apply-line")
            if blocked is not None:
                yield Static(t("resident.apply.enrol.already", scheme=t(f"resident.scheme.{blocked}"),
                               insurance=t(f"resident.insurance.{kind}")), classes="warning", id="apply-blocked")
        yield Prose("", id="apply-message", classes="message")
        with Grid(classes="menu-grid apply-actions"):
            if blocked is None:
                yield MenuButton("1", t("resident.apply.next"), "next")
            yield MenuButton("0", t("app.back"), "back")

    def choose(self, choice: str) -> None:
        if choice == "back":
            self.go_back()
        elif choice == "next" and blocking_enrolment(self.draft.type, self.data) is None:
            self.draft.lines = [self.t(f"resident.apply.enrol.{INSURANCE[self.draft.type]}.line")]
            self.app.push_screen(ApplyConfirmScreen(self.draft))
