"""The rules compiled to Cedar policies (``cedarpy``), and evaluated.

:func:`compile_rules` turns the fixed rules (own organisation, the data team's address
and person-index processing, break-glass, the sensitive-services shield) and every
active agreement version (one ``permit`` per purpose, provider and recipient) into Cedar
policies. :func:`rules_for` keeps the compiled rules per database and rebuilds them when
:class:`RulesState` says the rules changed, so a change takes effect on the very next
request. Each policy carries the :class:`Clause` it came from: the fields it discloses
and the basis in words, so a disclosure can be traced to the agreement clause that
allowed it.

Cedar evaluates every policy of a set for every request, so a set holding every
agreement's clauses gets slower with each agreement signed. A clause names its recipient,
its provider and its purpose in its conditions, and can only ever permit a read by that
recipient's users of that provider's records for that purpose. :meth:`CompiledRules.slice`
therefore parses, once per (recipient, purpose, provider), a ``PolicySet`` handle holding
the fixed rules and just the clauses that can apply, and :func:`evaluate` asks each
request of its own slice: the same decisions as over every policy at once, at a cost
that no longer grows with the number of agreements (``benchmarks/policy.py`` checks
both and times them).
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import cedarpy
from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.permissions import FRONTLINE_ROLES, NON_READING_ROLES, PROCESSING_ROLES, TRANSPARENCY_ROLES
from joinedup.db import utcnow
from joinedup.ingest.mapping import CANONICAL_FIELDS
from joinedup.sharing.models import AgreementVersion, DataCategory, Purpose, RulesState, SharingAgreement

#: Every field of a source record that can be disclosed. A decision names a subset; a
#: fact is disclosed by ``facts`` (all of them) or ``fact:<key>`` (that one).
RECORD_FIELDS = frozenset({"source", "local_id", "record_ref", *CANONICAL_FIELDS, "facts", "flags"})
#: The fields address data-quality processing may see: where a record came from, the
#: agency's reference for it, and its address as sent. No names, identifiers or facts.
ADDRESS_FIELDS = frozenset({"source", "local_id", "record_ref", "address_text", "postcode"})
#: The fields the person index compares: who the record is about, never what the agency
#: recorded about them (no facts, no flags).
LINKAGE_FIELDS = frozenset({
    "source", "local_id", "record_ref", "forename", "middle_names", "surname", "date_of_birth", "sex",
    "address_text", "postcode", "nhs_number", "ni_number", "upn", "phone", "email",
})
#: The actions that are address data-quality processing, and person-index processing.
ADDRESS_ACTIONS = frozenset({"address.review", "address.report", "address.export"})
LINKAGE_ACTIONS = frozenset({"person.review", "person.export"})
#: The roles that do that processing.
ADDRESS_ROLES = frozenset(PROCESSING_ROLES)
LINKAGE_ROLES = frozenset(PROCESSING_ROLES)
#: A subject access export: the person's own records, every field, read by the IG lead
#: handling their request, and only while the request is open.
SUBJECT_ACCESS_ACTIONS = frozenset({"subject_access.export"})
SUBJECT_ACCESS_ROLES = frozenset(TRANSPARENCY_ROLES)

OWN_ORGANISATION = "own-organisation"
ADDRESS_DATA_QUALITY = "address-data-quality"
LINKAGE_DATA_QUALITY = "linkage-data-quality"
BREAK_GLASS = "break-glass"
SENSITIVE_SHIELD = "shield:sensitive-services"
WHO_IS_INVOLVED = "who-is-involved"
SUBJECT_ACCESS = "subject-access"
#: The data category of the involvement index, and the fields of an involvement it can
#: disclose: what an IG lead leaves out of the category is never shown.
WHO_IS_INVOLVED_CATEGORY = "who_is_involved"
INVOLVEMENT_FIELDS = frozenset({"organisation", "team", "role", "worker", "contact", "dates"})


#: The basis in words of each fixed clause, by policy id. A logged decision to share names
#: its clauses by id and keeps no words: they are read back from here, and an agreement
#: clause's from its version (:func:`clause_bases`).
FIXED_BASES = {
    OWN_ORGANISATION: "The record belongs to your organisation.",
    ADDRESS_DATA_QUALITY: "The data team matches every agency's addresses to the gazetteer: address fields only.",
    LINKAGE_DATA_QUALITY: "The data team decides which records are one person: identifying fields only.",
    SUBJECT_ACCESS: "A subject access request: the person is entitled to a copy of everything held about them.",
    BREAK_GLASS: "Break-glass: an emergency access, limited in time and reviewed by the IG lead.",
    WHO_IS_INVOLVED: ("Who is involved: shown to frontline staff who may see the person, with no purpose needed; "
                      "every view is recorded."),
    SENSITIVE_SHIELD: "A sensitive service is involved: only consent naming it or a safeguarding basis allows more.",
}
#: An agreement clause's policy id: ``agreement:CODE:vN:PURPOSE:PROVIDER->RECIPIENT``.
AGREEMENT_POLICY = re.compile(r"agreement:(?P<code>[^:]+):v(?P<version>\d+):(?P<purpose>[^:]+):")


def clause_bases(session: Session, policy_ids: set[str]) -> dict[str, str]:
    """policy id → the basis in words of the clause it names, as the clause said it when
    it decided: a fixed clause's from :data:`FIXED_BASES`, an agreement's from its version
    (which no longer changes once signed). A clause whose agreement version is gone is
    named by its id."""
    found = {policy: FIXED_BASES[policy] for policy in policy_ids if policy in FIXED_BASES}
    wanted = {policy: match for policy in policy_ids if (match := AGREEMENT_POLICY.match(policy))}
    codes = {match["code"] for match in wanted.values()}
    versions = {(code, version.version): version for version, code in session.execute(
        select(AgreementVersion, SharingAgreement.code).join(SharingAgreement)
        .where(SharingAgreement.code.in_(codes)))} if codes else {}
    for policy, match in wanted.items():
        version = versions.get((match["code"], int(match["version"])))
        found[policy] = describe_basis(version, match["code"], match["purpose"]) if version else policy
    return found | {policy: policy for policy in policy_ids if policy not in found}


@dataclass(frozen=True)
class Clause:
    """What one compiled policy means: the fields a permit discloses, and why, in words."""

    policy_id: str
    effect: str
    fields: frozenset[str]
    basis: str
    agreement_version_id: int | None = None
    purpose: str = ""
    recipient: str = ""
    provider: str = ""
    #: The data categories of the clause's minimum dataset (an agreement clause).
    categories: tuple[str, ...] = ()
    #: The agreement needs consent: what it discloses on consent is limited to the
    #: categories the consent names.
    consent_required: bool = False
    #: A stated safeguarding risk overrides consent for this clause's purpose.
    overrides: bool = False


@dataclass(frozen=True)
class SensitiveService:
    """Records of ``source`` (with ``fact`` in ``values``, when given) are of a sensitive service."""

    category: str
    source: str
    fact: str | None
    values: frozenset[str]

    def covers(self, source: str, facts: dict[str, Any]) -> bool:
        if source != self.source:
            return False
        if not self.fact:
            return True
        return str((facts or {}).get(self.fact, "")) in self.values


@dataclass(frozen=True)
class SensitiveBasis:
    """Sensitive categories an agreement clause names, for its roles and between its dates."""

    categories: frozenset[str]
    roles: frozenset[str]
    starts: int | None
    ends: int | None

    def holds(self, roles, day: int) -> bool:
        return bool(self.roles & set(roles)) and (self.starts is None or day >= self.starts) and (
            self.ends is None or day <= self.ends)


@dataclass(frozen=True)
class PolicySlice:
    """A parsed Cedar policy set and the clause behind each of its policies."""

    policies: Any  # cedarpy.PolicySet
    clauses: tuple[Clause, ...]

    def clause(self, cedar_id: str) -> Clause | None:
        """The clause of Cedar's ``policyN``: policies are numbered in the order of the text."""
        if not cedar_id.startswith("policy"):
            return None
        index = int(cedar_id[len("policy"):])
        return self.clauses[index] if 0 <= index < len(self.clauses) else None

    def evaluate(self, principal: dict[str, Any], resources: list[dict[str, Any]],
                 contexts: list[dict[str, Any]]) -> list[tuple[bool, list[Clause]]]:
        """Evaluate one read per resource over this set: allowed, and the clauses that decided it."""
        entities = [principal, *resources]
        requests = [
            {"principal": principal["uid"], "action": READ, "resource": resource["uid"], "context": context}
            for resource, context in zip(resources, contexts, strict=True)
        ]
        results = cedarpy.is_authorized_batch(requests, self.policies, entities) if requests else []
        # Cedar gives the deciding policies as a set: sorted, so that a decision naming
        # several (two agreements, say) names and logs them in the same order every time.
        return [(result.allowed, sorted((clause for reason in result.diagnostics.reasons
                                         if (clause := self.clause(reason))), key=lambda clause: clause.policy_id))
                for result in results]


