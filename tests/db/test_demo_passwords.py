"""Demo residents get demo service passwords: derived from the seed like the
staff PINs, passing the real rules, stored only as argon2 hashes, and
opening the person's records at the kiosk."""

from __future__ import annotations

import datetime as dt
import random

import peewee

from db.demo import seed_demo
from db.models import Resident
from kiosk.clock import FixedClock
from kiosk.rules.identity import parse_id_number
from kiosk.rules.service_password import check_service_password
from kiosk.services import ServiceContext
from kiosk.services.service_password import claim, open_records

TODAY = dt.date(2026, 11, 29)
NOW = dt.datetime(2026, 11, 29, 1, 30)


def test_samples_have_working_passwords_stored_hashed(database: peewee.Database, clock: FixedClock) -> None:
    summary = seed_demo(database, residents=60, seed=7, today=TODAY, now=NOW)
    assert summary.samples
    ctx = ServiceContext(database, clock)
    for sample in summary.samples:
        check_service_password(sample.password, sample.id_number, parse_id_number(sample.id_number).birth_date)
        row = Resident.get(Resident.id_number == sample.id_number)
        assert row.service_password_hash.startswith("$argon2id$") and sample.password not in row.service_password_hash
        who = claim(ctx, sample.card_number)
        assert who.has_password and open_records(ctx, who.resident_id, sample.password, via=who.via).id == row.id
    # Everyone else has none yet (the kiosk sends them to the counter).
    with_password = Resident.select().where(Resident.service_password_hash != "").count()
    assert with_password == len(summary.samples)


def test_same_seed_same_passwords() -> None:
    from db.demo import DemoResident, _sample_passwords  # the derivation itself

    people = [DemoResident("张三", "110101197003074515", "A12345678", "x")]
    first = _sample_passwords(people, random.Random("demo-passwords-7"))
    again = _sample_passwords(people, random.Random("demo-passwords-7"))
    other = _sample_passwords(people, random.Random("demo-passwords-8"))
    assert first == again and first[0].password != other[0].password
