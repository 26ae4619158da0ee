"""Counter lifecycle actions on a resident (issue 15): 待遇领取资格认证 and 死亡注销.

From the resident detail screen: key 5 certifies (after the clerk has checked
the person; a + confirmation), key 8 records a death: the date is typed in
:class:`DeathDateModal`, the confirmation says what will happen (payments stop
after that month, overpayment named, enrolments end, the account settled),
and only ``+`` records it (:func:`kiosk.services.lifecycle.record_death`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input

from kiosk.rules.money import format_yuan
from kiosk.rules.text import InvalidText, normalise_number
from kiosk.services import lifecycle
from kiosk.services.registration import ResidentInfo
from screens.counter.keys import ConfirmActionModal
from screens.counter.reason import OneInputModal
from screens.widgets.plain import Button, Static


class DeathDateModal(OneInputModal[dt.date]):
    """Asks the date of death (YYYY-MM-DD, from the death certificate); None when cancelled."""

    INPUT_ID = "death-date"
    OK_ID = "death-ok"

    def compose(self) -> ComposeResult:
        with Vertical(id="reason-box", classes="modal-box"):
            yield Static(self.t("lifecycle.death.date_title"), classes="modal-title")
            yield Input(id="death-date", max_length=10, placeholder="YYYY-MM-DD")
            yield Static("", id="death-message")
            with Horizontal(classes="button-row"):
                yield Button(self.t("counter.confirm"), id="death-ok")
                yield Button(self.t("counter.cancel"), id="death-cancel")

    def _ok(self) -> None:
        text = self.query_one("#death-date", Input).value
        try:
            digits = normalise_number(text.replace("-", ""))
            day = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8])) if len(digits) == 8 else None
        except (InvalidText, ValueError):
            day = None
        if day is None:
            self.query_one("#death-message", Static).update(self.t("lifecycle.death.bad_date"))
            return
        self.dismiss(day)


def certify(screen: Any, resident: ResidentInfo) -> None:
    """Key 5 on the resident detail: confirm (+), then record the 资格认证."""
    ctx, t = screen.host.ctx, screen.t

    def done(result: lifecycle.CertifyResult) -> None:
        screen.say(t("lifecycle.certify.done", count=result.certified, resumed=len(result.resumed),
                     next=f"{result.next_due:%Y-%m-%d}" if result.next_due else ""), "ok")

    def answered(yes: bool | None) -> None:
        if yes:
            screen.run_service(lambda: lifecycle.certify(ctx, resident.id), done,
                               lambda message: screen.say(message, "error"), writes=True)
        else:
            screen.say(t("counterdesk.confirm.cancelled"))

    screen.app.push_screen(ConfirmActionModal(
        t("lifecycle.certify.title"),
        [t("lifecycle.certify.who", name=resident.masked_name, id=resident.masked_id), t("lifecycle.certify.what")]),
        answered)


def record_death(screen: Any, resident: ResidentInfo) -> None:
    """Key 8 on the resident detail: the date, a confirmation showing what happens (+), then 死亡注销."""
    ctx, t = screen.host.ctx, screen.t

    def done(result: lifecycle.DeathResult) -> None:
        lines = [t("lifecycle.death.done", stopped=len(result.stopped), overpaid=format_yuan(result.overpaid_fen))]
        lines += [t("lifecycle.death.overpaid_line", months="、".join(s.overpaid_months),
                    amount=format_yuan(s.overpaid_fen)) for s in result.stopped if s.overpaid_fen]
        lines.append(t("lifecycle.death.grants", funeral=format_yuan(result.funeral_grant_fen),
                       survivor=format_yuan(result.survivor_fen), inheritable=format_yuan(result.inheritable_fen)))
        screen.say("\n".join(lines), "ok")

    def dated(day: dt.date | None) -> None:
        if day is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                screen.run_service(lambda: lifecycle.record_death(ctx, resident.id, day), done,
                                   lambda message: screen.say(message, "error"), writes=True)
            else:
                screen.say(t("counterdesk.confirm.cancelled"))

        screen.app.push_screen(ConfirmActionModal(
            t("lifecycle.death.title"),
            [t("lifecycle.certify.who", name=resident.masked_name, id=resident.masked_id),
             t("lifecycle.death.what", date=day.isoformat())]), answered)

    screen.app.push_screen(DeathDateModal(), dated)