READ = {"type": "Action", "id": "read"}
#: The slice key of every request no agreement clause can apply to.
FIXED_ONLY = ("", "", "")


@dataclass(frozen=True)
class CompiledRules:
    """Every rule in force, one Cedar policy text per clause, and the slices parsed so far."""

    version: int
    texts: tuple[str, ...]
    clauses: tuple[Clause, ...]
    services: tuple[SensitiveService, ...]
    safeguarding_purposes: frozenset[str]
    clause_keys: frozenset[tuple[str, str, str]] = frozenset()  # (recipient, purpose, provider) of each clause
    #: Each category's fields, to limit a disclosure on consent to what the consent names.
    category_fields: dict[str, frozenset[str]] = field(default_factory=dict, compare=False)
    #: What each (recipient, purpose, provider) names of the sensitive categories in an
    #: active agreement, with the roles and days it holds for: a safeguarding basis for
    #: opening a record of that sensitive service.
    sensitive_named: dict[tuple[str, str, str], tuple[SensitiveBasis, ...]] = field(default_factory=dict,
                                                                                  compare=False)
    _slices: dict[tuple[str, str, str] | None, PolicySlice] = field(default_factory=dict, compare=False, repr=False)
    _slice_lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    def slice(self, recipient: str, purpose: str, provider: str) -> PolicySlice:
        """The policies that can decide a read by a user of ``recipient`` of a record of
        ``provider`` for ``purpose``: the fixed rules, and the agreement clauses that name
        these three."""
        return self._parsed((recipient, purpose, provider))

    def whole(self) -> PolicySlice:
        """Every policy in one set: what a slice must always decide the same as."""
        return self._parsed(None)

    def _parsed(self, key: tuple[str, str, str] | None) -> PolicySlice:
        if key is not None and key not in self.clause_keys:
            key = FIXED_ONLY  # one slice of the fixed rules for every key no clause names
        with self._slice_lock:
            found = self._slices.get(key)
        if found is not None:
            return found
        kept = [
            (clause, text) for clause, text in zip(self.clauses, self.texts, strict=True)
            if key is None or clause.agreement_version_id is None
            or (clause.recipient, clause.purpose, clause.provider) == key
        ]
        parsed = PolicySlice(cedarpy.PolicySet.from_str("\n\n".join(text for _clause, text in kept)),
                             tuple(clause for clause, _text in kept))
        with self._slice_lock:
            return self._slices.setdefault(key, parsed)

    def sensitive_categories(self, source: str, facts: dict[str, Any]) -> frozenset[str]:
        """The sensitive categories whose services cover a record of ``source`` with
        ``facts``: a record of a sensitive service is sensitive as a whole."""
        return frozenset(service.category for service in self.services if service.covers(source, facts))

    def basis_categories(self, recipient: str, purpose: str, provider: str, roles, day: int) -> frozenset[str]:
        """The sensitive categories an active agreement names for this recipient, purpose
        and provider, for a user with ``roles`` on ``day``."""
        return frozenset().union(*(basis.categories for basis in self.sensitive_named.get((recipient, purpose, provider), ())
                                   if basis.holds(roles, day)))

    def fields_of(self, categories) -> frozenset[str]:
        """The fields the given categories disclose (and the record's source)."""
        return frozenset({"source"}).union(*(self.category_fields.get(code, frozenset()) for code in categories))


