"""受理业务: a small wizard sharing one :class:`AcceptDraft` — choose the kind
of business (a group, then the type), tick the materials received, submit.
Submitting is Enter (or the 提交受理 button) and then the confirmation's second
key (:mod:`screens.counter.keys`); 0 is back, as everywhere at the counter.

Submitting stores the application, its checklist, its first event and the
受理回执 print job in one transaction, then opens the application so the
clerk can advance it at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input

from kiosk.rules.text import InvalidText, normalise_text
from kiosk.rules.workflows import WORKFLOWS, Workflow
from kiosk.services import applications as application_service
from kiosk.services import resident_standing
from kiosk.services.applications import ApplicationInfo
from kiosk.services.registration import ResidentInfo
from screens.counter import lifecycle as lifecycle_actions
from screens.counter import names
from screens.counter.base import CounterScreen
from screens.counter.keys import ConfirmActionModal, MenuListKeys
from screens.counter.printing import wake_spool
from screens.counter.steps import submit_form
from screens.widgets.menu import MenuButton
from screens.widgets.plain import Static

GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("enrol", ("enrol_resident_pension", "enrol_resident_medical", "enrol_employee")),
    ("assessment", ("assessment",)),
    ("benefit", ("benefit_pension", "benefit_unemployment", "benefit_injury", "benefit_maternity",
                 "benefit_medical")),
    ("transfer", ("transfer",)),
    ("card", ("card_apply", "card_loss", "card_unfreeze", "card_replace")),
    ("registration", ("unemployment_registration", "injury_determination")),
    # issue 15: 资格认证, 死亡注销, 继承, 停保/恢复/终止参保 (also keys 5 and 8 on the resident detail)
    ("lifecycle", ("certification", "death_report", "inheritance", "enrolment_suspend", "enrolment_resume",
                   "enrolment_end")),
    ("info_change", ("info_change",)),  # 信息变更 (issue 15.2; also key 2 on the resident detail, with its history)
)


#: At most nine numbered choices on a screen: 0 is always back.
MAX_CHOICES = 9


def number_key(index: int) -> str:
    """The number key of the ``index``-th choice (0-based): 1 … 9 (never 0, which is back)."""
    if not 0 <= index < MAX_CHOICES:
        raise ValueError(f"choice {index + 1} has no number key")
    return str(index + 1)


@dataclass
class AcceptDraft:
    """What the wizard has gathered so far."""

    resident: ResidentInfo
    type: str = ""
    received: set[str] = field(default_factory=set)
    note: str = ""
    data: dict[str, Any] | None = None  # from the type's step form (None: not asked yet)

    @property
    def workflow(self) -> Workflow:
        return WORKFLOWS[self.type]


def start_accept(app: Any, resident: ResidentInfo) -> None:
    """Open the wizard for ``resident``."""
    app.push_screen(AcceptTypeScreen(AcceptDraft(resident)))


class AcceptStep(CounterScreen):
    """Marker base: the wizard's screens, closed together after submitting."""

    def __init__(self, draft: AcceptDraft) -> None:
        super().__init__()
        self.draft = draft

    def workflow_name(self, wf: Workflow) -> str:
        return wf.name_zh if self.host.translator.language == "zh_CN" else wf.name_en


class AcceptTypeScreen(MenuListKeys, AcceptStep):
    """Choose a group of business, then (if the group has several) the type."""

    TITLE_KEY = "counter.accept.title"

    def __init__(self, draft: AcceptDraft, group: str | None = None) -> None:
        super().__init__(draft)
        self.group = group

    def body(self) -> ComposeResult:
        yield Static(self.t("counter.accept.for", name=self.draft.resident.masked_name,
                            id=self.draft.resident.masked_id), classes="hint")
        with VerticalScroll(classes="menu-list"):
            if self.group is None:
                for index, (group, _types) in enumerate(GROUPS):
                    yield MenuButton(number_key(index), self.t(f"counter.accept.group.{group}"), f"group-{group}")
            else:
                types = dict(GROUPS)[self.group]
                for index, type_ in enumerate(types):
                    yield MenuButton(number_key(index), self.workflow_name(WORKFLOWS[type_]), f"type-{type_}")

    def choose(self, choice: str) -> None:
        kind, _, value = choice.partition("-")
        if kind == "group":
            types = dict(GROUPS)[value]
            if len(types) == 1:
                self._choose(types[0])
            else:
                self.app.push_screen(AcceptTypeScreen(self.draft, value))
        else:
            self._choose(value)

    def _choose(self, type_: str) -> None:
        self.draft.type = type_
        self.draft.received = set()
        self.draft.data = None
        self.app.push_screen(MaterialsScreen(self.draft))


