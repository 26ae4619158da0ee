"""基金稽核 (supervisor): the rule audit's findings by kind; Enter opens the record
(the application, else the resident's detail), 2 marks the selected finding explained
with a reason (audited), so the next audit lists it as known. Reached from the counter
home menu (key 8, supervisors only)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.coordinate import Coordinate

from kiosk.services import registration
from kiosk.services import rule_audit as audit_service
from kiosk.services.rule_audit import Finding, Report
from screens.counter import session as counter_session
from screens.counter.base import CounterScreen
from screens.widgets.menu import MenuButton
from screens.widgets.plain import DataTable, Static


def is_supervisor(host: object) -> bool:
    """Whether the logged-in staff member may run the audit."""
    session = counter_session.current(host)
    return session is not None and session.staff.is_supervisor


class RuleAuditScreen(CounterScreen):
    """Findings of ``kiosk audit rules``: new ones first by kind, then the explained ones."""

    TITLE_KEY = "ruleaudit.screen.title"

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, Finding] = {}
        self.notice = ""

    def body(self) -> ComposeResult:
        yield Static("", id="audit-summary")
        yield DataTable(id="findings", cursor_type="row", zebra_stripes=True)
        with Horizontal(classes="action-row"):
            yield MenuButton("1", self.t("counter.worklist.refresh"), "refresh")
            yield MenuButton("2", self.t("ruleaudit.screen.explain"), "explain")

    def on_mount(self) -> None:
        table = self.query_one("#findings", DataTable)
        for column in self.t("ruleaudit.screen.columns").split("|"):
            table.add_column(column)
        table.add_column("")
        if not is_supervisor(self.host):
            self.say(self.t("ruleaudit.screen.supervisor_only"), "error")
            return
        self.reload()

    def reload(self) -> None:
        if not is_supervisor(self.host):
            self.say(self.t("ruleaudit.screen.supervisor_only"), "error")
            return
        ctx, language = self.host.ctx, self.host.settings.terminal.language

        def run() -> Report:
            report = audit_service.run_audit(ctx, language=language)
            audit_service.record_audit_look(ctx, report)
            return report

        self.say(self.t("ruleaudit.screen.running"))
        self.run_service(run, self._show, lambda message: self.say(
            self.t("ruleaudit.screen.failed", error=message), "error"), writes=True)

    def _show(self, report: Report) -> None:
        table = self.query_one("#findings", DataTable)
        table.clear()
        self.rows.clear()
        for finding in (*report.findings, *report.known):
            key = f"{finding.kind}:{finding.table}:{finding.id}"
            self.rows[key] = finding
            tag = self.t("ruleaudit.screen.known_tag" if finding.known else "ruleaudit.screen.new_tag")
            table.add_row(self.t(f"ruleaudit.kind.{finding.kind}"), f"{finding.table}#{finding.id}",
                          finding.reference, finding.resident,
                          finding.explanation if finding.known else finding.detail, tag, key=key)
        kinds = self.t("maint17.list_sep_strong").join(self.t("ruleaudit.screen.kind_row", name=self.t(f"ruleaudit.kind.{kind}"), count=count)
                         for kind, count in report.by_kind.items())
        summary = self.t("ruleaudit.screen.summary", checked=report.checked, new=len(report.findings),
                         known=len(report.known))
        self.query_one("#audit-summary", Static).update(f"{summary}\n{kinds}" if kinds else summary)
        if self.notice:  # what the last action did, kept over the reload it caused
            self.say(self.notice, "ok")
            self.notice = ""
        else:
            self.say(self.t("ruleaudit.screen.clean") if not report.findings else self.t("ruleaudit.screen.open"),
                     "ok" if not report.findings else "info")
        if self.rows:
            table.focus()

    def selected(self) -> Finding | None:
        table = self.query_one("#findings", DataTable)
        if not self.rows or table.cursor_row < 0:
            return None
        key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        return self.rows.get(str(key)) if key is not None else None

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        finding = self.rows.get(str(event.row_key.value)) if event.row_key is not None else None
        if finding is not None:
            self.open_record(finding)

    def open_record(self, finding: Finding) -> None:
        """The application the finding names, else the resident's detail (a look that screen audits)."""
        if finding.reference.startswith("SQ"):
            from screens.counter.application import ApplicationScreen

            self.app.push_screen(ApplicationScreen(finding.reference))
            return
        if finding.resident_id is None:
            return
        from screens.counter.resident_detail import ResidentDetailScreen

        ctx, resident_id = self.host.ctx, finding.resident_id

        def opened(resident: registration.ResidentInfo) -> None:
            self.app.push_screen(ResidentDetailScreen(resident))

        self.run_service(lambda: registration.get_resident(ctx, resident_id), opened,
                         lambda message: self.say(message, "error"))

    def choose(self, choice: str) -> None:
        if choice == "refresh":
            self.reload()
        elif choice == "explain":
            self.explain()

    def explain(self) -> None:
        from screens.counter.reason import ReasonModal

        finding = self.selected()
        if finding is None or finding.known:
            return
        ctx = self.host.ctx

        def save(reason: str | None) -> None:
            if not reason:
                return
            self.run_service(lambda: audit_service.explain(ctx, finding.kind, finding.table, finding.id, reason),
                             lambda _: self._explained(finding), lambda message: self.say(message, "error"),
                             writes=True)

        self.app.push_screen(ReasonModal(self.t("ruleaudit.screen.explain_action")), save)

    def _explained(self, finding: Finding) -> None:
        self.notice = self.t("ruleaudit.screen.explained", kind=self.t(f"ruleaudit.kind.{finding.kind}"),
                             table=finding.table, id=finding.id)
        self.reload()
