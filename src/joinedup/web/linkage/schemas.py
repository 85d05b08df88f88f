"""What the linkage API takes and returns: its schemas, and the domain's objects shaped
into them. Records carry only the identifying fields their decision disclosed."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from joinedup.disclosure.linkage import RecordView
from joinedup.people import PERSON_ID_PATTERN, REASON_MAX, LinkModel, LinkRun, Person
from joinedup.people.explanation import comparisons, prior
from joinedup.web.params import Id, Text


class RunOut(BaseModel):
    """One link run: what it compared, what it linked, how person ids fared."""

    id: int
    kind: str = Field(description="full or incremental.")
    status: str = Field(description="running, completed or failed.")
    started_at: datetime
    finished_at: datetime | None
    ran_by: str
    model_version: int | None
    threshold: float = Field(description="Pairs at or above this match probability were linked.")
    review_from: float = Field(description="Pairs from this probability up to the threshold went to review.")
    records: int = Field(description="Records linked (for an incremental run, the new records).")
    persons: int = Field(description="Persons after the run (for an incremental run, the new persons).")
    linked_persons: int = Field(description="Persons of several records (incremental: records attached).")
    singletons: int
    low_information: int
    pairs_scored: int
    pairs_linked: int
    merges_refused: int
    pairs_for_review: int
    conflicts: int
    ids_kept: int
    ids_new: int
    ids_retired: int
    seconds: float
    error: str


class RunPageOut(BaseModel):
    total: int
    limit: int
    offset: int
    runs: list[RunOut] = Field(description="Newest first.")


class LinkedRecordOut(BaseModel):
    """A source record's identifying fields, as the sharing decision disclosed them: a
    field not disclosed (or empty) is absent. Never an agency's facts."""

    id: int
    source: str
    source_name: str
    local_id: str | None = None
    record_ref: str | None = None
    forename: str | None = None
    middle_names: str | None = None
    surname: str | None = None
    date_of_birth: date | None = None
    sex: str | None = None
    address_text: str | None = None
    postcode: str | None = None
    nhs_number: str | None = None
    ni_number: str | None = None
    upn: str | None = None
    phone: str | None = None
    email: str | None = None


class PersonRefOut(BaseModel):
    person_id: str
    record_count: int
    retired: bool
    superseded_by: str | None = Field(description="For a retired person, who took most of their records.")


class QueuePairOut(BaseModel):
    """A pair waiting for a reviewer, and the two records (in two persons today)."""

    record_ids: tuple[int, int]
    status: str = Field(description="conflict, refused or review.")
    reason: str
    probability: float
    match_weight: float
    run_id: int | None
    records: list[LinkedRecordOut]
    persons: list[PersonRefOut | None]


class QueuePageOut(BaseModel):
    total: int = Field(description="How many pairs wait, across all pages.")
    limit: int
    offset: int
    pairs: list[QueuePairOut] = Field(description="Conflicts first, then refusals, then the most probable.")


class StepOut(BaseModel):
    comparison: str
    description: str
    level: str = Field(description="The level the pair fell in, as the model labels it.")
    gamma: int = Field(description="The level's comparison vector value; -1 when a value is missing.")
    weight: float = Field(description="The level's match weight for this pair, term frequency adjustment included.")


class ExplanationOut(BaseModel):
    """Why the pair scored as it did: the prior plus each step's weight is the match weight."""

    model_version: int | None
    prior: float
    steps: list[StepOut]
    match_weight: float | None
    probability: float | None


class DecisionOut(BaseModel):
    decision: str = Field(description="accept or reject.")
    reason: str
    decided_by: str
    decided_at: datetime


class PairOut(BaseModel):
    record_ids: tuple[int, int]
    records: list[LinkedRecordOut]
    persons: list[PersonRefOut | None]
    same_person: bool
    kept: bool = Field(description="Whether a link run kept this pair; if not there is no explanation.")
    status: str | None
    reason: str
    run_id: int | None
    explanation: ExplanationOut | None
    decision: DecisionOut | None


