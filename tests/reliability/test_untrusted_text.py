"""Text from people and from the database is data, never markup (issue 19.1).

Payloads that Textual would read as markup (an action link that quits or
writes a screenshot over the database, unbalanced tags, links, Rich emoji
codes) are typed into the kiosk's free-text fields and stored as residents'
names and addresses. On every screen walked — self-service (attract, guide
search, identify, resident home, the transfer wizard's typed region,
confirm), counter (login, find, resident detail, reveal) and the display
board — the app keeps running, the literal text is on screen where it is
shown, clicking it does nothing, and no file in the working folder changes.
The stored-name parts run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import ast
import datetime as dt
import hashlib
import html
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import peewee
import pytest
from rich.console import Console
from textual.app import App, ComposeResult
from textual.content import Content
from textual.widgets import Input
from textual.worker import WorkerFailed

from db.models import QueueCategory, Resident, Staff
from kiosk.app import KioskApp, make_app
from kiosk.clock import FixedClock
from kiosk.config import Settings
from kiosk.services import ServiceContext, ServiceError, queue, residents
from screens.counter.home import CounterHomeScreen
from screens.counter.keys import ConfirmActionModal
from screens.counter.resident_detail import ResidentDetailScreen
from screens.resident.apply_common import ApplyDraft
from screens.resident.apply_confirm import ApplyConfirmScreen
from screens.resident.apply_transfer import TransferRegionScreen
from screens.widgets.menu import MenuButton
from screens.widgets.plain import Button, DataTable, Label, Static
from tests.reliability.kiosk_pilot import all_text
from tests.screens.counter.helpers import id_number, make_counter_app, staff, until
from tests.screens.counter.test_every_type import fast_login
from tests.services.resident_factory import LI_ID, Seeded, seed_residents
from tests.support import RecordingPrinter, seeded_sqlite

PAYLOADS = (
    "[@click=app.quit]x[/]",
    "[@click=app.screenshot('kiosk.db','.')]x",
    "[/]",
    "广东[/]",
    "[link=https://x]x[/link]",
    "[b]",
    "[",
    "]]",
    ":warning: :smiley:",
    "[@click=app.quit]点我[/]",
)
ROOT = Path(__file__).resolve().parents[2]
MARKUP_WIDGETS = {"Static", "Label", "Button", "DataTable"}


# -- the one place: no screen builds a markup-reading widget ----------------------------

def _python_files() -> Iterator[Path]:
    yield ROOT / "kiosk" / "app.py"
    for path in sorted((ROOT / "screens").rglob("*.py")):
        if path.name != "plain.py":
            yield path


@pytest.mark.parametrize("path", list(_python_files()), ids=lambda p: str(p.relative_to(ROOT)))
def test_screens_use_the_plain_text_widgets(path: Path) -> None:
    """No screen builds (or subclasses) Textual's markup-reading Static, Label, Button or
    DataTable; importing one for an isinstance check is fine. Nothing turns markup on."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    markup_reading: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("textual.widgets"):
            markup_reading |= {alias.asname or alias.name for alias in node.names if alias.name in MARKUP_WIDGETS}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in markup_reading, \
                f"{path.name}:{node.lineno} builds textual's {node.func.id} (use screens.widgets.plain)"
        if isinstance(node, ast.ClassDef):
            bases = {b.id for b in node.bases if isinstance(b, ast.Name)}
            assert not bases & markup_reading, f"{path.name}:{node.lineno} subclasses textual's {bases}"
        if isinstance(node, ast.keyword) and node.arg == "markup":
            assert isinstance(node.value, ast.Constant) and node.value.value is False, \
                f"{path.name}:{node.lineno} turns markup on"


class _Widgets(App[None]):
    def compose(self) -> ComposeResult:
        for n, payload in enumerate(PAYLOADS):
            yield Static(payload, id=f"static-{n}")
            yield Label(payload)
            yield Button(payload)
        table: DataTable[Any] = DataTable()
        yield table


