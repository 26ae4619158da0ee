"""收费: a small wizard sharing one :class:`PaymentDraft` — what is paid for
(resident pension at a chosen tier, with the government subsidy shown;
resident medical; an assessed contribution), how, and how much was handed
over. The payment, its ledger entries and the receipt print job are one
transaction in the payments service; the done screen shows the receipt."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input

from kiosk.rules.contribution import assess_resident_medical
from kiosk.rules.money import Fen, InvalidAmount, format_yuan, parse_yuan
from kiosk.services import applications as application_service
from kiosk.services import payments as payment_service
from kiosk.services.applications import ApplicationInfo
from kiosk.services.payments import COUNTER_METHODS, PaymentInfo, ResidentPensionQuote
from kiosk.services.registration import ResidentInfo
from screens.counter.accept import MAX_CHOICES, number_key
from screens.counter.base import CounterScreen
from screens.counter.keys import ConfirmActionModal, MenuListKeys
from screens.counter.printing import flush_job
from screens.widgets.menu import MenuButton
from screens.widgets.plain import Static

#: What the counter takes directly, checked up front (:func:`kiosk.services.payments.counter_payable`).
PAYABLE = ("resident_pension", "resident_medical")
#: 实收 may be at most this many times the amount due (and at least TENDER_FLOOR_FEN).
TENDER_FACTOR = 10
TENDER_FLOOR_FEN: Fen = 100_000  # 1,000 yuan: a note or two over a small fee is fine


@dataclass
class PaymentDraft:
    """What the payment wizard has gathered."""

    resident: ResidentInfo
    purpose: str = ""  # resident_pension | resident_medical
    quote: ResidentPensionQuote | None = None
    amount_fen: Fen = 0
    method: str = "cash"
    lines: list[str] = field(default_factory=list)


class PaymentStep(CounterScreen):
    """Marker base: the wizard's screens, closed together once paid."""

    def __init__(self, draft: PaymentDraft) -> None:
        super().__init__()
        self.draft = draft
        self._busy = False  # a payment is being recorded: further presses wait

    def yuan(self, fen: Fen) -> str:
        return f"{format_yuan(fen)}{self.t('counter.yuan')}"

    def to_payment(self) -> None:
        """Take the money where the policy lets the counter collect; otherwise record the channel's
        confirmation with its reference (issue 15.3, :mod:`screens.counter.collection`)."""
        insurance = "pension" if self.draft.purpose == "resident_pension" else "medical"
        rule = payment_service.collection_rule(self.host.ctx, "resident", insurance)
        if rule.counter:
            self.app.push_screen(PaymentConfirmScreen(self.draft))
            return
        from screens.counter.collection import ChannelRecordScreen

        self.app.push_screen(ChannelRecordScreen(self.draft, rule.channel))

    def payment_failed(self, message: str) -> None:
        """The service refused or failed: say why; the step may be tried again."""
        self._busy = False
        self.say(message, "error")

    def payment_recorded(self, result: tuple[PaymentInfo, str]) -> None:
        """The payment is committed: close the wizard's screens and show the receipt as recorded."""
        self._busy = False
        info, print_message = result
        app = self.app
        while isinstance(app.screen, PaymentStep) and len(app.screen_stack) > 2:
            app.pop_screen()
        app.push_screen(PaymentDoneScreen(info, print_message))


