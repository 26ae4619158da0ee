"""待办: applications still in progress, oldest waiting longest at the bottom;
Enter opens one. Supervisors get their review queue (screens.staff.review)
behind key 2."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.containers import Horizontal

from kiosk.services import ServiceContext
from kiosk.services import applications as application_service
from kiosk.services.applications import ApplicationInfo
from screens.counter import names
from screens.counter import session as counter_session
from screens.counter.base import CounterScreen
from screens.counter.resident_detail import local_time
from screens.widgets.menu import MenuButton
from screens.widgets.plain import DataTable


class WorklistScreen(CounterScreen):
    """Open applications of the hall, newest first."""

    TITLE_KEY = "counter.worklist.title"
    EMPTY_KEY = "counter.worklist.empty"

    def loader(self, ctx: ServiceContext) -> Callable[[], list[ApplicationInfo]]:
        return lambda: application_service.list_applications(ctx, open_only=True, limit=200)

    def body(self) -> ComposeResult:
        yield DataTable(id="worklist", cursor_type="row", zebra_stripes=True)
        with Horizontal(classes="action-row"):
            yield MenuButton("1", self.t("counter.worklist.refresh"), "refresh")
            session = counter_session.current(self.host)
            if session is not None and session.staff.is_supervisor and type(self) is WorklistScreen:
                yield MenuButton("2", self.t("counter.worklist.review"), "review")

    def on_mount(self) -> None:
        self.query_one("#worklist", DataTable).add_columns(
            self.t("counter.col.number"), self.t("counter.col.type"), self.t("counter.col.name"),
            self.t("counter.col.status"), self.t("counter.col.created"))

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.run_service(self.loader(self.host.ctx), self._show, lambda message: self.say(message, "error"))

    def _show(self, items: list[ApplicationInfo]) -> None:
        table = self.query_one("#worklist", DataTable)
        table.clear()
        for info in items:
            table.add_row(info.number, names.type_name(self.host, info.type, info.type_name), info.masked_name,
                          names.status_name(self.host, info.type, info.status, info.status_name),
                          local_time(self.host.ctx, info.created_at), key=info.number)
        self.say(self.t(self.EMPTY_KEY) if not items else self.t("counter.worklist.count", count=len(items)))
        if items:
            table.focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        from screens.counter.application import ApplicationScreen

        if event.row_key is not None and event.row_key.value:
            self.app.push_screen(ApplicationScreen(event.row_key.value))

    def choose(self, choice: str) -> None:
        if choice == "refresh":
            self.reload()
        elif choice == "review":
            from screens.staff.review import ReviewQueueScreen

            self.app.push_screen(ReviewQueueScreen())