def _text(value: str) -> str:
    """``value`` as a Cedar string literal. Not JSON: Cedar refuses JSON's ``\\uXXXX`` and
    ``\\b`` escapes, and an organisation's code may hold any character."""
    escaped = []
    for character in value:
        if character in '"\\':
            escaped.append("\\" + character)
        elif ord(character) < 0x20 or ord(character) == 0x7F:
            escaped.append(f"\\u{{{ord(character):x}}}")
        else:
            escaped.append(character)
    return '"' + "".join(escaped) + '"'



def _set(values) -> str:
    """``values`` as a Cedar set literal of strings."""
    return "[" + ", ".join(_text(value) for value in sorted(values)) + "]"


def _day(value: date) -> int:
    return value.year * 10000 + value.month * 100 + value.day


def rules_version(session: Session) -> int:
    state = session.get(RulesState, 1)
    return state.version if state else 0


def bump_rules(session: Session) -> int:
    """Record that the rules changed: the next request compiles them again."""
    state = session.get(RulesState, 1)
    if state is None:
        state = RulesState(id=1, version=0)
        session.add(state)
    state.version += 1
    state.changed_at = utcnow()
    session.flush()
    return state.version


def category_fields(categories: list[DataCategory]) -> frozenset[str]:
    fields: set[str] = {"source"}
    for category in categories:
        fields.update(name for name in category.fields if name in RECORD_FIELDS)
        fields.update(f"fact:{key}" for key in category.facts)
    return frozenset(fields)


