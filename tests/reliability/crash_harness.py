"""A process to be killed: it registers residents, submits and advances
applications and records payments through the real services, forever.

Run as ``python -m tests.reliability.crash_harness DB_URL STAFF_ID STAFF_NUMBER``.
The parent imports everything once, then waits on stdin: each line ``go``
forks a fresh worker (its own database connection) and prints its pid; the
test kills that worker with SIGKILL at a random moment and checks the
database. Forking keeps a kill cycle at a few milliseconds instead of an
interpreter start, so a hundred kills fit into CI time. Children are reaped
automatically (SIGCHLD ignored), so a killed pid disappears at once.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import sys

from db.connection import open_database
from db.models import Resident
from kiosk.clock import FixedClock
from kiosk.rules.identity import check_digit
from kiosk.services import ServiceContext, ServiceError, payments
from kiosk.services import applications as apps
from kiosk.services.registration import register_resident
from tests.support import numbered_name

MOMENT = dt.datetime(2026, 11, 29, 1, 30, tzinfo=dt.UTC)
MATERIALS = ["id_card", "hukou", "bank"]


def id_number(k: int, first_birth: dt.date = dt.date(1950, 1, 1)) -> str:
    """The k-th valid ID number: one birth date per k from ``first_birth``, male."""
    birth = first_birth + dt.timedelta(days=k)
    first17 = f"360726{birth:%Y%m%d}011"
    return first17 + check_digit(first17)


def work(ctx: ServiceContext, rng: random.Random) -> None:
    """One resident's whole business, step by step, each step a transaction."""
    k = Resident.select().count() + rng.randrange(0, 3)
    try:
        # Born from 1975: of an age to enrol in the resident pension (16-60).
        person = register_resident(ctx, id_number(k, dt.date(1975, 1, 1)), numbered_name("压测", k), phone="13800001234",
                                   village="东村")
        info = apps.submit(ctx, person.id, "enrol_resident_pension", materials_received=MATERIALS,
                           note="崩溃测试", print_receipt=True)
        info = apps.advance(ctx, info.number, "reviewed", expected_version=info.version)
        info = apps.advance(ctx, info.number, "account_opened", expected_version=info.version)
        tiers = payments.resident_pension_tiers(ctx)
        tier = tiers[rng.randrange(len(tiers))].annual_fen
        for year in range(2026, 2026 - rng.randrange(1, 4), -1):
            payments.pay_resident_pension(ctx, person.id, tier, "cash", year=year)
    except ServiceError:
        pass  # a duplicate number from the random offset: the next round goes on


def child(url: str, staff_id: int, staff_number: str) -> None:
    database = open_database(url)
    ctx = ServiceContext(database, FixedClock(moment=MOMENT), terminal="K01", staff_id=staff_id,
                         staff_number=staff_number)
    rng = random.Random(os.getpid())
    database.connect()
    while True:
        work(ctx, rng)


def main(argv: list[str]) -> int:
    url, staff_id, staff_number = argv[0], int(argv[1]), argv[2]
    payments.resident_pension_tiers(ServiceContext(open_database(url), FixedClock(moment=MOMENT)))  # warm caches
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    for line in sys.stdin:
        if line.strip() != "go":
            continue
        pid = os.fork()
        if pid == 0:
            try:
                child(url, staff_id, staff_number)
            finally:
                os._exit(1)
        print(pid, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
