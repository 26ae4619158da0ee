"""The resident's home: the masked person in the bar and the numbered menu."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid

from screens.resident.common import ResidentScreen
from screens.widgets.menu import MenuButton

CHOICES = (
    ("1", "enrolments"), ("2", "contributions"), ("3", "account"), ("4", "benefits"),
    ("5", "progress"), ("6", "estimate"), ("7", "statement"), ("0", "logout"),
)


class ResidentHomeScreen(ResidentScreen):
    """1 我的参保 … 7 打印凭证, 0 退出."""

    TITLE_KEY = "resident.home.title"

    def needs_data(self) -> bool:
        return False

    def compose_body(self) -> ComposeResult:
        with Grid(id="home-menu", classes="menu-grid"):
            for key, choice in CHOICES:
                yield MenuButton(key, self.t(f"resident.home.{choice}"), choice)

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
        elif choice in screens:
            self.app.push_screen(screens[choice]())