def describe_basis(version: AgreementVersion, code: str, purpose: str) -> str:
    basis = version.lawful_basis or {}
    parts = [*basis.get("article6", []), *basis.get("article9", []), *basis.get("gateways", [])]
    lawful = "; ".join(parts) if parts else "no lawful basis recorded"
    consent = "with consent" if version.consent_required else "consent not needed"
    return f"Agreement {code} version {version.version}, purpose {purpose}: {lawful} ({consent})"


def compile_rules(session: Session) -> CompiledRules:
    """The rules as they stand, as one parsed Cedar policy set with its clauses."""
    # Not ``version``: the loop over agreement versions below would overwrite it, and the
    # cache (:func:`rules_for`) would then never hit.
    rules_number = rules_version(session)
    categories = {category.code: category for category in session.scalars(select(DataCategory))}
    purposes = {purpose.code: purpose for purpose in session.scalars(select(Purpose))}
    safeguarding = frozenset(code for code, purpose in purposes.items() if purpose.safeguarding)
    non_sensitive = [category for category in categories.values() if not category.sensitive]
    clauses: list[Clause] = []
    texts: list[str] = []

    def add(clause: Clause, text: str) -> None:
        clauses.append(clause)
        texts.append(f"@id({_text(clause.policy_id)})\n{text}")

    read = 'action == Action::"read"'
    frontline = _set(FRONTLINE_ROLES)
    add(Clause(OWN_ORGANISATION, "permit", RECORD_FIELDS, FIXED_BASES[OWN_ORGANISATION]),
        f'permit(principal, {read}, resource) when {{ principal.organisation != "" && '
        f'principal.organisation == resource.owner && principal.roles.containsAny({frontline}) && '
        f'context.processing != "linkage" }};')
    add(Clause(ADDRESS_DATA_QUALITY, "permit", ADDRESS_FIELDS, FIXED_BASES[ADDRESS_DATA_QUALITY]),
        f'permit(principal, {read}, resource) when {{ context.processing == "address" && '
        f'principal.roles.containsAny({_set(PROCESSING_ROLES)}) }};')
    add(Clause(LINKAGE_DATA_QUALITY, "permit", LINKAGE_FIELDS, FIXED_BASES[LINKAGE_DATA_QUALITY]),
        f'permit(principal, {read}, resource) when {{ context.processing == "linkage" && '
        f'principal.roles.containsAny({_set(PROCESSING_ROLES)}) }};')
    # The right of access (UK GDPR Article 15): a person is given everything held about
    # them, so the IG lead handling their open request reads every field of their records,
    # a sensitive service's included. The caller says whether the request is open.
    add(Clause(SUBJECT_ACCESS, "permit", RECORD_FIELDS, FIXED_BASES[SUBJECT_ACCESS]),
        f'permit(principal, {read}, resource) when {{ context.processing == "subject_access" && '
        f'principal.roles.containsAny({_set(SUBJECT_ACCESS_ROLES)}) && context has subject_access_open && '
        f'context.subject_access_open }};')
    # Break-glass never opens a record of a sensitive service: such a record is sensitive
    # as a whole, whatever other categories its fields appear in.
    add(Clause(BREAK_GLASS, "permit", category_fields(non_sensitive), FIXED_BASES[BREAK_GLASS]),
        f'permit(principal, {read}, resource) when {{ context.break_glass && context.processing == "" && '
        f'principal.roles.containsAny({frontline}) && !resource.sensitive }};')
    # Who is involved, as ContactPoint showed it: a frontline user who may see the person
    # sees who works with them and how to reach them, with no purpose stated. Only the
    # fields the who-is-involved category names.
    involved = categories.get(WHO_IS_INVOLVED_CATEGORY)
    if involved is not None:
        add(Clause(WHO_IS_INVOLVED, "permit", frozenset(involved.fields) & INVOLVEMENT_FIELDS,
                   FIXED_BASES[WHO_IS_INVOLVED]),
            f'permit(principal, {read}, resource) when {{ context.processing == "involvement" && '
            f'principal.roles.containsAny({frontline}) && context has person_seen && context.person_seen }};')
    # Only consent naming the record's sensitive category, or a safeguarding purpose with a
    # stated risk under an agreement naming that category, lifts the shield. An
    # involvement with a sensitive service is shielded the same way.
    add(Clause(SENSITIVE_SHIELD, "forbid", frozenset(), FIXED_BASES[SENSITIVE_SHIELD]),
        'forbid(principal, action, resource) when { resource.sensitive && principal.organisation != resource.owner '
        '&& (context.processing == "" || context.processing == "involvement") && !(resource.sensitive_categories.containsAny(context.consented_categories) || '
        '(context.safeguarding_risk && context.safeguarding_purpose && '
        'resource.sensitive_categories.containsAny(context.basis_categories))) };')
    rows = session.execute(
        select(AgreementVersion, SharingAgreement.code)
        .join(SharingAgreement, SharingAgreement.id == AgreementVersion.agreement_id)
        .where(AgreementVersion.status == "active")
        .order_by(SharingAgreement.code, AgreementVersion.version)
    ).all()
    sensitive_codes = {code for code, category in categories.items() if category.sensitive}
    sensitive_named: dict[tuple[str, str, str], list[SensitiveBasis]] = {}
    for version, code in rows:
        providers = [party["organisation"] for party in version.parties or [] if party.get("provides")]
        recipients = [party["organisation"] for party in version.parties or [] if party.get("receives")]
        dates = []
        if version.starts_on:
            dates.append(f"context.today >= {_day(version.starts_on)}")
        if version.ends_on:
            dates.append(f"context.today <= {_day(version.ends_on)}")
        for purpose, wanted in sorted((version.datasets or {}).items()):
            roles = sorted(set(purposes[purpose].roles or []) - set(NON_READING_ROLES)) if purpose in purposes else []
            if not roles:
                continue  # nobody may state this purpose: the clause can never apply
            named = [code_ for code_ in wanted if code_ in categories]
            override = bool(version.safeguarding_overrides and purpose in safeguarding)
            overridden = "(context.safeguarding_risk)" if override else "false"
            if version.consent_required:
                consent = f"(context.consented_categories.containsAny({_set(named)}) || {overridden})"
            else:
                consent = f"(!context.refused_categories.containsAll({_set(named)}) || {overridden})"
            fields = category_fields([categories[code_] for code_ in named])
            for recipient in recipients:
                for provider in providers:
                    if provider == recipient:
                        continue
                    policy_id = f"agreement:{code}:v{version.version}:{purpose}:{provider}->{recipient}"
                    conditions = " && ".join([
                        f"principal.organisation == {_text(recipient)}", f"resource.owner == {_text(provider)}",
                        f"context.purpose == {_text(purpose)}", f"principal.roles.containsAny({_set(roles)})",
                        'context.processing == ""', consent, *dates,
                    ])
                    add(Clause(policy_id, "permit", fields, describe_basis(version, code, purpose), version.id, purpose,
                               recipient, provider, tuple(named), bool(version.consent_required), override),
                        f"permit(principal, {read}, resource) when {{ {conditions} }};")
                    if purpose in safeguarding and set(named) & sensitive_codes:
                        sensitive_named.setdefault((recipient, purpose, provider), []).append(SensitiveBasis(
                            frozenset(set(named) & sensitive_codes), frozenset(roles),
                            _day(version.starts_on) if version.starts_on else None,
                            _day(version.ends_on) if version.ends_on else None))
    services = tuple(
        SensitiveService(category.code, service.get("source", ""), service.get("fact") or None,
                         frozenset(str(value) for value in service.get("values", [])))
        for category in categories.values() if category.sensitive for service in category.services or []
    )
    keys = frozenset((clause.recipient, clause.purpose, clause.provider) for clause in clauses
                     if clause.agreement_version_id is not None)
    return CompiledRules(rules_number, tuple(texts), tuple(clauses), services, safeguarding, keys,
                         {code: category_fields([category]) - {"source"} for code, category in categories.items()},
                         {key: tuple(named) for key, named in sensitive_named.items()})


