"""Load and validate policy files into a :class:`PolicyBook`.

A policy file holds a national basic-pension history and several
``[[version]]`` tables by effective date; the first version is complete and
later ones override only what changed (tables merge key by key, lists are
replaced whole). Every value is checked (type, range 0..1 for rates,
ascending tiers and dates, no unknown keys) and a failure raises
:class:`PolicyError` naming the file, the version and the key::

    policy.toml: version 2025-01-01 → resident_pension.tiers[3]: tiers must ascend
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

from kiosk.policy.checked import DEFAULT_POLICY_FILE, read_policy_text
from kiosk.policy.errors import PolicyError
from kiosk.rules.interest import INTEREST_METHODS, AccountInterestParams, InterestRate
from kiosk.rules.money import Fen, yuan_to_fen
from kiosk.rules.parameters import (
    COLLECTION_CHANNELS,
    BasicPensionStep,
    CollectionParams,
    CollectionRule,
    ContributionRates,
    DivisorRule,
    EmployeePensionParams,
    HospitalLevel,
    InsuranceRate,
    LifecycleParams,
    MaternityParams,
    MedicalParams,
    PolicyParams,
    ResidentPensionParams,
    ResidentTier,
    UnemploymentParams,
    WageParams,
)

__all__ = ["DEFAULT_POLICY_FILE", "PolicyBook", "PolicyError", "load_policy", "policy_from_mapping", "policy_from_text"]

T = TypeVar("T")


@dataclass(frozen=True)
class PolicyBook:
    """All versions of a policy file; ``policy_for(day)`` gives the one in force."""

    source: str
    versions: tuple[PolicyParams, ...]
    basic_pension_history: tuple[BasicPensionStep, ...]
    interest: AccountInterestParams = dataclasses.field(default_factory=AccountInterestParams)
    """Personal-account 记账利率 by year (``[account_interest]``; empty when the file has none)."""

    def basic_pension_on(self, day: dt.date) -> Fen:
        """The national minimum resident basic pension (fen/month) on ``day``."""
        amount: Fen | None = None
        for step in self.basic_pension_history:
            if step.effective <= day:
                amount = step.monthly_fen
        if amount is None:
            first = self.basic_pension_history[0].effective
            raise PolicyError(f"{self.source}: no basic pension before {first.isoformat()} (asked {day.isoformat()})")
        return amount

    def policy_for(self, day: dt.date) -> PolicyParams:
        """The parameters in force on ``day``: the last version with effective ≤ day,
        with the basic pension in force on that day."""
        chosen: PolicyParams | None = None
        for version in self.versions:
            if version.effective <= day:
                chosen = version
        if chosen is None:
            first = self.versions[0].effective
            raise PolicyError(
                f"{self.source}: no policy version in force on {day.isoformat()}; the first starts {first.isoformat()}"
            )
        return dataclasses.replace(chosen, basic_pension_fen=self.basic_pension_on(day))


def load_policy(path: str | Path | None = None) -> PolicyBook:
    """Read and validate a policy file; ``None`` or ``""`` means the shipped default.
    (``kiosk run`` uses kiosk.policy.checked.check_policy, which skips the parse at start
    for a file already seen valid.)"""
    file = Path(path) if path else DEFAULT_POLICY_FILE
    return policy_from_text(read_policy_text(file), file.name)


def policy_from_text(text: str, name: str) -> PolicyBook:
    """Parse and validate the TOML text of a policy file called ``name`` (PolicyError names it)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{name}: not valid TOML: {exc}") from None
    return policy_from_mapping(raw, name)