class MaterialsScreen(MenuListKeys, AcceptStep):
    """The materials checklist: each number key (or Space on a row) toggles
    received/missing; Enter asks to submit, the confirmation's second key submits."""

    TITLE_KEY = "counter.materials.title"
    LEGEND_KEY = "counterdesk.keys.accept_materials"
    BINDINGS = [Binding("enter", "proceed", show=False, priority=True),
                Binding("space", "toggle_focused", show=False),
                Binding("down", "app.focus_next", show=False), Binding("up", "app.focus_previous", show=False)]

    def __init__(self, draft: AcceptDraft) -> None:
        super().__init__(draft)
        self._busy = False

    def body(self) -> ComposeResult:
        wf = self.draft.workflow
        yield Static(self.t("counter.materials.for", type=self.workflow_name(wf),
                            name=self.draft.resident.masked_name, days=wf.expected_days), classes="hint")
        with VerticalScroll(classes="menu-list"):
            for index, material in enumerate(wf.materials[:9]):
                yield MenuButton(number_key(index), self._label(material.code), f"material-{material.code}",
                                 classes="material")
        with Horizontal(classes="note-row"):
            yield Static(self.t("counter.materials.note"), classes="field-label")
            yield Input(id="accept-note", max_length=200)
        with Horizontal(classes="action-row"):
            yield MenuButton("Enter", self.t("counter.materials.submit"), "submit",
                             classes="primary-choice")
            yield MenuButton("0", self.t("counter.back"), "back")

    def action_proceed(self) -> None:
        self.submit()

    def action_toggle_focused(self) -> None:
        focused = self.focused
        if isinstance(focused, MenuButton) and focused.choice.startswith("material-"):
            self.toggle(focused.choice.partition("-")[2])

    def _label(self, code: str) -> str:
        material = next(m for m in self.draft.workflow.materials if m.code == code)
        state = self.t("counter.materials.received" if code in self.draft.received else "counter.materials.missing")
        name = material.name_zh if self.host.translator.language == "zh_CN" else material.name_en
        optional = "" if material.required else self.t("counter.materials.optional")
        return f"[{state}] {name}{optional}"

    def toggle(self, code: str) -> None:
        """Flip one material between received and missing."""
        if code in self.draft.received:
            self.draft.received.discard(code)
        else:
            self.draft.received.add(code)
        button = self.query_one(f"#choice-material-{code}", MenuButton)
        button.label = f"{button.key}  {self._label(code)}"

    def choose(self, choice: str) -> None:
        kind, _, value = choice.partition("-")
        if kind == "material":
            self.toggle(value)
        elif kind == "submit":
            self.submit()
        elif kind == "back":
            self.go_back()

    def submit(self) -> None:
        """Ask the type's step form first (when its acceptance checks read data), then submit."""
        if self._busy:
            return
        form = submit_form(self.draft.type, self.draft.data, subject=self.draft.resident.masked_name)
        if form is None:
            self._confirm({})
        else:
            self.app.push_screen(form, lambda data: self._confirm(data) if data is not None else None)

    def _confirm(self, data: dict[str, Any]) -> None:
        """Show what will be submitted (business, resident, materials missing); the second key submits."""
        self.draft.data = data
        wf = self.draft.workflow
        english = self.host.translator.language != "zh_CN"
        missing = [m.name_en if english else m.name_zh for m in wf.materials
                   if m.required and m.code not in self.draft.received]
        lines = [self.t("counterdesk.accept.what", type=self.workflow_name(wf), name=self.draft.resident.masked_name),
                 self.t("counterdesk.accept.missing", list=self.t("maint17.list_sep").join(missing)) if missing
                 else self.t("counterdesk.accept.complete")]
        if self.draft.type in lifecycle_actions.PREVIEW_TYPES:
            # The amounts the rules will produce, before the second key (issue 15: never at 审核 only).
            ctx, rid, type_ = self.host.ctx, self.draft.resident.id, self.draft.type
            self.run_service(lambda: resident_standing.accept_preview(ctx, rid, type_, data),
                             lambda preview: self._ask(data, [*lines, *lifecycle_actions.accept_lines(
                                 self.t, type_, data, preview)]),
                             lambda message: self._ask(data, [*lines, self.t("counter17.steps.no_preview",
                                                                                message=message)]))
            return
        self._ask(data, lines)

    def _ask(self, data: dict[str, Any], lines: list[str]) -> None:
        self.app.push_screen(ConfirmActionModal(self.t("counterdesk.accept.confirm_title"), lines),
                             lambda ok: self._submit(data) if ok else self.say(self.t("counterdesk.confirm.cancelled")))

    def _submit(self, data: dict[str, Any]) -> None:
        """Store the application (and its 受理回执)."""
        if self._busy:
            return
        self.draft.data = data  # kept: the form reopens filled in when the note is refused
        try:  # the one normaliser: trimmed, invisible and control characters refused
            note = normalise_text(self.query_one("#accept-note", Input).value)
        except InvalidText as exc:
            self.say(exc.describe(self.t), "error")
            return
        self._busy = True
        self.draft.note = note
        ctx, draft = self.host.ctx, self.draft
        self.say(self.t("counter.working"))
        self.run_service(
            lambda: application_service.submit(ctx, draft.resident.id, draft.type, dict(draft.data or {}),
                                               sorted(draft.received),
                                               note=draft.note, print_receipt=True),
            self._submitted, self._failed)

    def _failed(self, message: str) -> None:
        self._busy = False
        self.say(message, "error")

    def _submitted(self, info: ApplicationInfo) -> None:
        from screens.counter.application import ApplicationScreen

        self._busy = False
        wake_spool(self.host)
        missing = self.t("maint17.list_sep").join(names.material_name(self.host, info.type, m.code, m.name)
                                                  for m in info.missing_materials)
        notice = self.t("counter.accept.done", number=info.number)
        if missing:
            notice += self.t("counter.accept.missing", list=missing)
        app = self.app
        while isinstance(app.screen, AcceptStep) and len(app.screen_stack) > 2:
            app.pop_screen()
        app.push_screen(ApplicationScreen(info.number, notice))
