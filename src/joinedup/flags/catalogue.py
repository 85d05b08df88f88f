"""The catalogue of flags, in the manner of the Child Protection – Information Sharing
service (CP-IS): what a flag can say about a person, and the sharing category each
belongs to.

A flag is shown to whoever the sharing rules let see its category of the record it came
from (:mod:`joinedup.sharing.flags`): the category is how the rules (agreements, consent,
the sensitive-services shield) reach a flag. The categories chosen, and why, are in
docs/flags.md.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FlagType:
    """One kind of flag: its code (as mappings name it), its name in words, the sharing
    category it belongs to, and whether a page shows it as a warning (a child at risk,
    a victim) rather than as a plain tag."""

    code: str
    name: str
    category: str
    warning: bool
    #: The flag carries a legal status (looked after: interim care order, s20, …).
    legal_status: bool = False


FLAG_TYPES: dict[str, FlagType] = {flag.code: flag for flag in (
    FlagType("child_protection_plan", "Child-protection plan", "social_care_status", True),
    FlagType("child_in_need", "Child in need", "social_care_status", False),
    FlagType("looked_after", "Looked after", "social_care_status", True, legal_status=True),
    FlagType("unborn_child_protection_plan", "Unborn child on a child-protection plan", "social_care_status", True),
    FlagType("domestic_abuse_victim", "Domestic-abuse victim", "police_incidents", True),
    FlagType("marac_case", "MARAC case", "police_incidents", True),
    FlagType("missing_episodes", "Missing episodes", "police_incidents", True),
    FlagType("send_ehc_plan", "SEND with an EHC plan", "education", False),
    FlagType("young_carer", "Young carer", "education", False),
    FlagType("exploitation_concern", "Exploitation concern", "social_care_status", True),
)}

#: Looked-after legal statuses in words, keyed by how case systems commonly code them.
LEGAL_STATUSES = {
    "C1": "Interim care order",
    "C2": "Full care order",
    "V2": "Accommodated under section 20",
    "V3": "Accommodated under section 20 (short breaks)",
    "E1": "Placement order",
    "J1": "Remanded to local authority accommodation",
}


def legal_status_in_words(value: str) -> str:
    """A legal status as people say it: ``C1 Interim care order`` → ``Interim care
    order``; a code the catalogue knows → its words; anything else as sent."""
    value = value.strip()
    code, _space, rest = value.partition(" ")
    if code in LEGAL_STATUSES:
        return LEGAL_STATUSES[code] if not rest or code == value else rest.strip()
    return value
