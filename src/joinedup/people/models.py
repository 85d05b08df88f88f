"""The person index's tables: persons, their source records, link runs, models, decisions.

A :class:`Person` is one human being as the index understands them, named by a stable
public id (``person_id``) that survives reruns: a cluster that keeps most of a person's
records keeps that person's id. Each source record belongs to exactly one person
(:class:`PersonRecord`). A :class:`LinkModel` is a trained Splink model, kept as a
versioned artefact; one of them is adopted. A :class:`PairDecision` is a person's
accept or reject of two records being the same person: every run respects it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from joinedup.accounts import models as _accounts  # noqa: F401 - the users table a decision refers to
from joinedup.db import Base, to_json, utcnow
from joinedup.ingest.models import SourceRecord

#: What a person can decide about a pair of source records.
PAIR_DECISIONS = ("accept", "reject")

#: What a stored pair of a run came to: linked into one person, left for review (its
#: probability between the two thresholds), refused (the merge would have joined a
#: rejected pair or two different identifiers), or a conflict (one strong identifier
#: on two records the model kept apart).
PAIR_STATUSES = ("linked", "review", "refused", "conflict")

#: What can happen to a person after they are created.
PERSON_EVENT_KINDS = ("gained_records", "lost_records", "retired", "merged", "split", "restored")


class LinkModel(Base):
    """A trained linkage model (Splink's settings and parameters as JSON), one version each.

    Training never adopts a model over an adopted one: the data team compares runs and
    adopts. The first model trained is adopted, so that a first ``joinedup link`` works.
    """

    __tablename__ = "link_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    trained_by: Mapped[str] = mapped_column(String(120), default="")
    records: Mapped[int] = mapped_column(Integer, default=0)
    adopted: Mapped[bool] = mapped_column(Boolean, default=False)
    adopted_at: Mapped[datetime | None] = mapped_column()
    settings: Mapped[dict] = mapped_column(default=dict)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)


class LinkRun(Base):
    """One run of ``joinedup link``: what was compared, what was linked, how ids fared."""

    __tablename__ = "link_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default="running")
    ran_by: Mapped[str] = mapped_column(String(120), default="")
    model_id: Mapped[int | None] = mapped_column(ForeignKey("link_models.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20), default="full")
    threshold: Mapped[float] = mapped_column(Float, default=0.0)
    review_from: Mapped[float] = mapped_column(Float, default=0.0)
    records: Mapped[int] = mapped_column(Integer, default=0)
    persons: Mapped[int] = mapped_column(Integer, default=0)
    linked_persons: Mapped[int] = mapped_column(Integer, default=0)
    singletons: Mapped[int] = mapped_column(Integer, default=0)
    low_information: Mapped[int] = mapped_column(Integer, default=0)
    #: Pairs the blocking rules generated and the model compared.
    candidate_pairs: Mapped[int] = mapped_column(Integer, default=0)
    #: Pairs kept: those at or above the review threshold, and those sharing an identifier.
    pairs_scored: Mapped[int] = mapped_column(Integer, default=0)
    pairs_linked: Mapped[int] = mapped_column(Integer, default=0)
    merges_refused: Mapped[int] = mapped_column(Integer, default=0)
    pairs_for_review: Mapped[int] = mapped_column(Integer, default=0)
    conflicts: Mapped[int] = mapped_column(Integer, default=0)
    ids_kept: Mapped[int] = mapped_column(Integer, default=0)
    ids_new: Mapped[int] = mapped_column(Integer, default=0)
    ids_retired: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str] = mapped_column(Text, default="")

    model: Mapped[LinkModel | None] = relationship()


#: What each field of a golden record says (people.golden): its value, the record it came
#: from, and how many of the person's records hold it and agree.
_FULL_ENTRY = frozenset({"value", "source", "local_id", "record_ref", "agreeing", "of", "record_id"})
#: The keys of a golden record stored by record; one stored in full has only field names.
_BY_RECORD = frozenset({"stored_as", "records", "fields"})


class StoredGoldenRecord(TypeDecorator):
    """A golden record as the store keeps it: each record the fields came from once, and
    each field as ``[value, the record's place in that list, agreeing, of]``.

    Written out in full, every field repeated its record's source, local id and reference:
    a golden record took 1,444 bytes on average at a million records (958 MB in all), of
    which the record's identity was most. Readers get the full form back, so nothing else
    knows. A field that is not in the full form (``_FULL_ENTRY``) is kept as written,
    under ``as_written``; a golden record stored before this form is read as it is.
    """

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: dict[str, Any] | None, dialect: Dialect) -> dict[str, Any] | None:
        if value is None:
            return None
        records: dict[tuple, int] = {}
        fields: dict[str, Any] = {}
        for name, entry in value.items():
            if type(entry) is not dict or entry.keys() != _FULL_ENTRY:
                fields[name] = {"as_written": entry}
                continue
            came_from = (entry["source"], entry["local_id"], entry["record_ref"], entry["record_id"])
            place = records.setdefault(came_from, len(records))
            fields[name] = [entry["value"], place, entry["agreeing"], entry["of"]]
        return {"stored_as": "by_record", "records": list(records), "fields": fields}

    def stored_text(self, value: dict[str, Any]) -> str:
        """The text the store holds for ``value``: a full link run compares it with what is
        stored rather than read back every person's golden record (2 to 3 GB of objects at
        a million persons). A golden record stored before this form never matches, so a
        run writes it again in this one. The text is :func:`to_json`'s, as every engine of
        ``make_engine`` and every bulk COPY writes it; under another serializer nothing
        would match, and every run would write every person again."""
        return to_json(self.process_bind_param(value, None))

    def process_result_value(self, value: dict[str, Any] | None, dialect: Dialect) -> dict[str, Any] | None:
        if not isinstance(value, dict) or value.keys() != _BY_RECORD or value["stored_as"] != "by_record":
            return value
        records = value["records"]
        golden: dict[str, Any] = {}
        for name, entry in value["fields"].items():
            if type(entry) is dict:
                golden[name] = entry["as_written"]
                continue
            field_value, place, agreeing, of = entry
            source, local_id, record_ref, record_id = records[place]
            golden[name] = {"value": field_value, "source": source, "local_id": local_id, "record_ref": record_ref,
                            "agreeing": agreeing, "of": of, "record_id": record_id}
        return golden


class Person(Base):
    """One person in the index, with a golden record built from their source records.

    ``golden`` maps each field to ``{"value", "source", "local_id", "record_ref",
    "agreeing", "of"}``: the value chosen, the record it came from, and how many of the
    person's records that have the field agree. ``retired_at`` is set when a run no
    longer finds the person (their records went to others); ``superseded_by`` names the
    person that took most of their records.
    """

    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[str] = mapped_column(String(20), unique=True)
    forename: Mapped[str | None] = mapped_column(String(200))
    surname: Mapped[str | None] = mapped_column(String(200), index=True)
    date_of_birth: Mapped[date | None] = mapped_column(index=True)
    uprn: Mapped[str | None] = mapped_column(String(12), index=True)
    golden: Mapped[dict] = mapped_column(StoredGoldenRecord, default=dict)
    record_count: Mapped[int] = mapped_column(Integer, default=0)
    low_information: Mapped[bool] = mapped_column(Boolean, default=False)
    created_run_id: Mapped[int | None] = mapped_column(ForeignKey("link_runs.id", ondelete="SET NULL"))
    updated_run_id: Mapped[int | None] = mapped_column(ForeignKey("link_runs.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column()
    superseded_by: Mapped[str | None] = mapped_column(String(20), index=True)

    records: Mapped[list[PersonRecord]] = relationship(back_populates="person", order_by="PersonRecord.source_record_id")
    events: Mapped[list[PersonEvent]] = relationship(back_populates="person", order_by="PersonEvent.id")


class PersonRecord(Base):
    """A source record's membership of a person.

    ``match_probability`` is the strongest pairwise probability that tied the record
    into its person (empty for a person of one record).
    """

    __tablename__ = "person_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_record_id: Mapped[int] = mapped_column(ForeignKey("source_records.id", ondelete="CASCADE"), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    match_probability: Mapped[float | None] = mapped_column(Float)
    low_information: Mapped[bool] = mapped_column(Boolean, default=False)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("link_runs.id", ondelete="SET NULL"))

    person: Mapped[Person] = relationship(back_populates="records")
    source_record: Mapped[SourceRecord] = relationship()


class PairDecision(Base):
    """A person's decision that two source records are (``accept``) or are not (``reject``)
    the same person. The pair is stored lower id first; a new decision replaces the old.
    A rejected pair is never linked, directly or through others; an accepted pair is
    linked unless that would join a rejected pair."""

    __tablename__ = "pair_decisions"
    __table_args__ = (UniqueConstraint("record_id_l", "record_id_r", name="uq_pair_decisions_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id_l: Mapped[int] = mapped_column(ForeignKey("source_records.id", ondelete="CASCADE"))
    record_id_r: Mapped[int] = mapped_column(ForeignKey("source_records.id", ondelete="CASCADE"), index=True)
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str] = mapped_column(String(120), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)


class LinkSettings(Base):
    """The two thresholds the data team sets (one row): pairs at or above ``threshold``
    link; pairs from ``review_from`` up to it go to the clerical review queue."""

    __tablename__ = "link_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    threshold: Mapped[float] = mapped_column(Float)
    review_from: Mapped[float] = mapped_column(Float)
    updated_by: Mapped[str] = mapped_column(String(120), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class LinkPair(Base):
    """A pair of records a run scored and kept: those at or above the review threshold
    and those sharing a strong identifier. ``gammas`` is Splink's comparison vector (the
    level of each comparison, in the model's order, comma-separated) and ``weights``
    each comparison's match weight, term frequency adjustment included: the pair page
    explains the match weight from them; ``status`` is one of :data:`PAIR_STATUSES`.
    Each run replaces the pairs of the records it scored.
    """

    __tablename__ = "link_pairs"
    __table_args__ = (UniqueConstraint("record_id_l", "record_id_r", name="uq_link_pairs_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id_l: Mapped[int] = mapped_column(ForeignKey("source_records.id", ondelete="CASCADE"))
    record_id_r: Mapped[int] = mapped_column(ForeignKey("source_records.id", ondelete="CASCADE"), index=True)
    probability: Mapped[float] = mapped_column(Float)
    match_weight: Mapped[float] = mapped_column(Float)
    gammas: Mapped[str] = mapped_column(String(80), default="")
    weights: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    run_id: Mapped[int | None] = mapped_column(ForeignKey("link_runs.id", ondelete="SET NULL"))
    model_id: Mapped[int | None] = mapped_column(ForeignKey("link_models.id", ondelete="SET NULL"))


class PersonEvent(Base):
    """A step in a person's history after they were created (``Person.created_run_id``):
    records gained or lost in a run, merged with another person, a record split out,
    retired. Who or which run did it, and why."""

    __tablename__ = "person_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(30))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("link_runs.id", ondelete="SET NULL"))
    decided_by: Mapped[str] = mapped_column(String(120), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict] = mapped_column(default=dict)

    person: Mapped[Person] = relationship(back_populates="events")


# --------------------------------------------------------------------------- the standing index

#: The comparison columns a standing record keeps (:data:`joinedup.people.linkage_model.COLUMNS`
#: without ``unique_id``); identifier schemes' values go in :class:`LinkIndexIdentifier`.
INDEX_COLUMNS = (
    "forename", "forename_root", "forename_sound", "middle", "surname", "surname_sound", "dob", "dob_swapped",
    "birth_year", "birthday", "sex", "nhs_number", "ni_number", "upn", "uprn", "address", "house", "street", "postcode",
    "outward", "phone", "email",
)


class LinkIndexRecord(Base):
    """A linkable record as the adopted model compares it, kept so that a new record is
    scored against its candidates without re-reading and re-preparing every record. Its
    columns are the blocking keys: each blocking rule's equalities are an indexed lookup.
    Written by each full run; new records are added by incremental runs."""

    __tablename__ = "link_index_records"

    source_record_id: Mapped[int] = mapped_column(ForeignKey("source_records.id", ondelete="CASCADE"),
                                                  primary_key=True, autoincrement=False)
    forename: Mapped[str | None] = mapped_column(Text)
    forename_root: Mapped[str | None] = mapped_column(Text)
    forename_sound: Mapped[str | None] = mapped_column(Text)
    middle: Mapped[str | None] = mapped_column(Text)
    surname: Mapped[str | None] = mapped_column(Text, index=True)
    surname_sound: Mapped[str | None] = mapped_column(Text, index=True)
    dob: Mapped[str | None] = mapped_column(Text, index=True)
    dob_swapped: Mapped[str | None] = mapped_column(Text)
    birth_year: Mapped[str | None] = mapped_column(Text)
    birthday: Mapped[str | None] = mapped_column(Text)
    sex: Mapped[str | None] = mapped_column(Text)
    nhs_number: Mapped[str | None] = mapped_column(Text, index=True)
    ni_number: Mapped[str | None] = mapped_column(Text, index=True)
    upn: Mapped[str | None] = mapped_column(Text, index=True)
    uprn: Mapped[str | None] = mapped_column(Text, index=True)
    address: Mapped[str | None] = mapped_column(Text)
    house: Mapped[str | None] = mapped_column(Text)
    street: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(Text, index=True)
    outward: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text, index=True)
    email: Mapped[str | None] = mapped_column(Text, index=True)

    __table_args__ = (
        Index("ix_link_index_records_house_street", "house", "street"),
        Index("ix_link_index_records_forename_root_birthday", "forename_root", "birthday"),
    )


class LinkIndexIdentifier(Base):
    """A standing record's value of an identifier scheme (``id_<scheme>`` in the model)."""

    __tablename__ = "link_index_identifiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_record_id: Mapped[int] = mapped_column(ForeignKey("source_records.id", ondelete="CASCADE"), index=True)
    scheme: Mapped[str] = mapped_column(Text)
    value: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_link_index_identifiers_scheme_value", "scheme", "value"),)


class LinkTermFrequency(Base):
    """How many standing records hold a value of a term-frequency column (the UPRN): a
    value many people share counts for less. Kept up to date by incremental runs."""

    __tablename__ = "link_term_frequencies"

    field: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class LinkIndexState(Base):
    """What the standing index was built with (one row): the model, the run, how many
    records hold each term-frequency column, and the model's scoring SQL."""

    __tablename__ = "link_index_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int | None] = mapped_column(ForeignKey("link_models.id", ondelete="SET NULL"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("link_runs.id", ondelete="SET NULL"))
    records: Mapped[int] = mapped_column(Integer, default=0)
    totals: Mapped[dict] = mapped_column(default=dict)
    scoring_sql: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
