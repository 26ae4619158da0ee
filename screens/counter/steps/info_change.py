"""信息变更 (issue 15.2): the form that asks the new value of a field and the supporting
document, showing old → new as the clerk types (the value checked and normalised by
:func:`kiosk.services.info_change.normalise_value`). Used by the 信息变更 screen
(:mod:`screens.counter.info_change`, the field chosen there) and by the 受理业务 wizard
(the field chosen in the form).

Keys returned: ``field`` name | id_number | hukou_region | bank_account, ``value`` (stored
form), ``document``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kiosk.services import ServiceError, info_change
from kiosk.services.info_change import FIELDS, mask_value
from screens.counter.steps.base import ChoiceField, Field, FormError, Option, StepForm, TextField


class InfoChangeForm(StepForm):
    """The new value and the supporting document; with no ``field`` given, the field too
    (the 受理业务 wizard). Returns ``{"field", "value", "document"}`` for
    :func:`kiosk.services.info_change.request` (the value in its stored form)."""

    TITLE_KEY = "infochange15.form.title"

    def __init__(self, existing: Mapping[str, Any] | None = None, *, subject: str = "", field: str = "",
                 old: str = "") -> None:
        super().__init__(existing, subject=subject)
        self.field = field
        self.old = old

    def _field(self, raw: Mapping[str, Any]) -> str:
        return self.field or str(raw.get("field") or "")

    def intro(self) -> str:
        if not self.field:
            return self.t("infochange15.form.intro_any")
        return self.t("infochange15.form.intro", field=self.t(f"infochange15.field.{self.field}"),
                      old=mask_value(self.field, self.old) or "-",
                      document=self.t(f"infochange15.document.{self.field}"))

    def fields(self) -> list[Field]:
        t = self.t
        chosen: list[Field] = [] if self.field else [
            ChoiceField("field", t("infochange15.form.field"),
                        tuple(Option(f, t(f"infochange15.field.{f}")) for f in FIELDS))]
        return [*chosen,
                TextField("value", t("infochange15.form.value"), "text"),
                TextField("document", t("infochange15.form.document"), "text",
                          hint=t("infochange15.form.document_hint"))]

    def live(self, raw: dict[str, str]) -> str:
        field = self._field(raw)
        if not field or not raw.get("value", "").strip():
            return ""
        try:
            new = info_change.normalise_value(field, raw["value"], self.host.ctx.today())
        except ServiceError:
            return ""
        return self.t("infochange15.form.live", old=mask_value(field, self.old) or "-", new=mask_value(field, new))

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        field = self._field(values)
        try:
            value = info_change.normalise_value(field, str(values.get("value", "")), self.host.ctx.today())
        except ServiceError as exc:
            # In the form's language (the rule's reason too, by its key): never the Chinese message.
            raise FormError(self.service_message(exc), "value") from None
        return {"field": field, "value": value, "document": str(values.get("document", ""))}
