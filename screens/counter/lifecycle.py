"""Counter lifecycle events of a resident (issue 15), each an application
(:mod:`kiosk.services.lifecycle_apps`): 待遇领取资格认证, 死亡注销, 个人账户继承及丧葬补助金
and 暂停缴费 / 恢复缴费 / 终止参保.

From the resident detail, key 5 starts a 资格认证 and key 8 a 死亡注销 (the
others through 4 受理业务, group 资格认证/死亡/继承/停保): the materials
checklist, the type's form (date of death, heir, enrolment), the confirmation
(+), and then the normal application screen (:mod:`screens.counter.application`)
takes the steps. Before each step that changes records the confirmation shows
what will happen with the amounts (:func:`confirm_lines`); the 办结回执 the
last step stores is printed at once (:func:`receipt_job`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kiosk.rules.identity import mask_id_number, mask_name
from kiosk.rules.money import format_yuan
from kiosk.rules.workflows import END_STATES
from kiosk.services.applications import ApplicationInfo
from kiosk.services.lifecycle_apps import ENROLMENT_ACTIONS, RECEIPT_JOB, TYPES
from kiosk.services.registration import ResidentInfo


def start(screen: Any, resident: ResidentInfo, type_: str) -> None:
    """Open the 受理 wizard of ``type_`` for ``resident`` at its materials checklist."""
    from screens.counter.accept import AcceptDraft, MaterialsScreen

    screen.app.push_screen(MaterialsScreen(AcceptDraft(resident, type=type_)))


def certify(screen: Any, resident: ResidentInfo) -> None:
    """Key 5 on the resident detail: a 待遇领取资格认证 application."""
    start(screen, resident, "certification")


def record_death(screen: Any, resident: ResidentInfo) -> None:
    """Key 8 on the resident detail: a 死亡注销 application."""
    start(screen, resident, "death_report")


def _yuan(t: Callable[..., str], fen: Any) -> str:
    return f"{format_yuan(int(fen or 0))}{t('counter.yuan')}"


def confirm_lines(t: Callable[..., str], info: ApplicationInfo, to_status: str) -> list[str]:
    """What moving ``info`` to ``to_status`` will do, for the confirmation (amounts from its data)."""
    data = info.data
    if (info.type, to_status) == ("certification", "certified"):
        preview = data.get("preview") or {}
        return [t("lifecycle15.confirm.certify", pensions=preview.get("pensions", 0),
                  resumed=len(preview.get("suspended") or ()))]
    if info.type == "death_report" and to_status in ("reviewed", "closed"):
        return _death_lines(t, str(data.get("death_date", "")), data.get("preview") or {})
    if info.type == "inheritance" and to_status in ("reviewed", "paid"):
        bank = str(data.get("bank_account", ""))
        return [t("lifecycle15.confirm.heir", name=mask_name(str(data.get("heir_name", ""))),
                  id=mask_id_number(str(data.get("heir_id_number", ""))), relationship=data.get("relationship", ""),
                  account=f"{bank[:4]}****{bank[-4:]}" if len(bank) >= 8 else "****"),
                t("lifecycle15.confirm.pay", funeral=_yuan(t, data.get("funeral_grant_fen")),
                  inheritable=_yuan(t, data.get("inheritable_fen")), total=_yuan(t, data.get("amount_fen"))),
                # The total is net of the overpayment recovered: name it, or the sum does not add up.
                *([t("fix15counter.accept.recover", amount=_yuan(t, data.get("recover_fen")),
                     owed=_yuan(t, data.get("overpaid_fen")))] if int(data.get("recover_fen") or 0) else [])]
    if info.type in ENROLMENT_ACTIONS and to_status == "done":
        return [t(f"lifecycle15.confirm.{ENROLMENT_ACTIONS[info.type]}",
                  insurance=t(f"lifecycle15.insurance.{data.get('insurance', '')}"),
                  scheme=t(f"lifecycle15.scheme.{data.get('scheme', '')}"),
                  date=data.get("date") or t("lifecycle15.confirm.today"))]
    return []


def _death_lines(t: Callable[..., str], death_date: str, preview: dict[str, Any]) -> list[str]:
    stopped = list(preview.get("stopped") or ())
    lines = [t("lifecycle15.confirm.death", date=death_date, stopped=len(stopped))]
    lines += [t("lifecycle15.confirm.overpaid", months=t("maint17.list_sep").join(s.get("overpaid_months") or ()),
                amount=_yuan(t, s.get("overpaid_fen"))) for s in stopped if s.get("overpaid_fen")]
    lines.append(t("lifecycle15.confirm.grants", funeral=_yuan(t, preview.get("funeral_grant_fen")),
                   survivor=_yuan(t, preview.get("survivor_fen")),
                   account=_yuan(t, preview.get("account_fen")),
                   inheritable=_yuan(t, preview.get("inheritable_fen"))))
    return lines


#: The lifecycle types whose 受理 confirmation shows amounts (from
#: :func:`kiosk.services.resident_standing.accept_preview`).
PREVIEW_TYPES = ("certification", "death_report", "inheritance")


def accept_lines(t: Callable[..., str], type_: str, data: dict[str, Any], preview: dict[str, Any]) -> list[str]:
    """The amounts a lifecycle application will produce, for its 受理 confirmation: a death's stopped
    benefits, overpayment and grants; an heir's funeral grant, inheritable balance and the overpayment
    netted; a 资格认证's suspended months and the back pay the next run pays."""
    if type_ == "death_report" and preview:
        return _death_lines(t, str(data.get("death_date", "")), preview)
    if type_ == "inheritance" and preview:
        grant, inheritable = int(preview.get("funeral_grant_fen") or 0), int(preview.get("inheritable_fen") or 0)
        recover = int(preview.get("recover_fen") or 0)
        lines = [t("fix15counter.accept.inheritance", funeral=_yuan(t, grant), inheritable=_yuan(t, inheritable),
                   total=_yuan(t, grant + inheritable - recover))]
        if recover:
            lines.append(t("fix15counter.accept.recover", amount=_yuan(t, recover),
                           owed=_yuan(t, preview.get("overpaid_fen"))))
        return lines
    if type_ == "certification":
        back = [b for b in preview.get("back_pay") or () if b.get("months")]
        if not back:
            return [t("fix15counter.accept.no_back_pay")]
        return [t("fix15counter.accept.back_pay", kind=t(f"resident.benefit_type.{b.get('kind')}"),
                  months=t("maint17.list_sep").join(b.get("months") or ()), n=len(b.get("months") or ()),
                  amount=_yuan(t, b.get("fen"))) for b in back]
    return []


