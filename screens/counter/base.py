"""What every counter screen shares: the staff header (clerk, counter, role,
培训), number keys that press the matching menu button, 0 and Esc for one
step back (unless a text field has the focus, or the screen's own 0 button
says otherwise: logging out at home), a key legend, and a message line for
calm feedback. The key map is described in :mod:`screens.counter.keys`.

A counter screen takes one choice at a time, and only while it shows
(:class:`OneChoiceAtATime`): a card reader types faster than screens handle
keys, so a read's digits may reach a screen after an earlier digit chose
something there (attack D14: at the counter home a later 0 logged out)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import DataTable, Input, OptionList, Select

from screens.base import KioskHost, KioskScreen
from screens.counter import names
from screens.counter import session as counter_session
from screens.widgets.menu import MenuButton
from screens.widgets.plain import Button, Static

CSS_FILE = Path(__file__).with_name("counter.tcss")
#: Widgets that use the arrow and paging keys themselves, and those keys.
OWN_KEYS = (DataTable, Input, OptionList, Select)
WIDGET_KEYS = frozenset({"up", "down", "left", "right", "pageup", "pagedown", "home", "end"})


def header_text(host: KioskHost) -> str:
    """What the top line says: 王芳（S001） 经办员 | 3号窗口 | 培训模式 | 正在办理 张*三."""
    t, h = host.t, host
    parts: list[str] = []
    session = counter_session.current(host)
    if session is not None:
        parts.append(t("counter.header.staff", name=session.staff.name, number=session.staff.number,
                       role=names.role_name(host, session.staff.role, session.staff.role_name)))
    parts.append(t("counter.header.counter", counter=h.settings.terminal.counter))
    if h.settings.terminal.training or h.ctx.training:
        parts.append(t("counter.training"))
    if session is not None and session.resident is not None:
        parts.append(t("counter.header.serving", name=session.resident.masked_name))
    return "  |  ".join(parts)


class OneChoiceAtATime(KioskScreen):
    """A screen that acts on a key or a button press only while it is the one showing, and
    on no further key between a number key pressing a choice and that choice being made.

    Keys reach a screen from its own queue, later than the app sent them: at a reader's speed
    the digits after one that chose (say 3, 登记) arrive before the choice opened its screen, or
    after it did. They were sent while this screen showed, but meant for what the first digit
    opens: acting on them here would choose again (a 0 logs out at the counter home), so they
    are dropped; what a card read typed is searched when its Enter arrives
    (kiosk.app.KioskApp._counter_card_read). Nothing depends on timing: a person's next key
    comes after the choice was made."""

    _choice_pending: MenuButton | None = None

    def showing(self) -> bool:
        """True while this is the screen on top (the one the clerk sees)."""
        return self.is_attached and self.app.screen is self

    def press_choice(self, button: MenuButton) -> None:
        self._choice_pending = button
        super().press_choice(button)

    async def _on_message(self, message: Message) -> None:
        if isinstance(message, events.ScreenResume | events.ScreenSuspend):
            self._choice_pending = None
        elif isinstance(message, events.Key | Button.Pressed):
            pending = self._choice_pending
            if pending is not None and (isinstance(message, Button.Pressed) or not pending.is_attached):
                self._choice_pending = pending = None  # the choice is being made (or can no longer be)
            if not self.showing() or pending is not None:
                message.stop()
                message.prevent_default()
                return
        await super()._on_message(message)


class CounterScreen(OneChoiceAtATime):
    """Base for full counter screens; subclasses set ``TITLE_KEY``, compose ``body()``
    and handle numbered choices in ``choose()`` (number keys, Esc → ``go_back()``
    come from :class:`screens.base.KioskScreen`)."""

    CSS_PATH = CSS_FILE
    # Number keys drive the menus, so a menu button (not a text field) has the focus at first.
    AUTO_FOCUS = "MenuButton"
    TITLE_KEY: ClassVar[str] = ""
    LEGEND_KEY: ClassVar[str] = "counterdesk.keys.legend"

    def compose(self) -> ComposeResult:
        yield Static(header_text(self.host), id="counter-header")
        if self.TITLE_KEY:
            yield Static(self.t(self.TITLE_KEY), id="counter-title")
        yield from self.body()
        yield Static("", id="counter-message")
        if self.LEGEND_KEY:
            yield Static(self.t(self.LEGEND_KEY), id="counter-keys", classes="hint")

    def body(self) -> ComposeResult:
        """The screen's own widgets."""
        yield from ()

    def on_key(self, event: events.Key) -> None:
        """0 is back on every counter screen (KioskScreen's handler presses the other number keys)."""
        if isinstance(self.focused, OWN_KEYS) and event.key in WIDGET_KEYS:
            # A list, table or field moves its own cursor: the screen-wide scrolling
            # (KioskScreen.on_key) must not take ↑↓ from an open list or a table's rows.
            event.prevent_default()
            return
        if event.character != "0" or isinstance(self.focused, Input):
            return
        if any(b.key == "0" and not b.disabled for b in self.query(MenuButton)):
            return  # the screen's own 0 (log out at home, 返回 buttons) is pressed as usual
        event.stop()
        event.prevent_default()
        self.go_back()

    def refresh_header(self) -> None:
        self.query_one("#counter-header", Static).update(header_text(self.host))

    def say(self, text: str, kind: str = "info") -> None:
        """Show a calm message: ``kind`` is info, ok or error."""
        message = self.query_one("#counter-message", Static)
        message.update(text)
        message.set_classes(f"-{kind}")

    def go_back(self) -> None:
        """Esc: one step back (never past the counter home; logging out is key 0 there)."""
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
