"""The shapes of the sharing API's requests and answers (``/api/v1/sharing``), for
:mod:`joinedup.web.sharing.api`: what each route takes and returns, described for OpenAPI."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from joinedup.web.access.api import ConsentOut
from joinedup.web.params import Text


class PurposeIn(BaseModel):
    name: Text = Field(min_length=1, max_length=200)
    description: Text = Field(default="", max_length=2000)
    safeguarding: bool = Field(default=False, description="Where an agreement says so, a stated safeguarding risk "
                                                          "overrides a refusal of consent for this purpose.")
    roles: list[Text] = Field(default_factory=list, max_length=10, description="The roles whose users may state "
                              "it (frontline purposes are for frontline roles; the data team, administrators, IG "
                              "leads and trainers are refused). Omitted: unchanged, or the frontline roles for a "
                              "new purpose.")


class PurposeNew(PurposeIn):
    code: Text = Field(min_length=1, max_length=40, description="Lower-case letters, digits and underscores.")


class PurposeOut(BaseModel):
    code: str
    name: str
    description: str
    safeguarding: bool
    roles: list[str] = Field(description="The roles whose users may state this purpose.")


class ServiceIO(BaseModel):
    """Which records are of a sensitive service: every record of ``source``, or those whose
    fact ``fact`` is one of ``values``."""

    source: Text = Field(min_length=1, max_length=40)
    fact: Text | None = Field(default=None, max_length=60)
    values: list[Text] = Field(default_factory=list)


class CategoryIn(BaseModel):
    name: Text = Field(min_length=1, max_length=200)
    description: Text = Field(default="", max_length=2000)
    fields: list[Text] = Field(default_factory=list, description="Source record fields it discloses.")
    facts: list[Text] = Field(default_factory=list, description="Fact keys it discloses.")
    sensitive: bool = False
    services: list[ServiceIO] = Field(default_factory=list, description="For a sensitive category.")


class CategoryNew(CategoryIn):
    code: Text = Field(min_length=1, max_length=40)


class CategoryOut(CategoryIn):
    code: str


class PartyIO(BaseModel):
    organisation: Text = Field(description="An organisation's code.")
    provides: bool
    receives: bool


class LawfulBasisIO(BaseModel):
    """The lawful basis, held apart from consent."""

    article6: list[Text] = Field(default_factory=list, description="UK GDPR Article 6 conditions.")
    article9: list[Text] = Field(default_factory=list, description="UK GDPR Article 9 conditions.")
    gateways: list[Text] = Field(default_factory=list, description="Statutory gateways, like Children Act 2004 s11.")


class TermsIn(BaseModel):
    """A draft's terms: only those sent change. A term that is a list, a map, an object or
    a yes/no cannot be null: send it empty (or false), or leave it out to keep it."""

    summary: Text | None = Field(default=None, max_length=2000)
    parties: list[PartyIO] = Field(default_factory=list)
    datasets: dict[Text, list[Text]] = Field(default_factory=dict,
                                             description="Purpose code → data category codes: the minimum "
                                                         "dataset for each purpose.")
    lawful_basis: LawfulBasisIO = Field(default_factory=LawfulBasisIO)
    consent_required: bool = False
    safeguarding_overrides: bool = False
    retention: Text | None = Field(default=None, max_length=2000)
    starts_on: date | None = None
    ends_on: date | None = None
    review_on: date | None = None
    ig_leads: list[Text] = Field(default_factory=list, max_length=20,
                                 description="Usernames of the IG leads named for this partnership: they review the "
                                 "break-glass accesses of parties that have no IG lead of their own in JoinedUp.")


class AgreementNew(TermsIn):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
    title: Text = Field(min_length=1, max_length=300)


class SignatoryOut(BaseModel):
    organisation: str
    name: str
    role: str
    signed_on: date


class PolicyOut(BaseModel):
    policy_id: str = Field(description="The id decisions under it name, in the decision log.")
    purpose: str
    fields: list[str] = Field(description="What it discloses; a fact as fact:KEY.")
    cedar: str = Field(description="The Cedar policy text.")


class VersionOut(BaseModel):
    agreement: str
    version: int
    status: str = Field(description="draft, active, suspended or ended.")
    summary: str
    parties: list[PartyIO]
    datasets: dict[str, list[str]]
    lawful_basis: LawfulBasisIO
    consent_required: bool
    safeguarding_overrides: bool
    retention: str
    starts_on: date | None
    ends_on: date | None
    review_on: date | None
    ig_leads: list[str]
    signatories: list[SignatoryOut]
    created_by: str
    created_at: datetime
    changed_at: datetime
    policies: list[PolicyOut] | None = Field(
        default=None, description="The Cedar policies it compiles to (in force when active; otherwise what it "
                                  "compiles to when active). Only on a single version.")


class AgreementSummaryOut(BaseModel):
    code: str
    title: str
    latest_version: int | None
    status: str | None = Field(description="The latest version's status.")
    active_version: int | None
    parties: list[str] = Field(description="The active version's parties, or else the latest's.")
    review_on: date | None


class AgreementOut(BaseModel):
    code: str
    title: str
    versions: list[VersionOut] = Field(description="Newest first.")


class SignIn(BaseModel):
    organisation: Text = Field(description="The party that signs.")
    name: Text = Field(min_length=1, max_length=200)
    role: Text = Field(default="", max_length=200)
    signed_on: date | None = Field(default=None, description="Today when not given.")


class StatusIn(BaseModel):
    status: Literal["active", "suspended", "ended"]
    reason: Text = Field(default="", max_length=2000, description="Needed to suspend or end a version.")


class DecisionOut(BaseModel):
    """One decision to share or not."""

    id: int
    at: datetime
    username: str
    organisation: str | None = Field(description="The organisation of the user who asked.")
    person_id: str | None
    person_name: str | None = Field(default=None, description="The person's name in the index.")
    record_id: int | None = Field(description="The record, when the decision covers one.")
    record_ids: list[int] = Field(default_factory=list,
                                  description="Every record the decision names: what one request shared of "
                                              "one person's records held by one organisation on one basis; a "
                                              "withheld decision names one or none.")
    source_organisation: str | None = Field(description="The organisation that holds the records (for a withheld "
                                                        "decision, when one does).")
    records: int = Field(default=1, description="How many records the decision covers: those it shared; every "
                                                "record a request withheld when withheld.")
    reasons: dict[str, int] = Field(default_factory=dict,
                                    description="When withheld: each reason, and how many records it withheld.")
    action: str
    purpose: str
    outcome: str = Field(description="shared, withheld or declined.")
    basis: str
    agreement: str | None = Field(description="CODE vN of the agreement version that allowed it.")
    policy_ids: list[str]
    fields: list[str] = Field(description="The fields disclosed (names only).")
    reason: str
    channel: str
    break_glass_id: int | None


class DecisionPageOut(BaseModel):
    total: int
    limit: int
    offset: int
    decisions: list[DecisionOut] = Field(description="Newest first.")


class SeenOut(BaseModel):
    at: datetime
    record_id: int | None = Field(description="The record, when one was seen.")
    record_ids: list[int] = Field(description="Every record seen.")
    source_organisation: str
    purpose: str
    action: str
    fields: list[str]


class BreakGlassOut(BaseModel):
    id: int
    username: str
    organisation: str
    person_id: str | None
    reason: str
    started_at: datetime
    expires_at: datetime
    minutes: int
    open: bool = Field(description="Whether the access is still open.")
    review_status: str = Field(description="pending, appropriate or inappropriate.")
    reviewed_by: str
    reviewed_at: datetime | None
    review_note: str
    seen: list[SeenOut] = Field(description="What was seen under it, from the decision log.")


class ReviewIn(BaseModel):
    decision: Literal["appropriate", "inappropriate"]
    note: Text = Field(min_length=1, max_length=2000, description="The reasons, recorded with your name.")


class PreviewRecordOut(BaseModel):
    """A record as the pretend user would get it."""

    record_id: int
    allowed: bool
    shielded: bool = Field(description="A sensitive service: they see only that a service is involved.")
    reason: str
    policy_ids: list[str]
    fields: dict[str, Any] = Field(description="Only the fields the decision disclosed; empty when withheld.")


class ViewAsOut(BaseModel):
    person_id: str
    organisation: str
    role: str
    purpose: str
    safeguarding_risk: bool
    records: list[PreviewRecordOut]


class FlowOut(BaseModel):
    provider: str
    recipient: str
    purpose: str
    categories: list[str]
    agreement: str
    version: int


class ScriptOut(BaseModel):
    script: str = Field(description="The words practitioners read, with {placeholders}.")
    placeholders: dict[str, str] = Field(description="What to say in each placeholder.")


class ConsentEntryOut(ConsentOut):
    person_id: str = Field(description="The person's public id.")
    recorded_by_organisation: str = Field(description="The organisation of the user who recorded it.")


class ConsentPageOut(BaseModel):
    total: int = Field(description="How many records match.")
    consents: list[ConsentEntryOut]


class TrainingSampleOut(BaseModel):
    person_id: str
    note: str = Field(description="Why the person suits training, as the IG lead put it.")


class TrainingSampleIn(BaseModel):
    note: Text = Field(default="", max_length=2000)