async def test_plain_widgets_show_every_payload_literally() -> None:
    app = _Widgets()
    async with app.run_test(size=(120, 60)) as pilot:
        table = app.query_one(DataTable)
        table.add_column(PAYLOADS[0])
        for payload in PAYLOADS:
            table.add_row(payload)
        for n, payload in enumerate(PAYLOADS):
            static = app.query_one(f"#static-{n}", Static)
            static.update(payload)
            assert str(static.render()) == payload
        for button in app.query(Button):
            assert isinstance(button.label, Content) and str(button.label) in PAYLOADS
            assert not button.label.spans  # no style, no @click, no link
        assert [str(table.get_row_at(i)[0]) for i in range(table.row_count)] == list(PAYLOADS)
        await pilot.pause()
        for n in range(len(PAYLOADS)):
            await pilot.click(f"#static-{n}")
        await pilot.pause()
        assert app.is_running


# -- the real kiosk --------------------------------------------------------------------

async def test_kiosk_notifications_show_every_payload_literally(tmp_path: Path, clock: FixedClock) -> None:
    from textual.widgets._toast import Toast

    with seeded_sqlite(tmp_path, clock) as (database, _):
        app = make_app(Settings(source="(test)"), database, RecordingPrinter(), clock)
        async with app.run_test(size=(120, 60), notifications=True) as pilot:
            for payload in PAYLOADS:
                app.notify(payload, timeout=30)
            await pilot.pause(0.3)
            assert app.is_running
            shown = [str(toast.render()) for toast in app.screen.query(Toast)]
            for payload in PAYLOADS:
                assert any(payload in text for text in shown), (payload, shown)


