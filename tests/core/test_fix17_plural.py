"""Issue 17: English counts agree with their noun ("1 month", "2 months") and a 0-day
service reads 当场办结 / "done on the spot", never "within 0 working days"."""

from __future__ import annotations

import re

from kiosk.i18n import catalog, translate


def test_counts_take_the_singular_for_one() -> None:
    text = translate("frontdesk.estimate.reached", "en", date="2030-01-01", years=1, months=1)
    assert "1 year 1 month)" in text
    text = translate("frontdesk.estimate.reached", "en", date="2030-01-01", years=60, months=2)
    assert "60 years 2 months)" in text
    assert translate("resident.apply.days", "en", days=1).endswith("1 working day")
    # A count given as text (or not a number) still formats.
    assert "2 months" in translate("counter17.steps.months", "en", months="2")


def test_on_the_spot_services_never_promise_zero_days() -> None:
    for language, spot, within in (("en", "Done on the spot", "Within 3 working days"),
                                   ("zh_CN", "当场办结", "3个工作日")):
        def summary(days: int, language: str = language) -> str:
            return translate("counter.application.summary", language, number="X", type="T", name="N",
                             status="S", days=days)

        assert spot in summary(0) and "0" not in summary(0)
        assert within in summary(3)
        materials = translate("counter.materials.for", language, type="T", name="N", days=0)
        assert "0" not in materials


def test_no_english_count_is_left_without_its_plural_rule() -> None:
    bare = re.compile(r"\{\w+\} (months|years|people)\b")
    left = {key: text for key, text in catalog("en").items() if bare.search(text)}
    assert left == {}
