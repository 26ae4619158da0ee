"""凭回执登记: record a resident contribution the collection channel already took (issue 15.3).

Where the policy in force does not let the counter collect (``[version.collection]``
``counter = false``), the payment wizard comes here instead of taking cash: the clerk
types the channel's reference from the payer's confirmation (税票号 of the tax
authority, 流水号 of the bank's debit) and confirms with the second key; the
payments service records it once per reference and the receipt names it.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input

from kiosk.services import payments as payment_service
from kiosk.services.payments import CHANNEL_METHODS, PaymentInfo
from screens.counter.keys import ConfirmActionModal
from screens.counter.payment import PaymentDraft, PaymentStep
from screens.counter.printing import flush_job
from screens.widgets.menu import MenuButton
from screens.widgets.plain import Static


class ChannelRecordScreen(PaymentStep):
    """The amount due, who collects it, and the reference field (focused); Enter asks, + records."""

    TITLE_KEY = "collection15.record.title"
    AUTO_FOCUS = "#reference"

    def __init__(self, draft: PaymentDraft, channel: str) -> None:
        super().__init__(draft)
        self.channel = channel
        self._busy = False

    def body(self) -> ComposeResult:
        lines = [*self.draft.lines, self.t("counter.confirm_payment.due", amount=self.yuan(self.draft.amount_fen)),
                 self.t(f"collection15.record.no_counter_{self.channel}")]
        yield Static("\n".join(lines), id="channel-summary")
        with Horizontal(classes="note-row"):
            yield Static(self.t(f"collection15.record.reference_{self.channel}"), classes="field-label")
            yield Input(id="reference", max_length=40, restrict=r"[0-9A-Za-z\-－ ]*",
                        placeholder=self.t("collection15.form.reference_hint"))
        with Horizontal(classes="action-row"):
            yield MenuButton("Enter", self.t("collection15.record.submit"), "record", classes="primary-choice")

    def on_mount(self) -> None:
        self.query_one("#reference", Input).focus()

    def choose(self, choice: str) -> None:
        self.ask_record()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.ask_record()

    def _reference(self) -> str:
        return "".join(self.query_one("#reference", Input).value.replace("－", "-").split())

    def ask_record(self) -> None:
        """Show what will be recorded; the confirmation's second key records it."""
        if self._busy:
            return
        reference = self._reference()
        if not reference:
            self.say(self.t("collection15.form.reference_missing"), "error")
            return
        lines = [*self.draft.lines, self.t("counter.confirm_payment.due", amount=self.yuan(self.draft.amount_fen)),
                 self.t(f"collection15.record.reference_{self.channel}") + f"：{reference}"]
        self.app.push_screen(ConfirmActionModal(self.t("collection15.record.title"), lines),
                             lambda ok: self.record() if ok else self.say(self.t("counterdesk.confirm.cancelled")))

    def record(self) -> None:
        """Record the payment with the channel's reference (one transaction, receipt job included)."""
        if self._busy:
            return
        self._busy = True
        draft, ctx, host = self.draft, self.host.ctx, self.host
        method, reference = CHANNEL_METHODS[self.channel], self._reference()

        def call() -> tuple[PaymentInfo, str]:
            if draft.purpose == "resident_pension" and draft.quote is not None:
                info = payment_service.pay_resident_pension(ctx, draft.resident.id, draft.quote.tier_fen, method,
                                                            channel_reference=reference)
            else:
                info = payment_service.pay_resident_medical(ctx, draft.resident.id, method,
                                                            channel_reference=reference)
            try:  # recorded; a printer problem only delays the paper
                return info, flush_job(host, info.print_job_id)
            except Exception:  # the receipt stays in the spool for 补打
                return info, ""

        self.say(self.t("counter.working"))
        self.run_service(call, self.payment_recorded, self.payment_failed, writes=True)
