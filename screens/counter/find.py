"""Find a resident: the clerk scans a card, ID card, queue ticket or receipt
(or types the number, or the ticket number as called: A001) into one field;
the modal returns the resident. An anonymous ticket (taken without
identifying) says so and asks for the card. A card read outside the dialog opens
it with the number searched (:func:`open_find`; kiosk.app.KioskApp.counter_card_read)."""

from __future__ import annotations

import dataclasses
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input

from kiosk.rules.text import InvalidText, normalise_number
from kiosk.services import NotFound, registration
from kiosk.services import queue as queue_service
from kiosk.services.registration import ResidentInfo
from screens.base import KioskModal
from screens.counter.base import CSS_FILE
from screens.widgets.plain import Button, Static


class FindResidentModal(KioskModal[ResidentInfo | None]):
    """Returns the :class:`ResidentInfo` found, or None when cancelled."""

    CSS_PATH = CSS_FILE

    def __init__(self, number: str = "") -> None:
        """``number``: typed into the field and searched at once (a card read)."""
        super().__init__()
        self._busy = False
        self._initial = number

    def compose(self) -> ComposeResult:
        with Vertical(id="find-box", classes="modal-box"):
            yield Static(self.t("counter.find.title"), classes="modal-title")
            yield Static(self.t("counter.find.hint"), classes="hint")
            yield Input(placeholder=self.t("counter.find.placeholder"), id="find-input", max_length=40)
            yield Static("", id="find-message")
            with Horizontal(classes="button-row"):
                yield Button(self.t("counter.find.search"), id="find-go", variant="primary")
                yield Button(self.t("counter.cancel"), id="find-cancel")

    def on_mount(self) -> None:
        # A dialog closed before it was mounted (the counter's session ended under it) has no
        # field left to focus.
        for field in self.query("#find-input").results(Input):
            field.focus()
            if self._initial:
                self.search(self._initial)

    def search(self, number: str) -> None:
        """Type ``number`` into the field (replacing what is there) and search it."""
        for field in self.query("#find-input").results(Input):
            field.value = number
            field.focus()
            self._search()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._search()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "find-go":
            self._search()
        else:
            self.dismiss(None)

    def _search(self) -> None:
        text = self.query_one("#find-input", Input).value.strip()
        if not text:
            self._show(self.t("counter.find.empty"))
            return
        if self._busy:
            return
        self._busy = True
        ctx = self.host.ctx

        try:  # the one normaliser: ａ００１ / a 001 → A001
            number = normalise_number(text)
        except InvalidText:
            number = ""

        def lookup() -> ResidentInfo:
            from kiosk.services.staff import audit_open

            if number and queue_service.is_ticket_number(number):
                # The ticket number as called: the resident who identified when taking it.
                resident_id = queue_service.ticket_resident(ctx, number)
                if resident_id is None:
                    raise NotFound(self.t("counterdesk.find.anonymous", code=number), code="ticket_anonymous")
                resident = dataclasses.replace(registration.get_resident(ctx, resident_id), found_by="ticket")
            else:
                resident = registration.find_resident(ctx, text)
            # Every opening of a resident's records at the counter is audited (who, where, how found).
            audit_open(ctx, resident.id, reason=resident.found_by or "lookup")
            return resident

        self.run_service(lookup, self._found, self._failed)

    def _found(self, resident: ResidentInfo) -> None:
        self._busy = False
        self.dismiss(resident)

    def _failed(self, message: str) -> None:
        self._busy = False
        self._show(message)
        # The number stays for correcting or trying again (the database may be back in a
        # moment); selected, so the next card or ID read replaces it.
        field = self.query_one("#find-input", Input)
        field.focus()
        field.select_all()

    def _show(self, text: str) -> None:
        message = self.query_one("#find-message", Static)
        message.update(text)
        message.set_classes("-error")


def open_find(app: Any, number: str = "") -> None:
    """Find on top of whatever the counter shows, as key 2 at the counter home: with ``number``
    typed and searched (a card read); the resident found becomes the one served and their
    detail opens; not found, the dialog says so and keeps the number."""
    from screens.counter import session as counter_session
    from screens.counter.resident_detail import ResidentDetailScreen

    def found(resident: ResidentInfo | None) -> None:
        if resident is None:
            return
        session = counter_session.current(app)
        if session is not None:
            session.resident = resident
        app.push_screen(ResidentDetailScreen(resident))

    if isinstance(app.screen, FindResidentModal) and number:  # already open (its buttons had the focus)
        app.screen.search(number)
        return
    app.push_screen(FindResidentModal(number), found)
