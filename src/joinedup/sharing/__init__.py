"""Governed sharing: the rules (purposes, data categories, agreements, consent) and the
single policy point that every read of personal data passes.

:func:`decide_record_access` decides each read with Cedar over the compiled rules
(:mod:`joinedup.sharing.policy`) and logs it (:class:`SharingDecision`). See
docs/sharing.md.
"""

from joinedup.sharing.decision import (
    ADDRESS_ACTIONS,
    ADDRESS_DATA_QUALITY,
    ADDRESS_FIELDS,
    ADDRESS_ROLES,
    BREAK_GLASS,
    LINKAGE_ACTIONS,
    LINKAGE_DATA_QUALITY,
    LINKAGE_FIELDS,
    LINKAGE_ROLES,
    OWN_ORGANISATION,
    RECORD_FIELDS,
    AccessDecision,
    DecisionMemo,
    decide_record_access,
    disclosed_fields,
)
from joinedup.sharing.involvements import InvolvementDecision, InvolvementSubject, decide_involvement_access
from joinedup.sharing.log import decision_bases
from joinedup.sharing.purposes import StatedPurpose

__all__ = [
    "ADDRESS_ACTIONS",
    "ADDRESS_DATA_QUALITY",
    "ADDRESS_FIELDS",
    "ADDRESS_ROLES",
    "BREAK_GLASS",
    "LINKAGE_ACTIONS",
    "LINKAGE_DATA_QUALITY",
    "LINKAGE_FIELDS",
    "LINKAGE_ROLES",
    "OWN_ORGANISATION",
    "RECORD_FIELDS",
    "AccessDecision",
    "DecisionMemo",
    "InvolvementDecision",
    "InvolvementSubject",
    "StatedPurpose",
    "decide_involvement_access",
    "decide_record_access",
    "decision_bases",
    "disclosed_fields",
]
