"""The base of the rules' refusals: a message for logs and pure callers, and the catalog
message (``key`` and ``params``) a screen shows in its own language.

The rules stay pure (no kiosk.i18n here): a service re-raises a rule's refusal with
``ServiceError.keyed(error.key, code, **error.params)``.
"""

from __future__ import annotations


class RuleError(ValueError):
    """A rule refused its inputs. ``message`` (also ``str()``) is the rule's own text;
    ``key`` names the catalog message (``refusal.<rule>.<reason>``) and ``params`` its fields."""

    def __init__(self, message: str, key: str, /, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.key = key
        self.params: dict[str, object] = dict(params)
