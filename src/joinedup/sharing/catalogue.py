"""The starting catalogue: purposes and data categories an IG lead begins from and edits,
and the demo's agreements between Joinford's partners."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.permissions import FRONTLINE_ROLES
from joinedup.audit import Actor
from joinedup.partners.models import Organisation
from joinedup.sharing.models import DataCategory, Purpose, SharingAgreement
from joinedup.sharing.rules import create_agreement, save_category, save_purpose, set_status, sign

#: Frontline purposes are for frontline roles; programme evaluation is the programme manager's.
FRONTLINE = list(FRONTLINE_ROLES)
PURPOSES = (
    ("direct_care", "Direct care", "Care and support for the person by the people looking after them.", False,
     FRONTLINE),
    ("safeguarding_child", "Safeguarding a child", "Protecting a child from harm (Children Act 1989 s17 and s47).", True,
     FRONTLINE),
    ("safeguarding_adult", "Safeguarding an adult", "Protecting an adult at risk (Care Act 2014 s42).", True, FRONTLINE),
    ("early_help", "Early help", "Support for a family before problems grow, with their agreement.", False, FRONTLINE),
    ("crime_prevention", "Crime prevention", "Preventing crime and disorder (Crime and Disorder Act 1998 s115).", False,
     FRONTLINE),
    ("programme_evaluation", "Programme evaluation", "Measuring whether a programme helped, in aggregate.", False,
     ["programme_manager"]),
    ("vital_interests", "Vital interests", "An emergency: to protect someone's life.", True, FRONTLINE),
)

WORKER = ["worker_name", "worker_team", "worker_phone", "worker_email"]
CATEGORIES = (
    ("identity", "Identity", ["local_id", "record_ref", "forename", "middle_names", "surname", "date_of_birth", "sex",
                              "nhs_number", "ni_number", "upn"], [], False, []),
    ("contact", "Contact details", ["phone", "email"], ["parent_phone"], False, []),
    ("address_history", "Address", ["address_text", "postcode"], [], False, []),
    ("lead_professional", "Who is working with them", [], WORKER + ["officer_collar"], False, []),
    ("who_is_involved", "Who is involved (the involvement index)",
     ["organisation", "team", "role", "worker", "contact", "dates"], [], False, []),
    ("education", "Education", [], ["school_name", "school_urn", "year_group", "attendance_pct", "exclusions",
                                    "last_exclusion_date", "sen_status", "preferred_forename"], False, []),
    ("health_summary", "Health summary", [], ["practice_name", "practice_code", "registration_date"], False, []),
    ("police_incidents", "Police incidents", [], ["incident_date", "incident_type", "role", "domestic_abuse",
                                                  "dash_risk"], False, []),
    ("housing", "Housing", [], ["title", "relationship", "tenancy_start", "tenancy_type", "weekly_rent", "arrears",
                                "arrears_as_of"], False, []),
    ("benefits", "Benefits", [], ["benefit", "claim_start", "claim_status", "conditionality"], False, []),
    ("social_care_status", "Social care status", [], ["referral_date", "referral_source", "referral_reason",
                                                      "case_status", "cin_start", "cp_start", "cp_category",
                                                      "lac_start", "legal_status", "case_closed"], False, []),
    ("voluntary_support", "Voluntary sector support", [], ["need", "how_heard", "approx_age", "consent_to_share"],
     False, []),
    ("sensitive_services", "Sensitive services (sexual health, mental health, substance misuse, domestic abuse)",
     [], ["need", "notes"], True,
     [{"source": "voluntary", "fact": "need", "values": ["Mental health support", "Domestic abuse support"]}]),
)


@dataclass(frozen=True)
class Choices:
    """What a practitioner's forms offer, as (code, name): every purpose and category in the
    catalogue's order, and every organisation by name."""

    purposes: tuple[tuple[str, str], ...]
    categories: tuple[tuple[str, str], ...]
    organisations: tuple[tuple[str, str], ...]

    @property
    def purpose_names(self) -> dict[str, str]:
        return dict(self.purposes)

    @property
    def organisation_names(self) -> dict[str, str]:
        return dict(self.organisations)


