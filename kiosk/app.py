"""The composition root: :func:`make_app` builds the one :class:`KioskApp`
the CLI, the Pilot tests and the snapshot tests all run.

Everything the app uses is handed in: settings, an open database, a printer
device and a clock (tests pass a temporary database, a recording printer
and a fixed clock). The app implements :class:`screens.base.KioskHost`:
``settings``, ``ctx``, ``translator``/``t()``, ``services`` and
``go_home()``. It also holds the kiosk behaviour that is not any one
screen's: the mode's first screen, lock-down keys, the staff key chord and
the idle watchdog that clears a resident's session, and what happens when
something goes wrong underneath: an unexpected error is logged masked and
ends the app with :data:`EXIT_FAILURE` and a calm message instead of a
traceback; a lost terminal ends it with ``kiosk.terminal.EXIT_TERMINAL_LOST``
(systemd's ``Restart=always`` starts a fresh kiosk either way).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import peewee
from rich.text import Text
from textual import events
from textual.app import App
from textual.binding import Binding
from textual.driver import Driver
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.theme import Theme

from db.executor import ServiceExecutor
from kiosk import gc_pause
from kiosk.clock import Clock
from kiosk.config import Settings
from kiosk.i18n import Translator, translate
from kiosk.policy.checked import CheckedPolicy, check_policy
from kiosk.services import ServiceContext
from printers.devices import Device, error_kind
from screens.widgets.plain import Static

if TYPE_CHECKING:  # loaded after the first paint (Services): the receipt renderer, the spool, the policy parser
    from concurrent.futures import Future

    from kiosk.policy.loader import PolicyBook
    from printers.document import Document
    from printers.spool import PrintSpool, SpoolWorker

T = TypeVar("T")

SCREENS_DIR = Path(__file__).resolve().parent.parent / "screens"
COUNTDOWN_SECONDS = 10.0
EXIT_FAILURE = 1
"""Exit status after an unexpected error (the error is in the log, masked)."""
FONT_CHECK_DELAY = 2.0
"""Seconds from start to the receipt-font check: it loads Pillow, qrcode and python-barcode
(printers.graphics, 0.1–0.2 s), which the first screen does not need, so it runs after the
first paint instead of competing with it (issue 18.4)."""

GC_RESUME_DELAY = 0.5
"""Seconds from the first paint to what the first screen does not need (KioskApp._settle): the
policy book, the print spool and its thread, and collecting garbage again (kiosk.gc_pause): one
full collection (15-50 ms) while nobody is at the new kiosk yet, not during its first frames."""

_log = logging.getLogger("kiosk.app")

KIOSK_THEME = Theme(
    name="kiosk", primary="#1565c0", secondary="#00838f", accent="#ffb300", warning="#ffb300",
    error="#e53935", success="#43a047", foreground="#f5f5f5", background="#0d1b2a", surface="#13283d",
    panel="#1b3a57", dark=True,
)
CONTRAST_THEME = Theme(
    name="kiosk-contrast", primary="#ffff00", secondary="#00ffff", accent="#ffff00", warning="#ffff00",
    error="#ff5555", success="#00ff00", foreground="#ffffff", background="#000000", surface="#000000",
    panel="#000000", dark=True,
)


@dataclass(frozen=True)
class PrintOutcome:
    """What became of a receipt: its text preview, and whether it is on paper yet."""

    lines: list[str]
    printed: bool
    message: str
    """For the resident: printed, or kept and waiting for the printer (collect at the counter)."""


class Services:
    """Long-lived helpers the screens reach through ``host.services``.

    ``spool`` and ``policy`` may be given ready, or as a factory of the spool and a
    kiosk.policy.CheckedPolicy: :func:`make_app` does that, so that neither the receipt
    renderer nor the policy parser loads before the first screen is drawn (issue 18.4).
    Reading ``spool`` or ``policy`` always gives the real object, made on first use."""

    def __init__(self, printer: Device, spool: PrintSpool | Callable[[], PrintSpool],
                 policy: PolicyBook | CheckedPolicy, paper: int = 80, worker: SpoolWorker | None = None,
                 translate: Callable[..., str] = translate) -> None:
        self.printer = printer
        """Where receipts go (a printers.devices.Device)."""
        self._spool = spool
        self._policy = policy
        self.paper = paper
        """Paper width in mm (58 or 80)."""
        self.worker = worker
        """The spool's background printing thread (started after the first paint)."""
        self.translate = translate
        """Messages in the terminal's current language (the app binds its translator)."""
        self._lock = threading.Lock()  # the spool is made once, whichever thread asks first
        self._attending: tuple[int | None, bool] | None = None  # what attend() said last (for a spool made later)

    @property
    def spool(self) -> PrintSpool:
        """The persistent spool: every receipt is stored before it is printed."""
        spool = self._spool
        if callable(spool):
            with self._lock:
                spool = self._spool
                if callable(spool):
                    spool = spool()
                    self._spool = spool
                    if self._attending is not None:
                        spool.attend(self._attending[0], unattended=self._attending[1])
        return spool

    @spool.setter
    def spool(self, spool: PrintSpool) -> None:
        with self._lock:
            self._spool = spool
            if self._attending is not None:
                spool.attend(self._attending[0], unattended=self._attending[1])

    def attend(self, resident_id: int | None, *, unattended: bool) -> None:
        """Tell the spool who is identified here now (None: nobody) and whether this is a
        self-service kiosk, where a document naming a person in full (a 参保证明) prints only
        while that person is here (printers.spool "held", attack E20). Never makes the spool:
        one made later is told on creation."""
        with self._lock:
            self._attending = (resident_id, unattended)
            spool = self._spool
        if not callable(spool):
            spool.attend(resident_id, unattended=unattended)

    @property
    def policy(self) -> PolicyBook:
        """Policy parameters (rates, tiers, local figures) by effective date."""
        policy = self._policy
        return policy.book() if isinstance(policy, CheckedPolicy) else policy

    @policy.setter
    def policy(self, policy: PolicyBook) -> None:
        self._policy = policy

    @property
    def policy_loaded(self) -> bool:
        """False while a checked policy file's book has not been built yet."""
        return not isinstance(self._policy, CheckedPolicy) or self._policy.loaded

    def print_document(self, document: Document) -> PrintOutcome:
        """Store a receipt, try to print it now, and return its preview.

        Runs in a service thread. When the printer is down the receipt stays
        in the spool (printed later by the worker, or reprinted at a counter)
        and the message says so; nothing is lost either way.
        """
        return self.flush(self.spool.submit(document))

    def flush(self, job_id: int) -> PrintOutcome:
        """Try to print an already stored job now; say what happened."""
        from printers.preview import preview_text
        from printers.spool import is_private

        document = self.spool.document(job_id)
        try:
            self.spool.run_once(limit=5)
        except Exception:  # the receipt is stored: the resident still sees it and its code
            _log.exception("printing job %s failed unexpectedly; it stays in the spool", job_id)
        job = self.spool.job(job_id)
        t = self.translate
        printed = job.status == "printed"  # sent: a late or missing confirmation never prints it twice
        if printed:
            message = t("printing.printed") if job.confirmed else t("printing.sent_unconfirmed", code=document.code)
        elif job.status == "failed":
            message = t("printing.failed", reason=job.last_error, code=document.code)
        else:
            reason = t(f"printer_faults.reason.{error_kind(self.spool.last_error)}")
            # A self-service kiosk never prints a 参保证明 by itself after its resident left (attack E20):
            # no promise that it comes out here; the counter prints it by its code.
            private = job.status == "held" or (self.spool.unattended and is_private(document.kind))
            message = t("fixe_privacy.kept" if private else "printing.kept", reason=reason, code=document.code)
        return PrintOutcome(preview_text(document, self.paper), printed, message)


