"""办理: what a resident may start alone at the self-service terminal.

1 城乡居民养老保险参保, 2 城乡居民医疗保险参保, 3 居民养老保险年度缴费, 4 待遇申请（预约）,
5 关系转移申请, 6 社保卡挂失. Each opens a small wizard (screens.resident.apply_*)
that ends on a confirm screen and an acceptance receipt.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid

from screens.resident.apply_common import ApplyDraft, ApplyScreen
from screens.widgets.cjk_wrap import Prose
from screens.widgets.menu import MenuButton

CHOICES = (
    ("1", "enrol_pension"), ("2", "enrol_medical"), ("3", "contribution"),
    ("4", "benefit"), ("5", "transfer"), ("6", "card_loss"),
)


class ApplyMenuScreen(ApplyScreen):
    """The numbered list of self-service applications."""

    TITLE_KEY = "resident.apply.title"
    PAGED = False

    def compose_body(self) -> ComposeResult:
        yield Prose(self.t("resident.apply.hint"), classes="note", id="apply-hint")
        with Grid(id="apply-menu", classes="menu-grid"):
            for key, choice in CHOICES:
                yield MenuButton(key, self.t(f"resident.apply.menu.{choice}"), choice)

    def choose(self, choice: str) -> None:
        from screens.resident.apply_benefit import BenefitTypeScreen
        from screens.resident.apply_card import card_loss_draft
        from screens.resident.apply_confirm import ApplyConfirmScreen
        from screens.resident.apply_contribution import TierScreen
        from screens.resident.apply_enrol import EnrolScreen
        from screens.resident.apply_transfer import TransferKindScreen

        if choice == "enrol_pension":
            self.app.push_screen(EnrolScreen(ApplyDraft("enrol_resident_pension")))
        elif choice == "enrol_medical":
            self.app.push_screen(EnrolScreen(ApplyDraft("enrol_resident_medical")))
        elif choice == "contribution":
            self.app.push_screen(TierScreen(ApplyDraft("assessment", {"scheme": "resident"})))
        elif choice == "benefit":
            self.app.push_screen(BenefitTypeScreen())
        elif choice == "transfer":
            self.app.push_screen(TransferKindScreen(ApplyDraft("transfer")))
        elif choice == "card_loss":
            self.app.push_screen(ApplyConfirmScreen(card_loss_draft(self)))
