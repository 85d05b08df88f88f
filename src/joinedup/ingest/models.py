from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, event, func, literal_column
from sqlalchemy.orm import Mapped, mapped_column, relationship

from joinedup.db import Base, utcnow
from joinedup.ingest.search_keys import search_keys
from joinedup.partners.models import SourceSystem


class SourceRecord(Base):
    """One row of an agency extract, in canonical fields, as the agency gave it.

    ``local_id`` is the agency's own person identifier; ``record_ref`` distinguishes
    several rows for one person in one source (a police incident, say) and is empty
    otherwise. Values that failed validation are kept as raw text and listed in
    ``flags``; nothing the agency sent is silently lost.
    """

    __tablename__ = "source_records"
    __table_args__ = (
        UniqueConstraint("source_system_id", "local_id", "record_ref", name="uq_source_records_key"),
        Index("ix_source_records_surname_forename", "surname", "forename"),
        Index("ix_source_records_forename_key", "forename_key"),
        Index("ix_source_records_middle_names_key", "middle_names_key"),
        Index("ix_source_records_surname_key", "surname_key"),
        Index("ix_source_records_forename_sound", "forename_sound"),
        Index("ix_source_records_surname_sound", "surname_sound"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_system_id: Mapped[int] = mapped_column(ForeignKey("source_systems.id"))
    local_id: Mapped[str] = mapped_column(String(64))
    record_ref: Mapped[str] = mapped_column(String(64), default="")
    forename: Mapped[str | None] = mapped_column(String(200))
    middle_names: Mapped[str | None] = mapped_column(String(200))
    surname: Mapped[str | None] = mapped_column(String(200))
    date_of_birth: Mapped[date | None] = mapped_column(index=True)
    sex: Mapped[str | None] = mapped_column(String(16))
    address_text: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(String(16), index=True)
    nhs_number: Mapped[str | None] = mapped_column(String(32))
    ni_number: Mapped[str | None] = mapped_column(String(32))
    upn: Mapped[str | None] = mapped_column(String(32))
    phone: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(254))
    facts: Mapped[dict] = mapped_column(default=dict)
    #: Identifiers of a mapping's ``[identifiers]`` schemes: scheme → {"value", "unique"}.
    identifiers: Mapped[dict] = mapped_column(default=dict)
    flags: Mapped[list] = mapped_column(default=list)
    row_hash: Mapped[str] = mapped_column(String(64))
    # The names folded for search, and the phonetic codes (joinedup.ingest.search_keys):
    # written with the names, never by hand.
    forename_key: Mapped[str | None] = mapped_column(String(200))
    middle_names_key: Mapped[str | None] = mapped_column(String(200))
    surname_key: Mapped[str | None] = mapped_column(String(200))
    forename_sound: Mapped[str | None] = mapped_column(String(16))
    surname_sound: Mapped[str | None] = mapped_column(String(16))
    first_load_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_loads.id"))
    last_load_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_loads.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    source_system: Mapped[SourceSystem] = relationship()


def compacted(column):
    """An identifier as search compares it: upper case, without spaces (a value that failed
    validation is stored as sent). The spaces are written into the SQL, not bound, so that
    SQLite and PostgreSQL match it to the indexes below."""
    return func.upper(func.replace(column, literal_column("' '"), literal_column("''")))


#: Each identifier a practitioner may type, indexed as :func:`compacted` writes it, so that
#: finding a record by one is an index lookup and not a read of every record.
IDENTIFIER_COLUMNS = (SourceRecord.nhs_number, SourceRecord.ni_number, SourceRecord.upn, SourceRecord.local_id,
                      SourceRecord.record_ref)
for _column in IDENTIFIER_COLUMNS:
    Index(f"ix_source_records_{_column.key}_compact", compacted(_column))


@event.listens_for(SourceRecord, "before_insert")
@event.listens_for(SourceRecord, "before_update")
def _write_search_keys(_mapper, _connection, record: SourceRecord) -> None:
    """A record written through the ORM gets its search keys from its names."""
    for name, value in search_keys(record.forename, record.middle_names, record.surname).items():
        setattr(record, name, value)


class IngestLoad(Base):
    """One run of ``joinedup ingest``: what was read, loaded, updated and rejected."""

    __tablename__ = "ingest_loads"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_system_id: Mapped[int] = mapped_column(ForeignKey("source_systems.id"))
    file_name: Mapped[str] = mapped_column(String(500))
    file_sha256: Mapped[str] = mapped_column(String(64), default="")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default="running")
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_loaded: Mapped[int] = mapped_column(Integer, default=0)
    rows_updated: Mapped[int] = mapped_column(Integer, default=0)
    rows_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    rows_flagged: Mapped[int] = mapped_column(Integer, default=0)
    completeness: Mapped[dict] = mapped_column(default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    loaded_by: Mapped[str] = mapped_column(String(120), default="")

    source_system: Mapped[SourceSystem] = relationship()
    issues: Mapped[list[LoadIssue]] = relationship(
        back_populates="load", order_by="LoadIssue.id", cascade="all, delete-orphan"
    )


class LoadIssue(Base):
    """A problem with one row (and usually one field) of a load.

    ``severity`` is ``rejected`` when the row was not loaded and ``flagged`` when it was
    loaded with the bad value kept as raw text.
    """

    __tablename__ = "ingest_load_issues"

    id: Mapped[int] = mapped_column(primary_key=True)
    load_id: Mapped[int] = mapped_column(ForeignKey("ingest_loads.id", ondelete="CASCADE"), index=True)
    row_number: Mapped[int | None] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(64), default="")
    severity: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    value: Mapped[str] = mapped_column(Text, default="")

    load: Mapped[IngestLoad] = relationship(back_populates="issues")


