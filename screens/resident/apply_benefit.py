"""待遇申请（预约）: choose the benefit (step 1), see its conditions from the
rules and the resident's records, met or not (step 2), then confirm.

- 养老待遇: retirement age reached (delay rules) and the minimum years paid;
- 失业保险金: a completed 失业登记 first (offered here when missing), one
  year of unemployment contributions;
- 生育津贴: covered by employee medical / maternity insurance;
- 医疗费用手工报销（含大病保险）: covered by a medical insurance.

A pre-application whose required conditions are not met cannot be sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from textual.app import ComposeResult
from textual.containers import Grid, VerticalScroll

from kiosk.services import residents
from screens.resident.apply_common import ApplyDraft, ApplyScreen, ApplyStep
from screens.resident.apply_confirm import ApplyConfirmScreen
from screens.widgets.menu import MenuButton
from screens.widgets.plain import Static

BENEFITS = (("1", "benefit_pension"), ("2", "benefit_unemployment"), ("3", "benefit_maternity"),
            ("4", "benefit_medical"))


@dataclass(frozen=True)
class Condition:
    """One condition: a catalog key with its parameters, met or not."""

    key: str
    met: bool
    required: bool = True
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BenefitCheck:
    """The conditions of one benefit for this resident, and what the service needs."""

    type: str
    conditions: tuple[Condition, ...]
    data: dict[str, Any] = field(default_factory=dict)
    offer_registration: bool = False  # 失业登记 may be started here first

    @property
    def ok(self) -> bool:
        return all(c.met for c in self.conditions if c.required)


def _active(enrolments: list[Any], insurance: str, schemes: tuple[str, ...] | None = None) -> bool:
    return any(r.insurance == insurance and r.status == "active" and (schemes is None or r.scheme in schemes)
               for r in enrolments)


def check_benefit(ctx: Any, resident_id: int, type_: str, book: Any) -> BenefitCheck:
    """Read the records this benefit depends on (worker thread) and judge each condition."""
    enrolments = residents.enrolments(ctx, resident_id)
    today = ctx.today()
    if type_ == "benefit_pension":
        if book is None:
            raise residents.policy_unavailable()
        view = residents.pension_estimate(ctx, resident_id, book)
        due = view.retirement_date  # the resident scheme: 60, not delayed (residents.pension_estimate)
        years, months = divmod(view.retirement_age_months, 12)
        return BenefitCheck(type_, (
            Condition("age", today >= due, params={"date": f"{due:%Y-%m-%d}", "years": years, "months": months}),
            Condition("years", view.paid_months >= view.required_months,
                      params={"paid_years": view.paid_months // 12, "paid_months": view.paid_months % 12,
                              "required_years": view.required_months // 12}),
        ), {"scheme": view.scheme})
    if type_ == "benefit_unemployment":
        apps = residents.applications(ctx, resident_id)
        registered = any(a.type == "unemployment_registration" and a.status == "registered" for a in apps)
        pending = any(a.type == "unemployment_registration" and not a.finished for a in apps)
        history = residents.contribution_history(ctx, resident_id)
        paid = sum(1 for y in history.years for r in y.rows if r.insurance == "unemployment")
        conditions = [Condition("registered" if registered else ("registration_pending" if pending
                                                                 else "registration_missing"), registered)]
        conditions.append(Condition("unemployment_insured", _active(enrolments, "unemployment") or paid > 0,
                                    required=False))
        conditions.append(Condition("unemployment_year", paid >= 12, required=False, params={"months": paid}))
        return BenefitCheck(type_, tuple(conditions), {"involuntary": True},
                            offer_registration=not registered and not pending)
    if type_ == "benefit_maternity":
        covered = _active(enrolments, "maternity") or _active(enrolments, "medical", ("employee", "flexible"))
        return BenefitCheck(type_, (Condition("maternity_insured", covered),))
    covered = _active(enrolments, "medical")
    return BenefitCheck(type_, (Condition("medical_insured", covered),), {"filed": True})


class BenefitTypeScreen(ApplyScreen):
    """Step 1: which benefit (养老 / 失业 / 生育 / 医疗报销)."""

    TITLE_KEY = "resident.apply.benefit.title"

    def compose_body(self) -> ComposeResult:
        yield Static(self.t("resident.apply.benefit.hint"), classes="note", id="apply-hint")
        with Grid(id="apply-benefits", classes="menu-grid"):
            for key, type_ in BENEFITS:
                yield MenuButton(key, self.t(f"resident.apply.benefit.{type_}"), type_)

    def choose(self, choice: str) -> None:
        if choice.startswith("benefit_"):
            self.app.push_screen(BenefitCheckScreen(ApplyDraft(choice)))


class BenefitCheckScreen(ApplyStep):
    """Step 2: the conditions, met (✓) or not (✗); 1 下一步 only when the required ones are met."""

    TITLE_KEY = "resident.apply.benefit.check_title"

    def needs_data(self) -> bool:
        return True

    def load(self, ctx: Any, resident_id: int) -> Any:
        return check_benefit(ctx, resident_id, self.draft.type, self.host.services.policy)

    def compose_body(self) -> ComposeResult:
        t = self.t
        check: BenefitCheck = self.data
        with VerticalScroll(id="apply-summary"):
            yield Static(t(f"resident.apply.benefit.{check.type}"), classes="balance")
            for c in check.conditions:
                mark = t("resident.apply.benefit.met" if c.met else "resident.apply.benefit.unmet")
                tag = "" if c.required else t("resident.apply.benefit.advisory")
                yield Static(f"{mark} {t(f'resident.apply.benefit.cond.{c.key}', **c.params)}{tag}",
                             classes="apply-line" if c.met else "apply-line warning")
            if not check.ok:
                yield Static(t("resident.apply.benefit.not_ok"), classes="message", id="apply-blocked")
        yield Static("", id="apply-message", classes="message")
        with Grid(classes="menu-grid apply-actions"):
            if check.ok:
                yield MenuButton("1", t("resident.apply.next"), "next")
            if check.offer_registration:
                yield MenuButton("2", t("resident.apply.benefit.register"), "register")
            yield MenuButton("0", t("app.back"), "back")

    def choose(self, choice: str) -> None:
        check: BenefitCheck = self.data
        t = self.t
        if choice == "back":
            self.go_back()
        elif choice == "next" and check.ok:
            self.draft.data.update(check.data)
            self.draft.lines = [t(f"resident.apply.benefit.line.{check.type}")]
            self.draft.notes = [t("resident.apply.benefit.pre_note")]
            self.app.push_screen(ApplyConfirmScreen(self.draft))
        elif choice == "register" and check.offer_registration:
            draft = ApplyDraft("unemployment_registration", lines=[t("resident.apply.benefit.register_line")],
                               notes=[t("resident.apply.benefit.register_note")])
            self.app.push_screen(ApplyConfirmScreen(draft))
