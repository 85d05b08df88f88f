"""The policy point for who is involved: may this actor see this involvement?

An involvement (who works with a person, in which role, how to reach them) is decided by
the same compiled rules as a record (:mod:`joinedup.sharing.policy`), as a read with
``processing == "involvement"``:

- ``who-is-involved`` permits a frontline user who may see the person (``person_seen``:
  at least one of the person's records was disclosed to them) to see the fields the
  ``who_is_involved`` category names, with **no purpose stated**, as ContactPoint did;
- ``own-organisation`` lets an organisation's users see its own involvements;
- ``shield:sensitive-services`` forbids another organisation's involvement with a
  sensitive service (its team names a sensitive category, or the extract row it came
  from is of a sensitive service): the decision says ``shielded``, and the page says that
  a service is involved and to ask the IG lead, never which.

No purpose, consent or agreement widens what an involvement shows. Every request is one
``involvement.view`` audit event naming each involvement it showed and withheld, and is
logged as records are (docs/sharing.md): a row for the involvements of one person held by
one organisation that it showed, and one row counting those it withheld, by reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from joinedup.audit import Actor, record_event
from joinedup.db import utcnow
from joinedup.partners.models import Organisation
from joinedup.permissions import INVOLVEMENT_VIEW
from joinedup.sharing.log import withheld_row
from joinedup.sharing.models import SharingDecision
from joinedup.sharing.policy import (
    INVOLVEMENT_FIELDS,
    OWN_ORGANISATION,
    SENSITIVE_SHIELD,
    evaluate,
    rules_for,
)
from joinedup.sharing.purposes import organisation_code

DENIED = "No rule allows you to see this involvement."
SHIELDED = "A service is involved: contact through the IG lead."


@dataclass(frozen=True)
class InvolvementSubject:
    """What the policy point needs of one involvement: its organisation (``owner``, a
    code), and what makes it sensitive: the categories its team names, or the source and
    facts of the extract row it came from."""

    id: int
    owner: str
    person_id: str = ""
    source: str = ""
    facts: dict[str, Any] = field(default_factory=dict)
    sensitive_categories: frozenset[str] = frozenset()


@dataclass(frozen=True)
class InvolvementDecision:
    involvement_id: int
    allowed: bool
    reason: str
    fields: frozenset[str]
    policy_ids: tuple[str, ...] = ()
    shielded: bool = False


def decide_involvement_access(session: Session, actor: Actor, subjects: Sequence[InvolvementSubject], *,
                              person_seen: bool) -> list[InvolvementDecision]:
    """Decide each involvement for ``actor``; ``person_seen``: the actor may see the person
    (a record of theirs was disclosed). Audited and logged; denied by default."""
    if not subjects:
        return []
    compiled = rules_for(session)
    actor_org = organisation_code(session, actor.organisation_id)
    today = date.today()
    principal = {"uid": {"type": "User", "id": actor.username or "anonymous"},
                 "attrs": {"organisation": actor_org, "roles": sorted(actor.roles)}, "parents": []}
    resources, contexts = [], []
    for subject in subjects:
        sensitive = subject.sensitive_categories | compiled.sensitive_categories(subject.source, subject.facts)
        resources.append({"uid": {"type": "Involvement", "id": str(subject.id)},
                          "attrs": {"owner": subject.owner, "sensitive": bool(sensitive),
                                    "sensitive_categories": sorted(sensitive)},
                          "parents": []})
        contexts.append({
            "purpose": "", "processing": "involvement", "person_seen": bool(person_seen),
            "consented_categories": [], "refused_categories": [], "safeguarding_risk": False,
            "safeguarding_purpose": False, "basis_categories": [], "break_glass": False,
            "today": today.year * 10000 + today.month * 100 + today.day,
        })
    decisions = []
    for subject, (allowed, clauses) in zip(subjects, evaluate(compiled, principal, resources, contexts), strict=True):
        ids = tuple(clause.policy_id for clause in clauses)
        if not allowed:
            # Told that a service is involved only by someone who may see the person: to
            # anyone else, even that is not said.
            shielded = SENSITIVE_SHIELD in ids and person_seen
            decisions.append(InvolvementDecision(subject.id, False, SHIELDED if shielded else DENIED, frozenset(),
                                                 ids, shielded))
            continue
        permits = [clause for clause in clauses if clause.effect == "permit"]
        own = any(clause.policy_id == OWN_ORGANISATION for clause in permits)
        fields = INVOLVEMENT_FIELDS if own else frozenset().union(*(clause.fields for clause in permits))
        decisions.append(InvolvementDecision(subject.id, True, "; ".join(clause.basis for clause in permits),
                                             fields & INVOLVEMENT_FIELDS, ids))
    _log(session, actor, subjects, decisions)
    return decisions


def _log(session: Session, actor: Actor, subjects: Sequence[InvolvementSubject],
         decisions: list[InvolvementDecision]) -> None:
    """One audit event for the request, one decision row per person and organisation whose
    involvements it showed, and one row for those it withheld, counting them by reason. In
    these rows ``record_count`` counts involvements."""
    pairs = list(zip(subjects, decisions, strict=True))
    shown = [(subject, d) for subject, d in pairs if d.allowed]
    withheld = [(subject, d) for subject, d in pairs if not d.allowed]
    reasons = Counter(d.reason for _subject, d in withheld)
    one = len(pairs) == 1
    record_event(
        session, actor, action=INVOLVEMENT_VIEW.name, outcome="allowed" if shown else "denied",
        subject_type="involvement" if one else "involvements", subject_id=decisions[0].involvement_id if one else "",
        reason=reasons.most_common(1)[0][0] if withheld and not shown else "",
        details={"persons": sorted({subject.person_id for subject in subjects if subject.person_id}),
                 "shared": len(shown), "withheld": len(withheld),
                 "policy_ids": sorted({policy for d in decisions for policy in d.policy_ids}),
                 "involvements": {"allowed": [d.involvement_id for _subject, d in shown],
                                  "denied": [d.involvement_id for _subject, d in withheld]}},
    )
    owners = dict(session.execute(select(Organisation.code, Organisation.id).where(
        Organisation.code.in_({subject.owner for subject in subjects}))).all())
    common = {"at": utcnow(), "user_id": actor.user_id, "username": actor.username[:120],
              "organisation_id": actor.organisation_id, "record_id": None, "action": INVOLVEMENT_VIEW.name,
              "purpose": "", "basis": "", "agreement_version_id": None,
              "channel": actor.channel[:20] if actor.channel else "", "break_glass_id": None, "record_ids": None}
    groups: dict[tuple, list[InvolvementDecision]] = {}
    for subject, d in shown:
        groups.setdefault((subject.person_id or None, owners.get(subject.owner)), []).append(d)
    rows = [{**common, "person_id": person, "source_organisation_id": owner, "outcome": "shared",
             "policy_ids": sorted({policy for d in group for policy in d.policy_ids}),
             "fields": sorted({name for d in group for name in d.fields}), "reason": "",
             "record_count": len(group), "reasons": None}
            for (person, owner), group in groups.items()]
    if withheld:
        rows.append(withheld_row(common, [(subject.person_id or None, owners.get(subject.owner), d)
                                          for subject, d in withheld]))
    session.execute(insert(SharingDecision.__table__), rows)