class Folder:
    """The working folder the app runs in: a copy of 'kiosk.db' that must stay as it is."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir()
        (path / "kiosk.db").write_bytes(b"SQLite format 3\x00 sentinel")

    def state(self) -> dict[str, str]:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(self.path.iterdir())}


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Folder:
    work = Folder(tmp_path / "work")
    monkeypatch.chdir(work.path)
    return work


@pytest.fixture
def hostile(database: peewee.Database) -> Seeded:
    """The test residents, 李 named ``[/]x`` with a quitting address, and one resident per payload."""
    return _seed_hostile(database)


@pytest.fixture
def hostile_sqlite(sqlite_database: peewee.Database) -> tuple[peewee.Database, Seeded]:
    """The same on SQLite only: the crawls below walk screens, not storage (the stored
    names are checked on both backends by the walks above)."""
    return sqlite_database, _seed_hostile(sqlite_database)


def _seed_hostile(database: peewee.Database) -> Seeded:
    seeded = seed_residents(database)
    now = dt.datetime(2026, 11, 1, 9, 0)
    with database.atomic():
        Resident.update(name="[/]x", address="[@click=app.quit]点我[/]").where(Resident.id == seeded.li).execute()
        for n, payload in enumerate(PAYLOADS):
            Resident.create(id_number=id_number(dt.date(1960, 1, 1) + dt.timedelta(days=n), f"{n + 1:03d}"),
                            name=payload, sex="female", birth_date=dt.date(1960, 1, 1) + dt.timedelta(days=n),
                            address=payload, created_at=now, updated_at=now)
    return seeded


def _self_app(database: peewee.Database, clock: FixedClock) -> KioskApp:
    return make_app(Settings(source="(test)"), database, RecordingPrinter(), clock)


async def _click_everything_showing(pilot: Any, needle: str) -> int:
    """Click every Static whose text holds ``needle`` (where an action link would sit)."""
    clicked = 0
    for widget in list(pilot.app.screen.query(Static)):
        if needle in str(widget.render()) and widget.region.area:
            await pilot.click(widget, offset=(0, 0))
            await pilot.click(widget, offset=(max(0, widget.region.width // 2), 0))
            clicked += 1
    await pilot.pause()
    return clicked


async def test_self_service_walk_with_payloads(database: peewee.Database, clock: FixedClock, hostile: Seeded,
                                               folder: Folder) -> None:
    before = folder.state()
    app = _self_app(database, clock)
    async with app.run_test(size=(100, 36)) as pilot:
        # Guide search: typed text is shown back literally (as the query).
        for payload in PAYLOADS:
            app.go_home()
            await pilot.pause()
            await pilot.press("f4")
            await until(pilot, lambda: bool(app.screen.query("#guide-search")))
            field = app.screen.query_one("#guide-search", Input)
            field.focus()
            field.value = payload
            await pilot.press("enter")
            await pilot.pause(0.05)
            await app.workers.wait_for_complete()
            assert app.is_running
            await _click_everything_showing(pilot, payload)
        app.go_home()
        await pilot.pause()
        # The identify prompt refuses every payload with a message, and keeps running.
        await pilot.press("f1")
        await pilot.pause()
        for payload in PAYLOADS:
            fields = list(app.screen.query(Input))
            if fields:
                fields[0].focus()
                fields[0].value = payload
                await pilot.press("enter")
                await pilot.pause(0.05)
                await app.workers.wait_for_complete()
            assert app.is_running
        # 李 ([/]x) identified: the home, then the transfer wizard's typed region.
        app.end_session()
        await pilot.pause()
        ctx = ServiceContext(database=database, clock=clock)
        app.start_session(residents.identify(ctx, LI_ID))
        await pilot.pause(0.1)
        assert app.is_running
        assert "[/" in all_text(app)  # the masked name, literally
        for payload in PAYLOADS:
            app.go_home()
            await pilot.pause()
            # The region step directly: the wizard reaches it only for a transfer the service would
            # accept (李 at the kiosk has none: 转出 is applied for at the new place), the field is the same.
            app.push_screen(TransferRegionScreen(ApplyDraft("transfer", {"kind": "employee_interprovincial",
                                                                        "direction": "in"})))
            await until(pilot, lambda: isinstance(app.screen, TransferRegionScreen)
                        and bool(app.screen.query("#apply-region-input")))
            field = app.screen.query_one("#apply-region-input", Input)
            field.focus()
            field.value = payload
            await pilot.press("enter")
            await pilot.pause(0.05)
            assert app.is_running
            if payload.strip("[]/ "):  # a region that says something: the confirm screen quotes it
                await until(pilot, lambda: isinstance(app.screen, ApplyConfirmScreen))
                assert payload in all_text(app)
                assert await _click_everything_showing(pilot, payload) >= 1
            assert app.is_running
    assert app.return_code in (None, 0)
    assert folder.state() == before


async def test_counter_walk_with_payload_names(database: peewee.Database, clock: FixedClock, hostile: Seeded,
                                               folder: Folder) -> None:
    before = folder.state()
    staff(database, clock)
    app = make_counter_app(database, clock)
    async with app.run_test(size=(100, 36)) as pilot:
        await fast_login(pilot, "S001")
        for n, payload in enumerate(PAYLOADS):
            while not isinstance(app.screen, CounterHomeScreen):
                app.pop_screen()
            await pilot.pause()
            await pilot.press("2")
            await until(pilot, lambda: bool(app.screen.query("#find-input")))
            field = app.screen.query_one("#find-input", Input)
            field.value = id_number(dt.date(1960, 1, 1) + dt.timedelta(days=n), f"{n + 1:03d}")
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ResidentDetailScreen))
            await pilot.press("9")  # reveal (asks first: + shows the full name and address)
            await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
            await pilot.press("plus")
            await until(pilot, lambda: bool(getattr(app.screen, "revealed", False)))
            assert payload in all_text(app)
            await _click_everything_showing(pilot, payload)
            assert app.is_running
    assert app.return_code in (None, 0)
    assert folder.state() == before


def _printed(app: KioskApp) -> str:
    """The screen's Statics as a console prints them (the board draws Rich tables into them)."""
    console = Console(file=io.StringIO(), width=200, color_system=None)
    for widget in app.screen.query(Static):
        console.print(widget.content)
    return console.file.getvalue()  # type: ignore[attr-defined]


