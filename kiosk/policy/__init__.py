"""Policy parameters: the shipped default file and its loader.

``load_policy(path)`` reads a policy TOML (None → the shipped
``default.toml``) into a :class:`PolicyBook`; ``book.policy_for(day)`` gives
the :class:`~kiosk.rules.parameters.PolicyParams` in force that day.
"""

from __future__ import annotations

from kiosk.policy.loader import DEFAULT_POLICY_FILE, PolicyBook, PolicyError, load_policy, policy_from_mapping
from kiosk.rules.parameters import PolicyParams

__all__ = ["DEFAULT_POLICY_FILE", "PolicyBook", "PolicyError", "PolicyParams", "load_policy", "policy_from_mapping"]
