"""The single policy point for personal data: :func:`decide_record_access`.

Every read of a source record, in pages, API and exports, passes here. The decision is
Cedar's, over the compiled rules (:mod:`joinedup.sharing.policy`), and denies by
default:

1. **Own organisation** (``own-organisation``): an actor sees every field of their own
   organisation's records, whatever the purpose.
2. **Address data-quality processing** (``address-data-quality``): for an action in
   :data:`ADDRESS_ACTIONS`, the data team and administrators see :data:`ADDRESS_FIELDS`
   of every record: where it came from and its address as sent, nothing else.
3. **Person-index processing** (``linkage-data-quality``): for an action in
   :data:`LINKAGE_ACTIONS`, they see :data:`LINKAGE_FIELDS` of every record, their own
   organisation's included: what identifies the person, never a fact.
4. **Agreements** (``agreement:CODE:vN:PURPOSE:PROVIDER->RECIPIENT``): for the purpose
   the user stated, an active agreement version under which the record's organisation
   provides and the user's organisation receives discloses that purpose's minimum
   dataset, when consent allows (given where the agreement needs it; never against a
   refusal or withdrawal, unless the agreement lets a stated safeguarding risk override
   it for a safeguarding purpose) and the day is within the agreement's dates.
5. **Break-glass** (``break-glass``): an active, time-limited emergency access to the
   person discloses their non-sensitive categories, never a record of a sensitive service.
6. **Sensitive services are shielded** (``shield:sensitive-services``, a ``forbid``):
   another organisation's record of a sensitive service is sensitive as a whole and is
   withheld, unless the person's consent names its sensitive category, or a safeguarding
   risk is stated for a safeguarding purpose under an agreement whose minimum dataset for
   that purpose names the category. The decision says it is ``shielded``: pages show that
   a service is involved, not which.

Reading their own organisation's records, stating a purpose and break-glass are for the
frontline roles; an agreement's clause applies only to the roles its purpose names. The
data team and administrators read for processing only, and never see a fact.

Every request is one audit event (what was asked, for which purpose, how many records were
shared and withheld). What it shared of one person's records held by one organisation, on
one basis (an agreement version, a break-glass access, or neither), is a row of the
decision log (:class:`~joinedup.sharing.models.SharingDecision`): the person, those
records, the fields shown, the purpose and the clauses (the policies) that allowed it.
The records a request withheld are one row that counts them and says why, so a search
does not write a row per refusal.
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
from joinedup.ingest.models import SourceRecord
from joinedup.partners.models import Organisation, SourceSystem
from joinedup.people.models import Person, PersonRecord
from joinedup.sharing.consent import NO_CONSENT, consent_states
from joinedup.sharing.log import withheld_row
from joinedup.sharing.models import BreakGlass, SharingDecision, SharingDecisionRecord
from joinedup.sharing.policy import (
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
    SENSITIVE_SHIELD,
    SUBJECT_ACCESS_ACTIONS,
    CompiledRules,
    evaluate,
    rules_for,
)
from joinedup.sharing.purposes import StatedPurpose, organisation_code

__all__ = [
    "ADDRESS_ACTIONS", "ADDRESS_DATA_QUALITY", "ADDRESS_FIELDS", "ADDRESS_ROLES", "BREAK_GLASS", "LINKAGE_ACTIONS",
    "LINKAGE_DATA_QUALITY", "LINKAGE_FIELDS", "LINKAGE_ROLES", "OWN_ORGANISATION", "RECORD_FIELDS",
    "AccessDecision", "DecisionMemo", "StatedPurpose", "decide_record_access", "disclosed_fields",
]

#: Decisions are appended through the table (as audit events are): one row per record decided.
_DECISIONS = SharingDecision.__table__

DENIED = "No rule allows your organisation to see this record."
SHIELDED = ("A service is involved that is shielded: only the person's consent or a safeguarding basis "
            "allows more. Your information governance lead can put you in touch.")


@dataclass(frozen=True)
class AccessDecision:
    """The answer to 'may this actor see this record, and which fields of it?'."""

    record_id: int
    allowed: bool
    reason: str
    fields: frozenset[str]
    policy_ids: tuple[str, ...] = ()
    shielded: bool = False
    basis: str = ""
    agreement_version_id: int | None = None
    break_glass_id: int | None = field(default=None, compare=False)


@dataclass
class DecisionMemo:
    """What one request's decisions share, read once for the request: the rules in force,
    the actor's organisation, the source systems met so far, and Cedar's answer for each
    distinct set of decision inputs (see :func:`joinedup.sharing.policy.evaluate`).

    Made for one request by one actor (a search, a person page) and dropped with it:
    never kept across requests, so a change of rules, agreements or consent applies to
    the next one. Every record is still decided, audited and logged on its own."""

    actor: Actor
    compiled: CompiledRules | None = None
    actor_org: str | None = None
    systems: dict[int, tuple[str, int | None, str]] = field(default_factory=dict)
    answers: dict[str, tuple] = field(default_factory=dict)
    #: record id → (the person pk holding it, their public id), or None for a record of
    #: no person: what the caller read with the records in this request's transaction.
    holders: dict[int, tuple[int, str] | None] = field(default_factory=dict)
    #: The fields the request shows of a record it shares (a person search shows who a
    #: person is, not what an agency recorded): the log names only these. None: every
    #: field disclosed is shown.
    shows: frozenset[str] | None = None

    def held(self, record_id: int, person_pk: int | None, public_id: str | None) -> None:
        """Note the person holding a record, as read with it in this request."""
        self.holders[record_id] = None if person_pk is None else (person_pk, public_id)

    def prepare(self, session: Session, actor: Actor, source_system_ids: set[int]) -> None:
        if actor != self.actor:
            raise ValueError("a decision memo is one actor's")
        if self.compiled is None:
            self.compiled = rules_for(session)
            self.actor_org = organisation_code(session, actor.organisation_id)
        missing = source_system_ids - self.systems.keys()
        if missing:
            self.systems.update(_systems(session, missing))


def decide_record_access(
    session: Session,
    actor: Actor,
    records: Sequence[SourceRecord],
    *,
    action: str = "record.view",
    purpose: StatedPurpose | None = None,
    subject_access_open: bool = False,
    memo: DecisionMemo | None = None,
) -> list[AccessDecision]:
    """Decide, for each record, whether ``actor`` may see it and which fields, for the
    stated ``purpose``; audit and log every decision. Deny by default.
    ``subject_access_open``: for a subject access export, whether the person's request is
    open (the request register sits above this layer, so its caller says). ``memo``: what
    the request's earlier decisions read (:class:`DecisionMemo`), for a request that puts
    its records to the policy point in several batches."""
    if not records:
        return []
    purpose = purpose or StatedPurpose()
    memo = memo or DecisionMemo(actor)
    memo.prepare(session, actor, {record.source_system_id for record in records})
    compiled, systems, actor_org = memo.compiled, memo.systems, memo.actor_org
    processing = ("address" if action in ADDRESS_ACTIONS else "linkage" if action in LINKAGE_ACTIONS
                  else "subject_access" if action in SUBJECT_ACCESS_ACTIONS else "")
    person_of, public = _persons(session, [record.id for record in records if record.id not in memo.holders])
    for record in records:
        if (holder := memo.holders.get(record.id)) is not None:
            person_of[record.id], public[holder[0]] = holder
    consents = consent_states(session, set(person_of.values()), purpose.code, actor_org) if purpose.code else {}
    glass = _break_glass(session, actor, set(person_of.values())) if not processing else {}
    today = date.today()
    day = today.year * 10000 + today.month * 100 + today.day
    principal = {"uid": {"type": "User", "id": actor.username or "anonymous"},
                 "attrs": {"organisation": actor_org, "roles": sorted(actor.roles)}, "parents": []}
    resources, contexts = [], []
    for record in records:
        source, _owner_id, owner = systems.get(record.source_system_id, ("", None, ""))
        person = person_of.get(record.id)
        sensitive = compiled.sensitive_categories(source, record.facts or {})
        consent = consents.get(person, NO_CONSENT)
        resources.append({"uid": {"type": "Record", "id": str(record.id)},
                          "attrs": {"owner": owner, "sensitive": bool(sensitive),
                                    "sensitive_categories": sorted(sensitive)},
                          "parents": []})
        contexts.append({
            "purpose": purpose.code, "processing": processing,
            "consented_categories": sorted(consent.consented), "refused_categories": sorted(consent.refused),
            "safeguarding_risk": bool(purpose.safeguarding_risk),
            "safeguarding_purpose": purpose.code in compiled.safeguarding_purposes,
            "basis_categories": sorted(compiled.basis_categories(actor_org, purpose.code, owner, actor.roles, day)),
            "break_glass": person in glass, "today": day,
            **({"subject_access_open": subject_access_open} if processing == "subject_access" else {}),
        })
    decisions = []
    answers = evaluate(compiled, principal, resources, contexts, memo.answers)
    for record, context, (allowed, clauses) in zip(records, contexts, answers, strict=True):
        decisions.append(_decision(compiled, record.id, allowed, clauses, context, processing,
                                   glass.get(person_of.get(record.id))))
    _log(session, actor, action, purpose, records, decisions, person_of, public, systems, memo.shows)
    return decisions


def _decision(compiled, record_id: int, allowed: bool, clauses, context: dict, processing: str,
              glass_id: int | None) -> AccessDecision:
    ids = tuple(clause.policy_id for clause in clauses)
    if not allowed:
        shielded = SENSITIVE_SHIELD in ids
        return AccessDecision(record_id, False, SHIELDED if shielded else DENIED, frozenset(), ids, shielded=shielded)
    permits = [clause for clause in clauses if clause.effect == "permit"]
    if processing == "linkage":
        permits = [clause for clause in permits if clause.policy_id == LINKAGE_DATA_QUALITY] or permits
    elif any(clause.policy_id == OWN_ORGANISATION for clause in permits):
        permits = [clause for clause in permits if clause.policy_id == OWN_ORGANISATION]
    fields = frozenset().union(*(_clause_fields(compiled, clause, context) for clause in permits))
    agreement = next((clause for clause in permits if clause.agreement_version_id), None)
    reason = "; ".join(clause.basis for clause in permits)
    return AccessDecision(
        record_id, True, reason, fields, tuple(clause.policy_id for clause in permits),
        basis=reason, agreement_version_id=agreement.agreement_version_id if agreement else None,
        break_glass_id=glass_id if any(clause.policy_id == BREAK_GLASS for clause in permits) else None,
    )


def _clause_fields(compiled, clause, context: dict) -> frozenset[str]:
    """What an agreement's permit discloses here, unless a stated safeguarding risk
    overrides consent: where the agreement needs consent, only the categories the consent
    names; where it does not, all but the categories the person refused."""
    if not clause.agreement_version_id:
        return clause.fields
    if clause.overrides and context["safeguarding_risk"] and context["safeguarding_purpose"]:
        return clause.fields
    if clause.consent_required:
        kept = set(clause.categories) & set(context["consented_categories"])
    else:
        kept = set(clause.categories) - set(context["refused_categories"])
    return clause.fields & compiled.fields_of(kept)


def _log(session: Session, actor: Actor, action: str, purpose: StatedPurpose, records: Sequence[SourceRecord],
         decisions: list[AccessDecision], person_of: dict[int, int], public: dict[int, str], systems: dict,
         shows: frozenset[str] | None = None) -> None:
    """One audit event for the request, one decision row per person, provider and basis shared, and
    one row for all the records it withheld, counting them by reason. A row shared names its
    clauses by id and keeps no basis in words: :func:`joinedup.sharing.decision_bases`
    reads it back, so the log does not repeat it on every row."""
    owner_of = {record.id: systems.get(record.source_system_id, ("", None, ""))[1] for record in records}
    held = {record.id: record for record in records}
    shared = [d for d in decisions if d.allowed]
    withheld = [d for d in decisions if not d.allowed]
    reasons = Counter(d.reason for d in withheld)
    one = len(decisions) == 1
    record_event(
        session, actor, action=action, outcome="allowed" if shared else "denied",
        subject_type="source_record" if one else "source_records", subject_id=decisions[0].record_id if one else "",
        reason=reasons.most_common(1)[0][0] if withheld and not shared else "",
        details={"purpose": purpose.code, "shared": len(shared), "withheld": len(withheld),
                 "policy_ids": sorted({policy for d in decisions for policy in d.policy_ids}),
                 "records": {"allowed": [d.record_id for d in shared], "denied": [d.record_id for d in withheld]}},
    )
    now = utcnow()
    common = {"at": now, "user_id": actor.user_id, "username": actor.username[:120],
              "organisation_id": actor.organisation_id, "action": action[:64], "purpose": purpose.code[:40],
              "channel": actor.channel[:20] if actor.channel else ""}
    groups: dict[tuple, list[AccessDecision]] = {}
    for d in shared:
        person = public.get(person_of.get(d.record_id))
        # A record of no person is a person of its own: a row never mixes two people, nor two
        # providers (each provider's IG lead answers for what of theirs was shown).
        key = (person or f"record:{d.record_id}", owner_of[d.record_id], d.agreement_version_id, d.break_glass_id)
        groups.setdefault(key, []).append(d)
    rows = []
    for group in groups.values():
        ids = sorted({d.record_id for d in group})
        shown = {name for d in group for name in _shown(held[d.record_id], d) if shows is None or name in shows}
        rows.append({
            **common, "person_id": public.get(person_of.get(ids[0])), "record_id": ids[0] if len(ids) == 1 else None,
            "record_ids": ids if len(ids) > 1 else None,
            "source_organisation_id": owner_of[ids[0]], "outcome": "shared", "basis": "",
            "agreement_version_id": group[0].agreement_version_id,
            "policy_ids": sorted({policy for d in group for policy in d.policy_ids}), "fields": sorted(shown),
            "reason": purpose.relationship or "", "break_glass_id": group[0].break_glass_id,
            "record_count": len(ids), "reasons": None})
    if withheld:
        rows.append(withheld_row({**common, "record_id": withheld[0].record_id if len(withheld) == 1 else None},
                                 [(public.get(person_of.get(d.record_id)), owner_of[d.record_id], d) for d in withheld]))
    # Only a row naming several records needs its id back (for their index); the rest are
    # one plain batch, which SQLite would otherwise send a row at a time to keep ids in order.
    several = [row for row in rows if row["record_ids"]]
    if several:
        ids = session.execute(insert(_DECISIONS).returning(_DECISIONS.c.id, sort_by_parameter_order=True), several)
        session.execute(insert(SharingDecisionRecord.__table__), [
            {"decision_id": decision_id, "record_id": record_id}
            for decision_id, row in zip(ids.scalars(), several, strict=True) for record_id in row["record_ids"]])
    if len(several) < len(rows):
        session.execute(insert(_DECISIONS), [row for row in rows if not row["record_ids"]])


def _shown(record: SourceRecord, decision: AccessDecision) -> list[str]:
    """The fields the decision disclosed that this record holds: what was shown, for the log
    (a clause may allow forty facts; a record holds a few)."""
    facts = record.facts or {}
    shown = []
    for name in decision.fields:
        if name.startswith("fact:"):
            held = name[5:] in facts
        elif name == "source":
            held = True
        elif name == "facts":
            held = bool(facts)
        else:
            held = getattr(record, name, None) not in (None, "", [], {})
        if held:
            shown.append(name)
    return sorted(shown)


def disclosed_fields(record: SourceRecord, decision: AccessDecision) -> dict[str, Any]:
    """The record as a dict holding only the fields the decision allows, and nothing else."""
    if not decision.allowed or decision.record_id != record.id:
        return {}
    values = {
        "source": record.source_system.code,
        "local_id": record.local_id,
        "record_ref": record.record_ref,
        "forename": record.forename,
        "middle_names": record.middle_names,
        "surname": record.surname,
        "date_of_birth": record.date_of_birth.isoformat() if record.date_of_birth else None,
        "sex": record.sex,
        "address_text": record.address_text,
        "postcode": record.postcode,
        "nhs_number": record.nhs_number,
        "ni_number": record.ni_number,
        "upn": record.upn,
        "phone": record.phone,
        "email": record.email,
        "facts": record.facts,
        "flags": record.flags,
    }
    shown = {name: value for name, value in values.items() if name in decision.fields}
    if "facts" not in decision.fields:
        facts = {key: value for key, value in (record.facts or {}).items() if f"fact:{key}" in decision.fields}
        if facts:
            shown["facts"] = facts
    return shown


def _systems(session: Session, source_system_ids: set[int]) -> dict[int, tuple[str, int | None, str]]:
    """source system id → (its code, the owning organisation's id and code)."""
    if not source_system_ids:
        return {}
    rows = session.execute(
        select(SourceSystem.id, SourceSystem.code, SourceSystem.owner_organisation_id, Organisation.code)
        .outerjoin(Organisation, Organisation.id == SourceSystem.owner_organisation_id)
        .where(SourceSystem.id.in_(source_system_ids))
    )
    return {system_id: (code, owner_id, owner or "") for system_id, code, owner_id, owner in rows}


def _persons(session: Session, record_ids: list[int]) -> tuple[dict[int, int], dict[int, str]]:
    """record id → the person pk holding it, and person pk → the person's public id."""
    if not record_ids:
        return {}, {}
    rows = session.execute(select(PersonRecord.source_record_id, PersonRecord.person_id, Person.person_id)
                           .join(Person, Person.id == PersonRecord.person_id)
                           .where(PersonRecord.source_record_id.in_(record_ids))).all()
    return ({record_id: pk for record_id, pk, _public in rows}, {pk: public for _record_id, pk, public in rows})


def _break_glass(session: Session, actor: Actor, person_pks: set) -> dict[int, int]:
    """person pk → the actor's active break-glass access to them."""
    person_pks = {pk for pk in person_pks if pk is not None}
    if actor.user_id is None or not person_pks:
        return {}
    rows = session.execute(select(BreakGlass.person_id, BreakGlass.id).where(
        BreakGlass.user_id == actor.user_id, BreakGlass.person_id.in_(person_pks), BreakGlass.expires_at > utcnow()))
    return dict(rows.all())
