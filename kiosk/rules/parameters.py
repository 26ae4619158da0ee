"""Typed policy parameters: the figures one policy version holds.

These frozen dataclasses live in ``kiosk.rules`` (not ``kiosk.policy``) so the
pure rule functions can take them as arguments without importing the loader;
``kiosk.policy`` builds them from TOML and re-exports them. Money is integer
fen, rates and ratios are :class:`~decimal.Decimal` fractions (0.16 = 16%).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from kiosk.rules.money import Fen, round_fen

DivisorRule = Literal["floor", "interpolate"]


@dataclass(frozen=True)
class WageParams:
    """Average wage and the 60%–300% contribution-base bounds."""

    average_monthly_wage_fen: Fen
    """全口径城镇单位就业人员月平均工资 [local], the benchmark for base bounds."""
    base_floor_ratio: Decimal = Decimal("0.6")
    base_cap_ratio: Decimal = Decimal("3")

    @property
    def base_floor_fen(self) -> Fen:
        """Lowest contribution base: 60% of the average, rounded once."""
        return round_fen(self.average_monthly_wage_fen * self.base_floor_ratio)

    @property
    def base_cap_fen(self) -> Fen:
        """Highest contribution base: 300% of the average, rounded once."""
        return round_fen(self.average_monthly_wage_fen * self.base_cap_ratio)


@dataclass(frozen=True)
class InsuranceRate:
    """Employer and individual rate of one insurance, as fractions."""

    employer: Decimal
    individual: Decimal


@dataclass(frozen=True)
class ContributionRates:
    """Rates of the enterprise-employee insurances (企业职工五险)."""

    pension: InsuranceRate
    medical: InsuranceRate
    unemployment: InsuranceRate
    work_injury_class_rates: tuple[Decimal, ...]
    """Base rate of the 8 industry risk classes, class 1 first."""
    work_injury_steps_class1: tuple[Decimal, ...] = (Decimal("1"), Decimal("1.2"), Decimal("1.5"))
    """Floating multipliers allowed for class 1 (up only)."""
    work_injury_steps_other: tuple[Decimal, ...] = (
        Decimal("0.5"), Decimal("0.8"), Decimal("1"), Decimal("1.2"), Decimal("1.5"),
    )
    """Floating multipliers allowed for classes 2-8."""
    flexible_pension_rate: Decimal = Decimal("0.20")
    flexible_account_rate: Decimal = Decimal("0.08")


@dataclass(frozen=True)
class ResidentTier:
    """One annual contribution tier of the resident pension and its subsidy."""

    annual_fen: Fen
    subsidy_fen: Fen


@dataclass(frozen=True)
class ResidentPensionParams:
    """城乡居民基本养老保险: tiers, subsidies, the difficult-group rule."""

    tiers: tuple[ResidentTier, ...]
    difficult_paid_fen: Fen
    """What government pays for a difficult-group member (the minimum tier) [local]."""
    basic_pension_local_extra_fen: Fen = 0
    """Monthly amount a province adds on top of the national minimum [local]."""
    account_divisor: int = 139
    """The resident pension always divides the account by 139."""

    def tier(self, annual_fen: Fen) -> ResidentTier | None:
        """The tier with exactly this annual amount, if offered."""
        for tier in self.tiers:
            if tier.annual_fen == annual_fen:
                return tier
        return None


@dataclass(frozen=True)
class HospitalLevel:
    """Resident inpatient deductible and ratio at one hospital level."""

    name: str
    deductible_fen: Fen
    ratio: Decimal


@dataclass(frozen=True)
class MedicalParams:
    """Resident medical insurance: fees, inpatient tiers, cap and 大病保险."""

    resident_annual_fee_fen: Fen
    resident_subsidy_fen: Fen
    levels: tuple[HospitalLevel, ...]
    annual_cap_fen: Fen
    serious_threshold_fen: Fen
    serious_ratio: Decimal
    unfiled_ratio_cut: Decimal = Decimal("0.1")
    """Points cut from the ratio for out-of-area treatment that was not filed."""

    def level(self, name: str) -> HospitalLevel:
        """The hospital level by name; KeyError names the known ones."""
        for level in self.levels:
            if level.name == name:
                return level
        known = ", ".join(level.name for level in self.levels)
        raise KeyError(f"unknown hospital level {name!r}; known: {known}")


@dataclass(frozen=True)
class UnemploymentParams:
    """Unemployment benefit amount: a share of the local minimum wage."""

    minimum_wage_fen: Fen
    benefit_ratio: Decimal = Decimal("0.9")


@dataclass(frozen=True)
class MaternityParams:
    """Local extra maternity leave on top of the national 98 days."""

    local_extra_days: int = 0


@dataclass(frozen=True)
class EmployeePensionParams:
    """Employee pension figures: computation base C, divisor rule, transitional rate."""

    computation_base_fen: Fen
    """C, the provincial pension computation base (计发基数) [local]."""
    divisor_rule: DivisorRule = "floor"
    transitional_rate: Decimal = Decimal("0")
    """Transitional pension per deemed year before the personal account, × C × I [local]."""
    account_start: dt.date = dt.date(1996, 1, 1)
    """The day personal accounts began in the province (国发〔1995〕6号/〔1997〕26号: 1996–1998)
    [verify locally]: deemed months (视同缴费) lie before it (kiosk.rules.deemed)."""


@dataclass(frozen=True)
class BasicPensionStep:
    """The national minimum resident basic pension from a date on."""

    effective: dt.date
    monthly_fen: Fen


@dataclass(frozen=True)
class LifecycleParams:
    """Benefit lifecycle figures (RULES.md §13.3), ``[version.lifecycle]`` in the policy file.

    ``certification_interval_months``: 待遇领取资格认证 once every N months [local].
    Funeral grants (丧葬补助金, SIL Art. 17) per scheme in fen, None when the file sets none
    [local]. ``employee_survivor_months``: the 抚恤金 as months of the deceased's monthly
    pension [local]. ``resident_inherit_subsidy``: whether the government-subsidy part of a
    resident account is inherited (国发〔2014〕8号 §7 says the balance is; [verify] locally).

    Monthly 遗属待遇 (issue 15; [local]: e.g. a province's 遗属生活困难补助费, or the shape of the
    work-injury 供养亲属抚恤金, 工伤保险条例 Art. 39 [verify]): when an employee-scheme pensioner
    dies, each eligible survivor named at 死亡注销 gets ``survivor_pension_fen`` (fen a month)
    plus ``survivor_pension_share`` of the deceased's monthly pension, for
    ``survivor_pension_months`` months (0 = until the survivor's own death or a stop). Both
    figures 0 (the default) means the province pays no monthly survivor pension; the one-off
    抚恤金 (``employee_survivor_months``) is paid once to the first survivor named.
    """

    certification_interval_months: int = 12
    employee_funeral_grant_fen: Fen | None = None
    resident_funeral_grant_fen: Fen | None = None
    employee_survivor_months: int = 0
    resident_inherit_subsidy: bool = True
    survivor_pension_fen: Fen = 0
    survivor_pension_share: Decimal = Decimal(0)
    survivor_pension_months: int = 0

    def survivor_monthly_fen(self, pension_fen: Fen) -> Fen:
        """The monthly 遗属待遇 of one survivor of a pensioner drawing ``pension_fen`` a month
        (fen; one rounding, half up); 0 when the policy sets none."""
        return self.survivor_pension_fen + round_fen(self.survivor_pension_share * pension_fen)


#: Who collects a contribution (国税地税征管体制改革方案, 2018: social-insurance fees pass to the
#: tax authority; many provinces still have banks debit residents' accounts [local]).
COLLECTION_CHANNELS = ("tax", "bank")


@dataclass(frozen=True)
class CollectionRule:
    """How one scheme's insurance is collected: ``channel`` tax (税务征收) or bank (银行代扣),
    and whether the township counter may take the money itself (窗口代收, cash or card) [local]."""

    channel: str = "tax"
    counter: bool = False


@dataclass(frozen=True)
class CollectionParams:
    """Collection channels per ``"scheme.insurance"`` key (``"resident.pension"``), ``[version.collection]``.

    A key the file does not name falls back to ``default`` (tax authority, no counter cash).
    Employer shares are never collected from a person, whatever the channel (issue 15).
    """

    rules: tuple[tuple[str, CollectionRule], ...] = ()
    default: CollectionRule = field(default_factory=CollectionRule)

    def rule(self, scheme: str, insurance: str) -> CollectionRule:
        """The rule for ``scheme`` (resident|flexible|employee) and ``insurance`` (pension, medical, ...)."""
        return dict(self.rules).get(f"{scheme}.{insurance}", self.default)


@dataclass(frozen=True)
class PolicyParams:
    """All figures in force on one day: what every calculation takes."""

    effective: dt.date
    wage: WageParams
    rates: ContributionRates
    resident_pension: ResidentPensionParams
    medical: MedicalParams
    unemployment: UnemploymentParams
    maternity: MaternityParams
    employee_pension: EmployeePensionParams
    basic_pension_fen: Fen
    """National minimum resident basic pension in force on ``effective``."""
    priority_age: int = 70
    notes: tuple[str, ...] = field(default=())
    lifecycle: LifecycleParams = field(default_factory=LifecycleParams)
    """Certification interval, funeral grant, survivor pension, inheritance (migration-8 run)."""
    collection: CollectionParams = field(default_factory=CollectionParams)
    """Collection channel (tax/bank) and counter cash per scheme and insurance (issue 15.3)."""

    @property
    def resident_basic_pension_fen(self) -> Fen:
        """National minimum plus the local extra: what a resident gets monthly."""
        return self.basic_pension_fen + self.resident_pension.basic_pension_local_extra_fen
