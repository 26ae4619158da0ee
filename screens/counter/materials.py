"""材料清单 of an existing application: the clerk marks each material 已收,
未收 or 需补正, prints the 一次性告知单 and returns the application for
补正 (退回补正, confirmed with a second key).

Keys (shown in the legend, the row keys derived from the list): number keys
1-n (they also focus the row) or ↑↓ and Space/Enter cycle a row 未收 → 已收 →
需补正 → 未收; Space changes a material only while its row has the focus. Tab from
a row goes to the 补正说明 field *for that row*: what is typed there (full-width
digits folded by :func:`kiosk.rules.text.normalise_text`) is saved with that
material as 需补正 on Enter or when the field is left. 6 prints the notice; 7
returns (the confirmation lists every material with its note); 0 goes back.
Each mark is saved at once (:func:`kiosk.services.applications.mark_material`,
audited), so nothing is lost when the clerk leaves the screen.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input

from kiosk.rules.text import InvalidText, normalise_text
from kiosk.rules.workflows import WORKFLOWS
from kiosk.services import applications as application_service
from kiosk.services.applications import DEFAULT_CORRECTION, ApplicationInfo, MaterialInfo
from screens.counter.base import CounterScreen
from screens.counter.keys import ACTION_KEYS, ConfirmActionModal, MenuListKeys
from screens.counter.printing import flush_job
from screens.widgets.menu import MenuButton
from screens.widgets.plain import Static

#: Row keys: one digit per material (no workflow has more than five).
ROW_KEYS = "12345"
NEXT_STATE = {"missing": "received", "received": "correction", "correction": "missing"}


class MaterialsCheckScreen(MenuListKeys, CounterScreen):
    """The checklist of application ``number`` (loaded, then kept as the service returns it)."""

    TITLE_KEY = "counterdesk.materials.title"
    LEGEND_KEY = ""  # the screen's own legend says every key
    BINDINGS = [Binding("down", "app.focus_next", show=False), Binding("up", "app.focus_previous", show=False),
                Binding("space", "cycle_focused", show=False), Binding("tab", "to_note", show=False)]

    def __init__(self, info: ApplicationInfo) -> None:
        super().__init__()
        self.info = info
        self._busy = False
        self._note_code = ""  # the material the 补正说明 field writes for ("" = none chosen yet)
        self._note_saved = ""  # what the field held when last saved or filled (no save when unchanged)

    def body(self) -> ComposeResult:
        yield Static(self._summary(), id="materials-summary", classes="hint")
        with VerticalScroll(id="materials-rows", classes="menu-list"):
            for key, material in zip(ROW_KEYS, self.info.materials, strict=False):
                yield MenuButton(key, self._label(material), f"row-{material.code}", classes="material")
        with Horizontal(classes="note-row"):
            yield Static(self.t("counterdesk.materials.problem"), classes="field-label")
            yield Input(id="material-problem", max_length=60, placeholder=self.t("counterdesk.materials.problem_hint"))
        with Horizontal(classes="action-row"):
            yield MenuButton(ACTION_KEYS["notice"], self.t("counterdesk.action.notice"), "notice")
            yield MenuButton(ACTION_KEYS["returned"], self.t("counterdesk.action.returned"), "return")
            yield MenuButton("0", self.t("counter.back"), "back")
        yield Static(self._legend(), id="materials-legend", classes="hint")

    def _legend(self) -> str:
        """The keys, the row keys derived from the list (never "1-5" for four materials)."""
        count = min(len(self.info.materials), len(ROW_KEYS))
        keys = ROW_KEYS[0] if count == 1 else f"{ROW_KEYS[0]}-{ROW_KEYS[count - 1]}"
        return self.t("fix17counter.materials.legend", keys=keys)

    def on_mount(self) -> None:
        rows = list(self.query(".material").results(MenuButton))
        if rows:
            rows[0].focus()
        self._refresh_actions()

    def _summary(self) -> str:
        info = self.info
        language = "zh_CN" if self.host.translator.language == "zh_CN" else "en"
        return self.t("counterdesk.materials.for", number=info.number, type=self._type_name(info),
                      name=info.masked_name, status=WORKFLOWS[info.type].status_name(info.status, language))

    def _type_name(self, info: ApplicationInfo) -> str:
        wf = WORKFLOWS[info.type]
        return wf.name_zh if self.host.translator.language == "zh_CN" else wf.name_en

    def _material_name(self, material: MaterialInfo) -> str:
        if self.host.translator.language == "zh_CN":
            return material.name
        names = {m.code: m.name_en for m in WORKFLOWS[self.info.type].materials}
        return names.get(material.code, material.name)

    def _label(self, material: MaterialInfo) -> str:
        state = self.t(f"counterdesk.materials.state.{material.state}")
        optional = "" if material.required else self.t("counter.materials.optional")
        problem = f"{self.t('maint17.colon')}{material.correction}" if material.correction not in ("", DEFAULT_CORRECTION) else ""
        return f"[{state}] {self._material_name(material)}{optional}{problem}"

    def _refresh_actions(self) -> None:
        missing = bool(self.info.missing_materials)
        for choice in ("notice", "return"):
            self.query_one(f"#choice-{choice}", MenuButton).disabled = not missing
        can_return = any(t.to_status == "returned" for t in self.info.transitions)
        self.query_one("#choice-return", MenuButton).disabled = not (missing and can_return)

    def _show(self, info: ApplicationInfo) -> None:
        self.info = info
        self.query_one("#materials-summary", Static).update(self._summary())
        for material in info.materials:
            found = self.query(f"#choice-row-{material.code}")
            if found:
                button = found.first(MenuButton)
                button.label = f"{button.key}  {self._label(material)}"
        self._refresh_actions()

    # -- actions ---------------------------------------------------------------------

    def choose(self, choice: str) -> None:
        kind, _, value = choice.partition("-")
        if kind == "row":
            found = self.query(f"#choice-row-{value}")
            if found:  # a number key also moves the focus there: Tab then writes this row's note
                found.first(MenuButton).focus()
            self.cycle(value)
        elif kind == "notice":
            self.print_notice()
        elif kind == "return":
            self.ask_return()
        elif kind == "back":
            self.go_back()

    def action_cycle_focused(self) -> None:
        """Space on a row: its next state (Enter does the same through the button)."""
        focused = self.focused
        if isinstance(focused, MenuButton) and focused.choice.startswith("row-"):
            self.cycle(focused.choice.removeprefix("row-"))

    def action_to_note(self) -> None:
        """Tab on a material row: the 补正说明 field, writing for that row; elsewhere the next widget."""
        focused = self.focused
        if not (isinstance(focused, MenuButton) and focused.choice.startswith("row-")):
            self.focus_next()
            return
        code = focused.choice.removeprefix("row-")
        material = next((m for m in self.info.materials if m.code == code), None)
        if material is None:
            return
        self._note_code = code
        note = self.query_one("#material-problem", Input)
        note.value = material.correction if material.correction not in ("", DEFAULT_CORRECTION) else ""
        self._note_saved = note.value
        # The label column is narrow: which material the note is for is said on the message line.
        self.say(self.t("fix17counter.materials.note_for", name=self._material_name(material)))
        note.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the note: saved with its material, and the focus goes back to that row."""
        event.stop()
        self.save_note(back_to_row=True)

    def on_input_blurred(self, event: Input.Blurred) -> None:
        """Leaving the note (Tab, Shift+Tab, a click) keeps what was typed: it is saved."""
        self.save_note()

    def _note(self) -> str | None:
        """The note as normalised (the one normaliser: data, never markup), or None after saying why."""
        try:
            return normalise_text(self.query_one("#material-problem", Input).value)
        except InvalidText as exc:
            self.say(exc.describe(self.t), "error")
            return None

    def save_note(self, back_to_row: bool = False) -> None:
        """Save the typed note with its material as 需补正 (nothing when unchanged or no row chosen)."""
        code = self._note_code
        if back_to_row and code:
            found = self.query(f"#choice-row-{code}")
            if found:
                found.first(MenuButton).focus()
        raw = self.query_one("#material-problem", Input).value
        if not code or raw == self._note_saved:
            return
        problem = self._note()
        if problem is None:
            return
        self._note_saved = raw
        self._save(code, "correction", problem)

    def cycle(self, code: str) -> None:
        """Move one material to its next state (saved at once)."""
        material = next((m for m in self.info.materials if m.code == code), None)
        if material is None or self._busy:
            return
        state = NEXT_STATE[material.state]
        problem = ""
        if state == "correction" and code == self._note_code:
            found = self._note()  # the note written for this row goes with it
            if found is None:
                return
            problem = found
        self._save(code, state, problem)

    def _save(self, code: str, state: str, problem: str) -> None:
        if self._busy:
            # One write at a time: the note waits for the mark in flight, then is saved.
            self.set_timer(0.1, lambda: self._save(code, state, problem))
            return
        self._busy = True
        ctx, number = self.host.ctx, self.info.number
        self.run_service(lambda: application_service.mark_material(ctx, number, code, state=state, problem=problem),
                         self._marked, self._failed, writes=True)

    def _marked(self, info: ApplicationInfo) -> None:
        self._busy = False
        self._show(info)
        missing = self.t("maint17.list_sep").join(self._material_name(m) for m in info.missing_materials)
        self.say(self.t("counterdesk.materials.missing", list=missing) if missing
                 else self.t("counterdesk.materials.complete"), "info" if missing else "ok")

    def _failed(self, message: str) -> None:
        self._busy = False
        self.say(message, "error")

    def print_notice(self) -> None:
        """Store and print the 一次性告知单 (every missing material, where to get it)."""
        ctx, number, host = self.host.ctx, self.info.number, self.host

        def call() -> tuple[ApplicationInfo, str]:
            info = application_service.print_notice(ctx, number)
            try:
                return info, flush_job(host, info.print_job_id)
            except Exception:  # the notice stays in the spool for 补打
                return info, ""

        self.run_service(call, self._notice_printed, self._failed, writes=True)

    def _notice_printed(self, result: tuple[ApplicationInfo, str]) -> None:
        info, message = result
        self._show(info)
        self.say(message or self.t("counterdesk.materials.notice_printed"), "ok")

    def ask_return(self) -> None:
        """退回补正: show what will be returned and the notice that prints; the second key does it."""
        # Each material with the correction note the resident will read (the notice prints it too).
        names = [self._material_name(m) + (f"{self.t('maint17.colon')}{m.correction}" if m.correction else "")
                 for m in self.info.missing_materials]
        lines = [self.t("counterdesk.materials.return_what", number=self.info.number, name=self.info.masked_name),
                 *[f"  {i}. {n}" for i, n in enumerate(names, 1)],
                 self.t("counterdesk.materials.return_notice")]
        self.app.push_screen(ConfirmActionModal(self.t("counterdesk.action.returned"), lines),
                             lambda ok: self._return() if ok else self.say(self.t("counterdesk.confirm.cancelled")))

    def _return(self) -> None:
        # The reason names every missing material and what to correct (the service writes it).
        ctx, number, version, host = self.host.ctx, self.info.number, self.info.version, self.host

        def call() -> tuple[ApplicationInfo, str]:
            info = application_service.return_for_correction(ctx, number, expected_version=version)
            try:
                return info, flush_job(host, info.print_job_id)
            except Exception:  # the notice stays in the spool for 补打
                return info, ""

        self.say(self.t("counter.working"))
        self.run_service(call, self._returned, self._failed, writes=True)

    def _returned(self, result: tuple[ApplicationInfo, str]) -> None:
        info, message = result
        self._show(info)
        self.say(self.t("counterdesk.materials.returned", number=info.number) + (f"  {message}" if message else ""),
                 "ok")
