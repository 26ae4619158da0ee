"""待遇按月发放 (supervisor, issue 15): preview a month's run — payments, total, what is not
paid and why — then post it with a confirmation that needs the second key ``+``
(:class:`screens.counter.keys.ConfirmActionModal`). Reached from the counter home
menu (key 9, supervisors only). Names and ID numbers are masked on the screen; the
full ones go only into the 代发文件 (mode 0600)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal

from kiosk.rules.identity import mask_id_number, mask_name
from kiosk.rules.money import format_yuan
from kiosk.rules.retirement import add_months
from kiosk.services import benefit_run
from kiosk.services.benefit_run import Line, RunResult
from screens.counter import session as counter_session
from screens.counter.base import CounterScreen
from screens.counter.keys import ConfirmActionModal
from screens.widgets.menu import MenuButton
from screens.widgets.plain import DataTable, Static


def is_supervisor(host: object) -> bool:
    session = counter_session.current(host)
    return session is not None and session.staff.is_supervisor


class BenefitRunScreen(CounterScreen):
    """One month's run: 1 preview, 2/3 previous/next month, 4 post (then ``+`` to confirm)."""

    TITLE_KEY = "lifecycle.run.title"

    def __init__(self, month: dt.date | None = None, out: Path | None = None) -> None:
        super().__init__()
        self.month = month
        self.out = out
        self.result: RunResult | None = None

    def body(self) -> ComposeResult:
        yield Static("", id="run-summary")
        yield DataTable(id="run-lines", cursor_type="row", zebra_stripes=True)
        with Horizontal(classes="action-row"):
            yield MenuButton("1", self.t("lifecycle.run.preview"), "preview")
            yield MenuButton("2", self.t("lifecycle.run.previous"), "previous")
            yield MenuButton("3", self.t("lifecycle.run.next"), "next")
            yield MenuButton("4", self.t("lifecycle.run.post"), "post")

    def on_mount(self) -> None:
        if self.month is None:
            self.month = self.host.ctx.today().replace(day=1)
        table = self.query_one("#run-lines", DataTable)
        for column in self.t("lifecycle.run.columns").split("|"):
            table.add_column(column)
        self.preview()

    def choose(self, choice: str) -> None:
        assert self.month is not None
        if choice == "preview":
            self.preview()
        elif choice in ("previous", "next"):
            self.month = add_months(self.month, -1 if choice == "previous" else 1)
            self.preview()
        elif choice == "post":
            self.confirm()

    def _note(self, line: Line, month: dt.date) -> str:
        """Which months a line covers besides this month (补发, 调整补差), in the screen's
        language (``Line.note`` is the disbursement file's Chinese)."""
        parts = [f"{item.period:%Y-%m} " + self.t("lifecycle.payment.arrears" if item.kind == "arrears"
                                                   else "maint17.back_pay")
                 for item in line.items if not (item.period == month and item.kind == "monthly")]
        return self.t("maint17.list_sep_strong").join(parts)

    def preview(self) -> None:
        if not is_supervisor(self.host):
            self.say(self.t("lifecycle.run.supervisor_only"), "error")
            return
        month, ctx = self.month, self.host.ctx
        assert month is not None
        self.result = None
        self.say(self.t("lifecycle.run.loading", month=f"{month:%Y-%m}"))
        self.run_service(lambda: benefit_run.preview(ctx, month), self._show,  # every payee: may be long
                         lambda message: self.say(self.t("lifecycle.run.failed", error=message), "error"))

    def _reasons(self, skipped: dict[str, int]) -> str:
        if not skipped:
            return self.t("lifecycle.run.skipped_none")
        parts = [f"{self.t(f'lifecycle.reason.{reason}')} {count}" for reason, count in sorted(skipped.items())]
        return self.t("lifecycle.run.skipped", reasons=self.t("maint17.list_sep_strong").join(parts))

    def _show(self, result: RunResult) -> None:
        self.result = result
        month = f"{result.month:%Y-%m}"
        table = self.query_one("#run-lines", DataTable)
        table.clear()
        if result.already:
            self.query_one("#run-summary", Static).update(self.t("lifecycle.run.already", month=month))
            self.say(self.t("lifecycle.run.already", month=month), "info")
            return
        for line in result.lines:
            table.add_row(mask_name(line.name), mask_id_number(line.id_number),
                          self.t(f"lifecycle.kind.{line.benefit_type}"), format_yuan(line.amount_fen),
                          self._note(line, result.month))
        summary = self.t("lifecycle.run.summary", month=month, paid=result.paid, total=format_yuan(result.total_fen))
        self.query_one("#run-summary", Static).update(
            "\n".join([summary, self._reasons(result.skipped), *self._policy_lines(result)]))
        self.say(summary if result.paid else self.t("lifecycle.run.nothing", month=month),
                 "info" if result.paid else "ok")

    def _label(self, label: str) -> str:
        # A policy label is stored as "<file> 版本<effective date>" (benefit_run.policy_used).
        name, mark, effective = label.rpartition(" 版本")
        return self.t("fix17text.run.label", file=name, effective=effective) if mark else label

    def _policy_lines(self, result: RunResult) -> list[str]:
        """The policy the run uses (file, version, hash) and, when it differs from the previous
        run's, the note naming both (a raise paid as 调整补差 is never silent)."""
        lines = []
        if result.policy is not None:
            lines.append(self.t("fix17text.run.policy", label=self._label(result.policy.label),
                                digest=result.policy.digest[:12]))
        change = result.policy_change
        if change is not None:
            lines.append(self.t("fix17text.run.policy_changed", label=self._label(change.label),
                                digest=change.digest[:12], month=f"{change.month:%Y-%m}",
                                before=self._label(change.before_label), before_digest=change.before_digest[:12]))
        return lines

    def out_path(self, month: dt.date) -> Path:
        """The 代发文件: the one given, else ``[payment] disbursement_dir`` (or the data folder)."""
        if self.out is not None:
            return self.out
        folder = self.host.settings.payment.disbursement_dir
        return benefit_run.default_path(month, folder or None)

    def confirm(self) -> None:
        result = self.result
        if result is None or result.already or not result.paid or not is_supervisor(self.host):
            if result is not None and result.already:
                self.say(self.t("lifecycle.run.already", month=f"{result.month:%Y-%m}"), "info")
            return
        out = self.out_path(result.month)
        month = f"{result.month:%Y-%m}"
        lines = [self.t("lifecycle.run.confirm_paid", paid=result.paid, total=format_yuan(result.total_fen)),
                 self._reasons(result.skipped), *self._policy_lines(result),
                 self.t("lifecycle.run.confirm_file", file=str(out)), self.t("lifecycle.run.confirm_note")]

        def answered(yes: bool | None) -> None:
            if yes:
                self.post(result.month, out)
            else:
                self.say(self.t("counterdesk.confirm.cancelled"))

        self.app.push_screen(ConfirmActionModal(self.t("lifecycle.run.confirm_title", month=month), lines), answered)

    def post(self, month: dt.date, out: Path) -> None:
        ctx = self.host.ctx

        def done(result: RunResult) -> None:
            if result.already:
                self.say(self.t("lifecycle.run.already", month=f"{month:%Y-%m}"), "info")
                return
            self.result = RunResult(result.month, 0, 0, {}, result.file, posted=True, already=True)
            self.say(self.t("lifecycle.run.posted", month=f"{month:%Y-%m}", paid=result.paid,
                            total=format_yuan(result.total_fen), file=result.file or ""), "ok")

        self.run_service(lambda: benefit_run.post(ctx, month, out), done,
                         lambda message: self.say(self.t("lifecycle.run.failed", error=message), "error"),
                         writes=True)
