"""Which dated facts of a source record make which events, in words.

A record's facts are what its agency's extract said (the mappings in
``joinedup/ingest/mappings``). Each :class:`DatedFact` names the fact holding a date, the
sources it applies to, the event it makes, and whether that event is significant. An
event is made only from a record the actor may see, and only when its date fact was
disclosed; its words use only the facts disclosed with it. A fact that is not a date is
left out, never guessed.

**Significant** events are those a safeguarding chronology must not lose among the rest:
referrals to children's social care, child in need and child protection plans starting,
a child becoming looked after, a case closing (its plans ending), every police incident
(domestic abuse and missing episodes among them) and exclusions. Registrations, benefit
claims, tenancy events and referrals to the voluntary sector are not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from joinedup.audit import Actor
from joinedup.chronology.events import Event, Whose, event_source
from joinedup.disclosure import Disclosed

Words = Callable[[dict[str, Any]], tuple[str, str]]


@dataclass(frozen=True)
class DatedFact:
    """The event a dated fact makes: ``words`` turns the disclosed facts into (what, detail)."""

    fact: str
    category: str
    words: Words
    significant: bool
    sources: frozenset[str] = frozenset()  # empty: any source

    def applies_to(self, source: str) -> bool:
        return not self.sources or source in self.sources


def _join(*parts: str) -> str:
    return ". ".join(part for part in parts if part)


def _said(label: str, value: Any) -> str:
    return f"{label}: {value}" if value not in (None, "") else ""


def _plans(facts: dict[str, Any]) -> str:
    plans = [name for fact, name in (("cin_start", "child in need"), ("cp_start", "child protection"),
                                     ("lac_start", "looked after")) if facts.get(fact)]
    return f"Plans ended with it: {', '.join(plans)}" if plans else ""


INCIDENT_NAMES = {"ASB": "Antisocial behaviour"}


def _incident(facts: dict[str, Any]) -> tuple[str, str]:
    kind = str(facts.get("incident_type") or "")
    role = str(facts.get("role") or "").capitalize()
    risk = str(facts.get("dash_risk") or "").capitalize()
    detail = _join(_said("Role", role), _said("DASH risk", risk))
    if facts.get("domestic_abuse") is True or kind.upper() == "DOMESTIC ABUSE":
        return "Domestic abuse incident reported", detail
    if "MISSING" in kind.upper():
        return "Missing episode reported", detail
    if kind:
        return f"Police incident: {INCIDENT_NAMES.get(kind.upper(), kind.capitalize())}", detail
    return "Police incident", detail


def _arrears(facts: dict[str, Any]) -> tuple[str, str]:
    arrears = facts.get("arrears")
    if isinstance(arrears, (int, float)) and not isinstance(arrears, bool):
        return (f"£{arrears:,.2f} in rent arrears" if arrears > 0 else "Rent account clear"), ""
    return "Rent arrears recorded", _said("Arrears", arrears)


def _exclusion(facts: dict[str, Any]) -> tuple[str, str]:
    return "Fixed-term exclusion (suspension)", _join(_said("School", facts.get("school_name")),
                                                      _said("Suspensions this year", facts.get("exclusions")))


#: The dated facts that make events, by the fact holding the date.
DATED_FACTS = (
    DatedFact("referral_date", "referral", lambda f: ("Referred to children's social care", _join(
        _said("Reason", f.get("referral_reason")), _said("Referred by", f.get("referral_source")))), True,
        frozenset({"csc"})),
    DatedFact("referral_date", "referral", lambda f: ("Referred to a voluntary sector service", ""), False,
              frozenset({"voluntary"})),
    DatedFact("cin_start", "plan", lambda f: ("Child in need plan started", ""), True),
    DatedFact("cp_start", "plan", lambda f: ("Child protection plan started", _said("Category", f.get("cp_category"))),
              True),
    DatedFact("lac_start", "plan", lambda f: ("Became looked after", _said("Legal status", f.get("legal_status"))),
              True),
    DatedFact("case_closed", "plan", lambda f: ("Children's social care case closed", _plans(f)), True),
    DatedFact("incident_date", "incident", _incident, True),
    DatedFact("last_exclusion_date", "exclusion", _exclusion, True),
    DatedFact("registration_date", "registration", lambda f: ("Registered with a GP practice",
                                                              _said("Practice", f.get("practice_name"))), False),
    DatedFact("claim_start", "registration", lambda f: (f"{f.get('benefit') or 'Benefit'} claim started",
                                                        _said("Status", f.get("claim_status"))), False),
    DatedFact("tenancy_start", "tenancy", lambda f: ("Tenancy started", _join(
        _said("Tenancy", f.get("tenancy_type")), _said("On the tenancy as", f.get("relationship")))), False),
    DatedFact("arrears_as_of", "tenancy", _arrears, False),
)


def dated(value: Any) -> date | None:
    """The date an extract's fact holds (ISO text), or None when it holds none."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def record_events(record: Disclosed, whose: Whose) -> list[Event]:
    """The events one disclosed record makes (none when it was not disclosed)."""
    if not record.allowed:
        return []
    facts = record.fields.get("facts") or {}
    source = record.fields.get("source") or ""
    agency = record.organisation_name or record.source_name or ""
    found = []
    for rule in DATED_FACTS:
        on = dated(facts.get(rule.fact))
        if on is None or not rule.applies_to(source):
            continue
        what, detail = rule.words(facts)
        found.append(Event(on, what, detail, rule.category, agency, rule.significant, "records", whose.person_id,
                           whose.name, record.id, whose.relation))
    return found


@event_source("records", {"referral": "Referrals", "plan": "Plans", "incident": "Incidents",
                          "exclusion": "Exclusions", "registration": "Registrations", "tenancy": "Tenancy"})
def records_source(session: Session, actor: Actor, whose: Whose) -> Iterable[Event]:
    """Events from the dated facts of the person's records the actor may see."""
    return [event for record in whose.records for event in record_events(record, whose)]