class DecisionIn(BaseModel):
    decision: Literal["accept", "reject"] = Field(
        description="accept merges their persons; reject splits the second record out when they are one person."
    )
    reason: Text = Field(min_length=1, max_length=REASON_MAX, description="Why: kept with your name.")


class OutcomeOut(BaseModel):
    message: str = Field(description="What happened, in words.")
    persons: list[PersonRefOut | None] = Field(description="The records' persons (or the persons) afterwards.")


class MergeIn(BaseModel):
    other: str = Field(pattern=PERSON_ID_PATTERN, description="The person to merge into this one; they are retired.")
    reason: Text = Field(min_length=1, max_length=REASON_MAX)


class SplitIn(BaseModel):
    record_id: Id = Field(description="A record of this person; that agency's other records of them move too.")
    reason: Text = Field(min_length=1, max_length=REASON_MAX)


class ThresholdsOut(BaseModel):
    threshold: float
    review_from: float
    updated_by: str | None = Field(description="Empty while the defaults apply.")
    updated_at: datetime | None


class ThresholdsIn(BaseModel):
    threshold: float = Field(ge=0.5, le=1.0, description="Pairs at or above this match probability link.")
    review_from: float = Field(gt=0.0, le=1.0, description="Pairs from this probability up to the threshold go to review.")


class LevelOut(BaseModel):
    label: str
    m: float | None
    u: float | None
    match_weight: float | None = Field(description="log2(m / u).")
    term_frequency_adjusted: bool


class ComparisonOut(BaseModel):
    name: str
    description: str
    levels: list[LevelOut] = Field(description="Strongest first; the level for a missing value is left out.")


class ModelOut(BaseModel):
    version: int
    adopted: bool
    adopted_at: datetime | None
    trained_at: datetime
    trained_by: str
    records: int
    seconds: float
    prior_probability: float | None = Field(description="The chance that two random records are one person.")
    prior_weight: float | None
    comparisons: list[ComparisonOut]
    last_full_run: RunOut | None = Field(description="The most recent completed full run with this version.")


# --------------------------------------------------------------------------- shaping


def run_out(run: LinkRun, versions: dict[int, int]) -> RunOut:
    return RunOut(
        id=run.id, kind=run.kind, status=run.status, started_at=run.started_at, finished_at=run.finished_at,
        ran_by=run.ran_by, model_version=versions.get(run.model_id) if run.model_id else None,
        threshold=run.threshold, review_from=run.review_from, records=run.records, persons=run.persons,
        linked_persons=run.linked_persons, singletons=run.singletons, low_information=run.low_information,
        pairs_scored=run.pairs_scored, pairs_linked=run.pairs_linked, merges_refused=run.merges_refused,
        pairs_for_review=run.pairs_for_review, conflicts=run.conflicts, ids_kept=run.ids_kept, ids_new=run.ids_new,
        ids_retired=run.ids_retired, seconds=run.seconds, error=run.error or "",
    )


def record_out(record: RecordView) -> LinkedRecordOut:
    return LinkedRecordOut(id=record.id, source=record.source, source_name=record.source_name, **record.fields)


def person_out(person: Person | None) -> PersonRefOut | None:
    if person is None:
        return None
    return PersonRefOut(person_id=person.person_id, record_count=person.record_count,
                        retired=person.retired_at is not None, superseded_by=person.superseded_by)


def model_out(model: LinkModel, run: LinkRun | None, versions: dict[int, int]) -> ModelOut:
    chance, weight = prior(model.settings or {})
    return ModelOut(
        version=model.version, adopted=model.adopted, adopted_at=model.adopted_at, trained_at=model.created_at,
        trained_by=model.trained_by, records=model.records, seconds=model.seconds, prior_probability=chance,
        prior_weight=weight,
        comparisons=[
            ComparisonOut(name=comparison.name, description=comparison.description, levels=[
                LevelOut(label=level.label, m=level.m, u=level.u, match_weight=level.weight,
                         term_frequency_adjusted=level.term_frequencies)
                for level in comparison.levels
            ])
            for comparison in comparisons(model.settings or {})
        ],
        last_full_run=run_out(run, versions) if run is not None else None,
    )