class StagedRecord(Base):
    """A row of a load in progress, held here until the whole file has been read.

    A load stages its rows in short committed transactions, so that the store's write
    lock (SQLite has one for the whole database) is free between them for everyone else,
    and a practitioner's read, which writes its audit event, never waits for a whole
    file. Only when every row is read does the load apply its staged rows to
    ``source_records`` in one short transaction: all of the file or none of it.

    ``change`` says what applying the row does: ``new`` inserts a record, ``changed``
    rewrites ``record_id``'s values, ``same`` only notes that this load saw it (its
    values are not staged). Staged rows are deleted once their load has finished.
    """

    __tablename__ = "ingest_staged_records"
    __table_args__ = (
        UniqueConstraint("local_id", "record_ref", "load_id", name="uq_ingest_staged_records_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    load_id: Mapped[int] = mapped_column(ForeignKey("ingest_loads.id", ondelete="CASCADE"))
    change: Mapped[str] = mapped_column(String(8))
    record_id: Mapped[int | None] = mapped_column(Integer)
    local_id: Mapped[str] = mapped_column(String(64))
    record_ref: Mapped[str] = mapped_column(String(64), default="")
    forename: Mapped[str | None] = mapped_column(String(200))
    middle_names: Mapped[str | None] = mapped_column(String(200))
    surname: Mapped[str | None] = mapped_column(String(200))
    date_of_birth: Mapped[date | None] = mapped_column()
    sex: Mapped[str | None] = mapped_column(String(16))
    address_text: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(String(16))
    nhs_number: Mapped[str | None] = mapped_column(String(32))
    ni_number: Mapped[str | None] = mapped_column(String(32))
    upn: Mapped[str | None] = mapped_column(String(32))
    phone: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(254))
    facts: Mapped[dict | None] = mapped_column()
    identifiers: Mapped[dict | None] = mapped_column()
    flags: Mapped[list | None] = mapped_column()
    row_hash: Mapped[str | None] = mapped_column(String(64))


#: How one record can relate to another, as a source states it: ``record`` is
#: ``kind`` of ``related``.
RELATIONSHIP_KINDS = ("parent_of", "child_of", "carer_of", "cared_for_by", "partner_of")


class StatedRelationship(Base):
    """A relationship a source states between two of its own records (a tenancy's
    household members, say): ``source_record`` is ``kind`` of ``related_record``.

    Kept at the level of records, so that it follows the records through every link run,
    merge and split; the person index reads it through people's memberships.
    """

    __tablename__ = "stated_relationships"
    __table_args__ = (
        UniqueConstraint("source_record_id", "related_record_id", "kind", name="uq_stated_relationships_pair"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_record_id: Mapped[int] = mapped_column(ForeignKey("source_records.id", ondelete="CASCADE"), index=True)
    related_record_id: Mapped[int] = mapped_column(ForeignKey("source_records.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    load_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_loads.id", ondelete="SET NULL"))
