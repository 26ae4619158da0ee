"""The counter home menu after login: queue, find, register, accept, work
list/review, payment, reprint, logout (0, then ``+`` to confirm) — each behind a number key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.containers import Grid

from kiosk.services import staff as staff_service
from kiosk.services.registration import ResidentInfo
from screens.counter import session as counter_session
from screens.counter.base import CounterScreen
from screens.widgets.menu import MenuButton
from screens.widgets.plain import Static

CHOICES = (
    ("1", "queue"), ("2", "find"), ("3", "register"), ("4", "accept"),
    ("5", "worklist"), ("6", "payment"), ("7", "reprint"), ("8", "audit"), ("9", "run"), ("F2", "lists"), ("0", "logout"),
)
#: Choices only a supervisor sees (基金稽核, issue 16; 待遇发放, issue 15).
SUPERVISOR_CHOICES = ("audit", "run", "lists")
_LABELS = {"audit": "ruleaudit.screen.menu", "run": "lifecycle.run.menu", "lists": "fix15counter.lists.menu"}


class CounterHomeScreen(CounterScreen):
    """What a logged-in clerk sees between residents."""

    TITLE_KEY = "counter.home.title"
    LEGEND_KEY = "counterdesk.keys.home"

    def body(self) -> ComposeResult:
        yield Static(self._serving_text(), id="serving")
        with Grid(id="counter-menu", classes="menu-grid"):
            for key, choice in CHOICES:
                if choice in SUPERVISOR_CHOICES and not self._is_supervisor():
                    continue
                label = self.t(_LABELS.get(choice, f"counter.home.{choice}"))
                if choice == "worklist" and self._is_supervisor():
                    label = self.t("counter.home.worklist_supervisor")
                yield MenuButton(key, label, choice)

    def _is_supervisor(self) -> bool:
        session = counter_session.current(self.host)
        return session is not None and session.staff.is_supervisor

    def _serving_text(self) -> str:
        session = counter_session.current(self.host)
        if session is None or session.resident is None:
            return self.t("counter.home.no_resident")
        resident = session.resident
        return self.t("counter.home.serving", name=resident.masked_name, id=resident.masked_id)

    def on_screen_resume(self) -> None:
        self.refresh_header()
        self.query_one("#serving", Static).update(self._serving_text())

    def go_back(self) -> None:
        """Esc at home does not log out by accident; 0 does."""
        self.say(self.t("counter.home.esc_hint"))

    def choose(self, choice: str) -> None:
        getattr(self, f"_open_{choice}")()

    # -- choices ------------------------------------------------------------------

    def _open_queue(self) -> None:
        from screens.counter.queue_console import QueueConsoleScreen

        self.app.push_screen(QueueConsoleScreen())

    def _open_find(self) -> None:
        from screens.counter.resident_detail import ResidentDetailScreen

        self.with_resident(lambda resident: self.app.push_screen(ResidentDetailScreen(resident)), ask=True)

    def _open_register(self) -> None:
        from screens.counter.register import RegisterResidentScreen

        self.app.push_screen(RegisterResidentScreen())

    def _open_accept(self) -> None:
        from screens.counter.accept import start_accept

        self.with_resident(lambda resident: start_accept(self.app, resident))

    def _open_worklist(self) -> None:
        from screens.counter.worklist import WorklistScreen

        self.app.push_screen(WorklistScreen())

    def _open_payment(self) -> None:
        from screens.counter.payment import PaymentScreen

        self.with_resident(lambda resident: self.app.push_screen(PaymentScreen(resident)))

    def _open_reprint(self) -> None:
        from screens.counter.reprint import ReprintScreen

        self.app.push_screen(ReprintScreen())

    def _open_audit(self) -> None:
        from screens.counter.rule_audit import RuleAuditScreen

        if self._is_supervisor():
            self.app.push_screen(RuleAuditScreen())

    def _open_lists(self) -> None:
        from screens.counter.village_lists import VillageListScreen  # 资格认证到期 / 未缴费 by village

        if self._is_supervisor():
            self.app.push_screen(VillageListScreen())

    def _open_run(self) -> None:
        from screens.counter.benefit_run import BenefitRunScreen

        if self._is_supervisor():
            self.app.push_screen(BenefitRunScreen())

    def _open_logout(self) -> None:
        """0 asks first (screens.counter.keys: ``+`` logs out, 0 or Enter stay): a card read's
        digits walk the counter's menus before its Enter, and a 0 of theirs reaching home must
        not end the clerk's session (attack D14)."""
        from screens.counter.keys import ConfirmActionModal

        self.app.push_screen(ConfirmActionModal(self.t("counter_reads.logout.title"),
                                                [self.t("counter_reads.logout.what")]),
                             lambda ok: self._logout() if ok else None)

    def _logout(self) -> None:
        ctx = self.host.ctx
        self.run_service(lambda: staff_service.logout(ctx), lambda _: self._logged_out(),
                         lambda _message: self._logged_out())

    def _logged_out(self) -> None:
        from screens.counter.login import LoginScreen

        counter_session.end(self.host)
        # Back to the login screen underneath, closing whatever is above it.
        while len(self.app.screen_stack) > 1 and not isinstance(self.app.screen, LoginScreen):
            self.app.pop_screen()

    # -- helpers --------------------------------------------------------------------

    def with_resident(self, then: Callable[[ResidentInfo], Any], *, ask: bool = False) -> None:
        """Run ``then`` for the resident being served; ask the clerk to scan one
        first when there is none (or always, with ``ask``)."""
        from screens.counter.find import FindResidentModal

        session = counter_session.current(self.host)
        if session is not None and session.resident is not None and not ask:
            then(session.resident)
            return

        def found(resident: ResidentInfo | None) -> None:
            if resident is None:
                return
            current = counter_session.current(self.host)
            if current is not None:
                current.resident = resident
            self.refresh_header()
            self.query_one("#serving", Static).update(self._serving_text())
            then(resident)

        self.app.push_screen(FindResidentModal(), found)
