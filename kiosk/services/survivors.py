"""遗属待遇 at 死亡注销 (RULES.md §13.3, issue 15): the survivor benefits the monthly run pays.

:func:`grant` runs inside :func:`kiosk.services.lifecycle.record_death`'s
transaction and creates, for the survivors named (each a registered, living
resident other than the deceased: the payee, who brought the 供养关系 /
kinship document to the counter):

- the one-off 抚恤金 (SIL Art. 17; ``employee_survivor_months`` of the
  deceased's monthly pension, [local]) as a Benefit of kind
  ``survivor_lump`` with ``months = 1`` for the FIRST survivor named (the
  family's payee): the next run pays it once (a late report still pays it
  once, as 补发 of its month);
- the monthly 遗属待遇 where the policy sets one (``survivor_pension`` +
  ``survivor_pension_share`` × the pension, for ``survivor_pension_months``
  or for life, [local]/[verify]) as a Benefit of kind ``survivor`` for EACH
  survivor named: the run pays it every month like any benefit in payment
  (from the month after the death; months already past are paid back), it
  stops at the survivor's own death and is certified yearly like a pension.

Both only when the death is settled in the employee scheme and the deceased
drew a pension (the amounts are shares of it). Figures come from the policy
in force on the day of death (versioned ``[version.lifecycle]``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from db.models import Benefit, Resident
from kiosk.rules.money import Fen
from kiosk.rules.parameters import LifecycleParams
from kiosk.rules.retirement import add_months
from kiosk.services import NotFound, ServiceError


def check(deceased_id: int, survivors: Sequence[int]) -> tuple[int, ...]:
    """The survivors as resident ids, each once, in order; ServiceError when one is the deceased,
    unknown or recorded as deceased (caller's connection)."""
    unique = tuple(dict.fromkeys(int(s) for s in survivors))
    for survivor in unique:
        if survivor == deceased_id:
            raise ServiceError.keyed("refusal.survivors.self", "bad_survivor")
        person = Resident.get_or_none(Resident.id == survivor)
        if person is None:
            raise NotFound.keyed("refusal.survivors.unknown")
        if person.death_date is not None:
            raise ServiceError.keyed("refusal.survivors.deceased", "bad_survivor")
    return unique


def grant(params: LifecycleParams, survivors: Sequence[int], *, death: dt.date, scheme: str,
          pension_fen: Fen, lump_fen: Fen, today: dt.date, now: dt.datetime) -> tuple[int, ...]:
    """Create the survivor Benefits (see the module docstring); their ids. Caller's transaction."""
    if scheme != "employee" or pension_fen <= 0 or not survivors:
        return ()
    start = add_months(death.replace(day=1), 1)
    created: list[int] = []

    def benefit(resident: int, kind: str, monthly: Fen, months: int | None) -> None:
        row = Benefit.create(resident=resident, kind=kind, scheme="employee", start_month=start, months=months,
                             monthly_fen=monthly, certified_on=today, created_at=now, updated_at=now)
        created.append(int(row.id))

    if lump_fen > 0:
        benefit(survivors[0], "survivor_lump", lump_fen, 1)
    monthly = params.survivor_monthly_fen(pension_fen)
    if monthly > 0:
        for survivor in survivors:
            benefit(survivor, "survivor", monthly, params.survivor_pension_months or None)
    return tuple(created)
