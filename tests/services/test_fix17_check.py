"""applications.check (issue 17: the kiosk says a refusal before the review, not after
the + confirmation): the same refusals as submit, nothing written (SQLite and PostgreSQL)."""

from __future__ import annotations

import peewee
import pytest

from db.models import Application, AuditEntry
from kiosk.services import ServiceContext, ServiceError, applications
from tests.services.resident_factory import seed_residents

TRANSFERS = (
    ({"kind": "resident_to_employee", "direction": "in", "other_region": "浙江省"}, "below_pension_age"),
    ({"kind": "employee_interprovincial", "direction": "out", "other_region": "北京市"}, "apply_at_new_place"),
)


@pytest.mark.parametrize(("data", "code"), TRANSFERS)
def test_check_refuses_as_submit_does_and_writes_nothing(database: peewee.Database, ctx: ServiceContext,
                                                         data: dict[str, str], code: str) -> None:
    li = seed_residents(database).li
    before = (Application.select().count(), AuditEntry.select().count())
    with pytest.raises(ServiceError) as checked:
        applications.check(ctx, li, "transfer", dict(data))
    with pytest.raises(ServiceError) as submitted:
        applications.submit(ctx, li, "transfer", dict(data))
    assert checked.value.code == submitted.value.code == code
    assert str(checked.value) == str(submitted.value)
    assert (Application.select().count(), AuditEntry.select().count()) == before


def test_check_accepts_what_submit_accepts(database: peewee.Database, ctx: ServiceContext) -> None:
    seeded = seed_residents(database)
    Application.delete().where(Application.resident == seeded.zhang).execute()
    data = {"kind": "employee_interprovincial", "direction": "in", "other_region": "浙江省"}
    before = Application.select().count()
    applications.check(ctx, seeded.zhang, "transfer", dict(data))  # no exception
    assert Application.select().count() == before
    assert applications.submit(ctx, seeded.zhang, "transfer", dict(data)).status
