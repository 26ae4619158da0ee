"""Reasons the system writes (退回补正's missing materials, the demo's refusals),
stored as a catalog code with params besides the Chinese note, so 办理进度 and
the counter show them in the reader's language (issue 17).

Shape stored in ``Application.data[REASON_KEY]``::

    {"key": "fix17text.reason.correction", "text": <the Chinese note as stored in the event>,
     "type": <workflow code>, "materials": [[material code, correction], ...], "note": <clerk's words>}

or ``{"key": <catalog key>, "text": ..., "params": {...}}`` for a fixed sentence. The code
applies only while ``text`` is the application's current reason; a reason typed by a clerk
(or stored before this) is shown as it was written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from kiosk.rules.workflows import WORKFLOWS

REASON_KEY = "reason_code"
CORRECTION = "fix17text.reason.correction"
DEFAULT_CORRECTION = "需补正"
"""What a 需补正 mark records when the clerk did not describe the correction."""


def correction_code(type_: str, materials: Sequence[tuple[str, str, str]], note: str = "") -> dict[str, Any]:
    """The coded 退回补正 reason for ``materials`` (code, Chinese name, correction: "" none,
    :data:`DEFAULT_CORRECTION` or the clerk's words) and the clerk's ``note``; ``text`` is
    the Chinese note the event stores (请补齐材料：X（需补正：…）。note)."""
    names = "、".join(name + (f"（需补正：{fix}）" if fix not in ("", DEFAULT_CORRECTION) else
                              "（需补正）" if fix else "") for _code, name, fix in materials)
    text = f"请补齐材料：{names}" + (f"。{note.strip()}" if note.strip() else "")
    return {"key": CORRECTION, "text": text, "type": type_,
            "materials": [[code, fix] for code, _name, fix in materials], "note": note.strip()}


def fixed_code(key: str, text: str, **params: object) -> dict[str, Any]:
    """A reason that is one catalog sentence (``text`` its Chinese form as stored)."""
    return {"key": key, "text": text, "params": dict(params)}


def render(code: Mapping[str, Any] | None, reason: str, t: Callable[..., str]) -> str:
    """``reason`` in the language of ``t`` when ``code`` (from :data:`REASON_KEY`) describes it;
    otherwise (old rows, a clerk's own words, an unknown key) ``reason`` as stored."""
    if not reason or not isinstance(code, Mapping) or code.get("text") != reason:
        return reason
    key = str(code.get("key", ""))
    if key == CORRECTION:
        text = _correction(code, t)
    else:
        params = code.get("params")
        text = t(key, **(dict(params) if isinstance(params, Mapping) else {}))
    return reason if not text or text == key else text


def _correction(code: Mapping[str, Any], t: Callable[..., str]) -> str:
    flow = WORKFLOWS.get(str(code.get("type", "")))
    known = {m.code: m for m in flow.materials} if flow is not None else {}
    items = []
    for entry in code.get("materials") or ():
        material_code, fix = str(entry[0]), str(entry[1])
        material = known.get(material_code)
        names = {"name_zh": material.name_zh if material else material_code,
                 "name_en": material.name_en if material else material_code}
        if fix in ("", DEFAULT_CORRECTION):
            items.append(t("fix17text.reason.item_fix" if fix else "fix17text.reason.item", **names))
        else:
            items.append(t("fix17text.reason.item_fix_what", correction=fix, **names))
    note = str(code.get("note", ""))
    key = CORRECTION + ("_note" if note else "")
    return t(key, materials=t("fix17text.reason.sep").join(items), note=note)
