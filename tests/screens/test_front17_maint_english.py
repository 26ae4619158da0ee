"""Issue 17: with language ``en`` every counter screen is in English. A
supervisor logs in on a small demo township and walks home → find → resident
detail, the accept wizard and its materials, every step form, an
application and its confirmation, the work list and review queue, payment
and tiers, reprint, the queue console, registration, the service password,
the rule audit (key 8) and the benefit run (key 9). The visible text of
every widget is collected; a line with Chinese characters fails the test
unless they belong to a proper name from the database (a resident's name or
address, a village, an employer, a staff member), a note a person typed, or
the hall's name, or is allowed by the catalog's rule (test_front17_maint_catalog:
a document number, a Chinese term followed by its English in parentheses)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import peewee
import pytest
from textual.screen import Screen
from textual.widgets import Input

from db.demo import DemoSummary, seed_demo
from db.models import Application, ApplicationEvent, Employer, Resident, Staff
from kiosk.app import KioskApp
from kiosk.clock import FixedClock
from kiosk.config import Settings
from kiosk.i18n import catalog
from kiosk.rules.identity import mask_name
from kiosk.rules.workflows import WORKFLOWS
from kiosk.services import ServiceContext
from kiosk.services.registration import get_resident
from tests.screens.counter.helpers import login, make_counter_app, until
from tests.screens.test_front17_maint_catalog import ALLOWED, DOCUMENT_NUMBER, GLOSSED
from tests.screens.test_resident_flows import screen_text

CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff01-\uff5e]")


@pytest.fixture
def demo_town(database: peewee.Database, clock: FixedClock) -> tuple[peewee.Database, DemoSummary]:
    """A small demo township (db.demo) on SQLite and PostgreSQL."""
    return database, seed_demo(database, residents=12, today=clock.today(), now=clock.now_utc())


def proper_names(settings: Settings) -> list[str]:
    """Chinese text that is data, not interface: longest first (so a whole address goes before its village)."""
    names: set[str] = {settings.hall.name}
    for resident in Resident.select(Resident.name, Resident.address, Resident.village):
        names.update((resident.name, mask_name(resident.name), resident.address, resident.village))
    for employer in Employer.select(Employer.name, Employer.address):
        names.update((employer.name, employer.address))
    for member in Staff.select(Staff.name):
        names.update((member.name, mask_name(member.name)))
    # Notes people typed (a 退回 reason, 本人撤回) are their words, shown as written.
    names.update(event.note for event in ApplicationEvent.select(ApplicationEvent.note))
    return sorted((n for n in names if n), key=len, reverse=True)


def chinese_lines(text: str, names: Iterable[str]) -> list[str]:
    """The lines of ``text`` still holding Chinese once the proper names are taken out."""
    found = []
    for line in text.splitlines():
        rest = DOCUMENT_NUMBER.sub("", GLOSSED.sub("", line))  # what the catalog rule allows
        for key in ALLOWED:  # the language switch says 中文 (test_front17_maint_catalog.ALLOWED)
            rest = rest.replace(catalog("en")[key], "")
        for name in names:
            rest = rest.replace(name, "")
        if CJK.search(rest):
            found.append(line.strip())
    return found


class Walk:
    """Pushes screens on the running app and records the Chinese lines each shows."""

    def __init__(self, app: KioskApp, pilot: Any, names: list[str]) -> None:
        self.app, self.pilot, self.names = app, pilot, names
        self.found: dict[str, list[str]] = {}

    async def settle(self) -> None:
        await self.pilot.pause()
        await self.app.workers.wait_for_complete()
        await self.pilot.pause(0.05)
        await self.app.workers.wait_for_complete()
        await self.pilot.pause()

    async def look(self, label: str) -> None:
        await self.settle()
        lines = chinese_lines(screen_text(self.app), self.names)
        if lines:
            self.found[label] = sorted(set(lines))

    async def visit(self, screen: Screen[Any], label: str = "") -> None:
        depth = len(self.app.screen_stack)
        self.app.push_screen(screen)
        await until(self.pilot, lambda: len(self.app.screen_stack) > depth)
        await self.look(label or type(screen).__name__)
        while len(self.app.screen_stack) > depth:
            self.app.pop_screen()
            await self.pilot.pause()

    async def keys(self, label: str, *keys: str) -> None:
        await self.pilot.press(*keys)
        await self.look(label)


async def test_every_counter_screen_is_in_english(demo_town: tuple[peewee.Database, DemoSummary],
                                                  clock: FixedClock) -> None:
    from screens.counter.accept import AcceptDraft, AcceptTypeScreen, MaterialsScreen
    from screens.counter.application import ApplicationScreen
    from screens.counter.benefit_run import BenefitRunScreen
    from screens.counter.find import FindResidentModal
    from screens.counter.home import CounterHomeScreen
    from screens.counter.keys import ConfirmActionModal
    from screens.counter.materials import MaterialsCheckScreen
    from screens.counter.payment import PaymentDraft, PaymentScreen, TierScreen
    from screens.counter.queue_console import QueueConsoleScreen
    from screens.counter.reason import ReasonModal
    from screens.counter.register import RegisterResidentScreen
    from screens.counter.reprint import ReprintScreen
    from screens.counter.resident_detail import ResidentDetailScreen
    from screens.counter.rule_audit import RuleAuditScreen
    from screens.counter.service_password import CounterPasswordScreen
    from screens.counter.steps import _STEP, _SUBMIT
    from screens.counter.steps.payment import PaymentForm
    from screens.counter.worklist import WorklistScreen

    database, summary = demo_town
    app = make_counter_app(database, clock, counter=1, language="en")
    supervisor = next(s for s in summary.staff if s.role == "supervisor")
    ctx = ServiceContext(database, clock)
    person = get_resident(ctx, Resident.get(Resident.id_number == summary.samples[0].id_number).id)
    applications = list(Application.select().order_by(Application.id))
    names = proper_names(app.settings)
    async with app.run_test(size=(160, 48)) as pilot:
        walk = Walk(app, pilot, names)
        await walk.look("login")
        await login(pilot, supervisor.number, supervisor.pin)
        await walk.look("home")
        # home → 2 find → the resident's detail, by keys.
        await pilot.press("2")
        await until(pilot, lambda: isinstance(app.screen, FindResidentModal))
        await walk.look("find")
        await pilot.press(*summary.samples[0].id_number, "enter")
        await until(pilot, lambda: isinstance(app.screen, ResidentDetailScreen))
        await walk.look("resident detail")
        await walk.keys("resident detail reveal asked", "9")
        await walk.keys("resident detail revealed", "plus")
        while not isinstance(app.screen, CounterHomeScreen):
            app.pop_screen()
            await pilot.pause()
        for resident in Resident.select().order_by(Resident.id):
            await walk.visit(ResidentDetailScreen(get_resident(ctx, resident.id)), f"detail {resident.id}")
        draft = AcceptDraft(person)
        await walk.visit(AcceptTypeScreen(draft), "accept types")
        for type_ in WORKFLOWS:
            await walk.visit(MaterialsScreen(AcceptDraft(person, type_)), f"materials {type_}")
        for form in {**_SUBMIT, **{f"{a}/{b}": f for (a, b), f in _STEP.items()}}.values():
            await walk.visit(form(None, subject="A1"), form.__name__)
        await walk.visit(PaymentForm(12000, None, subject="A1"), "PaymentForm")
        for application in applications:
            await walk.visit(ApplicationScreen(application.number), f"application {application.type}")
        if applications:
            await walk.visit(MaterialsCheckScreen(_info(ctx, applications[0].number)), "materials check")
        await walk.visit(ConfirmActionModal("x", ["y"]), "confirm")
        await walk.visit(ReasonModal("x"), "reason")
        await walk.visit(WorklistScreen(), "worklist")
        await walk.visit(PaymentScreen(person), "payment")
        await walk.visit(TierScreen(PaymentDraft(person, "resident_pension")), "tiers")
        await walk.visit(ReprintScreen(), "reprint")
        await walk.visit(QueueConsoleScreen(), "queue console")
        await walk.visit(RegisterResidentScreen(), "register")
        await walk.visit(CounterPasswordScreen(person), "service password")
        await walk.visit(RuleAuditScreen(), "rule audit")
        await walk.visit(BenefitRunScreen(), "benefit run")
        # The supervisor's keys 8 and 9 from home, and 5's review queue.
        await walk.keys("home 8", "8")
        await pilot.press("escape")
        await walk.keys("home 9", "9")
        await pilot.press("escape")
        await walk.keys("home 5", "5")
        await walk.keys("review", "2")
    assert walk.found == {}, walk.found


def _info(ctx: ServiceContext, number: str) -> Any:
    from kiosk.services import applications as apps

    return apps.get_application(ctx, number)


async def test_login_refusals_are_in_english(database: peewee.Database, clock: FixedClock) -> None:
    """A service's refusal names its catalog message (ServiceError.key): the English
    counter shows it in English — a wrong PIN, then the lock-out after five."""
    from screens.counter.login import LoginScreen
    from tests.screens.counter.helpers import message, staff, type_text

    staff(database, clock, "S009", "王芳")
    app = make_counter_app(database, clock, counter=1, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LoginScreen))
        for attempt in range(6):
            await pilot.click("#staff-number")
            app.screen.query_one("#staff-number", Input).value = ""
            await type_text(pilot, "S009")
            await pilot.press("enter")
            await type_text(pilot, "135790" if attempt < 5 else "482916")  # the sixth is the right PIN
            await pilot.press("enter")
            await until(pilot, lambda: bool(message(app)) and "Checking" not in message(app)
                        and not app.screen._busy)  # type: ignore[attr-defined]
            shown = message(app)
            assert not CJK.search(shown), shown
            if attempt < 5:
                assert "Wrong staff number or PIN" in shown, shown
        assert "locked" in shown and "minutes" in shown, shown


async def test_application_refusals_are_in_english(database: peewee.Database, clock: FixedClock) -> None:
    """The counter's commonest refusals (materials missing, unknown number, a reason needed)
    reach the English screen in English, naming the materials in English."""
    import datetime as dt

    from kiosk.services import ServiceError
    from kiosk.services import applications as apps
    from kiosk.services.registration import register_resident
    from tests.screens.counter.helpers import id_number, staff

    staff(database, clock)
    ctx = ServiceContext(database, clock)
    person = register_resident(ctx, id_number(dt.date(1975, 6, 1)), "赵春梅")
    info = apps.submit(ctx, person.id, "enrol_resident_pension")  # at the kiosk: nothing received
    clerk = ctx.as_staff(int(Staff.get(Staff.number == "S001").id), "S001")
    refusals: list[ServiceError] = []
    for call in (lambda: apps.advance(clerk, info.number, "reviewed", expected_version=info.version),
                 lambda: apps.get_application(clerk, "SQ19990101000001"),
                 lambda: apps.advance(clerk, info.number, "returned", expected_version=info.version)):
        with pytest.raises(ServiceError) as refused:
            call()
        refusals.append(refused.value)
    app = make_counter_app(database, clock, counter=1, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        shown = [app.screen.service_message(error) for error in refusals]  # type: ignore[attr-defined]
    assert all(not CJK.search(text) for text in shown), shown
    assert "Household register" in shown[0] and "SQ19990101000001" in shown[1] and "reason" in shown[2], shown


async def test_f6_on_the_counter_login_switches_the_language(database: peewee.Database, clock: FixedClock) -> None:
    """A counter started in Chinese (kiosk.toml) can be used in English: F6 at the login."""
    from screens.counter.home import CounterHomeScreen
    from screens.counter.login import LoginScreen
    from tests.screens.counter.helpers import staff

    staff(database, clock)
    app = make_counter_app(database, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LoginScreen))
        assert "工号" in screen_text(app)
        await pilot.press("f6")
        await until(pilot, lambda: "Staff number" in screen_text(app))
        assert app.translator.language == "en"
        await login(pilot)  # typed into the number field, which has the focus again
        assert isinstance(app.screen, CounterHomeScreen)
        assert not chinese_lines(screen_text(app), proper_names(app.settings)), screen_text(app)
