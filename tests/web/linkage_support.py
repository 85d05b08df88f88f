"""A small person index for the linkage pages: a few more records on the web place, a
hand-set model (so that nothing is trained) and a real link run over them.

The run is real (``link_people``: Splink on DuckDB scores the pairs, then clustering,
ids and writes), so that the pages and the API are exercised on what a run stores: pairs
kept for review, a conflict on one NHS number, linked persons and their explanations.
Splink's scores are remembered for the process (:func:`remembered_scores`): the same
records and the same model score the same, and scoring once rather than in every test
keeps the suite quick.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from factories import source_record
from sqlalchemy import select

from joinedup.db import transaction
from joinedup.ingest.models import SourceRecord
from joinedup.partners.models import SourceSystem
from joinedup.people import link_people
from joinedup.people import linkage_model as linkage
from joinedup.people.models import LinkModel, Person, PersonRecord

#: Each comparison's (m, u) per level, strongest level first, as training might set them.
M_U = {
    "name": [(0.85, 0.01), (0.01, 0.0001), (0.05, 0.005), (0.01, 0.001), (0.02, 0.001), (0.005, 0.0005),
             (0.01, 0.005), (0.005, 0.01), (0.02, 0.05), (0.02, 0.05), (0.005, 0.002), (0.005, 0.872)],
    "dob": [(1 / 1024, 1 / 16), (0.9, 0.001), (1 / 1024, 1 / 16), (0.02, 0.0001), (0.04, 0.01), (0.005, 0.005),
            (0.015, 0.05), (0.02, 0.877)],
    "sex": [(0.97, 0.5), (0.03, 0.5)],
    "nhs_number": [(0.97, 0.0001), (0.01, 0.001), (0.02, 0.9989)],
    "ni_number": [(0.97, 0.0001), (0.01, 0.001), (0.02, 0.9989)],
    "upn": [(0.97, 0.0001), (0.01, 0.001), (0.02, 0.9989)],
    "address": [(0.6, 0.001), (0.05, 0.001), (0.03, 0.001), (0.02, 0.002), (0.005, 0.0005), (0.1, 0.01),
                (0.02, 0.02), (0.005, 0.001), (0.08, 0.1), (0.09, 0.8635)],
    "phone": [(0.7, 0.0001), (0.3, 0.9999)],
    "email": [(0.7, 0.0001), (0.3, 0.9999)],
}


@lru_cache(maxsize=1)
def _untrained() -> dict:
    from joinedup.people import linkage_model as model

    return model.settings()


def hand_model(*, name_m: float = 0.85) -> dict:
    """The linkage model's comparisons with :data:`M_U` as their parameters."""
    settings = copy.deepcopy(_untrained())
    for comparison in settings["comparisons"]:
        levels = [level for level in comparison["comparison_levels"] if not level.get("is_null_level")]
        for level, (m, u) in zip(levels, M_U[comparison["output_column_name"]], strict=True):
            level["m_probability"], level["u_probability"] = m, u
        if comparison["output_column_name"] == "name":
            levels[0]["m_probability"] = name_m
    return settings


@dataclass
class Linked:
    """The web place's records and the ones added here, by agency reference, and the run."""

    records: dict[str, int]
    run_id: int

    def person_of(self, engine, local_id: str) -> str:
        with transaction(engine) as session:
            return session.scalar(
                select(Person.person_id)
                .join(PersonRecord, PersonRecord.person_id == Person.id)
                .where(PersonRecord.source_record_id == self.records[local_id])
            )


#: Added to the web place (which has CSC-001 and POL-77, Jordan Smith, and CSC-002).
EXTRA = [
    # Ann Shah, known to the council and the police under one NHS number: one person.
    ("csc", dict(local_id="CSC-010", forename="Ann", surname="Shah", date_of_birth=date(1980, 5, 2), sex="female",
                 postcode="JU3 3CC", nhs_number="4010232137", phone="07700 900123", email="ann@example.org",
                 facts={"cp_status": "none", "secret_fact": "never shown to the data team"})),
    ("police", dict(local_id="POL-80", forename="Ann", surname="Shah", date_of_birth=date(1980, 5, 2),
                    sex="female", postcode="JU3 3CC", nhs_number="4010232137")),
    # Zed Brown, whose record carries Ann's NHS number: a conflict for review.
    ("police", dict(local_id="POL-90", forename="Zed", surname="Brown", date_of_birth=date(1990, 1, 1),
                    sex="male", postcode="JU9 9ZZ", nhs_number="4010232137")),
]


_SCORES: dict[tuple, list] = {}


@contextmanager
def remembered_scores() -> Iterator[None]:
    """Within this block, :func:`joinedup.people.linkage_model.score` answers the same question
    (the same records' comparison columns, model and thresholds) from memory."""
    original = linkage.score

    def score(frame, model, *, keep_from):
        key = (frame.to_json(), json.dumps(model, sort_keys=True), keep_from)
        if key not in _SCORES:
            _SCORES[key] = original(frame, model, keep_from=keep_from)
        pairs, candidates = _SCORES[key]
        return list(pairs), candidates

    linkage.score = score
    try:
        yield
    finally:
        linkage.score = original


def seed_linkage(engine, *, second_model: bool = True) -> Linked:
    """Add :data:`EXTRA`, a hand-set adopted model (and a second, not adopted), and link."""
    with transaction(engine) as session:
        systems = {system.code: system for system in session.scalars(select(SourceSystem))}
        for index, (source, values) in enumerate(EXTRA):
            fields = {name: value for name, value in values.items() if name != "local_id"}
            source_record(session, systems[source], values["local_id"], row_hash=f"linkage-{index}", **fields)
        session.add(LinkModel(version=1, trained_by="dev.data", records=6, adopted=True, settings=hand_model()))
        if second_model:
            session.add(LinkModel(version=2, trained_by="dev.data", records=6, adopted=False,
                                  settings=hand_model(name_m=0.7)))
        session.flush()
        records = {local_id: id_ for local_id, id_ in session.execute(select(SourceRecord.local_id, SourceRecord.id))}
    with remembered_scores():
        run = link_people(engine, ran_by="dev.data")
    assert run.status == "completed", run.error
    return Linked(records, run.id)
