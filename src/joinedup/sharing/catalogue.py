"""The starting catalogue: purposes and data categories an IG lead begins from and edits,
the demo's agreements between Joinford's partners, and how the catalogue's facts read
in words (:func:`facts_in_words`: "Child in need since 3 May 2025", "£136.00 in
arrears"), for every page and report to show the same sentences."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

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


# --------------------------------------------------------------------------- facts in words

#: How each fact of the catalogue's categories reads, for people: a sentence with
#: ``{value}`` where the value goes, and how the value is written ("date": 3 May 2025,
#: "money": £136.00, "yes_no": one sentence for yes and one for no, "count", "percent",
#: "text" as recorded). A fact not here reads as its name and its value.
FACT_WORDING: dict[str, tuple[str, str]] = {
    "referral_date": ("Referred on {value}", "date"),
    "referral_source": ("Referred by {value}", "text"),
    "referral_reason": ("Reason for referral: {value}", "text"),
    "case_status": ("Case status: {value}", "text"),
    "cin_start": ("Child in need since {value}", "date"),
    "cp_start": ("On a child protection plan since {value}", "date"),
    "cp_status": ("Child protection status: {value}", "text"),
    "cp_category": ("Child protection category: {value}", "text"),
    "lac_start": ("Looked after since {value}", "date"),
    "legal_status": ("Legal status: {value}", "text"),
    "case_closed": ("Case closed on {value}", "date"),
    "worker_name": ("Worker: {value}", "text"),
    "worker_team": ("Team: {value}", "text"),
    "worker_phone": ("Worker's phone: {value}", "text"),
    "worker_email": ("Worker's email: {value}", "text"),
    "officer_collar": ("Officer's collar number: {value}", "text"),
    "parent_phone": ("Parent's phone: {value}", "text"),
    "school_name": ("At {value}", "text"),
    "school_urn": ("School URN: {value}", "text"),
    "year_group": ("Year group: {value}", "text"),
    "attendance_pct": ("{value} attendance", "percent"),
    "exclusions": ("{value}", "count:exclusion"),
    "last_exclusion_date": ("Last excluded on {value}", "date"),
    "sen_status": ("Special educational needs: {value}", "text"),
    "preferred_forename": ("Prefers to be called {value}", "text"),
    "practice_name": ("Registered with {value}", "text"),
    "practice_code": ("Practice code: {value}", "text"),
    "registration_date": ("Registered on {value}", "date"),
    "incident_date": ("Incident on {value}", "date"),
    "incident_type": ("Incident: {value}", "text"),
    "role": ("Role in the incident: {value}", "text"),
    "domestic_abuse": ("A domestic abuse incident|Not a domestic abuse incident", "yes_no"),
    "dash_risk": ("DASH risk: {value}", "text"),
    "title": ("Title: {value}", "text"),
    "relationship": ("Relationship to the tenant: {value}", "text"),
    "tenancy_start": ("Tenant since {value}", "date"),
    "tenancy_type": ("Tenancy: {value}", "text"),
    "weekly_rent": ("{value} a week rent", "money"),
    "arrears": ("{value} in arrears", "money"),
    "arrears_as_of": ("Arrears as of {value}", "date"),
    "benefit": ("Claims {value}", "text"),
    "claim_start": ("Claim started on {value}", "date"),
    "claim_status": ("Claim status: {value}", "text"),
    "conditionality": ("Conditionality: {value}", "text"),
    "need": ("Need: {value}", "text"),
    "how_heard": ("Heard of the service through {value}", "text"),
    "approx_age": ("Aged about {value}", "text"),
    "consent_to_share": ("Consented to share|Did not consent to share", "yes_no"),
    "notes": ("Notes: {value}", "text"),
}
YES = {"y", "yes", "true", "1"}
NO = {"n", "no", "false", "0"}


@dataclass(frozen=True)
class FactInWords:
    """One fact as a sentence: "Child in need since 3 May 2025", "£136.00 in arrears"."""

    key: str
    text: str


def date_in_words(value: object) -> str | None:
    """3 May 2025 (the GOV.UK way), or None when ``value`` is not a date."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    if not isinstance(value, date):
        return None
    return f"{value.day} {value:%B %Y}"


def money_in_words(value: object) -> str | None:
    """£136.00 (negative: minus £5.00), or None when ``value`` is not an amount."""
    if isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value).replace("£", "").replace(",", "").strip())
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite():
        return None
    text = f"£{abs(amount):,.2f}"
    return f"minus {text}" if amount < 0 else text


def age_on(born: object, today: date | None = None) -> int | None:
    """Age in whole years on ``today``, or None for no date (or one still to come)."""
    if isinstance(born, str):
        try:
            born = date.fromisoformat(born[:10])
        except ValueError:
            return None
    if not isinstance(born, date):
        return None
    today = today or date.today()
    years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return years if years >= 0 else None


def date_of_birth_in_words(born: object, today: date | None = None) -> str:
    """3 May 2015 (11): the date of birth with the age beside it."""
    written = date_in_words(born)
    if written is None:
        return "" if born in (None, "") else str(born)
    age = age_on(born, today)
    return written if age is None else f"{written} ({age})"


def _plain(value: object) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ", ".join(_plain(item) for item in value)
    return date_in_words(value) if isinstance(value, str) and len(value) == 10 and date_in_words(value) \
        else str(value)


def _label(key: str) -> str:
    words = key.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def fact_in_words(key: str, value: object) -> FactInWords | None:
    """``key``'s fact as a sentence, or None when nothing was recorded. A value that is not
    what the wording expects (a date that is not one, say) reads as its name and value."""
    if value is None or value == "" or value == []:
        return None
    sentence, kind = FACT_WORDING.get(key, ("", "text"))
    written: str | None
    if kind == "date":
        written = date_in_words(value)
    elif kind == "money":
        written = money_in_words(value)
        if written == "£0.00" and key == "arrears":
            return FactInWords(key, "No arrears")
    elif kind == "percent":
        written = None if isinstance(value, bool) else _number(value)
        written = None if written is None else f"{written}%"
    elif kind.startswith("count:"):
        count = _number(value)
        noun = kind.split(":", 1)[1]
        written = None if count is None else (f"No {noun}s" if count == "0" else
                                              f"1 {noun}" if count == "1" else f"{count} {noun}s")
        sentence = "{value}"
    elif kind == "yes_no":
        yes, no = sentence.split("|")
        answer = str(value).strip().lower() if not isinstance(value, bool) else ("yes" if value else "no")
        if answer in YES:
            return FactInWords(key, yes)
        if answer in NO:
            return FactInWords(key, no)
        written = None
    else:
        written = _plain(value) if sentence else None
    if written is None:
        return FactInWords(key, f"{_label(key)}: {_plain(value)}")
    return FactInWords(key, sentence.format(value=written))


def _number(value: object) -> str | None:
    try:
        number = Decimal(str(value).replace("%", "").strip())
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite():
        return None
    return f"{number.normalize():f}" if number == number.to_integral_value() else f"{number:f}".rstrip("0")


def facts_in_words(facts: dict[str, object] | None) -> tuple[FactInWords, ...]:
    """A record's disclosed facts as sentences, in the catalogue's order (then any other
    facts by name): the words pages and reports show instead of raw field names."""
    if not facts:
        return ()
    order = {key: index for index, key in enumerate(FACT_WORDING)}
    keys = sorted(facts, key=lambda key: (order.get(key, len(order)), key))
    return tuple(found for key in keys if (found := fact_in_words(key, facts[key])) is not None)
