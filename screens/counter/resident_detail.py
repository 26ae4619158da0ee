"""One resident at the counter: card, enrolments, applications, the
contribution record (months paid and missing, by year), personal-account
balances, benefits paid, and the cash taken at the counter.

The name and ID number are masked by default even here (someone may stand
behind the resident); key 9 asks, and ``+`` on that confirmation shows them in full for
ten seconds (audited): a card read's 9 never reveals (attack D14; 0 or Enter cancel).
1 focuses the applications table (Enter opens the chosen one); 3 issues a 参保证明, 4 accepts new business, 6 takes a
payment, 7 sets or unlocks the resident's self-service password. The
records come from the same services as the resident's own screens
(:mod:`kiosk.services.residents`); each look is audited (``resident.open``,
reason ``counter_records``). Amounts are not masked: only the name, ID and
phone are personal enough to hide from a bystander.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.timer import Timer

from kiosk.rules.money import format_yuan
from kiosk.services import ServiceContext, reasons, registration, residents
from kiosk.services import applications as application_service
from kiosk.services import payments as payment_service
from kiosk.services import staff as staff_service
from kiosk.services.applications import ApplicationInfo
from kiosk.services.payments import PaymentInfo
from kiosk.services.registration import ResidentInfo
from kiosk.services.resident_standing import Standing, standing
from screens.counter import names
from screens.counter import session as counter_session
from screens.counter.base import CounterScreen
from screens.widgets.menu import MenuButton
from screens.widgets.plain import DataTable, Static

REVEAL_SECONDS = 10.0


@dataclass(frozen=True)
class ResidentFile:
    """Everything the detail screen shows, loaded in one service call."""

    resident: ResidentInfo
    applications: tuple[ApplicationInfo, ...]
    payments: tuple[PaymentInfo, ...]
    history: residents.ContributionHistory | None = None
    accounts: tuple[residents.AccountView, ...] = ()
    benefits: tuple[residents.BenefitRow, ...] = ()
    standing: Standing | None = None  # death, ended enrolments, stopped benefits, overpayment


def local_time(ctx: ServiceContext, moment: dt.datetime) -> str:
    """A stored naive-UTC moment as the hall's local ``YYYY-MM-DD HH:MM``."""
    return f"{ctx.clock.to_local(moment):%Y-%m-%d %H:%M}"