class PaymentScreen(MenuListKeys, PaymentStep):
    """Step 1: what the resident pays for."""

    TITLE_KEY = "counter.payment.title"

    def __init__(self, resident: ResidentInfo) -> None:
        super().__init__(PaymentDraft(resident))

    def body(self) -> ComposeResult:
        yield Static(self.t("counter.payment.for", name=self.draft.resident.masked_name,
                            id=self.draft.resident.masked_id), classes="hint")
        with VerticalScroll(classes="menu-list"):
            yield MenuButton("1", self.t("counter.payment.resident_pension"), "resident_pension")
            yield MenuButton("2", self.t("counter.payment.resident_medical"), "resident_medical")
            yield MenuButton("3", self.t("counter.payment.assessment"), "assessment")

    def on_mount(self) -> None:
        # Offer only what the records allow: the payment's own checks, asked up front.
        ctx, resident_id = self.host.ctx, self.draft.resident.id
        for purpose in PAYABLE:  # nothing is pressed before the answer
            self.query_one(f"#choice-{purpose}", MenuButton).disabled = True
        self.run_service(lambda: payment_service.counter_payable(ctx, resident_id), self._payable,
                         lambda message: self.say(message, "error"))

    def _payable(self, codes: dict[str, str]) -> None:
        reasons = []
        for purpose, code in codes.items():
            button = self.query_one(f"#choice-{purpose}", MenuButton)
            button.disabled = bool(code)
            if code:
                reason = self.t(f"fix17counter.payment.{code}_{purpose}")
                reasons.append(reason)
                button.label = f"{button.key}  {self.t(f'counter.payment.{purpose}')}" \
                               f"{self.t('fix17counter.payment.unavailable')}"  # short: fits 80x24; the reason is said below
        enabled = [b for b in self.query(MenuButton) if not b.disabled]
        if enabled and (self.focused is None or getattr(self.focused, "disabled", False)):
            enabled[0].focus()
        reasons = list(dict.fromkeys(reasons))  # a death gives one reason for both, said once
        if reasons:
            self.say(self.t("fix17counter.payment.none", reasons=self.t("maint17.list_sep").join(reasons))
                     if all(codes.values())
                     else reasons[0], "info")

    def choose(self, choice: str) -> None:
        if choice == "resident_pension":
            self.draft.purpose = choice
            self.app.push_screen(TierScreen(self.draft))
        elif choice == "resident_medical":
            self.draft.purpose = choice
            ctx = self.host.ctx
            self.run_service(lambda: assess_resident_medical(payment_service.policy(ctx).medical).individual_fen,
                             self._medical_fee, lambda message: self.say(message, "error"))
        else:
            self._open_assessment()

    def _medical_fee(self, fee: Fen) -> None:
        self.draft.amount_fen = fee
        self.draft.lines = [self.t("counter.payment.medical_line", year=self.host.ctx.today().year,
                                   amount=self.yuan(fee))]
        self.to_payment()

    def _open_assessment(self) -> None:
        """Assessed contributions are paid at the 缴费记录 step of their 缴费核定 application."""
        ctx, resident_id = self.host.ctx, self.draft.resident.id
        self.run_service(lambda: application_service.list_applications(ctx, resident_id=resident_id,
                                                                      type_="assessment", open_only=True),
                         self._assessments, lambda message: self.say(message, "error"))

    def _assessments(self, items: list[ApplicationInfo]) -> None:
        from screens.counter.application import ApplicationScreen

        if not items:
            self.say(self.t("counter.payment.no_assessment"), "error")
            return
        self.app.push_screen(ApplicationScreen(items[0].number, self.t("counter.payment.assessment_hint")))


class TierScreen(MenuListKeys, PaymentStep):
    """Step 2 (resident pension): choose a tier; each shows the subsidy and what reaches the account."""

    TITLE_KEY = "counter.tier.title"

    def __init__(self, draft: PaymentDraft) -> None:
        super().__init__(draft)
        self.quotes: list[ResidentPensionQuote] = []

    def body(self) -> ComposeResult:
        yield Static(self.t("counter.tier.hint"), classes="hint")
        yield VerticalScroll(id="tiers", classes="menu-list")

    def on_mount(self) -> None:
        ctx, resident_id = self.host.ctx, self.draft.resident.id

        def load() -> list[ResidentPensionQuote]:
            return [payment_service.quote_resident_pension(ctx, resident_id, tier.annual_fen)
                    for tier in payment_service.resident_pension_tiers(ctx)]

        self.run_service(load, self._show, lambda message: self.say(message, "error"))

    def _show(self, quotes: list[ResidentPensionQuote]) -> None:
        self.quotes = quotes[:MAX_CHOICES]
        buttons = [MenuButton(number_key(i), self.tier_label(q), f"tier-{i}") for i, q in enumerate(self.quotes)]
        self.query_one("#tiers", VerticalScroll).mount_all(buttons)
        if quotes and quotes[0].difficult:
            self.say(self.t("counter.tier.difficult"), "info")

    def tier_label(self, quote: ResidentPensionQuote) -> str:
        return self.t("counter.tier.option", tier=format_yuan(quote.tier_fen).removesuffix(".00"), pays=self.yuan(quote.individual_pays_fen),
                      subsidy=self.yuan(quote.subsidy_fen + quote.government_pays_fen),
                      credit=self.yuan(quote.account_credit_fen))

    def choose(self, choice: str) -> None:
        quote = self.quotes[int(choice.partition("-")[2])]
        self.draft.quote = quote
        self.draft.amount_fen = quote.individual_pays_fen
        self.draft.lines = [self.t("counter.tier.line", year=quote.year, tier=format_yuan(quote.tier_fen).removesuffix(".00"),
                                   pays=self.yuan(quote.individual_pays_fen)),
                            self.t("counter.tier.subsidy_line", subsidy=self.yuan(quote.subsidy_fen),
                                   credit=self.yuan(quote.account_credit_fen))]
        self.to_payment()


