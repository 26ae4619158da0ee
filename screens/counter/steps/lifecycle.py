"""What the lifecycle applications (issue 15) ask at 受理 (:mod:`kiosk.services.lifecycle_apps`):

- 待遇领取资格认证: ``channel`` counter | self_assisted (staff-assisted self-service);
- 死亡注销: ``death_date`` "YYYY-MM-DD" (from the death certificate), ``applicant_name``
  and ``relationship`` (who reports it), optionally a survivor's ID number (``survivor_id_number``:
  the 抚恤金 / 遗属待遇 per policy);
- 个人账户继承及丧葬补助金: ``heir_name``, ``heir_id_number``, ``relationship`` and
  ``bank_account`` (where the money goes);
- 暂停缴费 / 恢复缴费 / 终止参保: ``insurance`` and ``scheme`` (numbered choices) and an
  optional effective ``date`` (default the day of 办结).

The service checks everything again (an ID number's check digit, a date after
today, an enrolment in the wrong state) and says what is wrong.
"""

from __future__ import annotations

from kiosk.services.lifecycle_apps import CHANNELS, INSURANCES, SCHEMES
from screens.counter.steps.base import ChoiceField, Field, Option, StepForm, TextField


class DeathReportForm(StepForm):
    """死亡注销: the date of death and who reports it."""

    TITLE_KEY = "lifecycle15.form.death_title"

    def intro(self) -> str:
        return self.t("lifecycle15.form.death_intro")

    def fields(self) -> list[Field]:
        t = self.t
        return [TextField("death_date", t("lifecycle15.form.death_date"), "date", hint="YYYY-MM-DD"),
                TextField("applicant_name", t("lifecycle15.form.applicant_name"), "text"),
                TextField("relationship", t("lifecycle15.form.relationship"), "text",
                          hint=t("lifecycle15.form.relationship_hint")),
                TextField("survivor_id_number", t("lifecycle15.form.survivor"), "text", required=False,
                          hint=t("lifecycle15.form.survivor_hint"))]


class CertificationForm(StepForm):
    """待遇领取资格认证: at the counter, or staff-assisted self-service."""

    TITLE_KEY = "lifecycle15.form.certify_title"

    def intro(self) -> str:
        return self.t("lifecycle15.form.certify_intro")

    def fields(self) -> list[Field]:
        t = self.t
        return [ChoiceField("channel", t("lifecycle15.form.channel"),
                            tuple(Option(c, t(f"lifecycle15.channel.{c}")) for c in CHANNELS), "counter")]


class InheritanceForm(StepForm):
    """个人账户继承及丧葬补助金: the heir and the bank account paid."""

    TITLE_KEY = "lifecycle15.form.heir_title"

    def intro(self) -> str:
        return self.t("lifecycle15.form.heir_intro")

    def fields(self) -> list[Field]:
        t = self.t
        return [TextField("heir_name", t("lifecycle15.form.heir_name"), "text"),
                TextField("heir_id_number", t("lifecycle15.form.heir_id_number"), "text",
                          hint=t("lifecycle15.form.heir_id_hint")),
                TextField("relationship", t("lifecycle15.form.heir_relationship"), "text",
                          hint=t("lifecycle15.form.relationship_hint")),
                TextField("bank_account", t("lifecycle15.form.bank_account"), "text",
                          hint=t("lifecycle15.form.bank_account_hint"))]


class EnrolmentChangeForm(StepForm):
    """暂停缴费 / 恢复缴费 / 终止参保: which enrolment, from when."""

    TITLE_KEY = "lifecycle15.form.enrolment_title"

    def intro(self) -> str:
        return self.t("lifecycle15.form.enrolment_intro")

    def fields(self) -> list[Field]:
        t = self.t
        return [ChoiceField("insurance", t("lifecycle15.form.insurance"),
                            tuple(Option(i, t(f"lifecycle15.insurance.{i}")) for i in INSURANCES), "pension"),
                ChoiceField("scheme", t("lifecycle15.form.scheme"),
                            tuple(Option(s, t(f"lifecycle15.scheme.{s}")) for s in SCHEMES), "resident"),
                TextField("date", t("lifecycle15.form.date"), "date", required=False,
                          hint=t("lifecycle15.form.date_hint"))]