def policy_from_mapping(raw: dict[str, Any], source: str = "(policy)") -> PolicyBook:
    """Build a PolicyBook from an already parsed TOML table."""
    _no_unknown(raw, {"national_basic_pension", "version", "account_interest"}, _Where(source, None, ""))
    history = _history(raw.get("national_basic_pension"), source)
    interest = _account_interest(raw.get("account_interest"), source)
    tables = raw.get("version")
    if not isinstance(tables, list) or not tables:
        raise PolicyError(f"{source}: version: at least one [[version]] table is needed")
    versions: list[PolicyParams] = []
    merged: dict[str, Any] = {}
    previous: dt.date | None = None
    for index, table in enumerate(tables):
        if not isinstance(table, dict):
            raise PolicyError(f"{source}: version[{index}]: must be a table")
        effective = table.get("effective")
        if not isinstance(effective, dt.date) or isinstance(effective, dt.datetime):
            raise PolicyError(f"{source}: version[{index}] → effective: must be a date such as 2025-01-01")
        if previous is not None and effective <= previous:
            raise PolicyError(
                f"{source}: version {effective.isoformat()} → effective: versions must be in ascending date order"
            )
        previous = effective
        merged = _merge(merged, table)
        where = _Where(source, effective, "")
        versions.append(_version(merged, where, history))
    return PolicyBook(source, tuple(versions), history, interest)


# --- helpers -------------------------------------------------------------------


@dataclass(frozen=True)
class _Where:
    source: str
    version: dt.date | None
    key: str

    def at(self, key: str) -> _Where:
        return _Where(self.source, self.version, f"{self.key}.{key}" if self.key else key)

    def item(self, index: int) -> _Where:
        return _Where(self.source, self.version, f"{self.key}[{index}]")

    def error(self, message: str) -> PolicyError:
        head = self.source if self.version is None else f"{self.source}: version {self.version.isoformat()}"
        return PolicyError(f"{head} → {self.key}: {message}" if self.key else f"{head}: {message}")


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    result = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = _merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def _no_unknown(table: dict[str, Any], allowed: set[str], where: _Where) -> None:
    for key in table:
        if key not in allowed:
            raise where.at(key).error(f"unknown key; allowed: {', '.join(sorted(allowed))}")


def _table(parent: dict[str, Any], key: str, where: _Where, allowed: set[str]) -> tuple[dict[str, Any], _Where]:
    here = where.at(key)
    value = parent.get(key)
    if not isinstance(value, dict):
        raise here.error("missing table" if value is None else "must be a table")
    _no_unknown(value, allowed, here)
    return value, here


def _decimal(value: Any, where: _Where) -> Decimal:
    if isinstance(value, (bool, float)):
        raise where.error(f"{value!r} must be a number in quotes such as \"0.16\" (floats are not exact)")
    if isinstance(value, int):
        return Decimal(value)
    if not isinstance(value, str):
        raise where.error(f"{value!r} must be a number in quotes such as \"0.16\"")
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        raise where.error(f"{value!r} is not a number") from None
    if not number.is_finite():
        raise where.error(f"{value!r} is not a finite number")
    return number


def _get(table: dict[str, Any], key: str, where: _Where, convert: Callable[[Any, _Where], T]) -> T:
    here = where.at(key)
    if key not in table:
        raise here.error("missing")
    return convert(table[key], here)


def _rate(value: Any, where: _Where) -> Decimal:
    number = _decimal(value, where)
    if not Decimal(0) <= number <= Decimal(1):
        raise where.error(f"{value} must be between 0 and 1 (a fraction: \"0.16\" = 16%)")
    return number


def _positive_decimal(value: Any, where: _Where) -> Decimal:
    number = _decimal(value, where)
    if number <= 0:
        raise where.error(f"{value} must be greater than 0")
    return number


def _money(value: Any, where: _Where) -> Fen:
    number = _decimal(value, where)
    if number < 0:
        raise where.error(f"{value} cannot be negative")
    if number != number.quantize(Decimal("0.01")):
        raise where.error(f"{value} has more than two decimals (yuan to the fen)")
    return yuan_to_fen(number)


