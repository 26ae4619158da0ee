"""The counter console for queue work (mode ``counter``).

Shows this counter's current ticket in block letters, the held tickets and
how many wait in the categories this counter serves. Number keys act:
1 叫下一位, 2 重呼, 3 开始办理, 4 暂停/挂起, 5 过号 (asks for a second key,
:mod:`screens.counter.keys`), 6 转其他业务 (a modal picks the category),
7 办结, 8 呼叫指定号 (a modal asks for the number), 0 返回. The resident rates
the service on the resident side (the kiosk scans the finished ticket), never
on the clerk's screen.
The counter number is the terminal's ``[terminal] counter``; the clerk is
whoever the host's service context names (``ctx.staff_id``). Every action
runs in a worker; refused actions show their Chinese message, nothing else
changes. On PostgreSQL the screen re-reads when the server pushes a queue
event (LISTEN, :mod:`kiosk.services.queue_events`) and polls only as a slow
fallback; on SQLite it polls every ``REFRESH_SECONDS``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Input

from kiosk.rules.text import InvalidText, normalise_number
from kiosk.services import queue as queue_service
from kiosk.services import queue_events
from kiosk.services.queue import CategoryInfo, CounterView, TicketView
from screens.base import KioskModal
from screens.counter.base import OneChoiceAtATime
from screens.counter.keys import BACK_KEY, ConfirmActionModal
from screens.display.bigtext import BigCode
from screens.display.board import QueueChanged
from screens.widgets.menu import MenuButton
from screens.widgets.plain import Button, Static

REFRESH_SECONDS = 1.0

#: (key, action, i18n label) of the console's menu, in key order.
ACTIONS: tuple[tuple[str, str, str], ...] = (
    ("1", "call_next", "queue.console.call_next"),
    ("2", "recall", "queue.console.recall"),
    ("3", "start", "queue.console.start"),
    ("4", "hold", "queue.console.hold"),
    ("5", "no_show", "queue.console.no_show"),
    ("6", "transfer", "queue.console.transfer"),
    ("7", "finish", "queue.console.finish"),
    ("8", "call_specific", "queue.console.call_specific"),
    (BACK_KEY, "back", "counter.back"),
)
#: Actions that only open a confirmation (a single key never marks a no-show).
CONFIRMED = ("no_show",)


class QueueConsoleScreen(OneChoiceAtATime):
    """One counter's calling console."""

    CSS_PATH = Path(__file__).with_name("queue_console.tcss")
    BINDINGS = [Binding(key, f"queue('{action}')", show=False) for key, action, _ in ACTIONS]

    def __init__(self, *, refresh_seconds: float = REFRESH_SECONDS, fallback_seconds: float | None = None) -> None:
        super().__init__()
        self.refresh_seconds = refresh_seconds  # the poll on SQLite
        self.fallback_seconds = fallback_seconds  # the poll while listening (None: settings / 30 s)
        self.view: CounterView | None = None
        self.message = ""
        self.listener: Any = None  # db.notify.QueueListener on PostgreSQL
        self._loading = False
        self._again = False

    @property
    def counter(self) -> int:
        return self.host.settings.terminal.counter

    def compose(self) -> ComposeResult:
        ctx = self.host.ctx
        staff = (self.t("queue.console.staff", name=ctx.staff_number or ctx.staff_id)
                 if ctx.staff_id is not None else self.t("queue.console.staff_none"))
        with Vertical(id="console"):
            with Horizontal(id="console-head"):
                yield Static(self.t("queue.console.title", counter=self.counter), id="console-title")
                yield Static(staff, id="console-staff")
            with Horizontal(id="console-body"):
                with Vertical(id="current-panel"):
                    yield Static(self.t("queue.console.current"), classes="panel-title")
                    yield BigCode("", scale=2, id="current-code")
                    yield Static(self.t("queue.console.none"), id="current-detail")
                with Vertical(id="side-panel"):
                    yield Static(self.t("queue.console.waiting"), classes="panel-title")
                    yield Static("", id="waiting-list")
                    yield Static(self.t("queue.console.held"), classes="panel-title")
                    yield Static(self.t("queue.console.held_none"), id="held-list")
            with Grid(id="console-menu"):
                for key, action, label in ACTIONS:
                    yield MenuButton(key, self.t(label), action)
            yield Static("", id="console-msg")

    def on_mount(self) -> None:
        self.reload()
        ctx = self.host.ctx
        self.listener = queue_events.watch(ctx, lambda event: self.post_message(QueueChanged(event)),
                                           name="console-listen")
        self.set_interval(queue_events.poll_seconds(ctx, self.refresh_seconds, self.fallback_seconds), self.reload)

    def on_unmount(self) -> None:
        if self.listener is not None:
            self.listener.stop(timeout=0)  # its thread ends within a second; never block the UI

    def on_queue_changed(self, message: QueueChanged) -> None:
        self.reload()

    # -- loading -----------------------------------------------------------------------

    def reload(self) -> None:
        """Re-read this counter's state unless a read is still running."""
        if self._loading:
            self._again = True  # a change arrived during the read: read once more after it
            return
        self._loading = True
        self._again = False
        ctx, counter = self.host.ctx, self.counter
        self.run_service(lambda: queue_service.counter_view(ctx, counter), self._loaded, self._load_failed,
                         deadline=True)  # a pure read

    def _load_failed(self, message: str) -> None:
        self._loading = False
        self._say(message)
        if self._again:
            self.reload()

    def _loaded(self, view: CounterView) -> None:
        self._loading = False
        self.view = view
        current = view.current
        self.query_one("#current-code", BigCode).show(current.code if current else "")
        self.query_one("#current-detail", Static).update(self._detail(current))
        lines = [f"{w.prefix} {self._label_for(w.name_zh, w.name_en)}  {w.waiting}" for w in view.waiting]
        lines.append(self.t("queue.console.total", n=view.total_waiting))
        self.query_one("#waiting-list", Static).update("\n".join(lines))
        held = "  ".join(t.code for t in view.held) or self.t("queue.console.held_none")
        self.query_one("#held-list", Static).update(held)
        if self._again:
            self.reload()

    def _label_for(self, zh: str, en: str) -> str:
        return zh if self.host.translator.language == "zh_CN" else en

    def _detail(self, ticket: TicketView | None) -> str:
        if ticket is None:
            return self.t("queue.console.none")
        parts = [self.t(f"queue.status.{ticket.status}"), self.t("queue.console.calls", n=ticket.call_count)]
        if ticket.priority:
            parts.insert(0, self.t("queue.console.priority"))
        if ticket.masked_name:
            parts.append(ticket.masked_name)
        return "  ".join(parts)

    def _say(self, text: str) -> None:
        self.message = text
        self.query_one("#console-msg", Static).update(text)

    # -- actions -----------------------------------------------------------------------

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if isinstance(event.button, MenuButton):
            event.stop()
            self.action_queue(event.button.choice)

    def action_queue(self, action: str) -> None:
        """Run one console action (number key or button)."""
        ctx, counter = self.host.ctx, self.counter
        simple: dict[str, Callable[[], TicketView]] = {
            "call_next": lambda: queue_service.call_next(ctx, counter),
            "recall": lambda: queue_service.recall(ctx, counter),
            "start": lambda: queue_service.start(ctx, counter),
            "hold": lambda: queue_service.hold(ctx, counter),
            "no_show": lambda: queue_service.no_show(ctx, counter),
            "finish": lambda: queue_service.finish(ctx, counter),
        }
        if action == "back":
            self.go_back()
        elif action in CONFIRMED:
            self._confirm(action, simple[action])
        elif action in simple:
            self._act(simple[action])
        elif action == "transfer":
            self._ask_transfer()
        elif action == "call_specific":
            self.app.push_screen(CallNumberModal(), self._call_specific)

    def _act(self, call: Callable[[], TicketView], message: Callable[[TicketView], str] | None = None,
             after: Callable[[TicketView], None] | None = None) -> None:
        def done(ticket: TicketView) -> None:
            self._say(message(ticket) if message else
                      self.t("queue.console.done", code=ticket.code, status=self.t(f"queue.status.{ticket.status}")))
            self.reload()
            if after is not None:
                after(ticket)

        self.run_service(call, done, self._say, writes=True)

    def _confirm(self, action: str, call: Callable[[], TicketView]) -> None:
        """Show what ``action`` will do to the current ticket; run it only on the second key."""
        current = self.view.current if self.view is not None else None
        if current is None:
            self._say(self.t("queue.console.none"))
            return
        lines = [self.t(f"counterdesk.queue.{action}_what", code=current.code)]
        self.app.push_screen(ConfirmActionModal(self.t(f"queue.console.{action}"), lines),
                             lambda ok: self._act(call) if ok else self._say(self.t("counterdesk.confirm.cancelled")))

    def _ask_transfer(self) -> None:
        view = self.view
        current = view.current if view is not None else None
        if current is None and view is not None and view.held:
            current = view.held[-1]
        if current is None:
            self._say(self.t("queue.console.none"))
            return
        ctx = self.host.ctx

        def chosen(prefix: str | None) -> None:
            if prefix is None or current is None:
                return
            code = current.code
            self._act(lambda: queue_service.transfer(ctx, self.counter, prefix, code),
                      lambda t: self.t("queue.console.transferred", code=t.code))

        def loaded(categories: list[CategoryInfo]) -> None:
            choices = [c for c in categories if c.prefix != current.prefix]
            self.app.push_screen(TransferModal(choices), chosen)

        self.run_service(lambda: queue_service.list_categories(ctx), loaded, self._say, deadline=True)

    def _call_specific(self, code: str | None) -> None:
        if not code:
            return
        ctx, counter = self.host.ctx, self.counter
        self._act(lambda: queue_service.call_specific(ctx, counter, code))


