"""The resident's home: the masked person in the bar and the numbered menu.

When the resident came in through 办理 on the attract screen, the apply
menu opens over the home at once (the attract screen remembers the choice).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid

from screens.resident.common import ResidentScreen
from screens.widgets.menu import MenuButton

CHOICES = (
    ("1", "enrolments"), ("2", "contributions"), ("3", "account"), ("4", "benefits"),
    ("5", "progress"), ("6", "estimate"), ("7", "statement"), ("8", "apply"), ("9", "ticket"), ("0", "logout"),
)


class ResidentHomeScreen(ResidentScreen):
    """1 我的参保 … 7 打印凭证, 8 业务办理, 9 取号 (the ticket carries the
    resident, masked, to the counter and the board), 0 退出."""

    TITLE_KEY = "resident.home.title"
    PAGED = False

    def needs_data(self) -> bool:
        return False

    def compose_body(self) -> ComposeResult:
        with Grid(id="home-menu", classes="menu-grid"):
            for key, choice in CHOICES:
                yield MenuButton(key, self.t(f"resident.home.{choice}"), choice)

    def on_mount(self) -> None:
        from screens.resident.apply import ApplyMenuScreen
        from screens.resident.attract import AttractScreen

        super().on_mount()
        for screen in self.app.screen_stack:
            if isinstance(screen, AttractScreen) and screen.take_purpose() == "apply":
                self.app.push_screen(ApplyMenuScreen())
                return

    def go_back(self) -> None:
        """Esc on the home menu ends the session (there is nothing behind it)."""
        self.host.end_session()

    def choose(self, choice: str) -> None:
        from screens.resident import (
            account,
            benefits,
            contributions,
            enrolments,
            estimate,
            progress,
            statement,
        )

        screens = {
            "enrolments": enrolments.EnrolmentsScreen,
            "contributions": contributions.YearsScreen,
            "account": account.AccountScreen,
            "benefits": benefits.BenefitsScreen,
            "progress": progress.ProgressScreen,
            "estimate": estimate.EstimateScreen,
            "statement": statement.StatementScreen,
        }
        if choice == "logout":
            self.host.end_session()
        elif choice == "ticket":
            from screens.resident.ticket import TicketScreen

            self.app.push_screen(TicketScreen())
        elif choice == "apply":
            from screens.resident.apply import ApplyMenuScreen

            self.app.push_screen(ApplyMenuScreen())
        elif choice in screens:
            self.app.push_screen(screens[choice]())