def _int(value: Any, where: _Where) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise where.error(f"{value!r} must be a whole number")
    if value < 0:
        raise where.error(f"{value} cannot be negative")
    return value


def _list(value: Any, where: _Where) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise where.error("must be a non-empty list")
    return value


def _history(raw: Any, source: str) -> tuple[BasicPensionStep, ...]:
    where = _Where(source, None, "national_basic_pension")
    items = _list(raw, where)
    steps: list[BasicPensionStep] = []
    for index, item in enumerate(items):
        here = where.item(index)
        if not isinstance(item, dict):
            raise here.error("must be a table with effective and monthly")
        _no_unknown(item, {"effective", "monthly"}, here)
        effective = item.get("effective")
        if not isinstance(effective, dt.date) or isinstance(effective, dt.datetime):
            raise here.at("effective").error("must be a date such as 2025-01-01")
        if steps and effective <= steps[-1].effective:
            raise here.at("effective").error("dates must ascend")
        steps.append(BasicPensionStep(effective, _get(item, "monthly", here, _money)))
    return tuple(steps)


def _account_interest(raw: Any, source: str) -> AccountInterestParams:
    """``[account_interest]``: ``method`` and ``[[account_interest.employee]]`` /
    ``[[account_interest.resident]]`` rows of ``year``, ``rate``, ``source``, ``verify``."""
    if raw is None:
        return AccountInterestParams()
    where = _Where(source, None, "account_interest")
    if not isinstance(raw, dict):
        raise where.error("must be a table")
    _no_unknown(raw, {"method", "employee", "resident"}, where)
    method = raw.get("method", "monthly")
    if method not in INTEREST_METHODS:
        raise where.at("method").error(f"{method!r} must be one of {', '.join(INTEREST_METHODS)}")
    tables: dict[str, tuple[InterestRate, ...]] = {}
    for kind in ("employee", "resident"):
        kw = where.at(kind)
        rows: list[InterestRate] = []
        for index, item in enumerate(raw.get(kind, [])):
            here = kw.item(index)
            if not isinstance(item, dict):
                raise here.error("must be a table { year, rate, source, verify }")
            _no_unknown(item, {"year", "rate", "source", "verify"}, here)
            year = _get(item, "year", here, _int)
            if not 1992 <= year <= 2100:
                raise here.at("year").error(f"{year} is not a plausible year")
            if rows and year <= rows[-1].year:
                raise here.at("year").error("years must ascend")
            text = item.get("source")
            if not isinstance(text, str) or not text.strip():
                raise here.at("source").error("say where the rate comes from (the notice), in quotes")
            verify = item.get("verify", True)
            if not isinstance(verify, bool):
                raise here.at("verify").error("must be true or false")
            rows.append(InterestRate(year, _get(item, "rate", here, _rate), text.strip(), verify))
        tables[kind] = tuple(rows)
    return AccountInterestParams(method, tables["employee"], tables["resident"])


def _insurance(rates: dict[str, Any], key: str, where: _Where) -> InsuranceRate:
    table, here = _table(rates, key, where, {"employer", "individual"})
    return InsuranceRate(_get(table, "employer", here, _rate), _get(table, "individual", here, _rate))


def _rates_list(table: dict[str, Any], key: str, where: _Where, convert: Callable[[Any, _Where], Decimal]
                ) -> tuple[Decimal, ...]:
    here = where.at(key)
    return tuple(convert(v, here.item(i)) for i, v in enumerate(_list(table.get(key), here)))