class KioskApp(App[None]):
    """The kiosk in one of its modes (self, counter, display)."""

    TITLE = "社保服务终端"
    ENABLE_COMMAND_PALETTE = False
    ALLOW_SELECT = False
    CSS_PATH = [SCREENS_DIR / "kiosk.tcss"]
    BINDINGS = [
        Binding("ctrl+q", "noop", show=False, priority=True),
        Binding("ctrl+c", "noop", show=False, priority=True, system=True),
        Binding("ctrl+t", "staff_gate", show=False, priority=True),
    ]

    def __init__(self, settings: Settings, ctx: ServiceContext, services: Services, *,
                 idle_seconds: float | None = None, mode: str | None = None) -> None:
        super().__init__()
        self._use_kiosk_theme()
        self.settings = settings
        self.ctx = ctx
        self.services = services
        services.translate = self.t  # receipts' messages follow a language switch
        self.executor = _PolicyFirstExecutor(ctx.database, self.policy_ready)
        """Runs the screens' service calls on threads that keep their connection (db.executor)."""
        self.translator = Translator(settings.terminal.language)
        self.mode_name = mode or settings.terminal.mode
        self.idle_seconds = float(idle_seconds if idle_seconds is not None else settings.terminal.idle_seconds)
        self.session: Any = None
        """The identified resident (ResidentSummary) while someone is at the terminal."""
        self._tell_spool()
        self.large_text = False
        self._last_input = time.monotonic()
        self._countdown_shown = False
        self._base_screen: Screen[Any] | None = None
        self.font_checked = False
        """True once the receipt-font check (FONT_CHECK_DELAY after start) has run."""
        from screens.widgets.card_reader import CardSniffer

        self._card_sniffer = CardSniffer()
        self._unmounted = False  # on_unmount ran: nothing may start a thread after it
        """Spots a card read during a session (screens.widgets.card_reader)."""
        from kiosk.services.counter_names import load_counter_names

        self.counter_names: dict[str, list[str]] = load_counter_names(ctx.database)
        """Queue category → the counters serving it, read once at start (name_counters)."""
        self.demo_info: Any = None
        """``kiosk demo`` sets this (screens.widgets.demo_info.DemoInfo): shown on the first
        screen, with the demo-only keys Ctrl+O (show again) and Ctrl+G (end the demo)."""

    # -- terminal, notifications, errors -------------------------------------------

    def get_driver_class(self) -> type[Driver]:
        """On a real Linux terminal the kiosk's own driver (kiosk.terminal.KioskDriver):
        stray bytes are replaced, a lost terminal ends the app. Pilot tests run headless;
        ``kiosk serve`` names Textual's web driver in TEXTUAL_DRIVER, which is kept."""
        from textual import constants

        if sys.platform.startswith("linux") and not constants.DRIVER:
            from kiosk.terminal import KioskDriver

            return KioskDriver
        return super().get_driver_class()

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Textual's notification, always as plain text: messages quote names and typed text."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def terminal_lost(self, reason: str) -> None:
        """The terminal went away (end of file, EIO, SIGHUP): exit non-zero so the kiosk is restarted."""
        from kiosk.terminal import EXIT_TERMINAL_LOST

        _log.warning("terminal lost (%s): the kiosk exits with status %d", reason, EXIT_TERMINAL_LOST)
        self.exit(return_code=EXIT_TERMINAL_LOST)

    def _handle_exception(self, error: Exception) -> None:
        """Textual calls this with any error a handler, a render or a worker did not catch,
        and the app always ends after it. Textual's own version prints a traceback with
        local variables (names, full ID numbers) and leaves the exit status 0 to
        ``kiosk run``; here the traceback goes to the log (masked by kiosk.logs), the
        terminal shows the calm catalog message, and the status is :data:`EXIT_FAILURE`.
        Pilot tests still see the exception (Textual re-raises ``_exception``)."""
        _log.error("unexpected error: the kiosk exits and is restarted", exc_info=error)
        self._return_code = EXIT_FAILURE
        if self._exception is None:
            self._exception = error
            self._exception_event.set()
        try:
            message = self.t("robust.unexpected_exit")
        except Exception:  # the catalog itself failed: a fixed text, never a traceback
            message = "系统暂时出现问题，正在重新启动，请稍候。"
        self._exit_renderables.append(Text(message))
        self._close_messages_no_wait()

    # -- KioskHost ---------------------------------------------------------------

    def t(self, key: str, /, **params: object) -> str:
        return self.name_counters(self.translator(key, **params))

    def name_counters(self, text: str) -> str:
        """Counters named by number from the queue data ("到F窗口" → "到6号窗口"), as
        tickets, the board and the voice name them (kiosk.services.counter_names)."""
        from kiosk.services.counter_names import name_counters

        return name_counters(text, self.counter_names) if self.counter_names else text

    def go_home(self) -> None:
        """The resident's home menu while identified, else the attract screen."""
        from screens.resident.home import ResidentHomeScreen

        self._pop_to_base()
        if self.session is not None:
            self.push_screen(ResidentHomeScreen())

    # -- session -----------------------------------------------------------------

    def start_session(self, resident: Any) -> None:
        """A resident has been identified: show their home."""
        from screens.resident.home import ResidentHomeScreen

        self.session = resident
        self._tell_spool()
        self._pop_to_base()
        self.push_screen(ResidentHomeScreen())

    def _tell_spool(self) -> None:
        """On a self-service kiosk a 参保证明 waiting for the printer prints only while its resident
        is identified here: once the session ends it is held for 补打 at a counter (attack E20)."""
        self.services.attend(getattr(self.session, "id", None), unattended=self.mode_name == "self")

    def end_session(self) -> None:
        """Forget everything about the resident and show the attract screen.

        Every trace goes, not only the widgets: the identified person, every
        screen above the first one (wizard drafts, loaded records, the
        service-password entry), the clipboard (here and, through OSC 52, the
        terminal's), notifications, and whatever the first screen buffered
        (its ``wipe_traces()``; typed text in its fields).
        """
        self.session = None
        self._tell_spool()
        self._pop_to_base()
        self.wipe_traces()
        if self.large_text:
            self.set_large_text(False)
        if self.translator.language != self.settings.terminal.language:
            self.set_language(self.settings.terminal.language)
        if self.theme != "kiosk":
            self.theme = "kiosk"
        self._hide_countdown()

    def wipe_traces(self) -> None:
        """Clear the clipboard, notifications and the first screen's typed input."""
        from textual.widgets import Input

        if self.clipboard:
            self.copy_to_clipboard("")
        self._clipboard = ""
        self.clear_notifications()
        base = self._base_screen
        if base is not None:
            wipe = getattr(base, "wipe_traces", None)
            if callable(wipe):
                wipe()
            for field in base.query(Input):
                field.value = ""

    def type_on_first_screen(self, text: str) -> None:
        """Back to the first screen with ``text`` typed into its number field (a resident
        typing their number on a screen whose digits are not choices, e.g. anonymous 取号)."""
        self._pop_to_base()
        base = self._base_screen
        type_number = getattr(base, "type_number", None)
        if callable(type_number):
            type_number(text)

    def _pop_to_base(self) -> None:
        base = self._base_screen
        if base is None:
            return
        while len(self.screen_stack) > 1 and self.screen is not base:
            self.pop_screen()

    # -- accessibility and language ---------------------------------------------------

    def set_language(self, language: str) -> None:
        """Switch the interface language and redraw every screen in the stack."""
        self.translator = Translator(language)
        for screen in self.screen_stack:
            screen.refresh(recompose=True)

    def toggle_language(self) -> None:
        self.set_language("en" if self.translator.language == "zh_CN" else "zh_CN")

    def set_large_text(self, on: bool) -> None:
        """大字 mode: larger text and taller buttons through a class on the app."""
        self.large_text = on
        self.set_class(on, "-large")

    def toggle_contrast(self) -> None:
        self.theme = "kiosk" if self.theme == "kiosk-contrast" else "kiosk-contrast"

    # -- lifecycle -----------------------------------------------------------------

    def _use_kiosk_theme(self) -> None:
        """Start in the kiosk theme before any CSS is parsed. Setting ``App.theme`` in
        ``on_mount`` made Textual parse every stylesheet a second time and restyle every
        widget (about 15 ms of a 400 ms cold start, issue 18.4), so the theme is set here
        without its watcher, doing what the watcher does for a dark theme at start: the
        theme's classes and CSS variables. Later switches (高对比度) set ``theme`` as usual."""
        self.register_theme(KIOSK_THEME)
        self.register_theme(CONTRAST_THEME)
        self.set_reactive(App.theme, KIOSK_THEME.name)
        self.update_classes({f"-theme-{KIOSK_THEME.name}": True, "-dark-mode": KIOSK_THEME.dark,
                             "-light-mode": not KIOSK_THEME.dark}, update=False)
        self.stylesheet.set_variables(self.get_css_variables())

    def on_mount(self) -> None:
        self._base_screen = self._first_screen()
        self.push_screen(self._base_screen)
        if self.demo_info is not None:
            self.call_later(self.show_demo_info)
        if self.mode_name != "display":
            self.set_timer(FONT_CHECK_DELAY, self._check_receipt_font)
        if self.mode_name == "self":
            self.set_interval(0.25 if self.idle_seconds > 2 else 0.05, self._check_idle_timeout)

    def on_ready(self) -> None:
        # Textual sends Ready once the first frame is laid out; a callback scheduled on the base
        # screen in on_mount ran while the app still held its start-up batch (nothing written
        # to the terminal yet), so it delayed the very paint it was meant to follow.
        self.screen.call_after_refresh(self._after_first_paint)

    def _after_first_paint(self) -> None:
        """The first screen is on the terminal (issue 18.4): GC_RESUME_DELAY later, while
        nobody is at the new kiosk yet and not during its first frames, :meth:`_settle`."""
        self.set_timer(GC_RESUME_DELAY, self._settle)

    def _settle(self) -> None:
        """What the first screen does not need: the policy book when make_app left it for later,
        the print spool (with the receipt renderer) and its thread (its first pass opens a
        connection and reads the spool), then garbage collection again (kiosk.gc_pause;
        ``kiosk run`` pauses it while it starts), which freezes what all this built too.
        A key pressed or a service called before then loads the policy at once (policy_ready);
        a receipt makes the spool at once (Services.spool)."""
        if self._unmounted:  # the timer fired while the app was closing: a spool thread started
            return           # now would outlive the app and print through whatever database is bound
        self.policy_ready()
        if self.mode_name != "display" and self.services.worker is None:
            from printers.spool import SpoolWorker

            # Receipts stored while the printer was down print when it is back.
            self.services.worker = SpoolWorker(self.services.spool).start()
        gc_pause.resume()

    def policy_ready(self) -> None:
        """Make sure ``ctx.extras["policy"]`` holds the policy book, which the services read.
        make_app may leave it to be built after the first paint (kiosk.policy.checked); this
        runs in :meth:`_settle`, or before that when a key or click is handled or a service
        call is queued, so no service ever sees the shipped default in its place."""
        if "policy" not in self.ctx.extras:
            self.ctx.extras["policy"] = self.services.policy

    def _check_receipt_font(self) -> None:
        self.run_worker(self._warn_if_receipt_font_missing, thread=True, exit_on_error=False)

    def _warn_if_receipt_font_missing(self) -> None:
        """Receipt previews and rare characters would be boxes without a Chinese font: say so on screen."""
        from printers.graphics import FontNotFound, find_cjk_font

        try:
            find_cjk_font()
        except FontNotFound:
            logging.getLogger(__name__).warning("no Chinese font: receipt previews will show boxes")
            self.call_from_thread(self.notify, self.t("printing.font_missing"), severity="warning", timeout=120)
        finally:
            self.font_checked = True

    def on_unmount(self) -> None:
        self._unmounted = True
        if self.services.worker is not None:
            self.services.worker.stop()
            self.services.worker = None
        self.executor.close()

    def _first_screen(self) -> Screen[Any]:
        if self.mode_name == "display":
            from screens.display.board import BoardScreen

            return BoardScreen()
        if self.mode_name == "counter":
            from screens.counter.login import LoginScreen  # → CounterHomeScreen (queue console is key 1)

            return LoginScreen()
        from screens.resident.attract import AttractScreen

        return AttractScreen()

    # -- lock-down -----------------------------------------------------------------

    def action_noop(self) -> None:
        """ctrl+q and ctrl+c do nothing on a kiosk."""

    def action_staff_gate(self) -> None:
        """The staff key chord: a PIN, then the maintenance menu."""
        from screens.widgets.staff_gate import MaintenanceModal, StaffPinModal

        def opened(session: Any) -> None:
            if session:
                # Only a supervisor or admin may end the program or switch the mode (a clerk
                # can test the printer); the menu audits every action (kiosk.services.maintenance).
                self.push_screen(MaintenanceModal(session), self._maintenance_done)

        self.push_screen(StaffPinModal(), opened)

    def _maintenance_done(self, choice: str | None) -> None:
        if choice == "exit":
            self.exit()
        elif choice in ("self", "counter", "display"):
            self.switch_kiosk_mode(choice)

    def switch_kiosk_mode(self, mode: str) -> None:
        """Maintenance: run this terminal in another mode until restarted."""
        self.session = None
        self.mode_name = mode
        self._tell_spool()
        old = self._base_screen
        self._pop_to_base()
        self._base_screen = self._first_screen()
        self.switch_screen(self._base_screen)
        del old

    # -- idle watchdog ---------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent) and "policy" not in self.ctx.extras:
            self.policy_ready()  # a key before the first paint finished: the screens may need the policy
        # Any key, click or scroll is activity; the watchdog measures from the last one.
        if isinstance(event, (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp)):
            self._last_input = time.monotonic()
            if self._countdown_shown:
                self._hide_countdown()
        if isinstance(event, events.Key) and not event.is_forwarded:  # once per key, not again as it bubbles back
            if self.demo_info is not None and self._demo_key(event):
                return
            if self.mode_name == "self" and self._card_read(event):
                return
            if self.mode_name == "counter" and self._counter_card_read(event):
                return
        await super().on_event(event)

    def show_demo_info(self) -> None:
        """``kiosk demo``: the demo cards, passwords and PINs (screens.widgets.demo_info)."""
        from screens.widgets.demo_info import DemoInfoModal

        if self.demo_info is not None and not isinstance(self.screen, DemoInfoModal):
            self.push_screen(DemoInfoModal(self.demo_info))

    def _demo_key(self, event: events.Key) -> bool:
        """The demo's own keys (screens.widgets.demo_info): Ctrl+O shows the demo information
        again (or closes it), Ctrl+G ends the demo."""
        from screens.widgets.demo_info import QUIT_KEY, SHOW_KEY, DemoInfoModal

        if event.key == QUIT_KEY:
            self.exit()
            return True
        if event.key == SHOW_KEY:
            if isinstance(self.screen, DemoInfoModal):
                self.screen.dismiss(None)
            else:
                self.show_demo_info()
            return True
        return False

    def _card_read(self, event: events.Key) -> bool:
        """A card read (number + Enter) over an open session or someone else's typing:
        end that session and identify the new card (screens.widgets.card_reader).
        True when the Enter was taken for it.

        Only the number fields of the attract and identify screens (class CARD_ENTRY)
        keep a read's Enter: there it is the intended input. In any other field (a
        wizard's free text, the guide's search) a read is a new card, never text; in a
        secret field (SECRET_ENTRY: the service password) it is never an attempt."""
        from textual.widgets import Input

        from kiosk.rules.text import InvalidText, normalise_number
        from screens.widgets.card_reader import CARD_ENTRY, SECRET_ENTRY

        # The key's time only tells whether keys left in the number field came before the read
        # (attack E8); which number a read is does not depend on it here.
        number = self._card_sniffer.feed(event.key, event.character, at=event.time, choose_by_pace=False)
        focused = self.focused
        field = focused if isinstance(focused, Input) else None
        if number is None:
            sniffer = self._card_sniffer
            if field is not None and field.has_class(SECRET_ENTRY) and (sniffer.misread or sniffer.burst):
                # A read on the password prompt that is no number (more characters than a password,
                # with no other key between): swallowed, the field cleared, no attempt counted.
                field.value = ""
                said = getattr(self.screen, "card_misread", None)
                if callable(said):
                    said()
                else:
                    self.notify(self.t("fix17kiosk.card.misread"), severity="warning")
                return True
            if not self._card_sniffer.misread:
                return False
            # A misread must not confirm whatever the screen below offers; a field keeps its
            # Enter (the number field explains; a free-text field refuses a number).
            return field is None
        if field is not None and field.has_class(CARD_ENTRY):
            try:
                typed = normalise_number(field.value)
            except InvalidText:
                typed = ""
            if typed.endswith(number):
                sniffer = self._card_sniffer
                if typed != number and sniffer.reader_pace and sniffer.after_pause:
                    # Keys someone left in the field (a child's 7, a walked-away resident's digits)
                    # and then a reader's number: the read replaces them (attack E8).
                    field.value = number
                return False  # typed into the number field: the screen handles its own Enter
        # The app sees each key first and hands it on; the field or screen it went to handles it
        # later, from its own queue. At a reader's speed the number's characters may still wait
        # there when this Enter arrives: starting the card now would let them land in the attract
        # field after it was wiped (attack D4). So the card starts once that target has handled
        # what it was sent before this Enter (screens that stopped showing ignore late keys:
        # screens.resident.common.ResidentScreen).
        self.run_worker(self._start_card_read_after(focused or self.screen, number), group="card-read",
                        exit_on_error=False)
        return True

    async def _start_card_read_after(self, target: Any, number: str) -> None:
        """:meth:`start_card_read` once ``target`` (the widget or screen this Enter would have
        gone to) has handled the keys sent to it before; the number field's own Enter when the
        read went into it whole."""
        from textual.widgets import Input

        from kiosk.rules.text import InvalidText, normalise_number
        from screens.widgets.card_reader import CARD_ENTRY

        handled = asyncio.Event()
        if target.call_later(handled.set):  # queued behind the keys already sent to it
            for _ in range(_SETTLE_ROUNDS):  # bounded: a target removed or stuck must not lose the read
                if handled.is_set() or not target.is_attached:
                    break
                await asyncio.sleep(_SETTLE_STEP)
        field = self.focused
        if isinstance(field, Input) and field.has_class(CARD_ENTRY) and field.screen is self.screen:
            try:
                typed = normalise_number(field.value)
            except InvalidText:
                typed = ""
            if typed == number:
                await field.action_submit()  # the read went into the number field: its own Enter
                return
        self.start_card_read(number)

    def _counter_card_read(self, event: events.Key) -> bool:
        """A card or ID read at the counter (attack D14): True when this Enter completes a number
        that came at a reader's pace (every gap between its characters and the Enter at most
        screens.widgets.card_reader.READER_GAP, by the Key events' own times: attack E16) and
        whose first character was typed outside a text field while a staff member is signed in.
        The same characters typed at a person's pace are the clerk's keys: the Enter is the
        screen's (it submits a materials checklist ticked by number keys).

        The number's characters acted as menu keys on the way (nothing tells a reader's digit from
        a clerk's before the Enter): a counter screen takes one choice at a
        time and only while it shows (screens.counter.base.OneChoiceAtATime), and what does harm
        (screens.counter.keys), the full reveal and logging out take ``+`` on a confirmation. Once the keys sent before this Enter have
        landed, the counter goes back to the screen where the number started and searches it in
        Find (:meth:`counter_card_read`). Typed into a text field (Find's, or any other), a read is
        that field's typing and its Enter is the field's own."""
        from textual.widgets import Input

        from screens.counter import session as counter_session

        # The Key event's own time (set when the terminal's driver made it, as the bytes arrived),
        # not when it is handled here: handling lags under load and would bunch a person's keys.
        sniffer = self._card_sniffer
        number = sniffer.feed(event.key, event.character, mark=(tuple(self.screen_stack), self.focused),
                              at=event.time)
        if number is None or not sniffer.reader_pace or counter_session.current(self) is None:
            return False  # a person's keys (attack E16: menu digits, ticked materials): the Enter is the screen's
        started = self._card_sniffer.started
        start_stack, start_focus = started if isinstance(started, tuple) else ((), None)
        if isinstance(start_focus, Input):
            return False  # typed into a field: its Enter (queued behind the characters) is its own
        self.run_worker(self._counter_read_after(self.focused or self.screen, start_stack, number),
                        group="card-read", exit_on_error=False)
        return True

    async def _counter_read_after(self, target: Any, start: tuple[Screen[Any], ...], number: str) -> None:
        """:meth:`counter_card_read` once what the number's characters did has landed: the keys
        sent to ``target`` before the Enter, the choices they pressed and the screens those opened
        (until the stack stops changing), and the service calls they started (a choice may open a
        screen when its call returns). Each wait is bounded, as a safeguard only: the calls get
        _SETTLE_ROUNDS x _SETTLE_STEP seconds in all (a hung printer must not hold the read)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + _SETTLE_ROUNDS * _SETTLE_STEP
        await _handled(target)
        for _ in range(_STACK_ROUNDS):
            top, depth = self.screen, len(self.screen_stack)
            await _handled(self.focused or top)
            await _handled(top)
            left = deadline - loop.time()
            running = [asyncio.ensure_future(_finished(worker)) for worker in self.workers
                       if worker.group == "service" and worker.is_running] if left > 0 else []
            if running:
                await asyncio.wait(running, timeout=left)
            if self.screen is top and len(self.screen_stack) == depth and not running:
                break
        self.counter_card_read(number, start)

    def counter_card_read(self, number: str, start: tuple[Screen[Any], ...] = ()) -> None:
        """The counter's card read: back to where it started (``start``: the screen stack when
        the number's first character was typed), closing what the characters opened; when they
        closed screens of it (0 is back), back to the deepest one still open. Then Find with
        ``number`` searched, as if the clerk had typed it there (screens.counter.find.open_find).
        Nothing when nobody is signed in any more."""
        from screens.counter import session as counter_session
        from screens.counter.find import open_find

        if counter_session.current(self) is None:
            return
        kept = 0
        for then, now in zip(start, self.screen_stack, strict=False):
            if then is not now:
                break
            kept += 1
        while kept > 1 and len(self.screen_stack) > kept:
            self.pop_screen()
        open_find(self, number)

    def start_card_read(self, number: str) -> None:
        """End whatever session is open, forget everything typed, and identify ``number``
        (the identify screen, then the new resident's service password)."""
        from screens.resident.identify import IdentifyScreen

        self.end_session()
        self.push_screen(IdentifyScreen(purpose="query", initial=number, submit=True))

    def touch_activity(self) -> None:
        """Count programmatic activity (e.g. a long service call finishing) as input."""
        self._last_input = time.monotonic()

    def _resident_present(self) -> bool:
        base = self._base_screen
        if self.session is not None or (base is not None and self.screen_stack and self.screen is not base):
            return True
        # A number half-typed on the first screen and left there is a trace too (attract.has_traces).
        has_traces = getattr(base, "has_traces", None)
        return bool(callable(has_traces) and has_traces())

    def _check_idle_timeout(self) -> None:
        if not self._resident_present():
            self._last_input = time.monotonic()
            return
        idle = time.monotonic() - self._last_input
        left = self.idle_seconds - idle
        if left <= 0:
            self._last_input = time.monotonic()
            self.end_session()
        elif left <= min(COUNTDOWN_SECONDS, self.idle_seconds):
            self._show_countdown(left)

    def _show_countdown(self, left: float) -> None:
        text = self.t("kiosk.idle_countdown", seconds=max(1, int(left + 0.999)))
        screen = self.screen
        try:
            widget = screen.query_one("#idle-countdown", Static)
            widget.update(text)
        except Exception:
            screen.mount(Static(text, id="idle-countdown"))
        self._countdown_shown = True

    def _hide_countdown(self) -> None:
        self._countdown_shown = False
        for screen in self.screen_stack:
            for widget in screen.query("#idle-countdown"):
                widget.remove()


#: A card read waits at most _SETTLE_ROUNDS x _SETTLE_STEP seconds for the keys before its Enter to
#: be handled (they normally are within a few event-loop passes; the bound is only a safeguard).
_SETTLE_ROUNDS = 400
_SETTLE_STEP = 0.005
#: A counter read waits for the screens its characters opened at most this many times over.
_STACK_ROUNDS = 20


async def _finished(worker: Any) -> None:
    """Wait for a worker, whatever its outcome (its screen reports it)."""
    with contextlib.suppress(Exception):  # failed or cancelled: done either way
        await worker.wait()


async def _handled(target: Any) -> None:
    """Return once ``target`` (a widget or screen) has handled the messages sent to it so far
    (bounded by _SETTLE_ROUNDS x _SETTLE_STEP; at once when it is gone)."""
    handled = asyncio.Event()
    if target.call_later(handled.set):
        for _ in range(_SETTLE_ROUNDS):
            if handled.is_set() or not target.is_attached:
                break
            await asyncio.sleep(_SETTLE_STEP)


class _PolicyFirstExecutor(ServiceExecutor):
    """The app's service executor: before it queues a call, the policy book is in
    ``ctx.extras`` (KioskApp.policy_ready), since any service may read it."""

    def __init__(self, database: peewee.Database, before: Callable[[], None]) -> None:
        super().__init__(database)
        self._before: Callable[[], None] | None = before

    def submit(self, call: Callable[[], T]) -> Future[T]:
        before = self._before
        if before is not None:
            before()
            self._before = None
        return super().submit(call)


def make_app(settings: Settings, database: peewee.Database, printer: Device, clock: Clock, *,
             idle_seconds: float | None = None, mode: str | None = None) -> KioskApp:
    """Build the kiosk from its parts. ``idle_seconds`` and ``mode`` override
    the settings (tests use a short idle time). A bad local policy file
    raises kiosk.policy.PolicyError naming the key.

    To keep the cold start short (issue 18.4) the print spool (and with it the
    receipt renderer) is made on first use, which the app's first paint triggers,
    and a policy file already seen valid is parsed then too (kiosk.policy.checked);
    a new or edited policy file is parsed and checked here, before the interface."""
    ctx = ServiceContext(
        database=database, clock=clock, terminal=settings.terminal.id, hall_name=settings.hall.name,
        region_code=settings.hall.region_code, training=settings.terminal.training,
    )

    def make_spool() -> PrintSpool:
        from printers.escpos_render import RenderOptions
        from printers.spool import PrintSpool

        options = RenderOptions(paper=settings.printer.paper, encoding=settings.printer.encoding,
                                profile=settings.printer.profile)
        return PrintSpool(database, printer, clock, terminal=settings.terminal.id, options=options)

    policy = check_policy(settings.policy.file or None)
    if policy.loaded:
        ctx.extras["policy"] = policy.book()
    ctx.extras["agency"] = settings.hall.agency or settings.hall.name  # 参保证明 出具机构 (certificates)
    services = Services(printer=printer, spool=make_spool, policy=policy, paper=settings.printer.paper)
    return KioskApp(settings, ctx, services, idle_seconds=idle_seconds, mode=mode)