def choices(session: Session) -> Choices:
    return Choices(
        tuple(session.execute(select(Purpose.code, Purpose.name).order_by(Purpose.id))),
        tuple(session.execute(select(DataCategory.code, DataCategory.name).order_by(DataCategory.id))),
        tuple(session.execute(select(Organisation.code, Organisation.name).order_by(Organisation.name))),
    )


def ensure_catalogue(session: Session, actor: Actor) -> None:
    """Add the starting purposes and categories that are not there yet (edits are kept)."""
    have = set(session.scalars(select(Purpose.code)))
    for code, name, description, safeguarding, roles in PURPOSES:
        if code not in have:
            save_purpose(session, actor, code, name=name, description=description, safeguarding=safeguarding,
                         roles=roles)
    have = set(session.scalars(select(DataCategory.code)))
    for code, name, fields, facts, sensitive, services in CATEGORIES:
        if code not in have:
            save_category(session, actor, code, name=name, fields=fields, facts=facts, sensitive=sensitive,
                          services=services)


SAFEGUARDING_CORE = ["identity", "contact", "address_history", "lead_professional"]
DEMO_AGREEMENTS = (
    {
        "code": "JSCP-ISA", "title": "Joinford Safeguarding Children Partnership information sharing agreement",
        "parties": ["LA", "CSC", "EDU", "NHS", "POL", "HSG"],
        "datasets": {
            "safeguarding_child": SAFEGUARDING_CORE + ["social_care_status", "education", "health_summary",
                                                       "police_incidents", "housing"],
            "early_help": SAFEGUARDING_CORE + ["education"],
        },
        "lawful_basis": {"article6": ["6(1)(e) public task"],
                         "article9": ["9(2)(g) substantial public interest: DPA 2018 Sch 1 para 18, safeguarding"],
                         "gateways": ["Children Act 2004 s10", "Children Act 2004 s11"]},
        "consent_required": False, "safeguarding_overrides": True, "retention": "Until the child is 25",
    },
    {
        "code": "SF-ISA", "title": "Supporting Families programme information sharing agreement",
        "parties": ["LA", "DWP", "HSG", "VCS", "EDU"],
        "datasets": {
            "early_help": SAFEGUARDING_CORE + ["benefits", "housing", "voluntary_support"],
            "programme_evaluation": ["identity", "benefits", "housing", "education"],
        },
        "lawful_basis": {"article6": ["6(1)(e) public task"], "article9": [],
                         "gateways": ["Digital Economy Act 2017 s35"]},
        "consent_required": True, "safeguarding_overrides": False, "retention": "2 years after the family's support ends",
    },
    {
        "code": "CSP-115", "title": "Joinford Community Safety Partnership protocol",
        "parties": ["LA", "POL", "HSG"],
        "datasets": {"crime_prevention": ["identity", "address_history", "police_incidents", "housing"]},
        "lawful_basis": {"article6": ["6(1)(e) public task"], "article9": [],
                         "gateways": ["Crime and Disorder Act 1998 s115"]},
        "consent_required": False, "safeguarding_overrides": False, "retention": "6 years",
    },
)


def ensure_demo_agreements(session: Session, actor: Actor, *, today: date | None = None,
                           ig_leads: list[str] | None = None) -> None:
    """The demo's three agreements, signed by every party and active (once), naming
    ``ig_leads`` as the partnership's IG leads (who review break-glass for parties
    without one of their own)."""
    today = today or date.today()
    ensure_catalogue(session, actor)
    for terms in DEMO_AGREEMENTS:
        if session.scalar(select(SharingAgreement).where(SharingAgreement.code == terms["code"])):
            continue
        version = create_agreement(
            session, actor, terms["code"], terms["title"],
            parties=[{"organisation": code, "provides": True, "receives": True} for code in terms["parties"]],
            datasets=terms["datasets"], lawful_basis=terms["lawful_basis"],
            consent_required=terms["consent_required"], safeguarding_overrides=terms["safeguarding_overrides"],
            retention=terms["retention"], starts_on=date(today.year - 1, 4, 1), review_on=date(today.year + 1, 3, 31),
            summary=terms["title"], ig_leads=list(ig_leads or []),
        )
        for code in terms["parties"]:
            sign(session, actor, version, organisation=code, name=f"Caldicott guardian, {code}",
                 role="Senior information risk owner", signed_on=date(today.year - 1, 3, 15))
        set_status(session, actor, version, "active")
