"""Names the counter shows in the terminal's language for codes the services
hand over with a Chinese name only (ApplicationInfo.type_name, status_name,
MaterialInfo.name, EventInfo.step_name, StaffSession.role_name,
CardInfo.status_name, EnrolmentInfo's names). The codes are looked up in
:data:`kiosk.rules.workflows.WORKFLOWS` (which carries both languages) or in
the catalog (``maint17.*``); an unknown code falls back to the service's
Chinese name, never to a raw key. Lists are joined with the language's
separator (``、``/``；`` in Chinese, ``, ``/``; `` in English).
"""

from __future__ import annotations

from typing import Any

from kiosk.rules.workflows import WORKFLOWS


def english(host: Any) -> bool:
    """Whether the terminal currently speaks English."""
    return getattr(getattr(host, "translator", None), "language", "zh_CN") != "zh_CN"


def _catalog(host: Any, key: str, fallback: str) -> str:
    text = host.t(key)
    return fallback if text == key else text


def type_name(host: Any, type_: str, fallback: str = "") -> str:
    """An application type's name (``enrol_resident_pension`` → 城乡居民养老保险参保登记)."""
    wf = WORKFLOWS.get(type_)
    if wf is None:
        return fallback or type_
    return wf.name_en if english(host) else wf.name_zh


def status_name(host: Any, type_: str, status: str, fallback: str = "") -> str:
    """An application status's name (a step's name or an end state's)."""
    wf = WORKFLOWS.get(type_)
    if wf is None:
        return fallback or status
    try:
        return wf.status_name(status, "en" if english(host) else "zh_CN") or fallback or status
    except (KeyError, StopIteration, ValueError):
        return fallback or status


def material_name(host: Any, type_: str, code: str, fallback: str = "") -> str:
    """A material's name in an application of ``type_``."""
    wf = WORKFLOWS.get(type_)
    for material in wf.materials if wf is not None else ():
        if material.code == code:
            return material.name_en if english(host) else material.name_zh
    return fallback or code


def role_name(host: Any, role: str, fallback: str = "") -> str:
    """A staff role (clerk | supervisor | admin)."""
    return _catalog(host, f"maint17.role.{role}", fallback or role)


def card_status(host: Any, status: str, fallback: str = "") -> str:
    """A social security card's status (active | frozen | replaced | cancelled)."""
    return _catalog(host, f"maint17.card_status.{status}", fallback or status)


def enrolment(host: Any, insurance: str, scheme: str, start: str) -> str:
    """One enrolment: 养老保险（城乡居民，2014-01起） / Pension (resident, from 2014-01)."""
    return host.t("maint17.enrolment", insurance=_catalog(host, f"resident.insurance.{insurance}", insurance),
                  scheme=_catalog(host, f"maint17.scheme.{scheme}", scheme), start=start)


def join(host: Any, items: list[str], *, strong: bool = False) -> str:
    """Items joined by 、 (or ； with ``strong``) in Chinese, by ", " ("; ") in English."""
    if english(host):
        return ("; " if strong else ", ").join(items)
    return ("；" if strong else "、").join(items)