class ResidentDetailScreen(CounterScreen):
    """The clerk's view of one resident."""

    TITLE_KEY = "counter.detail.title"
    reveal_seconds = REVEAL_SECONDS
    DEFAULT_CSS = """
    ResidentDetailScreen #detail-standing { height: auto; padding: 0 1; text-style: bold; display: none; }
    ResidentDetailScreen #detail-standing.-deceased { background: $error; color: $text; }
    """

    def __init__(self, resident: ResidentInfo, notice: str = "") -> None:
        super().__init__()
        self.resident = resident
        self._notice = notice
        self.revealed = False
        self._file: ResidentFile | None = None
        self._hide_timer: Timer | None = None

    def body(self) -> ComposeResult:
        with VerticalScroll(id="detail-body"):
            # A deceased resident must not look alive: the death, stopped benefits and any
            # overpayment to recover come first (issue 15).
            yield Static("", id="detail-standing")
            yield Static(self._identity_text(), id="detail-identity")
            yield Static("", id="detail-enrolments")
            yield Static(self.t("counter.detail.applications"), classes="section-title")
            yield DataTable(id="detail-applications", cursor_type="row", zebra_stripes=True)
            yield Static(self.t("counterdesk.records.contributions"), classes="section-title")
            yield Static("", id="detail-contributions")
            yield Static(self.t("counterdesk.records.accounts"), classes="section-title")
            yield Static("", id="detail-accounts")
            yield Static(self.t("counterdesk.records.benefits"), classes="section-title")
            yield Static("", id="detail-benefits")
            yield Static(self.t("counterdesk.records.counter_payments"), classes="section-title")
            yield Static("", id="detail-payments")
        with Horizontal(classes="action-row"):
            # 1 (first, so Enter on arrival starts nothing) takes the focus to the applications table.
            yield MenuButton("1", self.t("fix17counter.detail.applications"), "applications")
            yield MenuButton("2", self.t("fix15counter.detail.info_change"), "info_change")  # short: fits 80x24
            yield MenuButton("3", self.t("certificate15.counter.menu"), "certificate")
            yield MenuButton("4", self.t("counter.detail.accept"), "accept")
            yield MenuButton("5", self.t("lifecycle.certify.menu"), "certify")
            yield MenuButton("6", self.t("counter.detail.pay"), "payment")
            yield MenuButton("7", self.t("identity.counter.action"), "service_password")
            yield MenuButton("8", self.t("lifecycle.death.menu"), "deceased")
            yield MenuButton("9", self.t("counter.detail.reveal"), "reveal")

    def on_mount(self) -> None:
        table = self.query_one("#detail-applications", DataTable)
        table.add_columns(self.t("counter.col.number"), self.t("counter.col.type"), self.t("counter.col.status"),
                          self.t("counter.col.created"))
        if self._notice:
            self.say(self._notice, "ok")

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Fetch the resident, applications and payments again."""
        ctx, resident_id = self.host.ctx, self.resident.id

        def load() -> ResidentFile:
            resident = registration.get_resident(ctx, resident_id)
            apps = application_service.list_applications(ctx, resident_id=resident_id, limit=50)
            pays = payment_service.list_payments(ctx, resident_id)
            history = residents.contribution_history(ctx, resident_id)
            accounts = residents.accounts(ctx, resident_id)
            benefits = residents.benefits(ctx, resident_id)
            vital = standing(ctx, resident_id)
            # Every look at a resident's records is audited (who, where, which screen).
            staff_service.audit_open(ctx, resident_id, reason="counter_records")
            return ResidentFile(resident, tuple(apps), tuple(pays), history, tuple(accounts), tuple(benefits),
                                vital)

        self.run_service(load, self._show, lambda message: self.say(message, "error"))

    def _show(self, file: ResidentFile) -> None:
        self._file = file
        self.resident = file.resident
        session = counter_session.current(self.host)
        if session is not None and self.showing():
            # The resident served is the one on show: a detail under another (a card read's Find
            # opened one above it) reloads on its way back, after the new one was chosen.
            session.resident = file.resident
            self.refresh_header()
        self.query_one("#detail-identity", Static).update(self._identity_text())
        enrolments = names.join(self.host, [names.enrolment(self.host, e.insurance, e.scheme, f"{e.start_date:%Y-%m}")
                                            + self._enrolment_state(file, e.insurance, e.scheme, e.status)
                                            for e in file.resident.enrolments], strong=True) \
            or self.t("counter.detail.no_enrolments")
        self.query_one("#detail-enrolments", Static).update(self.t("counter.detail.enrolments", list=enrolments))
        table = self.query_one("#detail-applications", DataTable)
        table.clear()
        for app in file.applications:
            status = names.status_name(self.host, app.type, app.status, app.status_name) + (
                f"{self.t('maint17.colon')}{reasons.render(app.reason_code, app.reason, self.t)}" if app.reason else "")
            table.add_row(app.number, names.type_name(self.host, app.type, app.type_name), status, local_time(self.host.ctx, app.created_at),
                          key=app.number)
        if not file.applications:
            table.add_row("", self.t("counter.detail.no_applications"), "", "")
        lines = [f"{local_time(self.host.ctx, p.created_at)}  {p.receipt_code}  {p.method_name}  "
                 f"{format_yuan(p.amount_fen)}{self.t('counter.yuan')}  {self._purpose(p.purpose)}"
                 for p in file.payments]
        self.query_one("#detail-payments", Static).update("\n".join(lines) or self.t("counter.detail.no_payments"))
        self.query_one("#detail-contributions", Static).update(self._contributions(file))
        self.query_one("#detail-accounts", Static).update(self._accounts(file))
        self.query_one("#detail-benefits", Static).update(self._benefits(file))
        standing_text = self._standing(file)
        panel = self.query_one("#detail-standing", Static)
        panel.update(standing_text)
        panel.display = bool(standing_text)
        panel.set_class(file.standing is not None and file.standing.death_date is not None, "-deceased")

    def _enrolment_state(self, file: ResidentFile, insurance: str, scheme: str, status: str) -> str:
        """`` (ended 2026-01)`` / `` (suspended)`` after an enrolment that is not current."""
        if status == "active":
            return ""
        end = next((e.end_date for e in (file.standing.enrolments if file.standing else ())
                    if (e.insurance, e.scheme, e.status) == (insurance, scheme, status) and e.end_date), None)
        return self.t(f"fix15counter.standing.enrolment_{'ended' if status == 'ended' else 'suspended'}",
                      date=f"{end:%Y-%m-%d}" if end else "-")

    def _standing(self, file: ResidentFile) -> str:
        """已死亡 (date), every benefit not in payment with its reason, the overpayment to recover."""
        vital = file.standing
        if vital is None:
            return ""
        yuan = self.t("counter.yuan")
        lines = []
        if vital.death_date is not None:
            lines.append(self.t("fix15counter.standing.deceased", date=f"{vital.death_date:%Y-%m-%d}"))
        for b in vital.benefits:
            if b.status == "in_payment" and not b.overpaid_fen:
                continue
            reason = self.t(f"fix15counter.standing.reason.{b.reason}") if b.reason else ""
            if reason.startswith("fix15counter."):
                reason = self.t("fix15counter.standing.reason.other", reason=b.reason)
            lines.append(self.t("fix15counter.standing.benefit",
                                kind=self._label(f"resident.benefit_type.{b.kind}", b.kind),
                                status=self._label(f"fix15counter.standing.status.{b.status}", b.status),
                                reason=reason,
                                until=self.t("fix15counter.standing.until", month=f"{b.end_month:%Y-%m}")
                                if b.end_month else ""))
            if b.overpaid_fen:
                lines.append(self.t("fix15counter.standing.overpaid",
                                    months=names.join(self.host, list(b.overpaid_months)) or "-",
                                    amount=f"{format_yuan(b.overpaid_fen)}{yuan}"))
        return "\n".join(lines)

    def _label(self, key: str, fallback: str) -> str:
        """A catalog label, or the code itself when the catalog has none (never a raw key)."""
        text = self.t(key)
        return fallback if text == key else text

    def _contributions(self, file: ResidentFile, years: int = 6) -> str:
        """Totals (months paid towards a pension, months and years missing), then the latest years."""
        history = file.history
        if history is None or not history.years:
            return self.t("counterdesk.records.no_contributions")
        yuan = self.t("counter.yuan")
        lines = [self.t("counterdesk.records.totals", months=history.total_pension_months,
                        missing=history.missing_months, missing_years=history.missing_years)]
        for year in history.years[:years]:
            if not year.rows:
                lines.append(self.t("counterdesk.records.year_none", year=year.year, n=len(year.missing))
                             if year.missing else self.t("counterdesk.records.year_unpaid", year=year.year))
                continue
            insurances = sorted({self._label(f"counterdesk.insurance.{r.insurance}", r.insurance) for r in year.rows})
            lines.append(self.t("counterdesk.records.year", year=year.year, months=year.pension_months,
                                individual=f"{format_yuan(year.individual_fen)}{yuan}",
                                employer=f"{format_yuan(year.employer_fen)}{yuan}",
                                insurances=names.join(self.host, insurances) or "-")
                         + (self.t("counterdesk.records.year_missing", n=len(year.missing)) if year.missing
                            else self.t("counterdesk.records.year_unpaid_part") if year.unpaid else ""))
        if len(history.years) > years:
            lines.append(self.t("counterdesk.records.more_years", n=len(history.years) - years))
        return "\n".join(lines)

    def _accounts(self, file: ResidentFile) -> str:
        yuan = self.t("counter.yuan")
        lines = [self.t("counterdesk.records.account", kind=self._label(f"resident.account_kind.{a.kind}", a.kind),
                        amount=f"{format_yuan(a.balance_fen)}{yuan}", opened=f"{a.opened_on:%Y-%m-%d}",
                        entries=len(a.entries)) for a in file.accounts]
        return "\n".join(lines) or self.t("counterdesk.records.no_accounts")

    def _benefits(self, file: ResidentFile, rows: int = 6) -> str:
        yuan = self.t("counter.yuan")
        overpaid = {(b.kind, month) for b in (file.standing.benefits if file.standing else ())
                    for month in b.overpaid_months}
        lines = [self.t("counterdesk.records.benefit", period=f"{b.period:%Y-%m}",
                        kind=self._label(f"resident.benefit_type.{b.benefit_type}", b.benefit_type),
                        amount=f"{format_yuan(b.amount_fen)}{yuan}", paid=f"{b.paid_on:%Y-%m-%d}")
                 + (self.t("fix15counter.standing.overpaid_mark") if (b.benefit_type, f"{b.period:%Y-%m}") in overpaid
                    else "")
                 for b in file.benefits[:rows]]
        if len(file.benefits) > rows:
            lines.append(self.t("counterdesk.records.more_benefits", n=len(file.benefits) - rows,
                                total=f"{format_yuan(sum(b.amount_fen for b in file.benefits))}{yuan}"))
        return "\n".join(lines) or self.t("counterdesk.records.no_benefits")

    def _purpose(self, purpose: str) -> str:
        key = f"counter.purpose.{purpose.split(':', 1)[0]}"
        text = self.t(key)
        return purpose if text == key else text

    def _identity_text(self) -> str:
        r = self.resident
        name, id_number, phone = ((r.name, r.id_number, r.phone) if self.revealed
                                  else (r.masked_name, r.masked_id, r.masked_phone))
        card = (self.t("counter.detail.card", number=r.card.card_number, status=names.card_status(self.host, r.card.status, r.card.status_name)) if r.card
                else self.t("counter.detail.no_card"))
        vital = self._file.standing if self._file is not None else None
        if r.card and r.card.status == "active" and vital is not None and vital.death_date is not None:
            card += self.t("fix15counter.standing.card_of_deceased")  # 死亡注销 does not cancel the card (yet)
        sex = self.t(f"counter.sex.{r.sex}") if r.sex in ("male", "female") else r.sex
        lines = [
            self.t("counter.detail.identity", name=name, id=id_number, sex=sex, age=r.age),
            self.t("counter.detail.contact", phone=phone or "-", village=r.village or "-", hukou=r.hukou_region or r.hukou or "-"),  # 户籍地; 户口性质 of old rows
            card,
        ]
        if self.revealed:
            lines.append(self.t("counter.detail.revealed", seconds=int(self.reveal_seconds)))
        return "\n".join(lines)

    # -- actions ------------------------------------------------------------------

    def choose(self, choice: str) -> None:
        if choice == "applications":
            # ↑↓ choose a row, Enter opens it (on_data_table_row_selected).
            table = self.query_one("#detail-applications", DataTable)
            table.focus()
            table.scroll_visible()
        elif choice == "reveal":
            self.ask_reveal()
        elif choice == "accept":
            from screens.counter.accept import start_accept

            start_accept(self.app, self.resident)
        elif choice == "payment":
            from screens.counter.payment import PaymentScreen

            self.app.push_screen(PaymentScreen(self.resident))
        elif choice == "certificate":
            from screens.counter.certificate import CertificateScreen  # 参保证明 (issue 15)

            self.app.push_screen(CertificateScreen(self.resident))
        elif choice == "info_change":
            from screens.counter.info_change import open_info_change  # 信息变更 and its history (issue 15.2)

            open_info_change(self, self.resident)
        elif choice == "service_password":
            from screens.counter.service_password import CounterPasswordScreen

            self.app.push_screen(CounterPasswordScreen(self.resident))
        elif choice in ("certify", "deceased"):
            from screens.counter import lifecycle as lifecycle_actions  # 资格认证 / 死亡注销 (issue 15)

            (lifecycle_actions.certify if choice == "certify" else lifecycle_actions.record_death)(self, self.resident)

    def ask_reveal(self) -> None:
        """Key 9: the counter's confirmation (screens.counter.keys); only ``+`` reveals."""
        from screens.counter.keys import ConfirmActionModal

        def answered(ok: bool | None) -> None:
            if ok:
                self.reveal()
            else:
                self.say(self.t("counter_reads.reveal.cancelled"))

        self.app.push_screen(ConfirmActionModal(self.t("counter_reads.reveal.title"),
                                                [self.t("counter_reads.reveal.what", name=self.resident.masked_name)]), answered)

    def reveal(self) -> None:
        """Show full name, ID and phone for ``reveal_seconds``, then mask again.

        The reveal is audited first (who looked at whose full data); the data
        appears only once that entry is written.
        """
        ctx, resident_id = self.host.ctx, self.resident.id
        self.run_service(lambda: staff_service.audit_reveal(ctx, resident_id, reason="counter_detail"),
                         self._revealed,
                         lambda message: self.say(message, "error"))

    def _revealed(self, _: None) -> None:
        self.revealed = True
        self.query_one("#detail-identity", Static).update(self._identity_text())
        if self._hide_timer is not None:
            self._hide_timer.stop()
        self._hide_timer = self.set_timer(self.reveal_seconds, self.hide)

    def hide(self) -> None:
        self.revealed = False
        self._hide_timer = None
        self.query_one("#detail-identity", Static).update(self._identity_text())

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        from screens.counter.application import ApplicationScreen

        number = event.row_key.value if event.row_key is not None else None
        if number:
            self.app.push_screen(ApplicationScreen(number))
