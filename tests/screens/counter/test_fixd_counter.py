"""Attack D findings at the counter (fixer FS), Pilot tests by keyboard:

- D8: 参保证明 — Enter pressed three times issues (and prints) one certificate; the form is then
  locked and says what was issued; a later Enter issues nothing; 另开一份 unlocks it;
- D16: every step form at 80x24 in English (and Chinese) shows its error line on screen;
- D13: the English counter's strings that came through in Chinese;
- D3: the Find dialog with the database down keeps the typed number and says the database does
  not answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Any

import peewee
import pytest
from textual.errors import NoWidget
from textual.widgets import Button, Input

from db.models import AuditEntry, PrintJob
from kiosk.clock import FixedClock
from screens.counter.certificate import CertificateScreen
from tests.screens.counter.helpers import clerk_and_resident, login, make_counter_app, message, until
from tests.support import RecordingPrinter


def _count(database: peewee.Database, model: Any, *where: Any) -> int:
    with database.connection_context():
        return int(model.select().where(*where).count()) if where else int(model.select().count())


# -- D8: one certificate per request --------------------------------------------------------------


async def test_certificate_enter_three_times_issues_one_and_locks(database: peewee.Database,
                                                                  clock: FixedClock) -> None:
    person = clerk_and_resident(database, clock)
    printer = RecordingPrinter()
    app = make_counter_app(database, clock, printer, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        app.push_screen(CertificateScreen(person))
        await until(pilot, lambda: isinstance(app.screen, CertificateScreen)
                    and bool(app.screen.query("#certificate-purpose")))
        screen = app.screen
        assert isinstance(screen, CertificateScreen)
        purpose = screen.query_one("#certificate-purpose", Input)
        purpose.value = "visa"
        purpose.focus()
        await pilot.press("enter", "enter", "enter")  # a key bounce
        await until(pilot, lambda: bool(screen.issued_code))
        await pilot.pause(0.3)
        assert _count(database, AuditEntry, AuditEntry.action == "certificate.issue") == 1
        assert _count(database, PrintJob) == 1 and len(printer.jobs) == 1
        said = message(app)
        assert screen.issued_code in said and "locked" in said, said
        assert purpose.disabled and screen.query_one("#certificate-issue", Button).disabled
        await pilot.press("enter")  # any later Enter issues nothing
        await pilot.pause(0.3)
        assert _count(database, AuditEntry, AuditEntry.action == "certificate.issue") == 1
        # A second certificate is a deliberate act: 另开一份 unlocks the form.
        again = screen.query_one("#certificate-again", Button)
        assert again.display
        again.press()
        await until(pilot, lambda: not purpose.disabled)
        purpose.focus()
        await pilot.press("enter")
        await until(pilot, lambda: _count(database, AuditEntry, AuditEntry.action == "certificate.issue") == 2)



# -- D16: a step form's message is on screen at 80x24 ---------------------------------------------

#: A value each kind of field refuses.
_BAD = {"yuan": "99999999999999999999", "int": "x", "decimal": "x", "date": "2026-13-45", "month": "2026-13",
        "text": "a\x07b"}


def _every_step_form() -> list[Any]:
    """One of every step form, opened with no data (as a new application has)."""
    from screens.counter import steps
    from screens.counter.steps.base import StepForm
    from screens.counter.steps.benefit import EmployeePensionForm
    from screens.counter.steps.payment import PaymentForm
    from screens.counter.steps.transfer import TransferArrivalForm

    kinds: set[type[StepForm]] = {*steps._SUBMIT.values(), *steps._STEP.values(), EmployeePensionForm,
                                  TransferArrivalForm}
    forms: list[Any] = [PaymentForm(30000, {}, subject="SQ20261201000002 赵*梅")]
    forms += [kind({}, subject="SQ20261201000002 赵*梅") for kind in sorted(kinds, key=lambda k: k.__name__)]
    return forms


def _longer(intro: Callable[[], str]) -> Callable[[], str]:
    return lambda: intro() + "\n" + "\n".join(["…"] * 4)


def _ready(app: Any, form: Any) -> bool:
    return app.screen is form and bool(form.ready)


def _gone(app: Any, form: Any) -> bool:
    return app.screen is not form


def _on_screen(app: Any, widget: Any) -> bool:
    """Drawn where it is, inside the terminal: the compositor finds it at its first line."""
    region = widget.region
    if not region.area or region.bottom > app.size.height:
        return False
    try:
        found, _ = app.screen.get_widget_at(region.x + 1, region.y)
    except NoWidget:  # not painted there yet
        return False
    return found is widget or widget in found.ancestors


@pytest.mark.parametrize("language", ["en", "zh_CN"])
async def test_every_step_form_shows_its_message_at_80x24(database: peewee.Database, clock: FixedClock,
                                                          language: str) -> None:
    from screens.counter.steps.base import TextField
    from screens.widgets.plain import Static

    clerk_and_resident(database, clock)
    app = make_counter_app(database, clock, language=language)
    hidden: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        for form in _every_step_form():
            # A longer policy paragraph (a policy book with more levels, a longer language) must not
            # push the message off the dialog either.
            form.intro = _longer(form.intro)
            app.push_screen(form)
            await until(pilot, partial(_ready, app, form))
            for shown_when in [f.when for f in form.field_list if f.when is not None]:  # every field shown
                form.choices[shown_when[0]] = shown_when[1][0]
            form._refresh()
            text_fields = [f for f in form._visible() if isinstance(f, TextField)]
            if text_fields:  # the last one: the field furthest down the form
                field = text_fields[-1]
                form.query_one(f"#field-{field.name}", Input).value = _BAD[field.kind]
            else:  # only choices: one left unanswered
                form.choices[form._visible()[-1].name] = ""
            form.confirm()
            await pilot.pause()
            line = form.query_one("#step-message", Static)
            said = str(line.render())
            assert said and app.screen is form, type(form).__name__
            if not _on_screen(app, line):
                hidden.append(f"{type(form).__name__}: {said}")
            form.dismiss(None)
            await until(pilot, partial(_gone, app, form))
    assert hidden == []


# -- D3: the database does not answer: the number is kept and the fault named -----------------------


async def test_find_with_database_down_keeps_the_number_and_names_the_fault(
        database: peewee.Database, clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> None:
    from screens.counter.find import FindResidentModal
    from screens.widgets.plain import Static
    from tests.screens.test_fixd_outage import Outage

    person = clerk_and_resident(database, clock)
    outage = Outage(database, monkeypatch)
    app = make_counter_app(database, clock, language="en")
    found: list[Any] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        app.push_screen(FindResidentModal(), found.append)
        await until(pilot, lambda: bool(app.screen.query("#find-input")))
        modal = app.screen
        field = modal.query_one("#find-input", Input)
        outage.down = True
        await pilot.press(*person.id_number, "enter")
        line = modal.query_one("#find-message", Static)
        await until(pilot, lambda: bool(str(line.render())))
        said = str(line.render())
        assert "database does not answer" in said and "typed is kept" in said, said
        assert "nothing you entered was lost" not in said
        assert field.value == person.id_number and app.focused is field
        outage.down = False  # back: the same Enter finds the person
        await pilot.press("enter")
        await until(pilot, lambda: bool(found))
    assert found[0].id == person.id


# -- D13: no Chinese left in the English counter's own texts -------------------------------------------

_CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def _english(text: str, *data: str) -> bool:
    """No Chinese character or full-width punctuation outside the ``data`` (names as stored)."""
    for value in data:
        text = text.replace(value, "")
    return _CHINESE.search(text) is None


async def test_english_counter_find_refusals_are_english(database: peewee.Database, clock: FixedClock) -> None:
    from screens.counter.find import FindResidentModal
    from screens.widgets.plain import Static

    person = clerk_and_resident(database, clock)
    wrong_check = person.id_number[:17] + ("1" if person.id_number[17] != "1" else "2")
    app = make_counter_app(database, clock, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        app.push_screen(FindResidentModal())
        await until(pilot, lambda: bool(app.screen.query("#find-input")))
        modal = app.screen
        field, line = modal.query_one("#find-input", Input), modal.query_one("#find-message", Static)
        for typed in (wrong_check, person.id_number[:14], "RCND7AFETJX4"):
            line.update("")
            field.value = typed
            await pilot.press("enter")
            await until(pilot, lambda: bool(str(line.render())))
            said = str(line.render())
            assert _english(said) and field.value == typed, said


async def test_english_counter_forms_say_amounts_and_months_in_english(database: peewee.Database,
                                                                       clock: FixedClock) -> None:
    from screens.counter.steps.medical import MedicalForm
    from screens.widgets.plain import Static

    person = clerk_and_resident(database, clock)
    app = make_counter_app(database, clock, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        form = MedicalForm({}, subject="SQ1")
        app.push_screen(form)
        await until(pilot, partial(_ready, app, form))
        form.query_one("#field-total_fen", Input).value = "99999999999999999999"
        form.confirm()
        await pilot.pause()
        said = str(form.query_one("#step-message", Static).render())
        assert said.startswith("In-scope bill") and _english(said), said
        form.dismiss(None)
        await until(pilot, partial(_gone, app, form))
        app.push_screen(CertificateScreen(person))
        await until(pilot, lambda: bool(app.screen.query("#certificate-from")))
        app.screen.query_one("#certificate-from", Input).value = "2026-13"
        app.screen.query_one("#certificate-issue", Button).press()
        await until(pilot, lambda: "2026-13" in message(app))
        assert _english(message(app)), message(app)


async def test_english_return_confirmation_names_materials_in_english(database: peewee.Database,
                                                                      clock: FixedClock) -> None:
    from kiosk.rules.workflows import WORKFLOWS
    from kiosk.services import applications as apps
    from screens.counter.keys import ConfirmActionModal
    from screens.widgets.menu import MenuButton
    from tests.screens.counter.helpers import clerk_ctx, open_application, text_of
    from tests.screens.counter.test_every_type import _resident_medical

    person = clerk_and_resident(database, clock)
    materials = [m.code for m in WORKFLOWS["benefit_medical"].materials]
    clerk = clerk_ctx(database, clock)
    _resident_medical(clerk, clerk, person)  # insured: the claim is accepted, its materials short
    info = apps.submit(clerk, person.id, "benefit_medical", {}, materials[:1])
    app = make_counter_app(database, clock, language="en")
    async with app.run_test(size=(120, 36)) as pilot:
        await login(pilot)
        screen = await open_application(pilot, info.number)
        returning = [b for b in screen.query(MenuButton) if b.choice.endswith("-returned") and not b.disabled]
        assert returning, [b.choice for b in screen.query(MenuButton)]
        returning[0].press()
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionModal))
        shown = text_of(app, "#confirm-what")
    english = {m.name_en for m in WORKFLOWS["benefit_medical"].materials[1:]}
    assert all(name in shown for name in english) and _english(shown, person.masked_name), shown


def test_english_catalog_entries_named_in_the_report() -> None:
    from kiosk.i18n import Translator

    t = Translator("en")
    assert _english(t("infochange15.field.hukou_region"))
    assert "bank account" in t("lifecycle.reason.no_bank_account")
    assert "card" not in t("lifecycle.reason.no_bank_account")
    assert "银行账户" in Translator("zh_CN")("lifecycle.reason.no_bank_account")


@pytest.mark.parametrize("language", ["en", "zh_CN"])
async def test_payment_done_names_items_and_method_in_the_counters_language(
        database: peewee.Database, clock: FixedClock, language: str) -> None:
    # D13 items 4-6: "Method: 现金" and "2026年城乡居民养老保险（300.00元档）" on the English counter.
    from kiosk.services import payments
    from screens.counter.payment import PaymentDoneScreen
    from screens.widgets.plain import Static
    from tests.screens.counter.helpers import clerk_ctx
    from tests.services.test_payments import enrol

    person = clerk_and_resident(database, clock)
    clerk = clerk_ctx(database, clock)
    enrol(clerk, person.id)
    tier = payments.resident_pension_tiers(clerk)[2]
    info = payments.pay_resident_pension(clerk, person.id, tier.annual_fen, "cash")
    assert "城乡居民养老保险" in info.lines[0].label  # the printed receipt stays Chinese
    app = make_counter_app(database, clock, language=language)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        app.push_screen(PaymentDoneScreen(info))
        await until(pilot, lambda: bool(app.screen.query("#payment-receipt")))
        shown = str(app.screen.query_one("#payment-receipt", Static).render())
    if language == "en":
        assert _english(shown, person.name) and "resident pension" in shown and "Cash" in shown, shown
    else:
        assert info.lines[0].label in shown and "现金" in shown, shown
