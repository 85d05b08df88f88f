"""An incremental link run: new records attached to the index from the standing index.

Only the new records are read and prepared. Each linkable one's candidates are looked up
by the blocking keys the last full run kept (:mod:`joinedup.people.standing`), scored
with the adopted model and the term frequencies a full run would compute with the new
records counted in, and clustered with the records of every person they touch under the
full run's rules: the thresholds, people's decisions, two different strong identifiers
never in one person, the twins rule, and the low-information rule. A new record joins
the person it matches, or several new records found a person, or it is its own person;
one that matches two existing persons goes to the review queue (only a full run or a
reviewer joins two persons). Everything is written in one transaction, and the run is
recorded and audited as a full run is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, exists, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from joinedup.db import transaction
from joinedup.ingest.models import SourceRecord
from joinedup.people import linkage_model as linkage
from joinedup.people import standing
from joinedup.people.clustering import cluster
from joinedup.people.golden import read_records
from joinedup.people.linking import (
    CHUNK,
    STEPS,
    Abandoned,
    Progress,
    _check_index_unchanged,
    _finish,
    _pair_rows,
    _plan_attachments,
    _run,
    _step,
    _write_persons,
    adopted_model,
    low_information,
)
from joinedup.people.models import LinkPair, LinkRun, PairDecision, Person, PersonRecord


@dataclass
class _Arrivals:
    """What :func:`_pair_rows` and :func:`_plan_attachments` read of a run's context."""

    review_from: float
    #: record id → (public person id, person key), for the records the run touches.
    previous: dict[int, tuple[str, int]]


def _in_chunks(values: Iterable[int]) -> Iterable[list[int]]:
    ordered = sorted(set(values))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start:start + CHUNK]


def new_record_ids(session, record_ids: Iterable[int] | None = None) -> list[int]:
    """The source records no person holds yet (of ``record_ids``, when given)."""
    if record_ids is None:
        # Ordered, SQLite merges two index scans: 0.27-0.30 s at a million records, where
        # probing the memberships once per record (or EXCEPT unordered) took 0.41-0.47 s.
        return list(session.scalars(
            select(SourceRecord.id).except_(select(PersonRecord.source_record_id)).order_by(SourceRecord.id)))
    unheld = ~exists().where(PersonRecord.source_record_id == SourceRecord.id)
    return sorted(record_id for chunk in _in_chunks(record_ids)
                  for record_id in session.scalars(select(SourceRecord.id).where(unheld, SourceRecord.id.in_(chunk))))


def _decisions(session, record_ids: Iterable[int]) -> list[tuple[int, int, str]]:
    found = set()
    for chunk in _in_chunks(record_ids):
        found.update(session.execute(select(PairDecision.record_id_l, PairDecision.record_id_r, PairDecision.decision)
                                     .where(or_(PairDecision.record_id_l.in_(chunk),
                                                PairDecision.record_id_r.in_(chunk)))).all())
    return sorted(found)


def _memberships(session, record_ids: Iterable[int]) -> dict[int, tuple[str, int, bool]]:
    """record id → (public person id, person key, low information) of each held record."""
    found = {}
    for chunk in _in_chunks(record_ids):
        for record_id, person_id, pk, flagged in session.execute(
                select(PersonRecord.source_record_id, Person.person_id, Person.id, PersonRecord.low_information)
                .join(Person, Person.id == PersonRecord.person_id).where(PersonRecord.source_record_id.in_(chunk))):
            found[record_id] = (person_id, pk, flagged)
    return found


def _members_of(session, persons: Iterable[int]) -> set[int]:
    found = set()
    for chunk in _in_chunks(persons):
        found.update(session.scalars(select(PersonRecord.source_record_id).where(PersonRecord.person_id.in_(chunk))))
    return found


def index_stands(session: Session) -> bool:
    """Whether there is a person index to attach arrivals to: a full run has made persons,
    and a model is adopted."""
    return adopted_model(session) is not None and session.scalar(select(Person.id).limit(1)) is not None


