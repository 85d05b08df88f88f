"""Governed sharing: the single policy point that every read of personal data passes.

For now three rules: a user sees their own organisation's records; the data team and
administrators see the address fields only (source, local id, record reference, address
and postcode as sent) of every agency's records for address data-quality processing
(address review, the address report, the address export); and they see the identifying
fields (no facts) for person-index processing (pair review, merge and split, the persons
export). The governed-sharing work fills :func:`decide_record_access` with agreements,
consent and purposes; callers do not change.
"""

from joinedup.sharing.decision import (
    ADDRESS_ACTIONS,
    ADDRESS_DATA_QUALITY,
    ADDRESS_FIELDS,
    ADDRESS_ROLES,
    LINKAGE_ACTIONS,
    LINKAGE_DATA_QUALITY,
    LINKAGE_FIELDS,
    LINKAGE_ROLES,
    OWN_ORGANISATION,
    RECORD_FIELDS,
    AccessDecision,
    decide_record_access,
    disclosed_fields,
)

__all__ = [
    "ADDRESS_ACTIONS",
    "ADDRESS_DATA_QUALITY",
    "ADDRESS_FIELDS",
    "ADDRESS_ROLES",
    "LINKAGE_ACTIONS",
    "LINKAGE_DATA_QUALITY",
    "LINKAGE_FIELDS",
    "LINKAGE_ROLES",
    "OWN_ORGANISATION",
    "RECORD_FIELDS",
    "AccessDecision",
    "decide_record_access",
    "disclosed_fields",
]