_compiled: dict[str, tuple[tuple, CompiledRules]] = {}
_lock = threading.Lock()


def rules_for(session: Session) -> CompiledRules:
    """The compiled rules for this session's database, rebuilt when they have changed.

    The rules are known by their version and the time it changed: a database emptied and
    filled again (or restored) can reach the same version number with other rules."""
    key = session.get_bind().url.render_as_string(hide_password=False)
    state = session.get(RulesState, 1)
    stamp = (state.version, state.changed_at) if state else (0, None)
    with _lock:
        cached = _compiled.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    compiled = compile_rules(session)
    with _lock:
        _compiled[key] = (stamp, compiled)
    return compiled


def evaluate(compiled: CompiledRules, principal: dict[str, Any], resources: list[dict[str, Any]],
             contexts: list[dict[str, Any]], answers: dict | None = None) -> list[tuple[bool, list[Clause]]]:
    """Evaluate one read per resource, each over the slice for the principal's organisation,
    the context's purpose and the resource's owner: allowed, and the clauses that decided it.

    No policy names a resource by its id: reads whose principal, resource attributes and
    context are the same are decided the same, so Cedar is asked once for each distinct
    set of inputs (a search's records of one agency, with no purpose, are a handful).
    ``answers`` keeps those answers for further calls in the same request, over the same
    ``compiled`` rules; it must never outlive the request."""
    answers = {} if answers is None else answers
    recipient = principal["attrs"]["organisation"]
    keys = [_inputs(principal, resource, context) for resource, context in zip(resources, contexts, strict=True)]
    groups: dict[tuple[str, str], dict[str, int]] = {}
    for index, (key, resource, context) in enumerate(zip(keys, resources, contexts, strict=True)):
        if key not in answers:
            groups.setdefault((context["purpose"], resource["attrs"]["owner"]), {}).setdefault(key, index)
    for (purpose, provider), first in groups.items():
        rules = compiled.slice(recipient, purpose, provider)
        indexes = list(first.values())
        decided = rules.evaluate(principal, [resources[i] for i in indexes], [contexts[i] for i in indexes])
        answers.update(zip(first, decided, strict=True))
    return [answers[key] for key in keys]


def _inputs(principal: dict[str, Any], resource: dict[str, Any], context: dict[str, Any]) -> str:
    """Everything a policy can read of one request (all but the resource's id), as a key."""
    return json.dumps([principal["uid"], principal["attrs"], resource["uid"]["type"], resource["attrs"], context],
                      sort_keys=True, default=str)
