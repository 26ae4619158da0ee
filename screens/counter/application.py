"""One application at the counter: where it stands, its checklist and
history, and the transitions the clerk may make.

Advancing sends the version the screen showed; when another clerk moved
the application first the service raises Conflict, and this screen says so
calmly and shows the application as it is now. Every transition keeps its
key on every step (:data:`screens.counter.keys.ACTION_KEYS`: 1 next, 2 材料清单,
6 一次性告知单, 7 退回补正, 8 不予受理, 9 撤回, 0 back) and happens only after
the confirmation's second key; 不予受理 and 撤回 ask for a reason first, 退回补正 names
the missing materials itself. Supervisor steps are offered only to supervisors.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.widgets import Input

from kiosk.rules.money import format_yuan
from kiosk.rules.text import InvalidText, normalise_text
from kiosk.rules.workflows import END_STATES, RETURNED, WITHDRAWN, WORKFLOWS
from kiosk.services import Conflict, claims, reasons, resident_standing
from kiosk.services import applications as application_service
from kiosk.services.applications import ApplicationInfo, Transition
from kiosk.services.entitlement import Decision, reason_text
from screens.counter import lifecycle as lifecycle_actions
from screens.counter import names
from screens.counter import session as counter_session
from screens.counter.base import CounterScreen
from screens.counter.keys import ACTION_KEYS, ConfirmActionModal
from screens.counter.printing import flush_job
from screens.counter.reason import ReasonModal
from screens.counter.resident_detail import local_time
from screens.counter.steps import StepForm, step_form
from screens.widgets.menu import MenuButton
from screens.widgets.plain import Static


@dataclass(frozen=True)
class AdvanceOutcome:
    """The application after an attempt; ``conflict`` holds the message when someone else was first."""

    info: ApplicationInfo
    conflict: str = ""


class ApplicationScreen(CounterScreen):
    """Shows and advances one application by its number."""

    TITLE_KEY = "counter.application.title"

    def __init__(self, number: str, notice: str = "") -> None:
        super().__init__()
        self.number = number
        self.info: ApplicationInfo | None = None
        self._notice = notice
        self._busy = False
        self._generation = 0
        # Every fetch or write gets a ticket; only the newest one's answer is shown, so an
        # older read finishing late never puts an old version (or status) back on screen.
        self._load_seq = 0
        self._said_lacking = False  # the message line holds a refusal about missing materials

    def body(self) -> ComposeResult:
        with VerticalScroll(id="application-body"):
            yield Static("", id="application-summary")
            yield Static("", id="application-steps")
            yield Static("", id="application-materials")
            yield Static(self.t("counter.application.history"), classes="section-title")
            yield Static("", id="application-events")
        with Horizontal(classes="note-row"):
            yield Static(self.t("counter.application.note"), classes="field-label")
            yield Input(id="advance-note", max_length=200, placeholder=self.t("counter.application.note_hint"))
        yield Grid(id="transitions", classes="action-grid")

    def on_mount(self) -> None:
        if self._notice:
            self.say(self._notice, "ok")
        self.reload()

    def on_screen_resume(self) -> None:
        """Back from a sub-screen or modal (材料清单, a step form, a confirmation): any of them
        may have written (marks, 退回补正, a notice), so the application — its version
        included — is fetched again before the next step sends it."""
        if not self._busy:
            self.reload()

    def reload(self) -> None:
        """Fetch the application again; the first fetch is the audited look
        (:func:`kiosk.services.applications.open_application`), later ones only refresh it."""
        ctx, number = self.host.ctx, self.number
        self._load_seq += 1
        seq = self._load_seq
        if self._load_seq == 1:
            session = counter_session.current(self.host)
            served = session.resident.id if session is not None and session.resident is not None else None
            self.run_service(lambda: application_service.open_application(ctx, number, served=served),
                             lambda info: self._loaded(info, seq), lambda message: self.say(message, "error"))
            return
        self.run_service(lambda: application_service.get_application(ctx, number),
                         lambda info: self._loaded(info, seq), lambda message: self.say(message, "error"))

    def _loaded(self, info: ApplicationInfo, seq: int | None = None) -> None:
        if seq is not None and seq != self._load_seq:
            return  # a newer fetch or write is on its way: this answer is older than it
        self.info = info
        self.call_next(self._rebuild, info)

    # -- display ---------------------------------------------------------------------

    def _is_supervisor(self) -> bool:
        session = counter_session.current(self.host)
        return session is not None and session.staff.is_supervisor

    def _status(self, info: ApplicationInfo) -> str:
        return names.status_name(self.host, info.type, info.status, info.status_name)

    def _step(self, transition: Transition) -> str:
        type_ = self.info.type if self.info is not None else ""
        return names.status_name(self.host, type_, transition.to_status, transition.name)

    def transition_label(self, transition: Transition) -> str:
        if transition.to_status == RETURNED and self.info is not None and self.info.missing_materials:
            return self.t("counterdesk.action.returned")  # names the materials itself: no reason to type
        if transition.to_status in END_STATES:
            label = self.t(f"counter.application.to_{transition.to_status}")
        else:
            label = self.t("counter.application.to_step", step=self._step(transition))
        if transition.supervisor and not self._is_supervisor():
            label += self.t("counter.application.supervisor_only")
        return label

    async def _rebuild(self, info: ApplicationInfo) -> None:
        wf = WORKFLOWS[info.type]
        self.query_one("#application-summary", Static).update(self.t(
            "counter.application.summary", number=info.number, type=names.type_name(self.host, info.type, info.type_name),
            name=info.masked_name, status=self._status(info), days=info.expected_days))
        codes = [s.code for s in wf.steps]
        reached = codes.index(info.status) if info.status in codes else -1
        steps = []
        for index, step in enumerate(wf.steps):
            name = step.name_zh if self.host.translator.language == "zh_CN" else step.name_en
            steps.append(f"[{name}]" if index == reached else name)
        line = " > ".join(steps)
        if info.status in END_STATES:
            reason = reasons.render(info.reason_code, info.reason, self.t)  # system-written: reader's language
            line += f"  ({self._status(info)}{self.t('maint17.colon') + reason if reason else ''})"
        if info.amount_fen is not None:
            line += "\n" + self.t("counter.steps.amount_line", amount=f"{format_yuan(info.amount_fen)}{self.t('counter.yuan')}")
        self.query_one("#application-steps", Static).update(line)
        if self._said_lacking and not self._lacking(info):
            self.say("")  # the old "材料不齐" refusal is no longer true: the materials are complete now
        self._said_lacking = False
        missing = names.join(self.host, [names.material_name(self.host, info.type, m.code, m.name)
                                         for m in info.missing_materials])
        self.query_one("#application-materials", Static).update(
            self.t("counter.application.missing", list=missing) if missing
            else self.t("counter.application.materials_complete"))
        events = [f"{local_time(self.host.ctx, e.created_at)}  {names.status_name(self.host, info.type, e.to_status, e.step_name)}  "
                  f"{e.staff_number or self.t('counter.application.self_service')}"
                  f"{'  ' + e.note if e.note else ''}" for e in info.events]
        self.query_one("#application-events", Static).update("\n".join(events))
        container = self.query_one("#transitions", Grid)
        await container.remove_children()
        self._generation += 1
        buttons: list[MenuButton] = []
        for transition in info.transitions:
            key = ACTION_KEYS.get(transition.to_status, ACTION_KEYS["next"])
            label = self.transition_label(transition)
            # The service refuses the next step while required materials are missing:
            # not offered (and said why) rather than refused after the confirmation.
            lacking = self._lacking(info) and transition.to_status not in END_STATES
            if lacking:
                label += self.t("fix17counter.application.needs_materials")
            button = MenuButton(key, label, f"go{self._generation}-{transition.to_status}")
            button.disabled = lacking or (transition.supervisor and not self._is_supervisor())
            buttons.append(button)
        if self._materials_open(info):
            buttons.append(MenuButton(ACTION_KEYS["materials"], self.t("counterdesk.action.materials"),
                                      f"materials{self._generation}-"))
            if info.missing_materials:
                buttons.append(MenuButton(ACTION_KEYS["notice"], self.t("counterdesk.action.notice"),
                                          f"notice{self._generation}-"))
        buttons.sort(key=lambda b: b.key)
        if info.finished:
            await container.mount(Static(self._end_text(info), classes="hint"))
        await container.mount_all(buttons)
        # The old buttons are gone: give the focus to the new ones, or number keys would type
        # into the note field (unless the clerk is writing a note there).
        note = self.query_one("#advance-note", Input)
        enabled = [b for b in buttons if not b.disabled]
        if self.focused is note and note.value:
            return  # the clerk is writing a note: leave it
        if enabled:
            enabled[0].focus()
        elif self.focused is note or self.focused is None:
            # Nothing left to press (finished, or only supervisor steps): no text field keeps the
            # focus either, or 0 (back) and a card read would type into the note.
            self.set_focus(None)

    # -- actions ------------------------------------------------------------------------

    @staticmethod
    def _lacking(info: ApplicationInfo) -> bool:
        """Required materials still not received at the first step (where the service refuses
        every step but the end states until they are)."""
        return (info.status == WORKFLOWS[info.type].first and not info.finished
                and any(m.required and not m.received for m in info.materials))

    def _end_text(self, info: ApplicationInfo) -> str:
        """What an application that takes no further step says: 办结 only when it was completed;
        退回补正 waits for the resident, 不予受理/撤回 ended it (the real state, never "办结" for a return)."""
        if info.status in END_STATES:
            return self.t(f"fix17counter.application.end_{info.status}")
        return self.t("counter.application.finished")

    @staticmethod
    def _materials_open(info: ApplicationInfo) -> bool:
        """Materials are marked at 受理 (the first step) and after 退回补正."""
        return info.status == RETURNED or (info.status == WORKFLOWS[info.type].first and not info.finished)

    def choose(self, choice: str) -> None:
        if self.info is None:
            return
        kind, _, to_status = choice.partition("-")
        if kind.startswith("materials"):
            from screens.counter.materials import MaterialsCheckScreen

            self.app.push_screen(MaterialsCheckScreen(self.info))
            return
        if kind.startswith("notice"):
            self.print_notice()
            return
        transition = next((t for t in self.info.transitions if t.to_status == to_status), None)
        if transition is None:
            return
        if to_status == RETURNED and self.info.missing_materials:
            self._confirm(transition, [self.t("counterdesk.materials.return_what", number=self.info.number,
                                              name=self.info.masked_name),
                                       *[f"  {names.material_name(self.host, self.info.type, m.code, m.name)}"
                                         for m in self.info.missing_materials],
                                       self.t("counterdesk.materials.return_notice")],
                          self.return_for_correction)
            return
        if transition.needs_reason or to_status == WITHDRAWN:
            # 撤回 says why too (the resident reads it under 办理进度), even where the service would take none.
            self.app.push_screen(ReasonModal(self.transition_label(transition)),
                                 lambda reason: self._confirm(transition, [self._what(transition), reason],
                                                              lambda: self.advance(to_status, reason))
                                 if reason else None)
            return
        try:  # the one normaliser: trimmed, invisible and control characters refused
            note = normalise_text(self.query_one("#advance-note", Input).value)
        except InvalidText as exc:
            self.say(exc.describe(self.t), "error")
            return
        form = step_form(self.info, to_status)
        if form is None:
            # A lifecycle step (issue 15) also says what it will do, with the amounts.
            lines = [self._what(transition), *lifecycle_actions.confirm_lines(self.t, self.info, to_status)]
            info = self.info
            if (info.type, to_status) in lifecycle_actions.PREVIEW_STEPS:
                # The amounts this step will produce (back pay, the contribution notice), from the service.
                ctx, number = self.host.ctx, info.number
                self.run_service(lambda: resident_standing.step_preview(ctx, number, to_status),
                                 lambda preview: self._confirm(transition, [*lines, *lifecycle_actions.step_lines(
                                     self.t, info, to_status, preview)], lambda: self.advance(to_status, note)),
                                 lambda message: self._confirm(transition, [*lines, self.t(
                                     "counter17.steps.no_preview", message=message)],
                                     lambda: self.advance(to_status, note)))
                return
            self._confirm(transition, lines, lambda: self.advance(to_status, note))
        else:
            # The step reads these inputs (amounts, dates, choices); Esc in the form advances nothing.
            self.app.push_screen(form, lambda data: self._confirm_form(transition, form, note, data)
                                 if data is not None else None)

    def _confirm_form(self, transition: Transition, form: StepForm, note: str, data: dict[str, Any]) -> None:
        """The confirmation after a step form shows the facts entered and, at 待遇计算, the
        amount the rules will decide from them (never a typed amount)."""
        info = self.info
        assert info is not None
        lines = [self._what(transition), self.t("counter17.steps.facts"), *[f"  {line}" for line in form.summary]]
        to_status = transition.to_status

        def then() -> None:
            self.advance(to_status, note, data)

        if to_status != "calculated" or info.type not in claims.KIND_OF_TYPE:
            self._confirm(transition, lines, then)
            return
        ctx = self.host.ctx
        facts = {**info.data, **data}
        claims.drop_computed(facts)
        self.run_service(lambda: claims.decide_for(ctx, info.resident_id, info.type, facts, info.id),
                         lambda decision: self._confirm(transition, [*lines, self._decided(decision)], then),
                         lambda message: self._confirm(
                             transition, [*lines, self.t("counter17.steps.no_preview", message=message)], then))

    def _decided(self, decision: Decision) -> str:
        """One line: what the rules decide (monthly and/or once), or why they refuse."""
        if not decision.eligible:
            return self.t("counter17.steps.refused", reasons=reason_text(decision.reasons, self.t))
        yuan = self.t("counter.yuan")
        parts = []
        if decision.monthly_fen is not None:
            parts.append(self.t("counter17.steps.monthly", amount=f"{format_yuan(decision.monthly_fen)}{yuan}"))
        if decision.months:
            parts.append(self.t("counter17.steps.months", months=decision.months))
        if decision.lump_sum_fen is not None:
            parts.append(self.t("counter17.steps.lump", amount=f"{format_yuan(decision.lump_sum_fen)}{yuan}"))
        return self.t("counter17.steps.amount", amount=self.t("counter17.steps.join").join(parts) or "-")


    def _what(self, transition: Transition) -> str:
        info = self.info
        assert info is not None
        return self.t("counterdesk.application.what", number=info.number,
                      type=names.type_name(self.host, info.type, info.type_name),
                      name=info.masked_name, status=self._status(info), to=self._step(transition))

    def _confirm(self, transition: Transition, lines: list[str], then: Any) -> None:
        """Nothing moves on one key: the confirmation shows what happens and needs its second key."""
        self.app.push_screen(ConfirmActionModal(self.transition_label(transition), lines),
                             lambda ok: then() if ok else self.say(self.t("counterdesk.confirm.cancelled")))

    def print_notice(self) -> None:
        """Store and print the 一次性告知单 for the materials still missing."""
        ctx, number, host = self.host.ctx, self.number, self.host

        def call() -> str:
            info = application_service.print_notice(ctx, number)
            try:
                return flush_job(host, info.print_job_id)
            except Exception:  # the notice stays in the spool for 补打
                return ""

        self.run_service(call, lambda message: self.say(
            message or self.t("counterdesk.materials.notice_printed"), "ok"), self._failed, writes=True)

    def return_for_correction(self) -> None:
        """退回补正 naming every missing material; the 一次性告知单 prints with it."""
        if self._busy or self.info is None:
            return
        self._busy = True
        self._load_seq += 1  # what this write returns is newer than any fetch still running
        ctx, number, version, host = self.host.ctx, self.number, self.info.version, self.host

        def call() -> AdvanceOutcome:
            try:
                info = application_service.return_for_correction(ctx, number, expected_version=version)
            except Conflict as exc:
                return AdvanceOutcome(application_service.get_application(ctx, number),
                                      self.service_message(exc))
            with contextlib.suppress(Exception):  # the notice stays in the spool for 补打
                flush_job(host, info.print_job_id)
            return AdvanceOutcome(info)

        self.say(self.t("counter.working"))
        self.run_service(call, self._advanced, self._failed, writes=True)

    def advance(self, to_status: str, note: str, data: dict[str, Any] | None = None) -> None:
        """Move the application to ``to_status`` with ``note`` (the reason, for 退回/不予受理)
        and the step's inputs ``data`` from its form."""
        if self._busy or self.info is None:
            return
        self._busy = True
        self._load_seq += 1  # what this write returns is newer than any fetch still running
        ctx, number, version, host = self.host.ctx, self.number, self.info.version, self.host

        def call() -> AdvanceOutcome:
            try:
                info = application_service.advance(ctx, number, to_status, note, expected_version=version,
                                                   data=data)
                with contextlib.suppress(Exception):  # a lifecycle 办结回执 stays in the spool for 补打
                    if (job := lifecycle_actions.receipt_job(info)) is not None:
                        flush_job(host, job)
                return AdvanceOutcome(info)
            except Conflict as exc:
                # Someone else was first: fetch the application as it is now.
                return AdvanceOutcome(application_service.get_application(ctx, number),
                                      self.service_message(exc))

        self.say(self.t("counter.working"))
        self.run_service(call, self._advanced, self._failed, writes=True)

    def _failed(self, message: str) -> None:
        self._busy = False
        # A refusal said while materials were lacking is cleared once they are complete.
        self._said_lacking = self.info is not None and self._lacking(self.info)
        self.say(message, "error")

    def _advanced(self, outcome: AdvanceOutcome) -> None:
        self._busy = False
        if outcome.conflict:
            self.say(self.t("counter.application.conflict", message=outcome.conflict,
                            status=self._status(outcome.info)), "error")
        else:
            self.query_one("#advance-note", Input).value = ""
            self.say(self.t("counter.application.advanced", status=self._status(outcome.info)), "ok")
        self._loaded(outcome.info)
