"""The rules of sharing, as data an information governance lead edits in the app.

A :class:`Purpose` is why someone may look (safeguarding a child, early help ...). A
:class:`DataCategory` names a set of record fields and facts (identity, education,
police incidents ...); a sensitive one (sexual health, mental health, substance misuse)
also says which records are *of a sensitive service*. A :class:`SharingAgreement` is
kept as numbered :class:`AgreementVersion` rows: a change makes a new version, and every
decision names the version that allowed it. :class:`ConsentRecord` holds what a person
agreed to, refused or withdrew; :class:`BreakGlass` an emergency access and its review;
:class:`SharingDecision` every decision to share or not (the decision log, golden rule 7).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from joinedup.audit.entries import register_logged_table
from joinedup.db import Base, utcnow

AGREEMENT_STATUSES = ("draft", "active", "suspended", "ended")
CONSENT_DECISIONS = ("given", "refused", "withdrawn")
CONSENT_FORMS = ("verbal", "written")
#: Who made a consent decision: the person (an adult), or for a child the young person
#: themselves (competent to decide) or a parent or carer with parental responsibility.
CONSENT_GIVERS = ("person", "young_person", "parent_carer")
#: What a decision came to: shared (some or all fields), withheld (no rule allowed it), or
#: declined (the practitioner decided not to share, and said why).
DECISION_OUTCOMES = ("shared", "withheld", "declined")
BREAK_GLASS_REVIEWS = ("pending", "appropriate", "inappropriate")


class Purpose(Base):
    __tablename__ = "purposes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    #: A safeguarding purpose: where an agreement says so, a stated safeguarding risk
    #: overrides a refusal of consent.
    safeguarding: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The roles whose users may state this purpose (frontline purposes are for frontline
    #: roles); no role: nobody may state it.
    roles: Mapped[list] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DataCategory(Base):
    __tablename__ = "data_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    #: Source record fields this category discloses (``forename``, ``address_text`` ...).
    fields: Mapped[list] = mapped_column(default=list)
    #: Fact keys it discloses (``cp_category``, ``incident_type`` ...).
    facts: Mapped[list] = mapped_column(default=list)
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    #: For a sensitive category: which records are of a sensitive service, as
    #: ``[{"source": code, "fact": key, "values": [...]}]`` (no ``fact``: every record of the source).
    services: Mapped[list] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SharingAgreement(Base):
    """An information sharing agreement's lasting identity; its terms are in versions."""

    __tablename__ = "sharing_agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[AgreementVersion]] = relationship(back_populates="agreement",
                                                            order_by="AgreementVersion.version")