class TransferModal(KioskModal[str | None]):
    """Pick the category to transfer to: number keys 1-9; 0 and Esc go back (0 is back everywhere)."""

    DEFAULT_CSS = """
    TransferModal, CallNumberModal { align: center middle; }
    .queue-modal { width: 60; height: auto; padding: 1 2; border: heavy $primary; background: $surface; }
    .queue-modal .menu-button { width: 100%; }
    """

    BINDINGS = [Binding("escape", "back", show=False), Binding("0", "back", show=False)]
    KEYS = "123456789"

    def __init__(self, categories: list[CategoryInfo]) -> None:
        super().__init__()
        self.categories = categories[: len(self.KEYS)]

    def compose(self) -> ComposeResult:
        with Vertical(classes="queue-modal"):
            yield Static(self.t("queue.console.pick_category"), classes="panel-title")
            for key, category in zip(self.KEYS, self.categories, strict=False):
                name = category.name_zh if self.host.translator.language == "zh_CN" else category.name_en
                yield MenuButton(key, f"{category.prefix} {name}", category.prefix)

    def on_key(self, event: Any) -> None:
        key = getattr(event, "key", "")
        if key in self.KEYS[: len(self.categories)]:
            event.stop()
            self.dismiss(self.categories[self.KEYS.index(key)].prefix)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if isinstance(event.button, MenuButton):
            event.stop()
            self.dismiss(event.button.choice)

    def action_back(self) -> None:
        self.dismiss(None)


class CallNumberModal(KioskModal[str | None]):
    """Type a ticket number (A007) or scan a ticket (T20261129A007); Esc goes back."""

    DEFAULT_CSS = """
    TransferModal, CallNumberModal { align: center middle; }
    .queue-modal { width: 60; height: auto; padding: 1 2; border: heavy $primary; background: $surface; }
    .queue-modal .menu-button { width: 100%; }
    """

    BINDINGS = [Binding("escape", "back", show=False)]

    def compose(self) -> ComposeResult:
        with Vertical(classes="queue-modal"):
            yield Static(self.t("queue.console.enter_code"), classes="panel-title")
            yield Input(placeholder=self.t("queue.console.code_placeholder"), max_length=20,
                        restrict=r"[\w\s\-－]*", id="call-code")

    def on_mount(self) -> None:
        self.query_one("#call-code", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            value = normalise_number(event.value)  # ａ００７ / a 007 → A007
        except InvalidText:
            value = ""
        self.dismiss(value or None)

    def action_back(self) -> None:
        self.dismiss(None)