class PaymentConfirmScreen(PaymentStep):
    """Step 3: the 实收 field has the focus (typed digits are money, never menu
    keys); the method is chosen with Shift+Tab/Tab and Enter (or 1 cash, 2 bank,
    3 card while the field is not focused), and choosing it gives 实收 the focus back;
    Enter asks to take the money and the confirmation's second key takes it."""

    TITLE_KEY = "counter.confirm_payment.title"
    LEGEND_KEY = "fix17counter.payment.legend"  # says 0 is a digit here and Esc goes back
    AUTO_FOCUS = "#tendered"

    def __init__(self, draft: PaymentDraft) -> None:
        super().__init__(draft)
        self._busy = False

    def body(self) -> ComposeResult:
        yield Static("\n".join([*self.draft.lines, self.t("counter.confirm_payment.due",
                                                           amount=self.yuan(self.draft.amount_fen))]),
                     id="payment-summary")
        with Horizontal(classes="action-row", id="methods"):
            for index, method in enumerate(COUNTER_METHODS):
                yield MenuButton(str(index + 1), self.t(f"counter.method.{method}"), f"method-{method}",
                                 classes="method")
        with Horizontal(classes="note-row"):
            yield Static(self.t("counter.confirm_payment.tendered"), classes="field-label")
            yield Input(id="tendered", max_length=16, restrict=r"[\d.．,，¥￥元\s]*",
                        placeholder=self.t("counter.confirm_payment.tendered_hint"))
        with Horizontal(classes="action-row"):
            yield MenuButton("Enter", self.t("counter.confirm_payment.submit"), "pay", classes="primary-choice")

    def on_mount(self) -> None:
        self.query_one("#tendered", Input).focus()
        self._mark_method()
        self.say(self.t("counter.confirm_payment.method_chosen", method=self.t(f"counter.method.{self.draft.method}")))

    def _mark_method(self) -> None:
        for button in self.query(".method").results(MenuButton):
            button.set_class(button.choice == f"method-{self.draft.method}", "-selected")

    def choose(self, choice: str) -> None:
        kind, _, value = choice.partition("-")
        if kind == "method":
            self.draft.method = value
            self._mark_method()
            self.say(self.t("counter.confirm_payment.method_chosen", method=self.t(f"counter.method.{value}")))
            # Back to 实收: the next Enter checks the amount and asks with this method, never
            # presses whichever method button kept the focus (attack D12).
            self.query_one("#tendered", Input).focus()
        else:
            self.ask_pay()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.ask_pay()

    def _tendered(self) -> str | None:
        # Full-width digits (an input method in full-width mode) become ASCII: the one normaliser's NFKC.
        typed = unicodedata.normalize("NFKC", self.query_one("#tendered", Input).value)
        return "".join(typed.split()) or None

    def tender_limit(self) -> Fen:
        """The most 实收 may be (fen): ten times the amount due, at least 1,000 yuan — a card
        number swiped into the field ("60000236726640") is never an amount."""
        return max(self.draft.amount_fen * TENDER_FACTOR, TENDER_FLOOR_FEN)

    def _checked_tender(self) -> tuple[bool, Fen | None]:
        """(ok, tendered fen or None when nothing was typed); says why and keeps 实收 focused when not ok."""
        typed = self._tendered()
        if typed is None:
            return True, None
        due = self.draft.amount_fen
        problem = ""
        try:
            # Parsed without parse_yuan's own ceiling: the screen's limit says what is too much.
            tendered = parse_yuan(typed, maximum_fen=10**18)
        except InvalidAmount:
            tendered, problem = 0, self.t("fix17counter.payment.bad_amount", typed=typed[:20])
        if not problem and tendered > self.tender_limit():
            problem = self.t("fix17counter.payment.too_large", amount=self.yuan(tendered), due=self.yuan(due),
                             limit=self.yuan(self.tender_limit()))
        elif not problem and tendered < due:
            problem = self.t("fix17counter.payment.short", amount=self.yuan(tendered), due=self.yuan(due))
        if problem:
            self.say(problem, "error")
            field_ = self.query_one("#tendered", Input)
            field_.focus()
            field_.select_all()
            return False, None
        return True, tendered

    def ask_pay(self) -> None:
        """Check 实收 first (a number, not short, not absurd: refused here with 实收 keeping the
        focus), then show what will be taken — 应收, method, 实收, 找零; the second key takes it."""
        if self._busy:
            return
        ok, tendered = self._checked_tender()
        if not ok:
            return
        due = self.draft.amount_fen
        lines = [*self.draft.lines,
                 self.t("counter.confirm_payment.due", amount=self.yuan(due)),
                 self.t("counterdesk.payment.method", method=self.t(f"counter.method.{self.draft.method}"))]
        if tendered is None:
            lines.append(self.t("fix17counter.payment.tendered_none"))
        else:
            lines += [self.t("counterdesk.payment.tendered", amount=self.yuan(tendered)),
                      self.t("fix17counter.payment.change", amount=self.yuan(tendered - due))]
        self.app.push_screen(ConfirmActionModal(self.t("counter.confirm_payment.title"), lines),
                             lambda ok: self.pay() if ok else self._cancelled())

    def _cancelled(self) -> None:
        """Nothing taken: 实收 gets the focus back with its amount kept and selected, so
        typing replaces it (as when the field is entered) and ← → Backspace edit it."""
        self.say(self.t("counterdesk.confirm.cancelled"))
        tendered = self.query_one("#tendered", Input)
        tendered.focus()
        tendered.select_all()

    def pay(self) -> None:
        """Record the payment (one transaction, receipt job included)."""
        if self._busy:
            return
        self._busy = True
        draft, ctx = self.draft, self.host.ctx
        tendered = self._tendered()
        host = self.host

        def call() -> tuple[PaymentInfo, str]:
            if draft.purpose == "resident_pension" and draft.quote is not None:
                info = payment_service.pay_resident_pension(ctx, draft.resident.id, draft.quote.tier_fen,
                                                            draft.method, tendered=tendered)
            else:
                info = payment_service.pay_resident_medical(ctx, draft.resident.id, draft.method,
                                                            tendered=tendered)
            # The payment is committed; a printer problem only delays the paper.
            try:
                return info, flush_job(host, info.print_job_id)
            except Exception:  # the receipt stays in the spool for 补打
                return info, ""

        self.say(self.t("counter.working"))
        self.run_service(call, self.payment_recorded, self.payment_failed, writes=True)



