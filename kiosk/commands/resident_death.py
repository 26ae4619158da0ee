"""``kiosk resident deceased ID_NUMBER --date D --staff CLERK --supervisor SUPERVISOR --applicant NAME
--relationship REL [--survivor ID ...] [--json]``: the 死亡注销 recorded as an application
(:mod:`kiosk.services.lifecycle_apps`, issue 15): 受理 by the clerk with every material, 审核 by
the supervisor (受审分离: a second person), 办结 by the clerk, which records the death
(:func:`kiosk.services.lifecycle.record_death`), stores the 办结回执 in the print spool and is
audited step by step. The output is the command's usual one (``--json``: ``{"stopped",
"overpaid_fen", "funeral_grant_fen", "survivor_fen", "inheritable_fen"}``).

PINs come through the shared staff PIN reader (:mod:`kiosk.commands.staff_pin`; clerk's on the first stdin line, the
supervisor's on the second), each checked like a counter login. Without
``--supervisor`` the command records the death directly, as before.
"""

from __future__ import annotations

import argparse

from kiosk.commands import CommandError
from kiosk.commands.records import resident_id_for, run_in_context
from kiosk.services import ServiceContext, ServiceError
from kiosk.services.lifecycle import DeathResult


def by_application(args: argparse.Namespace) -> DeathResult:
    """Walk a 死亡注销 application 受理 → 审核 → 办结 and return what 办结 recorded."""
    from kiosk.commands.staff_pin import read_pins
    from kiosk.rules.workflows import WORKFLOWS
    from kiosk.services import applications, lifecycle_apps
    from kiosk.services import staff as staff_service

    if not args.staff:
        raise CommandError("--supervisor 须与 --staff（受理的经办人）一起使用")
    if not (args.applicant and args.relationship):
        raise CommandError("以业务办理死亡注销须填写申报人和关系：--applicant 姓名 --relationship 关系")
    clerk_pin, supervisor_pin = read_pins(supervisor=True)

    def act(ctx: ServiceContext) -> DeathResult:
        resident_id = resident_id_for(ctx, args.id_number)
        survivors = [resident_id_for(ctx, number) for number in args.survivor]
        clerk = staff_service.login(ctx, args.staff, clerk_pin).context(ctx)
        reviewer = staff_service.login(ctx, args.supervisor, supervisor_pin).context(ctx)
        data = {"death_date": args.date.isoformat(), "applicant_name": args.applicant,
                "relationship": args.relationship, "survivors": survivors}
        info = applications.submit(clerk, resident_id, "death_report", data,
                                   [m.code for m in WORKFLOWS["death_report"].materials])
        try:
            applications.advance(reviewer, info.number, "reviewed")
            done = applications.advance(clerk, info.number, "closed")
        except ServiceError as exc:
            # The application stays where it stopped (a counter may finish, 退回 or 撤回 it); say both.
            raise ServiceError(f"{exc.message}（业务 {info.number} 已受理，未办结）", code=exc.code) from None
        return lifecycle_apps.death_result(done.data)

    result: DeathResult = run_in_context(args, act)
    return result
