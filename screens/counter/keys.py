"""The counter's one key map, and the confirmation every harmful action asks for.

At every counter screen: ``0`` goes back (or logs out at home), ``Enter``
confirms the screen's main step, number keys choose, and an action that
submits, withdraws (撤回), marks a no-show (过号), takes money or refuses
(不予受理) only opens :class:`ConfirmActionModal`, which shows what will happen
and needs a second, different key (``+``, never a digit or Enter) — so no
single key press, and no double tap, does harm. The same action keeps the
same key on every step (:data:`ACTION_KEYS`).
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, ScrollableContainer, Vertical

from screens.base import KioskModal
from screens.counter.base import CSS_FILE
from screens.widgets.menu import MenuButton
from screens.widgets.plain import Button, Static

BACK_KEY = "0"
#: The second key of a confirmation: not a digit (menus) and not Enter (a double Enter never confirms).
CONFIRM_KEY = "plus"
CONFIRM_LABEL = "+"

#: One key per action on every application step (same action, same key).
ACTION_KEYS = {
    "next": "1",        # 办理下一步 / 重新受理
    "materials": "2",   # 材料清单
    "notice": "6",      # 打印一次性告知单
    "returned": "7",    # 退回补正
    "rejected": "8",    # 不予受理 / 不予支付
    "withdrawn": "9",   # 撤回
}


#: Keys that jump through a list of choices (↑↓ walk it one by one: KioskScreen).
PAGING_KEYS = frozenset({"home", "end", "pageup", "pagedown"})


class MenuListKeys:
    """Mix into a counter screen (before its base) whose choices sit in a
    scrolling ``.menu-list``: Home/End focus its first/last choice, PgUp/PgDn
    the choice a page away; the focus scrolls the row into view, so every row
    of a long list (受理业务 at 80x24) is reachable and shown, and Enter then
    presses the row that is seen — not the first one while the list shows the end."""

    focused: Any

    def on_key(self, event: events.Key) -> None:
        focused = self.focused
        if event.key not in PAGING_KEYS or not isinstance(focused, MenuButton):
            return
        container = next((node for node in focused.ancestors
                          if isinstance(node, ScrollableContainer) and node.has_class("menu-list")), None)
        if container is None:
            return
        buttons = [b for b in container.query(MenuButton) if not b.disabled and b.display]
        if focused not in buttons:
            return
        index = buttons.index(focused)
        page = max(1, container.scrollable_content_region.height // max(1, focused.outer_size.height))
        target = {"home": 0, "end": len(buttons) - 1, "pageup": max(0, index - page),
                  "pagedown": min(len(buttons) - 1, index + page)}[event.key]
        event.stop()
        event.prevent_default()  # the screen-wide scrolling would move the view without the focus
        buttons[target].focus()


class ConfirmActionModal(KioskModal[bool]):
    """Shows ``lines`` (what will happen) under ``title``; returns True only
    for the ``+`` key (or a click on 确认); 0 or 取消 return False, Esc None."""

    CSS_PATH = CSS_FILE
    BINDINGS = [Binding(CONFIRM_KEY, "confirm", show=False), Binding(BACK_KEY, "cancel", show=False)]

    def __init__(self, title: str, lines: list[str]) -> None:
        super().__init__()
        self.title_text = title
        self.lines = lines

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box", classes="modal-box"):
            yield Static(self.title_text, classes="modal-title")
            yield Static("\n".join(self.lines), id="confirm-what")
            yield Static(self.t("counterdesk.confirm.keys", key=CONFIRM_LABEL), classes="hint")
            with Horizontal(classes="button-row"):
                yield Button(self.t("counterdesk.confirm.ok", key=CONFIRM_LABEL), id="confirm-ok", variant="error")
                yield Button(self.t("counterdesk.confirm.cancel"), id="confirm-cancel")

    def on_mount(self) -> None:
        # The focus sits on 取消: Enter (or a second Enter) only cancels. A dialog closed before
        # it was mounted (a card read ending the session at the kiosk) has no buttons left.
        for button in self.query("#confirm-cancel").results(Button):
            button.focus()

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm-ok")