def _on_screen(app: KioskApp) -> str:
    """The characters of the screen as drawn (from Textual's SVG export)."""
    svg = app.export_screenshot()
    cells = re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S)
    return "".join(html.unescape(re.sub("<[^>]+>", "", cell)) for cell in cells).replace("\xa0", " ")


async def test_board_with_payload_names(database: peewee.Database, clock: FixedClock, hostile: Seeded,
                                        folder: Folder) -> None:
    before = folder.state()
    staff(database, clock)
    ctx = ServiceContext(database=database, clock=clock)
    clerk = ctx.as_staff(Staff.get(Staff.number == "S001").id, "S001")
    categories = queue.list_categories(ctx)
    for name in ("[@click=app.quit]点我[/]", "[link=https://x]x[/link]", "广东[/]", ":warning: :smiley:"):
        resident = Resident.get(Resident.name == name)
        queue.take_ticket(ctx, categories[0].prefix, resident.id)
    # A category name is data too (set by an administrator); people still wait in it.
    CATEGORY = "[@click=app.quit]综合[/]"
    QueueCategory.update(name_zh=CATEGORY).where(QueueCategory.prefix == categories[0].prefix).execute()
    for _ in range(3):
        queue.take_ticket(ctx, categories[0].prefix)
    called = []
    for _ in range(4):  # recent calls on the board: called, then marked absent
        called.append(queue.call_next(clerk, 1))
        queue.no_show(clerk, 1)
    app = make_app(Settings(source="(test)"), database, RecordingPrinter(), clock, mode="display")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.3)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running
        shown = _printed(app)
        assert all(ticket.code in shown for ticket in called)
        assert all(ticket.masked_name in shown for ticket in called)
        assert CATEGORY in shown
        assert CATEGORY in _on_screen(app)  # drawn, as typed, and its row with it
        for table in app.screen.query(DataTable):
            await pilot.click(table)
        await pilot.pause()
        assert app.is_running
    assert app.return_code in (None, 0)
    assert folder.state() == before


# -- every screen reachable by numbered choices, every field -----------------------------

SKIP_CHOICES = {"logout", "exit", "back", "home"}


class Crawl:
    """Visit every screen reachable from the current one by its numbered choices
    (each kind of screen expanded once), type every payload into every enabled
    field and submit it, click what shows it, and come back."""

    def __init__(self, pilot: Any, depth: int = 4) -> None:
        self.pilot = pilot
        self.app: KioskApp = pilot.app
        self.depth = depth
        self.expanded: set[str] = set()
        self.filled: set[str] = set()
        self.screens: set[str] = set()
        self.shown_literally = 0

    async def settle(self) -> None:
        await self.pilot.pause(0.05)
        try:
            await self.app.workers.wait_for_complete()
        except WorkerFailed as failed:
            # A refusal (a wizard asking the service first) ends its worker with a ServiceError,
            # which run_service shows as a message; anything else is a real failure.
            if not isinstance(failed.error, ServiceError):
                raise
        await self.pilot.pause()
        assert self.app.is_running, "the app ended"

    async def back_to(self, screen: Any, height: int) -> bool:
        """Pop what a choice or a submit opened; False when ``screen`` is gone (session ended)."""
        while len(self.app.screen_stack) > height:
            self.app.pop_screen()
            await self.pilot.pause()
        return self.app.screen is screen

    async def fill(self, screen: Any, height: int) -> bool:
        name = type(screen).__name__
        if name in self.filled:
            return True
        self.filled.add(name)
        for index in range(len(list(screen.query(Input)))):
            for payload in PAYLOADS:
                fields = [f for f in screen.query(Input) if not f.disabled and f.display]
                if index >= len(fields):
                    break
                fields[index].focus()
                fields[index].value = payload
                await self.pilot.press("enter")
                await self.settle()
                if payload.strip("[]/: ") and payload in all_text(self.app):
                    self.shown_literally += 1
                    await _click_everything_showing(self.pilot, payload)
                    await self.settle()
                if not await self.back_to(screen, height):
                    return False
        return True

    async def visit(self, depth: int) -> None:
        app = self.app
        screen, height = app.screen, len(app.screen_stack)
        self.screens.add(type(screen).__name__)
        if not await self.fill(screen, height):
            return
        name = type(screen).__name__
        if depth == 0 or name in self.expanded:
            return
        self.expanded.add(name)
        choices = [b.choice for b in screen.query(MenuButton) if b.choice not in SKIP_CHOICES]
        for choice in choices:
            buttons = [b for b in screen.query(MenuButton) if b.choice == choice and not b.disabled]
            if not buttons:
                continue
            buttons[0].press()
            await self.settle()
            if len(app.screen_stack) > height:
                await self.visit(depth - 1)
            if not await self.back_to(screen, height):
                return


