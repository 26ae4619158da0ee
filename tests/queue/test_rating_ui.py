"""Satisfaction rating in the UI (Pilot): by scanning a ticket's code on the
kiosk's attract screen; 办结 at the counter console opens no rating there."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import peewee
from textual.pilot import Pilot
from textual.widgets import Static

from db.models import Rating, Ticket
from kiosk.app import KioskApp
from kiosk.clock import FixedClock
from kiosk.config import Settings
from kiosk.rules.codes import ticket_code
from kiosk.services import ServiceContext
from kiosk.services import queue as q
from screens.counter.queue_console import QueueConsoleScreen
from screens.resident.attract import AttractScreen
from screens.resident.rate import TicketRatingScreen
from screens.widgets.rating import RatingModal
from tests.screens.conftest import make_kiosk, printer, seeded_db  # noqa: F401  (fixtures)
from tests.support import sign_in

from .helpers import add_staff, make_ctx
from .host import QueueTestHost, until

COUNTER = 2


def _settings() -> Settings:
    settings = Settings()
    settings.terminal.counter = COUNTER
    settings.terminal.mode = "counter"
    return settings


def _ratings() -> list[tuple[str, int, str, int | None, int | None]]:
    rows = Rating.select(Rating.score, Rating.reason, Rating.counter, Rating.staff, Ticket.code).join(Ticket)
    found: Any = rows.order_by(Rating.id).tuples()
    return [(code, score, reason, counter, staff) for score, reason, counter, staff, code in found]


async def _finish_at_console(pilot: Pilot[None], app: QueueTestHost) -> QueueConsoleScreen:
    """Call, start and finish A001 with keys 1, 3, 7."""
    screen = app.screen
    assert isinstance(screen, QueueConsoleScreen)
    await until(pilot, lambda: screen.view is not None)
    await pilot.press("1")
    await until(pilot, lambda: Ticket.get(Ticket.code == "A001").status == "called")
    await pilot.press("3")
    await until(pilot, lambda: Ticket.get(Ticket.code == "A001").status == "serving")
    await pilot.press("7")
    await until(pilot, lambda: Ticket.get(Ticket.code == "A001").status == "done")
    return screen


def _modal_text(app: QueueTestHost | KioskApp) -> str:
    screen = app.screen
    parts = [str(w.render()) for w in screen.query(Static)]
    return "\n".join(parts)


# --------------------------------------------------------------------- counter


async def test_counter_finish_opens_no_rating_on_the_clerks_screen(database: peewee.Database,
                                                                    clock: FixedClock) -> None:
    """办结 leaves the console as it is: the resident rates on the resident side (the kiosk
    scans the finished ticket, below), never on the clerk's screen, so the clerk cannot rate."""
    ctx = make_ctx(database, clock).as_staff(add_staff(), "S001")
    q.take_ticket(ctx, "A")
    app = QueueTestHost(ctx, QueueConsoleScreen, settings=_settings())
    async with app.run_test(size=(100, 30)) as pilot:
        console = await _finish_at_console(pilot, app)
        await until(pilot, lambda: "A001" in console.message)
        await pilot.press("4", "5")  # score keys on the console do not rate
        await pilot.pause(0.2)
        assert app.screen is console and not isinstance(app.screen, RatingModal)
    assert _ratings() == []


async def test_counter_refused_finish_opens_no_rating(database: peewee.Database, clock: FixedClock) -> None:
    ctx = make_ctx(database, clock).as_staff(add_staff(), "S001")
    app = QueueTestHost(ctx, QueueConsoleScreen, settings=_settings())
    async with app.run_test(size=(100, 30)) as pilot:
        console = app.screen
        assert isinstance(console, QueueConsoleScreen)
        await until(pilot, lambda: console.view is not None)
        await pilot.press("7")  # nothing at this counter: refused, no modal
        await until(pilot, lambda: "当前没有正在办理" in console.message)
        await pilot.pause(0.2)
        assert app.screen is console


# --------------------------------------------------------------------- kiosk


def _served(ctx: ServiceContext, staff: int, *, counter: int = 1) -> str:
    """Take, call, start and finish a ticket at ``counter``; its scan code."""
    info = q.take_ticket(ctx, "A")
    clerk = ctx.as_staff(staff, "S001")
    assert q.call_next(clerk, counter).code == info.code
    q.start(clerk, counter)
    q.finish(clerk, counter)
    return ticket_code(info.day, info.code)


async def _scan(pilot: Pilot[None], app: KioskApp, code: str) -> TicketRatingScreen:
    assert isinstance(app.screen, AttractScreen)
    await pilot.press(*code.lower(), "enter")
    await until(pilot, lambda: isinstance(app.screen, (TicketRatingScreen, RatingModal)))
    screen = next(s for s in app.screen_stack if isinstance(s, TicketRatingScreen))
    return screen