def _contribution_rates(version: dict[str, Any], where: _Where) -> ContributionRates:
    rates, here = _table(version, "rates", where, {"pension", "medical", "unemployment", "work_injury", "flexible"})
    injury, iw = _table(rates, "work_injury", here, {"class_rates", "steps_class1", "steps_other"})
    classes = _rates_list(injury, "class_rates", iw, _rate)
    if len(classes) != 8:
        raise iw.at("class_rates").error(f"needs 8 class rates (classes 1-8), found {len(classes)}")
    for i in range(1, 8):
        if classes[i] < classes[i - 1]:
            raise iw.at("class_rates").item(i).error("class rates must ascend with the risk class")
    steps1 = _rates_list(injury, "steps_class1", iw, _positive_decimal)
    if any(step < 1 for step in steps1):
        raise iw.at("steps_class1").error("class 1 may only float up (steps ≥ 1)")
    flexible, fw = _table(rates, "flexible", here, {"pension_rate", "account_rate"})
    pension_rate = _get(flexible, "pension_rate", fw, _rate)
    account_rate = _get(flexible, "account_rate", fw, _rate)
    if account_rate > pension_rate:
        raise fw.at("account_rate").error("cannot exceed pension_rate")
    return ContributionRates(
        pension=_insurance(rates, "pension", here),
        medical=_insurance(rates, "medical", here),
        unemployment=_insurance(rates, "unemployment", here),
        work_injury_class_rates=classes,
        work_injury_steps_class1=steps1,
        work_injury_steps_other=_rates_list(injury, "steps_other", iw, _positive_decimal),
        flexible_pension_rate=pension_rate,
        flexible_account_rate=account_rate,
    )


def _resident_pension(version: dict[str, Any], where: _Where) -> ResidentPensionParams:
    table, here = _table(version, "resident_pension", where,
                         {"tiers", "difficult_paid", "local_basic_extra", "account_divisor"})
    tw = here.at("tiers")
    tiers: list[ResidentTier] = []
    for i, item in enumerate(_list(table.get("tiers"), tw)):
        iw = tw.item(i)
        if not isinstance(item, dict):
            raise iw.error("must be a table { annual = \"200\", subsidy = \"40\" }")
        _no_unknown(item, {"annual", "subsidy"}, iw)
        tier = ResidentTier(_get(item, "annual", iw, _money), _get(item, "subsidy", iw, _money))
        if tier.annual_fen <= 0:
            raise iw.at("annual").error("must be greater than 0")
        if tiers and tier.annual_fen <= tiers[-1].annual_fen:
            raise iw.error("tiers must ascend")
        tiers.append(tier)
    difficult = _get(table, "difficult_paid", here, _money)
    if difficult > tiers[0].annual_fen:
        raise here.at("difficult_paid").error("cannot exceed the minimum tier")
    divisor = _get(table, "account_divisor", here, _int) if "account_divisor" in table else 139
    if divisor <= 0:
        raise here.at("account_divisor").error("must be greater than 0")
    extra = _get(table, "local_basic_extra", here, _money) if "local_basic_extra" in table else 0
    return ResidentPensionParams(tuple(tiers), difficult, extra, divisor)


def _medical(version: dict[str, Any], where: _Where) -> MedicalParams:
    allowed = {"resident_annual_fee", "resident_subsidy", "annual_cap", "serious_threshold", "serious_ratio",
               "unfiled_ratio_cut", "levels"}
    table, here = _table(version, "medical", where, allowed)
    lw = here.at("levels")
    levels: list[HospitalLevel] = []
    for i, item in enumerate(_list(table.get("levels"), lw)):
        iw = lw.item(i)
        if not isinstance(item, dict):
            raise iw.error("must be a table { name, deductible, ratio }")
        _no_unknown(item, {"name", "deductible", "ratio"}, iw)
        name = item.get("name")
        if not isinstance(name, str) or not name:
            raise iw.at("name").error("must be a name in quotes")
        if any(level.name == name for level in levels):
            raise iw.at("name").error(f"duplicate level {name!r}")
        levels.append(HospitalLevel(name, _get(item, "deductible", iw, _money), _get(item, "ratio", iw, _rate)))
    return MedicalParams(
        resident_annual_fee_fen=_get(table, "resident_annual_fee", here, _money),
        resident_subsidy_fen=_get(table, "resident_subsidy", here, _money),
        levels=tuple(levels),
        annual_cap_fen=_get(table, "annual_cap", here, _money),
        serious_threshold_fen=_get(table, "serious_threshold", here, _money),
        serious_ratio=_get(table, "serious_ratio", here, _rate),
        unfiled_ratio_cut=_get(table, "unfiled_ratio_cut", here, _rate),
    )


