"""待遇申请（预约）: choose the benefit (step 1), see its conditions, met or not,
as the entitlement service decides them from the records (step 2), then confirm.

- 养老待遇: retirement age reached (delay rules) and the minimum years paid;
- 失业保险金: a completed 失业登记 first (offered here when missing), one
  year of unemployment contributions;
- 生育津贴: covered by employee medical / maternity insurance;
- 医疗费用手工报销（含大病保险）: covered by a medical insurance.

A pre-application whose required conditions are not met cannot be sent.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from textual.app import ComposeResult
from textual.containers import Grid, VerticalScroll

from kiosk.services import claims, entitlement, residents
from kiosk.services.estimate import estimate
from screens.resident.apply_common import ApplyDraft, ApplyScreen, ApplyStep
from screens.resident.apply_confirm import ApplyConfirmScreen
from screens.widgets.cjk_wrap import Prose
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


#: Reasons each benefit already shows as one of its own conditions (the rest are listed as they are).
_SHOWN_AS_CONDITION = {
    "benefit_pension": ("below_pension_age", "too_few_months"),
    "benefit_unemployment": ("not_registered", "too_few_months"),
    "benefit_maternity": ("not_enrolled",),
    "benefit_medical": ("not_enrolled",),
}


def check_benefit(ctx: Any, resident_id: int, type_: str, book: Any) -> BenefitCheck:
    """Ask the entitlement service (worker thread) and show its answer as conditions.

    The records decide (enrolment in force, months paid in that scheme, age,
    earlier claims, death); what only documents can tell (a bill, a birth
    certificate) is asked at the counter, so ``missing_fact`` never blocks here.
    """
    if book is None:
        raise residents.policy_unavailable()
    ctx = dataclasses.replace(ctx, extras={**ctx.extras, "policy": book})
    decision = entitlement.decide(ctx, resident_id, claims.KIND_OF_TYPE[type_])
    reasons = set(decision.reasons)
    conditions: list[Condition] = []
    data: dict[str, Any] = {}
    offer = False
    if type_ == "benefit_pension":
        view = estimate(ctx, resident_id)
        years, months = divmod(view.retirement_age_months, 12)
        conditions += [
            Condition("age", "below_pension_age" not in reasons,
                      params={"date": f"{view.retirement_date:%Y-%m-%d}", "years": years, "months": months}),
            Condition("years", "too_few_months" not in reasons,
                      params={"paid_years": view.paid_months // 12, "paid_months": view.paid_months % 12,
                              "required_years": view.required_months // 12}),
        ]
        data["scheme"] = view.scheme
    elif type_ == "benefit_unemployment":
        apps = residents.applications(ctx, resident_id)
        registered = any(a.type == "unemployment_registration" and a.status == "registered" for a in apps)
        pending = any(a.type == "unemployment_registration" and not a.finished for a in apps)
        months = _months_note(decision)
        conditions += [
            Condition("registered" if registered else ("registration_pending" if pending else "registration_missing"),
                      registered),
            Condition("unemployment_year", "too_few_months" not in reasons, params={"months": months}),
        ]
        data["involuntary"] = True
        offer = not registered and not pending
    elif type_ == "benefit_maternity":
        conditions.append(Condition("maternity_insured", "not_enrolled" not in reasons))
    else:
        conditions.append(Condition("medical_insured", "not_enrolled" not in reasons))
        data["filed"] = True
    shown = _SHOWN_AS_CONDITION.get(type_, ())
    for code in decision.reasons:
        if code not in shown and code != "missing_fact":
            conditions.append(Condition(f"entitlement.reason.{code}", False))
    return BenefitCheck(type_, tuple(conditions), data, offer_registration=offer)


def _months_note(decision: Any) -> int:
    """Months of unemployment contributions the decision's steps counted (0 when none)."""
    for step in decision.steps:
        params = getattr(step, "params", {})
        if getattr(step, "key", "") in ("unemployment_months", "unemployment_short", "months_since_claim"):
            return int(params.get("months", 0))
    return 0


class BenefitTypeScreen(ApplyScreen):
    """Step 1: which benefit (养老 / 失业 / 生育 / 医疗报销)."""

    TITLE_KEY = "resident.apply.benefit.title"

    def compose_body(self) -> ComposeResult:
        yield Prose(self.t("resident.apply.benefit.hint"), classes="note", id="apply-hint")
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
                label = t(c.key) if c.key.startswith("entitlement.") else t(f"resident.apply.benefit.cond.{c.key}",
                                                                              **c.params)
                yield Static(f"{mark} {label}{tag}",
                             classes="apply-line" if c.met else "apply-line warning")
            if not check.ok:
                yield Static(t("resident.apply.benefit.not_ok"), classes="message", id="apply-blocked")
        yield Prose("", id="apply-message", classes="message")
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