async def test_kiosk_scan_finished_ticket_rates_it(make_kiosk: Callable[..., KioskApp]) -> None:  # noqa: F811
    app = make_kiosk()
    staff = add_staff()
    code = _served(app.ctx, staff)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _scan(pilot, app, code)
        await until(pilot, lambda: isinstance(app.screen, RatingModal))
        assert "请为本次服务评价" in _modal_text(app)
        await pilot.press("5")  # chooses: nothing is saved on a digit (issue 17)
        await until(pilot, lambda: isinstance(app.screen, RatingModal) and app.screen.stage == "confirm")
        assert "5分" in _modal_text(app) and _ratings() == []
        await pilot.press("plus")
        await until(pilot, lambda: app.screen is screen and "感谢您的评价（5分）" in screen.message)
    assert _ratings() == [("A001", 5, "", 1, staff)]


async def test_kiosk_scan_low_score_with_reason(make_kiosk: Callable[..., KioskApp]) -> None:  # noqa: F811
    app = make_kiosk()
    staff = add_staff()
    code = _served(app.ctx, staff, counter=2)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _scan(pilot, app, code)
        await until(pilot, lambda: isinstance(app.screen, RatingModal))
        await pilot.press("1")
        await until(pilot, lambda: isinstance(app.screen, RatingModal) and app.screen.stage == "reason")
        await pilot.press("1")
        await until(pilot, lambda: isinstance(app.screen, RatingModal) and app.screen.stage == "confirm")
        assert "等待时间长" in _modal_text(app) and _ratings() == []
        await pilot.press("plus")
        await until(pilot, lambda: app.screen is screen and "感谢" in screen.message)
    assert _ratings() == [("A001", 1, "等待时间长", 2, staff)]


async def test_kiosk_scan_unfinished_ticket_shows_people_ahead(make_kiosk: Callable[..., KioskApp]) -> None:  # noqa: F811
    app = make_kiosk()
    infos = [q.take_ticket(app.ctx, "A") for _ in range(4)]
    clerk = app.ctx.as_staff(add_staff(), "S001")
    q.call_next(clerk, 1)  # A001 leaves the waiting line: A002 and A003 are ahead of A004
    mine = infos[3]
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _scan(pilot, app, ticket_code(mine.day, mine.code))
        await until(pilot, lambda: "前面还有" in screen.message)
        assert "A004" in screen.message and "前面还有 2 人" in screen.message
        assert not isinstance(app.screen, RatingModal)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, AttractScreen))
        # The called ticket says where to go.
        screen = await _scan(pilot, app, ticket_code(infos[0].day, infos[0].code))
        await until(pilot, lambda: "1 号窗口" in screen.message)
    assert _ratings() == []


async def test_kiosk_scan_rated_ticket_says_thanks(make_kiosk: Callable[..., KioskApp]) -> None:  # noqa: F811
    app = make_kiosk()
    code = _served(app.ctx, add_staff())
    q.rate(app.ctx, code, 4)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _scan(pilot, app, code)
        await until(pilot, lambda: "已经评价过了" in screen.message)
        assert "4分" in screen.message and not isinstance(app.screen, RatingModal)
    assert [r[1] for r in _ratings()] == [4]


async def test_kiosk_scan_unknown_ticket_says_so(make_kiosk: Callable[..., KioskApp]) -> None:  # noqa: F811
    app = make_kiosk()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _scan(pilot, app, "T20261129A099")
        await until(pilot, lambda: "A099" in screen.message and "没有" in screen.message)
    assert _ratings() == []


async def test_kiosk_card_number_still_identifies(make_kiosk: Callable[..., KioskApp]) -> None:  # noqa: F811
    from screens.resident.home import ResidentHomeScreen
    from tests.services.resident_factory import ZHANG_CARD

    app = make_kiosk()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, ZHANG_CARD)
        await until(pilot, lambda: isinstance(app.screen, ResidentHomeScreen))


async def test_kiosk_rating_a_card_read_over_it_rates_nothing(make_kiosk: Callable[..., KioskApp]) -> None:  # noqa: F811
    """A card read typed over the rating (its digits include scores) saves no rating and
    opens the card's password prompt; the score is saved only on + (issue 17)."""
    from db.models import Resident
    from screens.resident.password import ServicePasswordScreen
    from tests.services.resident_factory import LI_ID

    app = make_kiosk()
    code = _served(app.ctx, add_staff())
    async with app.run_test(size=(80, 24)) as pilot:
        await _scan(pilot, app, code)
        await until(pilot, lambda: isinstance(app.screen, RatingModal))
        await pilot.press(*LI_ID, "enter")  # 1, 1, 0, 1 … : scores, a reason, then Enter
        await until(pilot, lambda: isinstance(app.screen, ServicePasswordScreen))
        await app.workers.wait_for_complete()
        assert app.screen.claim is not None  # type: ignore[attr-defined]
        assert app.screen.claim.resident_id == Resident.get(Resident.id_number == LI_ID).id  # type: ignore[attr-defined]
    assert _ratings() == []