def _divisor_rule(value: Any, where: _Where) -> DivisorRule:
    if value == "floor":
        return "floor"
    if value == "interpolate":
        return "interpolate"
    raise where.error(f"{value!r} must be \"floor\" or \"interpolate\"")


def _version(v: dict[str, Any], where: _Where, history: tuple[BasicPensionStep, ...]) -> PolicyParams:
    allowed = {"effective", "notes", "wage", "rates", "resident_pension", "medical", "unemployment",
               "maternity", "employee_pension", "queue", "lifecycle", "collection"}
    _no_unknown(v, allowed, where)
    wage_t, ww = _table(v, "wage", where, {"average_monthly_wage", "base_floor_ratio", "base_cap_ratio"})
    floor = _get(wage_t, "base_floor_ratio", ww, _rate)
    cap = _get(wage_t, "base_cap_ratio", ww, _positive_decimal)
    if cap < floor:
        raise ww.at("base_cap_ratio").error("must not be below base_floor_ratio")
    average = _get(wage_t, "average_monthly_wage", ww, _money)
    if average <= 0:
        raise ww.at("average_monthly_wage").error("must be greater than 0")
    unemp_t, uw = _table(v, "unemployment", where, {"minimum_wage", "benefit_ratio"})
    mat_t, mw = _table(v, "maternity", where, {"local_extra_days"})
    extra_days = _get(mat_t, "local_extra_days", mw, _int)
    if extra_days > 365:
        raise mw.at("local_extra_days").error(f"{extra_days} is implausible (at most 365)")
    emp_t, ew = _table(v, "employee_pension", where, {"computation_base", "divisor_rule", "transitional_rate",
                                                                    "account_start"})
    queue_t, qw = _table(v, "queue", where, {"priority_age"})
    priority_age = _get(queue_t, "priority_age", qw, _int)
    if not 50 <= priority_age <= 100:
        raise qw.at("priority_age").error(f"{priority_age} must be between 50 and 100")
    notes = v.get("notes", [])
    if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
        raise where.at("notes").error("must be a list of strings")
    effective: dt.date = v["effective"]
    basic = 0
    for step in history:
        if step.effective <= effective:
            basic = step.monthly_fen
    return PolicyParams(
        effective=effective,
        wage=WageParams(average, floor, cap),
        rates=_contribution_rates(v, where),
        resident_pension=_resident_pension(v, where),
        medical=_medical(v, where),
        unemployment=UnemploymentParams(_get(unemp_t, "minimum_wage", uw, _money),
                                        _get(unemp_t, "benefit_ratio", uw, _rate)),
        maternity=MaternityParams(extra_days),
        employee_pension=EmployeePensionParams(
            computation_base_fen=_get(emp_t, "computation_base", ew, _money),
            divisor_rule=_get(emp_t, "divisor_rule", ew, _divisor_rule),
            transitional_rate=_get(emp_t, "transitional_rate", ew, _rate),
            account_start=_account_start(emp_t, ew),
        ),
        basic_pension_fen=basic,
        priority_age=priority_age,
        notes=tuple(notes),
        lifecycle=_lifecycle(v, where),
        collection=_collection(v, where),
    )


def _account_start(table: dict[str, Any], where: _Where) -> dt.date:
    """``account_start`` (a TOML date, optional: 1996-01-01 when absent) [verify]."""
    value = table.get("account_start", dt.date(1996, 1, 1))
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise where.at("account_start").error(f"{value!r} must be a date such as 1996-01-01")
    if not dt.date(1984, 1, 1) <= value <= dt.date(2000, 12, 31):
        raise where.at("account_start").error(f"{value} is implausible (personal accounts began 1996–1998)")
    return value


