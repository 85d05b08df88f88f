"""The policy point's answer for a flag: a flag says something of the record it came from,
so it is shown exactly when that record's decision discloses the flag's category.

A child-protection plan read from a social care row belongs to ``social_care_status``:
shown to whoever the decision on that row lets see that category (their own
organisation's record; an agreement's minimum dataset for the purpose stated, as far as
consent allows; break-glass, for a category that is not sensitive). A row of a sensitive
service is withheld as a whole (the shield), so its flags are never shown, nor named, to
anyone it is shielded from. No new rule: the decision that was made and logged for the
record is the flag's.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from joinedup.sharing.decision import AccessDecision
from joinedup.sharing.policy import rules_for


def flag_categories_disclosed(session: Session, decision: AccessDecision | None, categories) -> frozenset[str]:
    """Which of ``categories`` ``decision`` discloses: every field the category names is
    among the fields allowed (all facts count when the decision allows ``facts``). A
    category that names nothing discloses nothing."""
    if decision is None or not decision.allowed:
        return frozenset()
    compiled = rules_for(session)
    every_fact = "facts" in decision.fields
    disclosed = set()
    for category in set(categories):
        fields = compiled.category_fields.get(category, frozenset())
        if fields and all(name in decision.fields or (every_fact and name.startswith("fact:")) for name in fields):
            disclosed.add(category)
    return frozenset(disclosed)