#: Steps whose confirmation needs figures from the service first
#: (:func:`kiosk.services.resident_standing.step_preview`).
PREVIEW_STEPS = (("certification", "certified"), ("assessment", "amount_calculated"))


def step_lines(t: Callable[..., str], info: ApplicationInfo, to_status: str, preview: dict[str, Any]) -> list[str]:
    """The amounts of a :data:`PREVIEW_STEPS` step: the back pay of a 资格认证, the 计算缴费金额 notice."""
    if (info.type, to_status) == ("certification", "certified"):
        return accept_lines(t, "certification", info.data, preview)
    notice = preview.get("notice") or {}
    if not notice:
        return []
    months = list(notice.get("months") or ())
    return [t("fix15counter.step.assessment", n=len(months),
              months="~".join(dict.fromkeys(m[:7] for m in months[:1] + months[-1:])),
              individual=_yuan(t, notice.get("individual_fen")), employer=_yuan(t, notice.get("employer_fen")),
              pays=_yuan(t, preview.get("amount_fen")))]


def receipt_job(info: ApplicationInfo) -> int | None:
    """The 办结回执 print job of a lifecycle application at its last step (None otherwise)."""
    if info.type not in TYPES or not info.finished or info.status in END_STATES:
        return None
    job = info.data.get(RECEIPT_JOB)
    return int(job) if job is not None else None
