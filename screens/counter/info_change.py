"""信息变更 at the counter (issue 15.2): the resident's name, ID number, 户籍地 and bank
account as recorded now, the values earlier changes replaced, and a change.

Opened from the resident detail (key 3). Keys 1–4 choose what to change; the form
(:class:`~screens.counter.steps.info_change.InfoChangeForm`) asks the new value and the supporting document and shows
old → new as the clerk types; the confirmation shows old → new again and needs ``+``
(:class:`~screens.counter.keys.ConfirmActionModal`); then the change is accepted (受理,
with the ID card and the field's document received) and the ordinary application
screen drives 审核 and 办结. Names, ID numbers and bank accounts are masked here, since
someone may stand behind the resident. The look at the history is audited by the
service (:func:`kiosk.services.info_change.history`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll

from kiosk.services import info_change
from kiosk.services.info_change import FIELDS, HistoryRow, mask_value
from kiosk.services.registration import ResidentInfo
from screens.counter.base import CounterScreen
from screens.counter.keys import ConfirmActionModal
from screens.counter.printing import wake_spool
from screens.counter.steps.info_change import InfoChangeForm
from screens.widgets.menu import MenuButton
from screens.widgets.plain import Static


@dataclass(frozen=True)
class InfoFile:
    """What the screen shows: the current values and the history (full values; shown masked)."""

    current: dict[str, str]
    history: tuple[HistoryRow, ...]
    open_number: str = ""  # a change still in progress (受理/审核): continued or withdrawn, not a dead end


class InfoChangeScreen(CounterScreen):
    """One resident's recorded information, its history, and keys 1–4 to change a field."""

    TITLE_KEY = "infochange15.screen.title"
    # Six keys: three to a row, every one on screen at 80x24 (a Horizontal row ran off the right edge).
    CSS = """
    InfoChangeScreen .action-row { layout: grid; grid-size: 3; grid-rows: 3; grid-gutter: 0 1; height: auto; }
    InfoChangeScreen .action-row .menu-button { width: 100%; }
    InfoChangeScreen #infochange-body { height: 1fr; }
    """

    def __init__(self, resident: ResidentInfo) -> None:
        super().__init__()
        self.resident = resident
        self.file: InfoFile | None = None
        self._busy = False

    def body(self) -> ComposeResult:
        with VerticalScroll(id="infochange-body"):
            yield Static(self.t("infochange15.screen.who", name=self.resident.masked_name,
                                id=self.resident.masked_id), id="infochange-who")
            yield Static("", id="infochange-current")
            yield Static("", id="infochange-open", classes="hint")
            yield Static(self.t("infochange15.screen.history"), classes="section-title")
            yield Static("", id="infochange-history")
        with Horizontal(classes="action-row"):
            for index, field in enumerate(FIELDS):
                yield MenuButton(str(index + 1), self.t(f"infochange15.field.{field}"), f"field-{field}")
            yield MenuButton("5", self.t("fix15counter.infochange.continue"), "open")
            yield MenuButton("0", self.t("counter.back"), "back")

    def on_mount(self) -> None:
        self.query_one("#infochange-open", Static).display = False
        self._set_open("")
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()  # back from the open change (办结 or 撤回): the keys follow

    def _set_open(self, number: str) -> None:
        """With a change in progress, 1–4 would only be refused (已有正在办理的信息变更): they are
        disabled and 5 opens that change to continue it (审核, 办结) or withdraw it (撤回)."""
        for button in self.query(MenuButton):
            if button.choice.startswith("field-"):
                button.disabled = bool(number)
            elif button.choice == "open":
                button.disabled = not number
                button.display = bool(number)
        note = self.query_one("#infochange-open", Static)
        note.update(self.t("fix15counter.infochange.open", number=number) if number else "")
        note.display = bool(number)

    def reload(self) -> None:
        """Fetch the current values and the history (the look is audited)."""
        ctx, resident_id = self.host.ctx, self.resident.id

        def load() -> InfoFile:
            from kiosk.services import applications as application_service

            pending = [a for a in application_service.list_applications(
                ctx, resident_id=resident_id, type_=info_change.TYPE, open_only=True, limit=5) if not a.finished]
            return InfoFile(info_change.current_values(ctx, resident_id),
                            tuple(info_change.history(ctx, resident_id)), pending[0].number if pending else "")

        self.run_service(load, self._show, lambda message: self.say(message, "error"))

    def _show(self, file: InfoFile) -> None:
        self.file = file
        self.query_one("#infochange-current", Static).update("\n".join(
            self.t("infochange15.screen.current", field=self.t(f"infochange15.field.{f}"),
                   value=mask_value(f, file.current.get(f, "")) or "-") for f in FIELDS))
        lines = [self.t("infochange15.screen.history_line", when=f"{self.host.ctx.clock.to_local(r.changed_at):%Y-%m-%d}",
                        field=self.t(f"infochange15.field.{r.field}"), old=r.masked_old or "-", new=r.masked_new,
                        number=r.application or "-", staff=r.staff_number or "-", document=r.document)
                 for r in file.history]
        self.query_one("#infochange-history", Static).update(
            "\n".join(lines) or self.t("infochange15.screen.no_history"))
        self._set_open(file.open_number)

    def choose(self, choice: str) -> None:
        kind, _, field = choice.partition("-")
        if kind == "back":
            self.go_back()
            return
        if kind == "open" and self.file is not None and self.file.open_number:
            from screens.counter.application import ApplicationScreen

            self.app.push_screen(ApplicationScreen(self.file.open_number))
            return
        if kind != "field" or self.file is None or self._busy:
            return
        old = self.file.current.get(field, "")
        self.app.push_screen(InfoChangeForm(subject=self.resident.masked_name, field=field, old=old),
                             lambda data: self._confirm(old, data) if data is not None else None)

    def _confirm(self, old: str, data: dict[str, Any]) -> None:
        """What will be accepted: old → new, the document, the materials; ``+`` accepts it."""
        field = str(data["field"])
        lines = [self.t("infochange15.screen.who", name=self.resident.masked_name, id=self.resident.masked_id),
                 self.t("infochange15.confirm.change", field=self.t(f"infochange15.field.{field}"),
                        old=mask_value(field, old) or "-", new=mask_value(field, str(data["value"]))),
                 self.t("infochange15.confirm.document", document=data["document"],
                        material=self.t(f"infochange15.document.{field}")),
                 self.t(f"infochange15.confirm.next_{'supervisor' if field in info_change.IDENTITY_FIELDS else 'clerk'}")]
        self.app.push_screen(ConfirmActionModal(self.t("infochange15.confirm.title"), lines),
                             lambda ok: self._submit(data) if ok else self.say(self.t("counterdesk.confirm.cancelled")))

    def _submit(self, data: dict[str, Any]) -> None:
        if self._busy:
            return
        self._busy = True
        ctx, resident_id = self.host.ctx, self.resident.id
        self.say(self.t("counter.working"))
        self.run_service(lambda: info_change.request(ctx, resident_id, str(data["field"]), str(data["value"]),
                                                     str(data["document"]), print_receipt=True),
                         self._submitted, self._failed, writes=True)

    def _failed(self, message: str) -> None:
        self._busy = False
        self.say(message, "error")

    def _submitted(self, info: Any) -> None:
        from screens.counter.application import ApplicationScreen

        self._busy = False
        wake_spool(self.host)
        self.app.pop_screen()  # back from the application goes to the resident, not this form
        self.app.push_screen(ApplicationScreen(info.number, self.t("counter.accept.done", number=info.number)))


def open_info_change(screen: Any, resident: ResidentInfo) -> None:
    """Key 3 on the resident detail: the 信息变更 screen for ``resident``."""
    screen.app.push_screen(InfoChangeScreen(resident))