class AgreementVersion(Base):
    """One version of an agreement's terms. Only a draft is edited; activating a version
    ends the one it replaces; a decision keeps pointing at the version that allowed it.

    ``parties``: ``[{"organisation": code, "provides": bool, "receives": bool}]``.
    ``datasets``: purpose code → data category codes (the minimum dataset per purpose).
    ``lawful_basis``: ``{"article6": [...], "article9": [...], "gateways": [...]}``, held
    apart from consent. ``signatories``: ``[{"organisation", "name", "role", "signed_on"}]``.
    """

    __tablename__ = "agreement_versions"
    __table_args__ = (UniqueConstraint("agreement_id", "version", name="uq_agreement_versions_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("sharing_agreements.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    parties: Mapped[list] = mapped_column(default=list)
    datasets: Mapped[dict] = mapped_column(default=dict)
    lawful_basis: Mapped[dict] = mapped_column(default=dict)
    consent_required: Mapped[bool] = mapped_column(Boolean, default=True)
    safeguarding_overrides: Mapped[bool] = mapped_column(Boolean, default=False)
    retention: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date | None] = mapped_column()
    ends_on: Mapped[date | None] = mapped_column()
    review_on: Mapped[date | None] = mapped_column()
    signatories: Mapped[list] = mapped_column(default=list)
    #: The usernames of the IG leads named for this partnership: they review the
    #: break-glass accesses of a party's users where the party has no IG lead of its own.
    ig_leads: Mapped[list] = mapped_column(default=list)
    created_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    agreement: Mapped[SharingAgreement] = relationship(back_populates="versions")


class ConsentRecord(Base):
    """A person's consent, refusal or withdrawal, and its scope. The latest record
    covering a request decides.

    Consent *given* covers only what it names: its purposes, recipient organisations and
    categories (an empty list covers nothing). A refusal or withdrawal covers what it
    names, and an empty list covers every purpose, recipient or category: saying no is
    never read narrowly.
    ``given_by`` says who decided: the person, or for a child the young person (with a
    note of their competence) or a parent or carer with parental responsibility.
    """

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    decision: Mapped[str] = mapped_column(String(16))
    form: Mapped[str] = mapped_column(String(16))
    purposes: Mapped[list] = mapped_column(default=list)
    organisations: Mapped[list] = mapped_column(default=list)
    categories: Mapped[list] = mapped_column(default=list)
    evidence: Mapped[str] = mapped_column(Text, default="")
    given_by: Mapped[str] = mapped_column(String(20), default="person")
    given_by_name: Mapped[str] = mapped_column(String(200), default="")
    competence_note: Mapped[str] = mapped_column(Text, default="")
    informed: Mapped[bool] = mapped_column(Boolean, default=True)
    not_informed_reason: Mapped[str] = mapped_column(Text, default="")
    expires_on: Mapped[date | None] = mapped_column()
    recorded_by: Mapped[str] = mapped_column(String(120), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class BreakGlass(Base):
    """An emergency access to one person: a reason, a time limit, and the IG lead's review."""

    __tablename__ = "break_glass"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    username: Mapped[str] = mapped_column(String(120))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    #: When the review is due (a set number of working days after the start); a review
    #: still pending then is escalated to the administrators (``escalated_at``).
    review_due_at: Mapped[datetime | None] = mapped_column()
    escalated_at: Mapped[datetime | None] = mapped_column()
    review_status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    reviewed_by: Mapped[str] = mapped_column(String(120), default="")
    reviewed_at: Mapped[datetime | None] = mapped_column()
    review_note: Mapped[str] = mapped_column(Text, default="")


class SharingDecision(Base):
    """One decision to share or not: what (records, fields), with whom (user, organisation),
    for which purpose, on which basis (agreement version, consent, break-glass), and why.

    What one request (a batch of it, for a long search) shared of one person's records held
    by one organisation on one basis (one agreement version, one break-glass access, or
    neither: the user's own organisation's, or processing) is one row: the fields shown of
    those records, the clauses that allowed them (``policy_ids``), and the records,
    ``record_id`` when there is one and ``record_ids`` when there are several (each also in
    :class:`SharingDecisionRecord`, so they are found by record). The records one request
    withheld are one row that counts them (``record_count``) and says why (``reasons``: each
    reason and how many it withheld), naming the record and the person only when there is
    one; a search that withholds 250 records writes one row, not 250. A practitioner's own
    decision not to share (``declined``) is always a row of its own.
    """

    __tablename__ = "sharing_decisions"
    __table_args__ = (
        Index("ix_sharing_decisions_person_at", "person_id", "at"),
        Index("ix_sharing_decisions_user_at", "user_id", "at"),
        Index("ix_sharing_decisions_record_id", "record_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    username: Mapped[str] = mapped_column(String(120), default="")
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"),
                                                        index=True)
    person_id: Mapped[str | None] = mapped_column(String(20))
    #: The record's id, kept after the record is deleted (no foreign key: a deletion must
    #: never rewrite a logged entry, or the log would no longer verify).
    record_id: Mapped[int | None] = mapped_column(Integer)
    source_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(40), default="")
    outcome: Mapped[str] = mapped_column(String(16), index=True)
    basis: Mapped[str] = mapped_column(Text, default="")
    agreement_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("agreement_versions.id", ondelete="SET NULL"), index=True)
    policy_ids: Mapped[list] = mapped_column(default=list)
    fields: Mapped[list] = mapped_column(default=list)
    reason: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str] = mapped_column(String(20), default="")
    break_glass_id: Mapped[int | None] = mapped_column(ForeignKey("break_glass.id", ondelete="SET NULL"))
    record_count: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    reasons: Mapped[dict | None] = mapped_column(default=None)
    #: The records a row shared when they are several, ids ascending (``record_id`` is empty then).
    #: (SQL NULL when not, never JSON null: an entry holding none is encoded as version 1.)
    record_ids: Mapped[list | None] = mapped_column(JSON(none_as_null=True), default=None)
    #: The decision's position among the leaves of the audit log's Merkle tree; empty until sequenced.
    log_index: Mapped[int | None] = mapped_column(BigInteger, index=True, unique=True)

    @property
    def records(self) -> list[int]:
        """Every record the row names: its one record, or its several."""
        return list(self.record_ids or ([] if self.record_id is None else [self.record_id]))


class SharingDecisionRecord(Base):
    """Each record of a decision that shared several (``SharingDecision.record_ids``), so
    that "who has seen my record" finds the decision by any of them. An index of what the
    logged entry holds, written in the same transaction; the entry is what verifies."""

    __tablename__ = "sharing_decision_records"

    decision_id: Mapped[int] = mapped_column(ForeignKey("sharing_decisions.id", ondelete="CASCADE"),
                                             primary_key=True)
    record_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)


#: Every decision is an entry of the tamper-evident audit log: these fields, in the
#: canonical encoding of docs/audit.md; ``record_ids`` came later, so an entry holding
#: them is encoded as version 2. A new field needs a new version.
register_logged_table(SharingDecision.__table__, (
    "at", "user_id", "username", "organisation_id", "person_id", "record_id", "source_organisation_id",
    "action", "purpose", "outcome", "basis", "agreement_version_id", "policy_ids", "fields", "reason",
    "channel", "break_glass_id", "record_count", "reasons"), added=("record_ids",))


class RulesState(Base):
    """One row: bumped by every change to purposes, categories or agreements, so that the
    compiled policies are rebuilt on the very next request."""

    __tablename__ = "sharing_rules_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class TrainingSample(Base):
    """A person an information governance lead set aside for training: trainers may see
    them "as" a partner would, and no one else."""

    __tablename__ = "training_samples"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), unique=True)
    note: Mapped[str] = mapped_column(Text, default="")
    added_by: Mapped[str] = mapped_column(String(120), default="")
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