def attach_new_records(engine: Engine, run_id: int, progress: Progress | None, ran_by: str, started: float,
                       record_ids: Iterable[int] | None) -> None:
    """The work of :func:`joinedup.people.link_new_records` (see this module)."""
    _step(progress, "Reading new records", 0)
    with transaction(engine) as session:
        run = session.get(LinkRun, run_id)
        threshold, review_from = run.threshold, run.review_from
        if not index_stands(session):
            raise LookupError("there is no person index to add to yet: run a full link first (joinedup link)")
        chosen = adopted_model(session)
        state = standing.current_state(session, chosen.id)
        sql, totals = state.scoring_sql, dict(state.totals)
        fresh = new_record_ids(session, record_ids)
        new = read_records(session, fresh)
        decisions = _decisions(session, fresh)
        model = chosen.settings
        _step(progress, "Scoring new records", 1)
        frame = linkage.prepare(new, linkage.model_schemes(model))
        accepted = {record_id for left, right, decision in decisions if decision == "accept"
                    for record_id in (left, right)}
        low = low_information(frame, model, threshold) - accepted
        linkable = frame[~frame["unique_id"].isin(low)]
        scored: list[tuple[int, int, float, float, str, str]] = []
        compared = 0
        # A record taken out of the index and arriving again is still standing: it is
        # replaced, its old values no longer counted.
        replaced = standing.read_standing(session, fresh)
        if not linkable.empty:
            found = standing.candidates(session, linkable, linkage.prediction_rules(model))
            table = standing.everyone(linkable, found, model, session, totals, replaced)
            scored, compared = standing.score(sql, table, review_from, model)
        involved = set(linkable["unique_id"].astype(int))
        for left, right, *_ in scored:
            involved.update((left, right))
        held = _memberships(session, involved)
        # Only this run's records and records persons hold: another record no person
        # holds yet waits for its own run.
        arriving = set(fresh)
        scored = [pair for pair in scored if all(end in arriving or end in held for end in pair[:2])]
        involved = {end for pair in scored for end in pair[:2]} | set(linkable["unique_id"].astype(int))
        for left, right, _ in decisions:
            involved.update((left, right))
        held = _memberships(session, involved)
        touched = {pk for _, pk, _ in held.values()}
        everyone = involved | _members_of(session, touched)
        held.update(_memberships(session, everyone - set(held)))
        by_id = {record["id"]: record for record in read_records(session, everyone - set(fresh))}
        decisions = sorted(set(decisions) | set(_decisions(session, everyone)))
    by_id.update((record["id"], record) for record in new)
    _step(progress, "Attaching", 2)
    anchor_of = {record_id: pk for record_id, (_, pk, _) in held.items()}
    records = {record_id: record for record_id, record in by_id.items()
               if record_id not in low and not (record_id in held and held[record_id][2])}
    clusters = cluster(records, scored, threshold, decisions,
                       anchors={record_id: anchor_of[record_id] for record_id in records if record_id in anchor_of})
    groups: dict[int, list[int]] = defaultdict(list)
    for record_id, label in clusters.labels.items():
        groups[label].append(record_id)
    context = _Arrivals(review_from=review_from,
                        previous={record_id: (person_id, pk) for record_id, (person_id, pk, _) in held.items()})
    _step(progress, "Writing persons", 3)
    pair_rows, statuses = _pair_rows(engine, scored, dict(clusters.labels), clusters, by_id, context, run_id, chosen.id)
    plan = _plan_attachments(engine, run_id, ran_by, by_id, groups, low, anchor_of, clusters, context)
    additions = standing.plan_additions(engine.dialect, linkable, model)
    new_linkable = sorted(set(linkable["unique_id"].astype(int)))
    with transaction(engine) as session:
        _check_index_unchanged(session, plan.last_event)
        for chunk in _in_chunks(new_linkable):
            session.execute(delete(LinkPair).where(or_(LinkPair.record_id_l.in_(chunk), LinkPair.record_id_r.in_(chunk))))
        pair_rows.write(session.connection())
        _write_persons(session, plan)
        standing.write_additions(session, additions, run_id=run_id, replaced=replaced)
        _finish(session, run_id, chosen.id, ran_by, started, records=len(new), persons=len(plan.new_ids),
                linked_persons=plan.attached, low=len(low), candidates=compared, pairs_scored=len(scored),
                clusters=clusters, statuses=statuses, ids=(0, len(plan.new_ids), 0))
    _step(progress, "Done", STEPS)


def link_new_records(engine: Engine, *, progress: Progress | None = None, ran_by: str = "cli",
                     on_abandoned: Abandoned | None = None, record_ids: Iterable[int] | None = None) -> LinkRun:
    """Attach the records no person holds yet (of ``record_ids``, when given: those that
    just arrived) to the index, without a full rerun.

    Each is scored against its candidates from the standing index the last full run kept
    (:mod:`joinedup.people.arrivals`), with the adopted model, and joins the person it
    matches at or above the threshold, or becomes a new person. Needs a full run first.
    """
    def work(run_id: int, started: float) -> None:
        attach_new_records(engine, run_id, progress, ran_by, started, record_ids)

    return _run(engine, "incremental", ran_by, work, on_abandoned)