async def test_crawl_every_self_service_screen(hostile_sqlite: tuple[peewee.Database, Seeded], clock: FixedClock,
                                               folder: Folder) -> None:
    database = hostile_sqlite[0]
    before = folder.state()
    app = _self_app(database, clock)
    async with app.run_test(size=(100, 36)) as pilot:
        crawl = Crawl(pilot)
        await crawl.visit(3)  # attract, guide, ticket, identify, password ... without a resident
        app.start_session(residents.identify(ServiceContext(database=database, clock=clock), LI_ID))
        await crawl.settle()
        crawl.expanded.clear()
        await crawl.visit(4)  # the resident's home, views and every 办理 wizard
        assert app.is_running
    assert {"AttractScreen", "GuideScreen", "IdentifyScreen", "TicketScreen", "ResidentHomeScreen", "EnrolmentsScreen",
            "YearsScreen", "YearDetailScreen", "AccountScreen", "BenefitsScreen", "ProgressScreen", "EstimateScreen",
            "StatementScreen", "ApplyMenuScreen", "BenefitTypeScreen", "EnrolScreen",
            "ApplyConfirmScreen"} <= crawl.screens, crawl.screens
    # The guide search quotes what was typed (7 payloads say something). The transfer's region step
    # is no longer reached by 李's choices (the service refuses every transfer of hers when the
    # direction is chosen); test_self_service_walk_with_payloads types every payload there.
    assert crawl.shown_literally >= 7
    assert app.return_code in (None, 0)
    assert folder.state() == before


@pytest.mark.parametrize("start", ["home", "resident"])
async def test_crawl_every_counter_screen(hostile_sqlite: tuple[peewee.Database, Seeded], clock: FixedClock,
                                          folder: Folder, start: str) -> None:
    """Two tests (the suite's longest as one): from the counter's home, and from a resident
    named with a payload (detail, reveal, acceptance of every type, payment)."""
    database = hostile_sqlite[0]
    before = folder.state()
    staff(database, clock)
    app = make_counter_app(database, clock)
    async with app.run_test(size=(100, 36)) as pilot:
        crawl = Crawl(pilot)
        if start == "home":
            await crawl.visit(0)  # the login fields
            for field in app.screen.query(Input):
                field.value = ""
            app.screen.query_one("#staff-number", Input).focus()
            await pilot.pause()
        await fast_login(pilot, "S001")
        if start == "home":
            await crawl.visit(4)  # queue console, registration, worklist, reprint ...
            expected = {"LoginScreen", "CounterHomeScreen", "QueueConsoleScreen", "RegisterResidentScreen",
                        "WorklistScreen", "ReprintScreen", "FindResidentModal"}
        else:
            await pilot.press("2")
            await until(pilot, lambda: bool(app.screen.query("#find-input")))
            app.screen.query_one("#find-input", Input).value = id_number(dt.date(1960, 1, 1), "001")
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ResidentDetailScreen))
            await crawl.visit(4)
            expected = {"ResidentDetailScreen", "AcceptTypeScreen", "MaterialsScreen", "PaymentScreen"}
        assert app.is_running
    assert expected <= crawl.screens, crawl.screens
    assert crawl.shown_literally > 0
    assert app.return_code in (None, 0)
    assert folder.state() == before
