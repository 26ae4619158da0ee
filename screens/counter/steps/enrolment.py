"""Which scheme, for the two kinds of business whose checks at acceptance
depend on it: 职工（灵活就业）参保登记 (``scheme`` employee | flexible) and
养老待遇申领 (``scheme`` resident | employee: a resident claims at 60, an
employee at the retirement age of their category). An employee is enrolled
only through the employer: its 统一社会信用代码 and, for a unit not yet on
record, its name."""

from __future__ import annotations

from screens.counter.steps.base import ChoiceField, Field, Option, StepForm, TextField


class EmployeeEnrolmentForm(StepForm):
    """职工 or 灵活就业 for an employee enrolment."""

    TITLE_KEY = "counter.steps.enrol.title"

    def intro(self) -> str:
        return self.t("counter.steps.enrol.intro")

    def fields(self) -> list[Field]:
        employee = ("scheme", ("employee",))
        return [ChoiceField("scheme", self.t("counter.steps.enrol.scheme"),
                            (Option("flexible", self.t("counter.steps.enrol.flexible")),
                             Option("employee", self.t("counter.steps.enrol.employee"))), "flexible"),
                TextField("employer_uscc", self.t("counter.steps.enrol.employer_uscc"), "text", when=employee,
                          hint=self.t("counter.steps.enrol.employer_uscc_hint")),
                TextField("employer_name", self.t("counter.steps.enrol.employer_name"), "text", required=False,
                          when=employee, hint=self.t("counter.steps.enrol.employer_name_hint"))]


class PensionSchemeForm(StepForm):
    """城乡居民 or 职工 pension for a pension claim."""

    TITLE_KEY = "counter.steps.pension_scheme.title"

    def intro(self) -> str:
        return self.t("counter.steps.pension_scheme.intro")

    def fields(self) -> list[Field]:
        return [ChoiceField("scheme", self.t("counter.steps.pension_scheme.scheme"),
                            (Option("resident", self.t("counter.steps.pension_scheme.resident")),
                             Option("employee", self.t("counter.steps.pension_scheme.employee"))), "resident")]
