"""社保卡挂失: no step of its own — the draft goes straight to a confirm screen
that must be confirmed twice; the card_loss workflow freezes the card in the
same transaction as the application."""

from __future__ import annotations

from screens.resident.apply_common import ApplyDraft, ApplyScreen


def card_loss_draft(screen: ApplyScreen) -> ApplyDraft:
    """A loss report: two confirmations, and a note that the card stops working at once."""
    return ApplyDraft("card_loss", lines=[screen.t("resident.apply.card.line")],
                      notes=[screen.t("resident.apply.card.note")], confirm_twice=True)
