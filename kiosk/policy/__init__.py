"""Policy parameters: the shipped default file and its loader.

``load_policy(path)`` reads a policy TOML (None → the shipped
``default.toml``) into a :class:`PolicyBook`; ``book.policy_for(day)`` gives
the :class:`~kiosk.rules.parameters.PolicyParams` in force that day.
``check_policy(path)`` (kiosk.policy.checked) is what ``kiosk run`` uses at
start: it refuses a bad file as ``load_policy`` does, but a file already seen
valid is parsed only when its book is first needed.

The loader and the parameter classes are imported when one of their names is
first used (``from kiosk.policy import load_policy`` works as before), so that
importing this package for :class:`PolicyError` or :func:`check_policy` does not
load them (issue 18.4, cold start).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from kiosk.policy.checked import DEFAULT_POLICY_FILE, CheckedPolicy, check_policy
from kiosk.policy.errors import PolicyError

if TYPE_CHECKING:
    from kiosk.policy.loader import PolicyBook, load_policy, policy_from_mapping, policy_from_text
    from kiosk.rules.parameters import PolicyParams

__all__ = ["DEFAULT_POLICY_FILE", "CheckedPolicy", "PolicyBook", "PolicyError", "PolicyParams", "check_policy",
           "load_policy", "policy_from_mapping", "policy_from_text"]

_LAZY = {"PolicyBook": "kiosk.policy.loader", "load_policy": "kiosk.policy.loader",
         "policy_from_mapping": "kiosk.policy.loader", "policy_from_text": "kiosk.policy.loader",
         "PolicyParams": "kiosk.rules.parameters"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups are ordinary module attributes
    return value
