"""The policy error, in a module of its own so that code which only names it
(``kiosk run`` at start) does not load the policy parser."""

from __future__ import annotations


class PolicyError(ValueError):
    """A policy file that cannot be used; one line naming file, version and key."""
