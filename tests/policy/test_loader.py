"""Policy file loading: the shipped default, version selection, validation errors."""

from __future__ import annotations

import datetime as dt
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from kiosk.policy import DEFAULT_POLICY_FILE, PolicyError, load_policy, policy_from_mapping
from kiosk.rules.contribution import assess_employee


def default_raw() -> dict[str, Any]:
    return tomllib.loads(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"))


def test_default_has_national_figures() -> None:
    p = load_policy(None).policy_for(dt.date(2025, 6, 1))
    assert (p.rates.pension.employer, p.rates.pension.individual) == (Decimal("0.16"), Decimal("0.08"))
    assert p.rates.medical.individual == Decimal("0.02")
    assert p.rates.work_injury_class_rates == tuple(
        Decimal(x) for x in ("0.002", "0.004", "0.007", "0.009", "0.011", "0.013", "0.016", "0.019"))
    assert p.rates.work_injury_steps_class1 == (Decimal(1), Decimal("1.2"), Decimal("1.5"))
    assert (p.rates.flexible_pension_rate, p.rates.flexible_account_rate) == (Decimal("0.2"), Decimal("0.08"))
    assert (p.wage.base_floor_ratio, p.wage.base_cap_ratio) == (Decimal("0.6"), Decimal(3))
    assert p.resident_pension.account_divisor == 139
    assert p.unemployment.benefit_ratio == Decimal("0.9")
    assert p.priority_age == 70
    assert p.employee_pension.divisor_rule in ("floor", "interpolate")


def test_default_local_figures_are_marked_as_examples() -> None:
    text = DEFAULT_POLICY_FILE.read_text(encoding="utf-8")
    for key in ("average_monthly_wage", "minimum_wage", "computation_base", "local_extra_days", "difficult_paid"):
        line = next(line for line in text.splitlines() if line.strip().startswith(key))
        assert "[local] example, replace with your province's figure" in line, key


@pytest.mark.parametrize(
    ("day", "basic_yuan"),
    [((2009, 10, 1), None), ((2014, 7, 1), 70), ((2018, 1, 1), 88), ((2020, 7, 1), 93), ((2023, 5, 1), 103),
     ((2024, 12, 31), 123), ((2025, 1, 1), 143), ((2030, 1, 1), 143)],
)
def test_basic_pension_by_date(day: tuple[int, int, int], basic_yuan: int | None) -> None:
    book = load_policy(None)
    if basic_yuan is None:
        assert book.basic_pension_on(dt.date(*day)) == 5500
    else:
        assert book.basic_pension_on(dt.date(*day)) == basic_yuan * 100


def test_version_selection_by_date() -> None:
    book = load_policy(None)
    p2024 = book.policy_for(dt.date(2024, 6, 30))
    p2025 = book.policy_for(dt.date(2025, 1, 1))
    assert p2024.effective == dt.date(2024, 1, 1) and p2025.effective == dt.date(2025, 1, 1)
    assert p2024.basic_pension_fen == 12300 and p2025.basic_pension_fen == 14300
    assert p2024.medical.resident_subsidy_fen == 67000 and p2025.medical.resident_subsidy_fen == 70000
    # later versions inherit what they do not override
    assert p2025.medical.resident_annual_fee_fen == 40000
    assert p2025.rates == p2024.rates
    # a 2024 calculation uses 2024 bounds
    wage = 100_000_000
    assert assess_employee(wage, p2024.wage, p2024.rates).base.base_fen == p2024.wage.base_cap_fen
    assert p2024.wage.base_cap_fen != p2025.wage.base_cap_fen
    with pytest.raises(PolicyError, match="2023-01-01"):
        book.policy_for(dt.date(2022, 12, 31))


def _bad(mutate: Any) -> str:
    raw = default_raw()
    mutate(raw)
    with pytest.raises(PolicyError) as info:
        policy_from_mapping(raw, "policy.toml")
    return str(info.value)


def test_wrong_type_names_the_key() -> None:
    def change(raw: dict[str, Any]) -> None:
        raw["version"][0]["rates"]["pension"]["employer"] = 0.16

    message = _bad(change)
    assert message.startswith("policy.toml: version 2023-01-01 → rates.pension.employer:")
    assert "quotes" in message


def test_rate_above_one_names_the_key() -> None:
    def change(raw: dict[str, Any]) -> None:
        raw["version"][1]["rates"] = {"medical": {"employer": "1.2"}}

    assert _bad(change) == ("policy.toml: version 2024-01-01 → rates.medical.employer: 1.2 must be between "
                            "0 and 1 (a fraction: \"0.16\" = 16%)")


def test_descending_tiers_name_the_key() -> None:
    def change(raw: dict[str, Any]) -> None:
        tiers = raw["version"][0]["resident_pension"]["tiers"]
        tiers[3], tiers[2] = tiers[2], tiers[3]
        raw["version"].append({"effective": dt.date(2026, 1, 1), "resident_pension": {"tiers": tiers}})

    message = _bad(change)
    # the first version already fails; the error names it
    assert message == "policy.toml: version 2023-01-01 → resident_pension.tiers[3]: tiers must ascend"


def test_descending_tiers_in_later_version() -> None:
    def change(raw: dict[str, Any]) -> None:
        raw["version"][2]["resident_pension"] = {
            "tiers": [{"annual": "200", "subsidy": "40"}, {"annual": "300", "subsidy": "40"},
                      {"annual": "500", "subsidy": "60"}, {"annual": "400", "subsidy": "60"}],
        }

    assert _bad(change) == "policy.toml: version 2025-01-01 → resident_pension.tiers[3]: tiers must ascend"


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda r: r["version"][1].__setitem__("effective", dt.date(2022, 1, 1)), "ascending date order"),
        (lambda r: r["version"][0]["wage"].__setitem__("bonus", "1"), "wage.bonus: unknown key"),
        (lambda r: r["version"][0]["rates"]["work_injury"].__setitem__("class_rates", ["0.002"]),
         "rates.work_injury.class_rates: needs 8"),
        (lambda r: r["version"][0]["employee_pension"].__setitem__("divisor_rule", "round"),
         "employee_pension.divisor_rule"),
        (lambda r: r["version"][0]["resident_pension"].__setitem__("difficult_paid", "300"),
         "resident_pension.difficult_paid: cannot exceed the minimum tier"),
        (lambda r: r["version"][0]["wage"].__setitem__("average_monthly_wage", "7000.001"),
         "wage.average_monthly_wage"),
        (lambda r: r["version"][0]["medical"].pop("levels"), "medical.levels"),
        (lambda r: r["national_basic_pension"][2].__setitem__("effective", dt.date(2010, 1, 1)),
         "national_basic_pension[2].effective: dates must ascend"),
        (lambda r: r["version"][0]["rates"]["work_injury"].__setitem__("steps_class1", ["0.5", "1"]),
         "steps_class1: class 1 may only float up"),
        (lambda r: r["version"][0]["queue"].__setitem__("priority_age", "70"), "queue.priority_age"),
        (lambda r: r.__setitem__("version", []), "version: at least one"),
    ],
)
def test_other_errors_name_the_key(mutate: Any, fragment: str) -> None:
    assert fragment in _bad(mutate)


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="no such policy file"):
        load_policy(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[[version]\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=r"bad\.toml: not valid TOML"):
        load_policy(bad)


def test_hall_local_file(tmp_path: Path) -> None:
    local = tmp_path / "jiangxi.toml"
    text = DEFAULT_POLICY_FILE.read_text(encoding="utf-8")
    local.write_text(text + '\n[[version]]\neffective = 2026-01-01\n[version.maternity]\nlocal_extra_days = 90\n',
                     encoding="utf-8")
    book = load_policy(str(local))
    assert book.source == "jiangxi.toml"
    assert book.policy_for(dt.date(2026, 3, 1)).maternity.local_extra_days == 90
    assert book.policy_for(dt.date(2025, 3, 1)).maternity.local_extra_days == 60
