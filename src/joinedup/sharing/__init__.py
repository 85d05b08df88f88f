"""Governed sharing: the single policy point that every read of personal data passes.

For now the rule is the simplest safe one: a user sees only their own organisation's
records. The governed-sharing work fills :func:`decide_record_access` with agreements,
consent and purposes; callers do not change.
"""

from joinedup.sharing.decision import (
    RECORD_FIELDS,
    AccessDecision,
    decide_record_access,
    disclosed_fields,
)

__all__ = ["RECORD_FIELDS", "AccessDecision", "decide_record_access", "disclosed_fields"]
