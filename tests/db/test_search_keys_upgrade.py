"""Revision 0031 folds again the stored search keys of names holding "Saint"."""

from __future__ import annotations

from factories import organisation, source_record, source_system
from sqlalchemy import select, update

from joinedup.db import transaction
from joinedup.db.migrate import upgrade
from joinedup.ingest import SourceRecord
from joinedup.ingest.search_keys import fold

#: The last revision before "Saint" was folded as "St"; source records are as they are at head.
BEFORE = "0030"


def test_names_stored_before_saint_was_folded_as_st_are_found_as_st(unmigrated_engine):
    upgrade(unmigrated_engine, BEFORE)
    with transaction(unmigrated_engine) as session:
        system = source_system(session, "csc", "Cases", organisation(session, "CSC", "Care", "childrens_social_care"))
        for local_id, surname in (("1", "Saint Clair"), ("2", "Sainsbury")):
            source_record(session, system, local_id, forename="Amy", surname=surname)
        session.flush()
        # As the fold before 0031 wrote it.
        session.execute(update(SourceRecord).where(SourceRecord.local_id == "1").values(surname_key="saint clair"))
    upgrade(unmigrated_engine)
    with transaction(unmigrated_engine) as session:
        keys = dict(session.execute(select(SourceRecord.local_id, SourceRecord.surname_key)).all())
    assert keys == {"1": "st clair", "2": "sainsbury"}
    assert fold("St Clair") == keys["1"]  # what a practitioner types, folded as a query is
