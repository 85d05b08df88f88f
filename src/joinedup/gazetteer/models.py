"""The gazetteer's tables: addresses (one row per LPI), loads, match runs, matches, decisions.

A UPRN is the property; an LPI (land and property identifier) is one way of writing its
address. The gazetteer holds one row per LPI: the approved form and any alternative or
historic ones, all carrying the same UPRN, so a record written the old way still finds
the property. Exactly one LPI per UPRN is ``preferred`` (the approved one when there is
one): it is the address shown for the UPRN.

A source record has at most one :class:`AddressMatch`, replaced by each run that
considers the record. A person's decision on an address is an :class:`AddressDecision`,
keyed by the source and the *normalised* address text rather than by the record, so it
survives reruns, reloads of the gazetteer and new records with the same address.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
)
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship

from joinedup.accounts import models as _accounts  # noqa: F401 - the users table a decision refers to
from joinedup.db import Base, utcnow
from joinedup.ingest.models import SourceRecord
from joinedup.partners.models import SourceSystem

#: How an LPI stands in the gazetteer (BS 7666 logical status, in words).
LPI_STATUSES = ("approved", "alternative", "provisional", "historic")

#: What a match's UPRN came from.
METHODS = ("exact", "probabilistic", "manual")

#: Where an address stands: matched to a UPRN, or on the review list, or decided.
STATUSES = ("matched", "ambiguous", "unmatched", "out_of_area", "unmatchable")

#: The review list's statuses: what the data team still has to look at.
REVIEW_STATUSES = ("ambiguous", "unmatched")

#: What a person can decide about an address on the review list.
DECISION_ACTIONS = ("accept", "choose", "out_of_area", "unmatchable")

#: Classifications that are not a private home; a home address at one is an anomaly.
NON_RESIDENTIAL = ("care_home", "school", "hostel", "commercial")

UPRN_LENGTH = 12


class GazetteerLoad(Base):
    """One run of ``joinedup gazetteer load``: what was read and what changed.

    ``new``, ``changed``, ``retired`` and ``unchanged`` count UPRNs; ``rows_read``,
    ``rejected`` and ``flagged`` count rows of the file. ``needs_rematch`` counts the
    source records whose match was to a UPRN this load retired or changed.
    """

    __tablename__ = "gazetteer_loads"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(String(500))
    file_sha256: Mapped[str] = mapped_column(String(64), default="")
    mapping: Mapped[str] = mapped_column(String(500), default="")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default="running")
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    retired: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    flagged: Mapped[int] = mapped_column(Integer, default=0)
    needs_rematch: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    loaded_by: Mapped[str] = mapped_column(String(120), default="")

    issues: Mapped[list[GazetteerLoadIssue]] = relationship(
        back_populates="load", order_by="GazetteerLoadIssue.id", cascade="all, delete-orphan"
    )


class GazetteerLoadIssue(Base):
    """A problem with one row (and usually one field) of a gazetteer file.

    ``severity`` is ``rejected`` (the row was not loaded), ``flagged`` (loaded, the
    value set aside) or ``warning`` (about the file as a whole).
    """

    __tablename__ = "gazetteer_load_issues"

    id: Mapped[int] = mapped_column(primary_key=True)
    load_id: Mapped[int] = mapped_column(ForeignKey("gazetteer_loads.id", ondelete="CASCADE"), index=True)
    row_number: Mapped[int | None] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(64), default="")
    severity: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    value: Mapped[str] = mapped_column(Text, default="")

    load: Mapped[GazetteerLoad] = relationship(back_populates="issues")


class GazetteerAddress(Base):
    """One LPI of one UPRN, in BS 7666 parts, with what the matcher compares.

    ``normalised`` is the address as the matcher writes it (upper case, abbreviations
    expanded, no punctuation, no town or postcode). ``retired_at`` is set when a reload
    no longer lists the UPRN; retired rows are kept so that old matches still show what
    they were matched to, but they are never matched again.
    """

    __tablename__ = "gazetteer_addresses"
    __table_args__ = (
        Index("ix_gazetteer_addresses_uprn_preferred", "uprn", "preferred"),
        Index("ix_gazetteer_addresses_postcode", "postcode"),
        Index("ix_gazetteer_addresses_street", "street"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uprn: Mapped[str] = mapped_column(String(UPRN_LENGTH))
    parent_uprn: Mapped[str | None] = mapped_column(String(UPRN_LENGTH))
    lpi_status: Mapped[str] = mapped_column(String(16))
    preferred: Mapped[bool] = mapped_column(Boolean, default=False)
    sao_text: Mapped[str] = mapped_column(String(200), default="")
    sao_start_number: Mapped[str] = mapped_column(String(8), default="")
    sao_start_suffix: Mapped[str] = mapped_column(String(4), default="")
    sao_end_number: Mapped[str] = mapped_column(String(8), default="")
    sao_end_suffix: Mapped[str] = mapped_column(String(4), default="")
    pao_text: Mapped[str] = mapped_column(String(200), default="")
    pao_start_number: Mapped[str] = mapped_column(String(8), default="")
    pao_start_suffix: Mapped[str] = mapped_column(String(4), default="")
    pao_end_number: Mapped[str] = mapped_column(String(8), default="")
    pao_end_suffix: Mapped[str] = mapped_column(String(4), default="")
    street: Mapped[str] = mapped_column(String(200), default="")
    locality: Mapped[str] = mapped_column(String(200), default="")
    town: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(16), default="")
    easting: Mapped[float | None] = mapped_column(Float)
    northing: Mapped[float | None] = mapped_column(Float)
    classification: Mapped[str] = mapped_column(String(40), default="")
    in_boundary: Mapped[bool | None] = mapped_column(Boolean)
    normalised: Mapped[str] = mapped_column(Text, default="")
    row_hash: Mapped[str] = mapped_column(String(64), default="")
    load_id: Mapped[int | None] = mapped_column(ForeignKey("gazetteer_loads.id", ondelete="SET NULL"))
    retired_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def sao(self) -> str:
        """The secondary addressable object (flat, unit) as written: "Flat 2", "Unit 3A"."""
        return _object_text(self.sao_text, self.sao_start_number, self.sao_start_suffix,
                            self.sao_end_number, self.sao_end_suffix)

    @property
    def pao(self) -> str:
        """The primary addressable object (building) as written: "10", "Rose Cottage", "12-14"."""
        return _object_text(self.pao_text, self.pao_start_number, self.pao_start_suffix,
                            self.pao_end_number, self.pao_end_suffix)

    @property
    def is_residential(self) -> bool:
        return self.classification not in NON_RESIDENTIAL

    @property
    def single_line(self) -> str:
        """The whole address on one line, as a letter would be addressed."""
        parts = [self.sao] if self.sao else []
        pao = self.pao
        if self.pao_text and (self.pao_start_number or self.pao_end_number):
            parts.append(self.pao_text)
            pao = _object_text("", self.pao_start_number, self.pao_start_suffix,
                               self.pao_end_number, self.pao_end_suffix)
            parts.append(f"{pao} {self.street}".strip())
        elif pao and pao[0].isdigit():
            parts.append(f"{pao} {self.street}".strip())
        else:
            parts.extend(part for part in (pao, self.street) if part)
        parts.extend(part for part in (self.locality, self.town, self.postcode) if part)
        return ", ".join(parts)


def _object_text(text: str, start: str, start_suffix: str, end: str, end_suffix: str) -> str:
    number = f"{start}{start_suffix}"
    if end:
        number = f"{number}-{end}{end_suffix}"
    return " ".join(part for part in (text, number) if part)


class MatchRun(Base):
    """One run of the matcher: which records it considered and what it found.

    A run writes its results in one transaction at its end: a run that fails leaves
    every earlier result as it was, and records ``failed`` with its ``error``.
    """

    __tablename__ = "match_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default="running")
    full: Mapped[bool] = mapped_column(Boolean, default=False)
    engine: Mapped[str] = mapped_column(String(120), default="")
    matched_by: Mapped[str] = mapped_column(String(120), default="")
    gazetteer_load_id: Mapped[int | None] = mapped_column(ForeignKey("gazetteer_loads.id", ondelete="SET NULL"))
    records: Mapped[int] = mapped_column(Integer, default=0)
    matched: Mapped[int] = mapped_column(Integer, default=0)
    ambiguous: Mapped[int] = mapped_column(Integer, default=0)
    unmatched: Mapped[int] = mapped_column(Integer, default=0)
    # How the matched records were matched: exact + probabilistic + manual = matched.
    exact: Mapped[int] = mapped_column(Integer, default=0)
    probabilistic: Mapped[int] = mapped_column(Integer, default=0)
    manual: Mapped[int] = mapped_column(Integer, default=0)
    out_of_area: Mapped[int] = mapped_column(Integer, default=0)
    unmatchable: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str] = mapped_column(Text, default="")


class AddressDecision(Base):
    """A person's decision about one address, as one source writes it.

    Keyed by the source and the normalised address text (``address_key``, its digest,
    is what is unique), so that every record of that source with the same address,
    now or later, takes the decision, and reruns and gazetteer reloads keep it. A new
    decision on the same key replaces the old one; the audit trail keeps both.
    """

    __tablename__ = "address_decisions"
    __table_args__ = (
        UniqueConstraint("source_system_id", "address_key", name="uq_address_decisions_source_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_system_id: Mapped[int] = mapped_column(ForeignKey("source_systems.id", ondelete="CASCADE"))
    address_key: Mapped[str] = mapped_column(String(64))
    normalised: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(16))
    uprn: Mapped[str | None] = mapped_column(String(UPRN_LENGTH))
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str] = mapped_column(String(120), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    source_system: Mapped[SourceSystem] = relationship()


class AddressMatch(Base):
    """Where one source record's address stands: its UPRN, how sure, and the runner-up.

    ``score`` is between 0 and 1 (1 for exact and manual matches). ``status`` is
    ``matched`` (a UPRN), ``ambiguous`` (the top two candidates too close to call; the
    best is in ``uprn`` but not trusted), ``unmatched`` (``reason`` says why),
    ``out_of_area`` or ``unmatchable`` (both decided by a person). ``needs_rematch`` is
    set when the gazetteer retires or changes the matched UPRN.
    """

    __tablename__ = "address_matches"
    __table_args__ = (
        Index("ix_address_matches_status_source", "status", "source_system_id"),
        Index("ix_address_matches_uprn", "uprn"),
        Index("ix_address_matches_address_key", "address_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_record_id: Mapped[int] = mapped_column(
        ForeignKey("source_records.id", ondelete="CASCADE"), unique=True
    )
    source_system_id: Mapped[int] = mapped_column(ForeignKey("source_systems.id", ondelete="CASCADE"))
    uprn: Mapped[str | None] = mapped_column(String(UPRN_LENGTH))
    score: Mapped[float | None] = mapped_column(Float)
    method: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    runner_up_uprn: Mapped[str | None] = mapped_column(String(UPRN_LENGTH))
    runner_up_score: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text, default="")
    needs_rematch: Mapped[bool] = mapped_column(Boolean, default=False)
    address_key: Mapped[str] = mapped_column(String(64), default="")
    normalised: Mapped[str] = mapped_column(Text, default="")
    run_id: Mapped[int | None] = mapped_column(ForeignKey("match_runs.id", ondelete="SET NULL"), index=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("address_decisions.id", ondelete="SET NULL"))
    matched_at: Mapped[datetime] = mapped_column(default=utcnow)

    source_record: Mapped[SourceRecord] = relationship()
    source_system: Mapped[SourceSystem] = relationship()
    run: Mapped[MatchRun | None] = relationship()
    decision: Mapped[AddressDecision | None] = relationship()
    candidate: Mapped[GazetteerAddress | None] = relationship(
        primaryjoin=lambda: and_(
            foreign(AddressMatch.uprn) == GazetteerAddress.uprn, GazetteerAddress.preferred.is_(True)
        ),
        viewonly=True,
        uselist=False,
    )
    runner_up: Mapped[GazetteerAddress | None] = relationship(
        primaryjoin=lambda: and_(
            foreign(AddressMatch.runner_up_uprn) == GazetteerAddress.uprn, GazetteerAddress.preferred.is_(True)
        ),
        viewonly=True,
        uselist=False,
    )

    @property
    def in_review(self) -> bool:
        return self.status in REVIEW_STATUSES
