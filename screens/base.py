"""What every screen may rely on: the host app's injected parts, and a way to
run service calls off the UI thread.

Screens never import the app (the app imports them); they see it through
:class:`KioskHost`, which ``kiosk.app.KioskApp`` implements. Database and
printer work runs on the app's service executor (threads that keep their
database connection; see :meth:`HostMixin.run_service`); only the callbacks
touch widgets.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from textual import events
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.worker import Worker, WorkerState

from db.executor import CallOverdue
from kiosk.config import Settings
from kiosk.i18n import translate_message
from kiosk.services import ServiceContext, ServiceError
from screens.widgets.menu import ARROW_KEYS, SCROLL_KEYS, MenuButton, is_function_key, scroll_by_key
from screens.widgets.plain import Button, Static

if TYPE_CHECKING:
    from kiosk.i18n import Translator

T = TypeVar("T")

_log = logging.getLogger("kiosk.screens")

#: Seconds a person waits at a prompt for a lookup (``run_service(..., deadline=True)``) before
#: the screen says the database does not answer (attack E19): a server that hangs (frozen process,
#: paused host) still has its kernel acknowledge, so neither its statement_timeout nor the
#: socket's tcp_user_timeout ends the call. Every other call waits, saying "please wait" past it.
SERVICE_DEADLINE_SECONDS = 5.0


class KioskHost(Protocol):
    """The parts of the running app that screens use."""

    settings: Settings
    ctx: ServiceContext
    translator: Translator
    services: Any  # kiosk.app.Services: policy book, print spool, ... (see kiosk.app)

    def t(self, key: str, /, **params: object) -> str: ...
    def go_home(self) -> None: ...
    def start_session(self, resident: Any) -> None: ...
    def end_session(self) -> None: ...
    def toggle_language(self) -> None: ...
    def set_large_text(self, on: bool) -> None: ...
    def toggle_contrast(self) -> None: ...

    session: Any  # the identified resident (kiosk.services.residents.ResidentSummary) or None
    large_text: bool


class HostMixin:
    """Shortcuts shared by screens and modals."""

    @property
    def host(self) -> KioskHost:
        return cast(KioskHost, cast(Screen[Any], self).app)

    def t(self, key: str, /, **params: object) -> str:
        return self.host.t(key, **params)

    def run_service(
        self,
        call: Callable[[], T],
        on_done: Callable[[T], None],
        on_error: Callable[[str], None] | None = None,
        *,
        writes: bool = False,
        deadline: bool = False,
    ) -> Worker[T] | None:
        """Run ``call`` off the UI thread; deliver its result (or error text) on the UI thread.

        The call runs on the host's ``executor`` (db.executor.ServiceExecutor,
        threads that keep their database connection) when it has one, else
        on a fresh thread that closes its connection afterwards (small test
        hosts). A :class:`ServiceError` arrives as its message; anything else
        as a calm generic message (the error itself goes to the log, masked),
        so no traceback ever reaches the screen.

        ``writes=True`` marks an action that changes something or prints (a
        ticket, a submission, a payment, a receipt, a rating, a queue call):
        while one is running on this screen another is not started (returns
        None and says "please wait"), so a key pressed three times while the
        printer hangs does the action once.

        ``deadline=True`` marks a lookup that only reads (writes not even an audit entry), which a
        person waits for at a prompt or that keeps a screen current (the kiosk's identify, the
        queue's board, console and categories): no answer within
        :data:`SERVICE_DEADLINE_SECONDS` arrives as :class:`db.executor.CallOverdue`, which
        :meth:`fault_message` words as "the database does not answer" (the screen keeps what was
        typed); the late result is dropped and the hung thread let go (ServiceExecutor.release),
        so the next call gets a new connection. Every other call may have written something
        (an audit entry of a look, a failed attempt, a record), so it is never called "not
        done": it waits, and says "please wait" (robust.busy) once past the deadline (attack F1).
        """
        screen = cast(Screen[Any], self)
        if writes and self.__dict__.get("_kiosk_writing") is not None:
            screen.notify(self.t("robust.busy"), timeout=3)
            return None
        executor = getattr(self.host, "executor", None)
        if executor is not None:
            # The app's service executor keeps its connections (db.executor);
            # this worker only waits for the result on the event loop. The
            # shield keeps a queued call from being dropped when the screen
            # goes away: a write asked for is a write done.
            overdue = SERVICE_DEADLINE_SECONDS
            limit = overdue if deadline and not writes else None

            async def on_executor() -> T:
                future = executor.submit(call)
                waiting = asyncio.wrap_future(future)
                if limit is None:
                    # No deadline, but no silence either: "正在处理，请稍候" once it is overdue.
                    done, _ = await asyncio.wait((waiting,), timeout=overdue)  # like the shield, never cancels it
                    if not done and screen.is_attached:
                        screen.notify(self.t("robust.busy"), timeout=overdue)
                    return await asyncio.shield(waiting)
                done, _ = await asyncio.wait((waiting,), timeout=limit)
                if done:
                    return waiting.result()
                waiting.cancel()  # a call still queued is dropped; a running one's late result goes nowhere
                release = getattr(executor, "release", None)
                if release is not None:
                    release(future)
                raise CallOverdue(limit)

            worker: Worker[T] = screen.run_worker(on_executor, exit_on_error=False, group="service")
            self._service_callbacks()[worker] = (on_done, on_error)
            if writes:
                self.__dict__["_kiosk_writing"] = worker
            return worker
        database = self.host.ctx.database

        def in_own_connection() -> T:
            # Each worker is a fresh thread with its own peewee connection:
            # close it when done, or PostgreSQL collects idle connections.
            try:
                return call()
            finally:
                if not database.is_closed():
                    database.close()

        worker = screen.run_worker(in_own_connection, thread=True, exit_on_error=False, group="service")
        self._service_callbacks()[worker] = (on_done, on_error)
        if writes:
            self.__dict__["_kiosk_writing"] = worker
        return worker

    def service_message(self, error: ServiceError) -> str:
        """A service's refusal in the terminal's language: its catalog message
        when it names one (``error.key``), else its own text. A param named
        ``x_key`` is a catalog key: it is translated and passed as ``x``."""
        if error.key:
            text = translate_message(self.t, error.key, error.params)
            if text != error.key:
                return text
        return error.message

    def _service_callbacks(self) -> dict[Worker[Any], tuple[Callable[[Any], None], Callable[[str], None] | None]]:
        callbacks = self.__dict__.get("_kiosk_service_callbacks")
        if callbacks is None:
            callbacks = self.__dict__["_kiosk_service_callbacks"] = {}
        return callbacks

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Hand a finished service call's outcome to its callbacks."""
        if event.state not in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            return
        if self.__dict__.get("_kiosk_writing") is event.worker:
            self.__dict__["_kiosk_writing"] = None  # before the callbacks: they may start the next write
        callbacks = self._service_callbacks().pop(event.worker, None)
        if callbacks is None:
            return
        on_done, on_error = callbacks
        if event.state == WorkerState.SUCCESS:
            on_done(event.worker.result)
        elif event.state == WorkerState.ERROR and on_error is not None:
            error = event.worker.error
            if isinstance(error, ServiceError):
                on_error(self.service_message(error))
            else:
                _log.error("service call failed", exc_info=error)
                on_error(self.fault_message(error))

    def fault_message(self, error: BaseException | None) -> str:
        """What a failure that is not a refusal says: when the database does not answer (a lost
        or refused connection, a server gone away, a locked SQLite file) it says so — to staff at
        the counter plainly, to a resident calmly — else the generic "something went wrong"."""
        kind = database_fault_kind(error)
        if kind is None:
            return self.t("error.unexpected")
        audience = "counter" if self.host.settings.terminal.mode == "counter" else "resident"
        return self.t(f"fixd.fault.{kind}_{audience}")


def database_fault_kind(error: BaseException | None) -> str | None:
    """``"busy"`` for a locked database, ``"db"`` for one that does not answer (peewee's
    OperationalError/InterfaceError, which wrap the drivers' connection errors: refused, timed
    out, server closed the connection; a call overdue at the screen's deadline, db.executor.CallOverdue),
    None for anything else (a bug, a bad value)."""
    import peewee

    if isinstance(error, CallOverdue):
        return "db"  # no answer within the deadline: a hung server (attack E19)
    if not isinstance(error, peewee.OperationalError | peewee.InterfaceError):
        return None
    text = str(error).lower()
    if any(sign in text for sign in ("no such table", "does not exist", "malformed", "not a database")):
        return None  # a damaged or incomplete database answers: that is not an outage
    return "busy" if "locked" in text else "db"


class KioskScreen(HostMixin, Screen[Any]):
    """Base for full screens: number keys press the numbered menu choices,
    Esc goes back one step, 首页 and 返回 buttons work everywhere.

    Subclasses handle a choice in :meth:`choose`; a screen with a text field
    sets ``NUMBER_KEYS_TYPE = True`` so digits go into the field instead.
    """

    NUMBER_KEYS_TYPE = False
    CARD_FIELD: str | None = None
    """A screen where a card number is typed (attract, identify) names its field:
    every card character goes there, even while a button has the focus."""

    def on_mount(self) -> None:
        # Runs besides subclasses' on_mount (Textual calls each class's handler).
        self._mark_training()

    async def recompose(self) -> None:
        await super().recompose()
        self._mark_training()

    def _mark_training(self) -> None:
        """培训模式: every screen says so, whatever it shows, also after a recompose."""
        if self.host.ctx.training and not self.query("#training-mark"):
            self.mount(Static(self.t("app.training_mark"), id="training-mark"))

    def on_key(self, event: events.Key) -> None:
        if event.key == "escape":
            event.stop()
            self.go_back()
            return
        if self.CARD_FIELD and self._type_into_card_field(event):
            return
        if is_function_key(event.key):  # F1–F12 choose where digits must type (menu.py)
            wanted: str | None = event.key.upper()
        elif self.NUMBER_KEYS_TYPE or event.character is None or not event.character.isdigit():
            wanted = None
        else:
            wanted = event.character
        if wanted is not None:
            for button in self.query(MenuButton):
                if button.key == wanted and not button.disabled and button.display:
                    event.stop()
                    self.press_choice(button)
                    return
            return
        if event.key in ARROW_KEYS and isinstance(self.focused, MenuButton):
            # Arrow keys walk the choices; Enter presses the focused one (Button's own binding).
            event.stop()
            if event.key in ("down", "right"):
                self.focus_next(MenuButton)
            else:
                self.focus_previous(MenuButton)
            return
        if event.key in SCROLL_KEYS:
            target = self.scroll_target()
            if target is not None:
                event.stop()
                scroll_by_key(target, event.key)

    def press_choice(self, button: MenuButton) -> None:
        """Press the choice a number or function key names (its Pressed message follows)."""
        button.press()

    def _type_into_card_field(self, event: events.Key) -> bool:
        """A card character typed while the field lacks the focus still goes into it."""
        from textual.widgets import Input

        from screens.widgets.card_reader import card_character

        char = card_character(event.character)
        fields = self.query(self.CARD_FIELD or "").results(Input)
        field = next(iter(fields), None)
        if not char or field is None or self.focused is field:
            return False
        event.stop()
        field.select_on_focus = False  # keep what is typed: focusing must not select it for replacing
        field.focus()
        field.cursor_position = len(field.value)
        field.insert_text_at_cursor(char)
        return True

    def scroll_target(self) -> Widget | None:
        """What ↑↓ PgUp PgDn Home End and the 上一页/下一页 buttons scroll: the
        first list or page on this screen that has more than fits, else None."""
        for widget in self.query("VerticalScroll, DataTable, ScrollableContainer"):
            if widget.display and widget.max_scroll_y > 0:
                return widget
        return self if self.max_scroll_y > 0 else None

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button = event.button
        if button.id == "nav-home":
            event.stop()
            self.host.go_home()
        elif button.id == "nav-back":
            event.stop()
            self.go_back()
        elif button.id in ("page-up", "page-down"):
            event.stop()
            target = self.scroll_target()
            if target is not None:
                scroll_by_key(target, button.id.replace("-", ""))
        elif isinstance(button, MenuButton):
            event.stop()
            self.choose(button.choice)

    def choose(self, choice: str) -> None:
        """A numbered choice was made (by key, click or touch)."""

    def go_back(self) -> None:
        """One step back; never past the mode's first screen."""
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()


class KioskModal(HostMixin, ModalScreen[T]):
    """Base for modal dialogs; they return their result with ``dismiss``
    (Esc dismisses with None)."""

    def on_key(self, event: events.Key) -> None:
        if event.key == "escape":
            event.stop()
            self.dismiss(None)