def _lifecycle(version: dict[str, Any], where: _Where) -> LifecycleParams:
    """``[version.lifecycle]`` (optional; RULES.md §13.3 defaults when absent)."""
    if "lifecycle" not in version:
        return LifecycleParams()
    table, here = _table(version, "lifecycle", where, {
        "certification_interval_months", "employee_funeral_grant", "resident_funeral_grant",
        "employee_survivor_months", "resident_inherit_subsidy", "survivor_pension", "survivor_pension_share",
        "survivor_pension_months"})
    interval = _get(table, "certification_interval_months", here, _int) if "certification_interval_months" in \
        table else 12
    if not 1 <= interval <= 60:
        raise here.at("certification_interval_months").error(f"{interval} must be between 1 and 60")
    survivor = _get(table, "employee_survivor_months", here, _int) if "employee_survivor_months" in table else 0
    if not 0 <= survivor <= 60:
        raise here.at("employee_survivor_months").error(f"{survivor} must be between 0 and 60")
    inherit = table.get("resident_inherit_subsidy", True)
    if not isinstance(inherit, bool):
        raise here.at("resident_inherit_subsidy").error("must be true or false")
    grants = {key: _get(table, key, here, _money) if key in table else None
              for key in ("employee_funeral_grant", "resident_funeral_grant")}
    # Monthly 遗属待遇 [local] (issue 15): a fixed amount plus a share of the deceased's pension.
    monthly = _get(table, "survivor_pension", here, _money) if "survivor_pension" in table else 0
    share = _get(table, "survivor_pension_share", here, _rate) if "survivor_pension_share" in table else Decimal(0)
    months = _get(table, "survivor_pension_months", here, _int) if "survivor_pension_months" in table else 0
    if months > 600:
        raise here.at("survivor_pension_months").error(f"{months} must be between 0 and 600 (0 = for life)")
    return LifecycleParams(interval, grants["employee_funeral_grant"], grants["resident_funeral_grant"],
                           survivor, inherit, monthly, share, months)


_COLLECTION_KEYS = {f"{scheme}.{insurance}" for scheme, insurances in (
    ("resident", ("pension", "medical")), ("flexible", ("pension", "medical")),
    ("employee", ("pension", "medical", "unemployment", "injury", "maternity")))
    for insurance in insurances}


def _collection(version: dict[str, Any], where: _Where) -> CollectionParams:
    """``[version.collection]`` (optional): ``"scheme.insurance" = {channel = "tax"|"bank", counter = bool}``.

    Absent keys are collected by the tax authority without counter cash (issue 15.3).
    """
    table = version.get("collection", {})
    here = where.at("collection")
    if not isinstance(table, dict):
        raise here.error("must be a table")
    _no_unknown(table, _COLLECTION_KEYS, here)
    rules: list[tuple[str, CollectionRule]] = []
    for key in sorted(table):
        entry, at = _table(table, key, here, {"channel", "counter"})
        channel = entry.get("channel", "tax")
        if channel not in COLLECTION_CHANNELS:
            raise at.at("channel").error(f"{channel!r} must be one of {', '.join(COLLECTION_CHANNELS)}")
        counter = entry.get("counter", False)
        if not isinstance(counter, bool):
            raise at.at("counter").error("must be true or false")
        rules.append((key, CollectionRule(channel, counter)))
    return CollectionParams(tuple(rules))


def policy_digest(book: PolicyBook) -> str:
    """A content hash of a policy book (sha256 hex, 64 characters): every version, the basic-pension
    history and the interest rates, not the file's name — two terminals with the same figures get the
    same digest, a file changed in any figure a different one. Recorded by each payment run."""
    import hashlib

    canonical = repr(dataclasses.replace(book, source=""))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