class PaymentDoneScreen(CounterScreen):
    """The payment receipt as recorded (it is on its way to the printer)."""

    TITLE_KEY = "counter.payment_done.title"

    def __init__(self, info: PaymentInfo, print_message: str = "") -> None:
        super().__init__()
        self.info = info
        self.print_message = print_message

    def body(self) -> ComposeResult:
        info = self.info
        yuan = self.t("counter.yuan")
        lines = [self.t("counter.payment_done.code", code=info.receipt_code)]
        lines += [f"  {self.t(line.key, **line.params) if line.key else line.label}  "
                  f"{format_yuan(line.amount_fen)}{yuan}" for line in info.lines]
        method = self.t(f"counter.method.{info.method}")
        lines.append(self.t("counter.payment_done.total", amount=f"{format_yuan(info.amount_fen)}{yuan}",
                            method=info.method_name if method == f"counter.method.{info.method}" else method))
        if info.tendered_fen is not None:
            lines.append(self.t("counter.payment_done.change", tendered=f"{format_yuan(info.tendered_fen)}{yuan}",
                                change=f"{format_yuan(info.change_fen)}{yuan}"))
        if self.print_message:
            lines.append(self.print_message)
        else:
            lines.append(self.t("counter.payment_done.printed" if info.print_job_id
                                else "counter.payment_done.no_print"))
        yield Static("\n".join(lines), id="payment-receipt")
        with Horizontal(classes="action-row"):
            yield MenuButton("0", self.t("counter.payment_done.back"), "back", classes="primary-choice")

    def choose(self, choice: str) -> None:
        self.go_back()
