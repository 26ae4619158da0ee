"""The confirm step of every apply wizard: what was chosen, the masked
person, the materials and working days. 1 asks (the confirmation that shows
what will happen) and + stores the application: no digit alone, and no
double tap of the 1 that led here, ever submits (issue 17; the counter's
one key map, screens.counter.keys). Before 1 is offered the service runs the
checks submit will run (applications.check): an application that would be
refused says why here, with only 0 to go back; nobody confirms a refusal."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid, VerticalScroll

from kiosk.services import applications
from screens.resident.apply_common import (
    ApplyDraft,
    ApplyStep,
    Submitted,
    business_name,
    days_text,
    materials_lines,
)
from screens.widgets.cjk_wrap import Prose
from screens.widgets.menu import MenuButton
from screens.widgets.plain import Static


class ApplyConfirmScreen(ApplyStep):
    """Everything the resident chose, the masked person, materials and days; 1 then + submits.

    With ``draft.confirm_twice`` the first confirmation only opens the
    second one (``second=True``); leaving the second writes nothing.
    """

    TITLE_KEY = "resident.apply.confirm.title"

    def __init__(self, draft: ApplyDraft, *, second: bool = False) -> None:
        super().__init__(draft)
        self.second = second
        self._busy = False

    def compose_body(self) -> ComposeResult:
        t = self.t
        person = self.resident
        with VerticalScroll(id="apply-summary"):
            yield Static(business_name(self, self.draft.type, self.draft.business), classes="balance", id="apply-business")
            if person is not None:
                yield Static(t("resident.apply.confirm.person", name=person.masked_name, id=person.masked_id))
            for line in self.draft.lines:
                yield Static(line, classes="apply-line")
            yield Static(t("resident.apply.materials"), classes="apply-heading")
            yield Static("\n".join(materials_lines(self, self.draft.type)), id="apply-materials")
            yield Static(days_text(self, self.draft.workflow.expected_days), id="apply-days")
            for note in self.draft.notes:
                yield Static(note, classes="warning apply-note")
            if self.draft.confirm_twice:
                yield Static(t("resident.apply.confirm.second_prompt" if self.second
                               else "resident.apply.confirm.first_prompt"), classes="warning", id="apply-prompt")
        yield Prose("", id="apply-message", classes="message")
        with Grid(classes="menu-grid apply-actions"):
            label = "resident.apply.confirm.submit"
            if self.draft.confirm_twice:
                label = "resident.apply.confirm.second" if self.second else "resident.apply.confirm.first"
            yield MenuButton("1", t(label), "submit")
            yield MenuButton("0", t("resident.apply.confirm.cancel"), "cancel")

    def on_mount(self) -> None:
        if self.resident is None:
            return  # ResidentScreen.on_mount sends the app home
        self._submit_button().disabled = True  # until the service says it would accept it
        ctx, draft, resident_id = self.host.ctx, self.draft, self.resident.id
        self.run_service(lambda: applications.check(ctx, resident_id, draft.type, dict(draft.data)),
                         self._acceptable, self._refused)

    def _submit_button(self) -> MenuButton:
        return self.query_one("#choice-submit", MenuButton)

    def _acceptable(self, _: None) -> None:
        self._submit_button().disabled = False

    def _refused(self, message: str) -> None:
        """Submit would refuse it: say why, and offer only 0 (back)."""
        self._submit_button().display = False
        self.say(self.t("fix17kiosk.apply.refused", reason=message.rstrip("。.")))
        self.query_one("#apply-message", Static).add_class("warning")

    def choose(self, choice: str) -> None:
        if choice == "cancel":
            self.go_back()
        elif choice == "submit":
            if self.draft.confirm_twice and not self.second:
                self.app.push_screen(ApplyConfirmScreen(self.draft, second=True))
            elif not self._busy:
                self.ask()

    def ask(self) -> None:
        """The confirmation: what will be stored, for whom; + submits (screens.counter.keys)."""
        from screens.counter.keys import ConfirmActionModal

        t = self.t
        lines = [business_name(self, self.draft.type, self.draft.business)]
        person = self.resident
        if person is not None:
            lines.append(t("resident.apply.confirm.person", name=person.masked_name, id=person.masked_id))
        lines.append(t("kiosk17.apply.confirm_what"))
        self.app.push_screen(ConfirmActionModal(t("kiosk17.apply.confirm_title"), lines), self._answered)

    def _answered(self, yes: bool | None) -> None:
        if yes and self.is_attached and self.app.screen is self:
            self.submit()

    def submit(self) -> None:
        """Store the application and its receipt off the UI thread, then print it."""
        if self._busy or self.resident is None:
            return
        self._busy = True
        self.say(self.t("resident.apply.working"))
        ctx, services, draft, resident_id = self.host.ctx, self.host.services, self.draft, self.resident.id
        kept = self.t("resident.apply.done.kept")

        def work() -> Submitted:
            info = applications.submit(ctx, resident_id, draft.type, dict(draft.data), subtype=draft.subtype,
                                       print_receipt=True)
            if info.print_job_id is None:
                return Submitted(info, False, "")
            try:
                outcome = services.flush(info.print_job_id)
            except Exception:  # the application is stored; the receipt waits in the spool
                return Submitted(info, False, kept)
            return Submitted(info, bool(outcome.printed), str(outcome.message), tuple(outcome.lines))

        self.run_service(work, self._submitted, self._failed_submit, writes=True)

    def _failed_submit(self, message: str) -> None:
        self._busy = False
        self.say(message)

    def _submitted(self, done: Submitted) -> None:
        from screens.resident.apply import ApplyMenuScreen
        from screens.resident.apply_done import ApplyDoneScreen

        self._busy = False
        touch = getattr(self.app, "touch_activity", None)
        if callable(touch):
            touch()
        app = self.app
        while not isinstance(app.screen, ApplyMenuScreen) and len(app.screen_stack) > 2:
            app.pop_screen()
        app.push_screen(ApplyDoneScreen(self.draft, done))
