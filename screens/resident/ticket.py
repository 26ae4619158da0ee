"""取号: choose a kind of business and take a queue ticket (printed).

When the categories cannot be read (or taking fails) the screen says so and
reads them again every :attr:`TicketScreen.RETRY_SECONDS` until the database
answers; then the categories show again by themselves (attack D11).
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.containers import Grid

from kiosk.services import queue
from screens.resident.common import ResidentScreen
from screens.widgets.card_reader import card_character
from screens.widgets.menu import MenuButton, function_key
from screens.widgets.plain import Static


class TicketScreen(ResidentScreen):
    """Categories as numbered choices; with ``prefix`` the ticket is taken at once."""

    TITLE_KEY = "resident.ticket.title"
    PERSONAL = False  # also before identification (anonymous ticket)
    RETRY_SECONDS = 15.0
    """How often the categories are read again after a failure (slow: an outage, not a loop)."""

    def __init__(self, prefix: str | None = None) -> None:
        super().__init__()
        self.prefix = prefix
        self.ticket: Any = None
        self.printed: Any = None  # the PrintOutcome of the ticket receipt
        self._retrying = False  # a timer to read the categories again is set

    def on_key(self, event: events.Key) -> None:
        """Without a resident (取号 from the attract screen) a digit is someone typing their
        number: back to the attract screen with the digit in its number field, none lost
        (the categories here use function keys, never digits)."""
        char = card_character(event.character)
        if self.resident is not None or not char.isdigit():
            return
        event.stop()
        event.prevent_default()  # neither a menu key nor ResidentScreen's 0 = back
        type_on_first_screen = getattr(self.app, "type_on_first_screen", None)  # KioskApp
        if callable(type_on_first_screen):
            type_on_first_screen(char)

    def load(self, ctx: Any, resident_id: int) -> Any:
        return queue.list_categories(ctx)

    def on_mount(self) -> None:
        ctx = self.host.ctx
        if self.prefix:
            self._take(self.prefix)
        else:
            self.run_service(lambda: queue.list_categories(ctx), self._loaded, self._failed, deadline=True)

    def _take(self, prefix: str) -> None:
        ctx = self.host.ctx
        resident_id = self.resident.id if self.resident is not None else None
        services = self.host.services

        def take() -> Any:
            info = queue.take_ticket(ctx, prefix, resident_id, receipt=True)
            return info, services.flush(info.print_job_id)

        self.run_service(take, self._taken, self._failed, writes=True)

    def _failed(self, message: str) -> None:
        super()._failed(message)
        if self.ticket is None and not self._retrying:
            self._retrying = True
            self.set_timer(self.RETRY_SECONDS, self._retry)

    def _retry(self) -> None:
        """Read the categories again; they replace the fault message once the database answers."""
        self._retrying = False
        if not self.is_attached or self.ticket is not None:
            return
        ctx = self.host.ctx
        self.run_service(lambda: queue.list_categories(ctx), self._reloaded, self._failed, deadline=True)

    def _reloaded(self, categories: Any) -> None:
        self.error = ""
        self._loaded(categories)

    def _taken(self, taken: Any) -> None:
        self.ticket, self.printed = taken
        self.data = self.data or []
        self.refresh(recompose=True)

    def compose_body(self) -> ComposeResult:
        t = self.t
        english = self.host.translator.language == "en"
        if self.ticket is not None:
            info = self.ticket
            yield Static(t("resident.ticket.number", code=info.code), id="ticket-number", classes="big")
            yield Static(t("resident.ticket.detail", category=info.category_en if english else info.category_zh,
                           ahead=info.ahead, minutes=info.wait_minutes), id="ticket-detail")
            yield Static(self.printed.message, id="ticket-printed")
            return
        yield Static(t("resident.ticket.choose"))
        with Grid(id="ticket-menu", classes="menu-grid"):
            # Function keys, not digits: a card swiped here must never take a ticket (menu.py).
            for i, category in enumerate([c for c in self.data if c.active][:12], 1):
                yield MenuButton(function_key(i), f"{category.prefix} {category.name_en if english else category.name_zh}",
                                 f"take-{category.prefix}")

    def choose(self, choice: str) -> None:
        if choice.startswith("take-"):
            self._take(choice.removeprefix("take-"))
