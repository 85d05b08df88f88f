"""Link runs: read the records, score pairs, cluster into persons, keep ids, write.

``link_people`` is a full run. It reads every source record (with its matched UPRN),
sets aside the low-information ones (each its own person, flagged, never linked on a
guess), scores pairs of the rest with the adopted model (training one first when there
is none), clusters them (:func:`~joinedup.people.clustering.cluster`), gives each
cluster a public id (keeping the old ones that fit), and writes everything in one
transaction at the end: only changed persons and memberships are written; each kept
person's gains and losses go into their history.

``link_new_records`` is an incremental run (:mod:`joinedup.people.arrivals`): only the
records no person holds yet are read and scored, against their candidates in the
standing index each full run keeps (:mod:`joinedup.people.standing`), and attached to
the person they match or made new persons. It never joins two existing persons: a new
record that matches two goes to the review queue.

Both keep the pairs they scored at or above the review threshold, and pairs that share
a strong identifier, in ``link_pairs`` with a status: linked, review, refused (with
why) or conflict. The review queue is made of these.
"""

from __future__ import annotations

import gc
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Text, cast, delete, func, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, selectinload

from joinedup.audit import Actor, record_event
from joinedup.db import collector_paused, refresh_statistics, session_factory, transaction, utcnow
from joinedup.db.bulk import PreparedRows
from joinedup.db.locks import AlreadyRunning, exclusive
from joinedup.people import golden, standing
from joinedup.people import linkage_model as linkage
from joinedup.people.clustering import (
    Clusters,
    Identity,
    assign_ids,
    cluster,
    new_person_id,
    pair_key,
    shared_identifiers,
)
from joinedup.people.golden import golden_record, person_columns, read_records
from joinedup.people.models import (
    LinkIndexIdentifier,
    LinkIndexRecord,
    LinkModel,
    LinkPair,
    LinkRun,
    LinkSettings,
    LinkTermFrequency,
    PairDecision,
    Person,
    PersonEvent,
    PersonRecord,
)

#: ``progress(stage, step, steps)``: which stage the run is in.
Progress = Callable[[str, int, int], None]

CHUNK = 2000
STEPS = 6
#: From this many records a full run collects garbage once scoring is done, to free the
#: comparison frame and Splink's DuckDB tables (held in reference cycles) before
#: clustering: gigabytes at a million records. Below it they are small, and Python's own
#: collector frees them once the run ends (it is paused while a run works:
#: :func:`joinedup.db.collector_paused`); a full collection in a large process (a web server, the test
#: suite) cost a fifth of a second a run.
COLLECT_FROM = 100_000

#: The tables a full run rewrites, whose statistics it refreshes (search and the person
#: page read them at once).
WRITTEN_BY_A_FULL_RUN = (Person.__tablename__, PersonRecord.__tablename__, LinkPair.__tablename__,
                         LinkIndexRecord.__tablename__, LinkIndexIdentifier.__tablename__,
                         LinkTermFrequency.__tablename__)
#: A person's history lists at most this many record ids per event.
HISTORY_RECORDS = 50


class IndexChanged(Exception):
    """Someone changed the person index while a run was about to write it."""


# --------------------------------------------------------------------------- thresholds and models


def link_thresholds(session: Session) -> tuple[float, float]:
    """The (link threshold, review-from threshold) the data team has set, or the defaults."""
    row = session.get(LinkSettings, 1)
    if row is None:
        return linkage.DEFAULT_THRESHOLD, linkage.DEFAULT_REVIEW_FROM
    return row.threshold, row.review_from


def check_thresholds(threshold: float, review_from: float) -> None:
    if not 0.5 <= threshold <= 1.0:
        raise ValueError("The link threshold must be between 0.5 and 1.")
    if not 0.0 < review_from <= threshold:
        raise ValueError("The review threshold must be above 0 and no higher than the link threshold.")


def set_link_thresholds(session: Session, actor: Actor, threshold: float, review_from: float) -> LinkSettings:
    """Set the two thresholds every later run uses; audited as ``people.thresholds``."""
    check_thresholds(threshold, review_from)
    row = session.get(LinkSettings, 1)
    before = (row.threshold, row.review_from) if row else None
    if row is None:
        row = LinkSettings(id=1)
        session.add(row)
    row.threshold, row.review_from = threshold, review_from
    row.updated_by, row.updated_at = actor.username[:120], utcnow()
    session.flush()
    record_event(session, actor, action="linkage.thresholds.change", outcome="success", subject_type="link_settings",
                 subject_id=1, details={"threshold": threshold, "review_from": review_from,
                                        "before": list(before) if before else None})
    return row


def adopted_model(session: Session) -> LinkModel | None:
    return session.scalar(select(LinkModel).where(LinkModel.adopted.is_(True)).order_by(LinkModel.version.desc()).limit(1))


def train_model(engine: Engine, *, trained_by: str = "cli", records: list[dict[str, Any]] | None = None,
                frame=None, schemes: dict[str, bool] | None = None) -> LinkModel:
    """Train a new model version on the records (or their prepared ``frame``, with the
    identifier ``schemes`` it has columns for) and store it; see
    :func:`joinedup.people.linkage_model.train` for the sample it learns from.

    It is adopted only when no model is adopted yet; otherwise use
    :func:`adopt_model` after comparing runs.
    """
    started = time.perf_counter()
    if frame is None:
        if records is None:
            with session_factory(engine)() as session:
                records = read_records(session)
        schemes = linkage.schemes_of(records)
        frame = linkage.prepare(records, schemes)
    settings = linkage.train(frame, schemes=schemes)
    trained_on = min(len(frame), linkage.TRAINING_SAMPLE)
    with transaction(engine) as session:
        version = (session.scalar(select(func.max(LinkModel.version))) or 0) + 1
        first = adopted_model(session) is None
        trained = LinkModel(version=version, trained_by=trained_by[:120], records=trained_on, settings=settings,
                            adopted=first, adopted_at=utcnow() if first else None,
                            seconds=time.perf_counter() - started)
        session.add(trained)
        session.flush()
        record_event(session, Actor.system("cli", trained_by), action="linkage.model.train", outcome="success",
                     subject_type="link_model", subject_id=trained.id,
                     details={"version": version, "records": trained_on, "adopted": first})
    return trained


def adopt_model(engine: Engine, version: int, *, adopted_by: str = "cli", actor: Actor | None = None) -> LinkModel:
    """Make model ``version`` the one every later run uses."""
    with transaction(engine) as session:
        chosen = session.scalar(select(LinkModel).where(LinkModel.version == version))
        if chosen is None:
            raise LookupError(f"there is no model version {version}")
        session.execute(update(LinkModel).values(adopted=False))
        chosen.adopted = True
        chosen.adopted_at = utcnow()
        record_event(session, actor or Actor.system("cli", adopted_by), action="linkage.model.adopt",
                     outcome="success", subject_type="link_model", subject_id=chosen.id, details={"version": version})
    return chosen


# --------------------------------------------------------------------------- runs


#: Why a run still marked running, found by the next run, failed.
ABANDONED = "the run stopped before it finished, without recording why (its process was killed or lost)"

#: ``on_abandoned(run_id, reason)``: an earlier run was found abandoned and marked failed.
Abandoned = Callable[[int, str], None]


def forget_values() -> None:
    """Empty the memoised normalisers and vote helpers, which hold the personal data
    they were given, so that a long-running process keeps none after the run (or the
    erasure) that used them."""
    for memoised in (*linkage.MEMOISED, *golden.MEMOISED):
        memoised.cache_clear()


def _run(engine: Engine, kind: str, ran_by: str, work: Callable[[int, float], None],
         on_abandoned: Abandoned | None) -> LinkRun:
    """Open a run, do ``work(run_id, started)``, record a failure; return the run (detached).

    One run at a time holds the ``link`` lock (freed by the operating system or
    PostgreSQL if its process dies), so any other run still marked running was
    abandoned: it is marked failed, with the reason, before this one starts.
    """
    started = time.perf_counter()
    with _one_run_at_a_time(engine):
        with transaction(engine) as session:
            threshold, review_from = link_thresholds(session)
            run = LinkRun(status="running", kind=kind, ran_by=ran_by[:120], threshold=threshold,
                          review_from=review_from)
            session.add(run)
            session.flush()
            run_id = run.id
        for abandoned_id, reason in _close_abandoned(engine, run_id, ran_by):
            if on_abandoned is not None:
                on_abandoned(abandoned_id, reason)
        try:
            with collector_paused():
                work(run_id, started)
        except BaseException as exc:
            try:
                _record_failure(engine, run_id, ran_by, f"{exc.__class__.__name__}: {exc}", started)
            except Exception:  # noqa: BLE001 - the original error is the one to report
                pass
            raise
        finally:
            forget_values()
    with session_factory(engine)() as session:
        return session.get(LinkRun, run_id, options=[selectinload(LinkRun.model)])


@contextmanager
def _one_run_at_a_time(engine: Engine) -> Iterator[None]:
    with ExitStack() as held:
        try:
            held.enter_context(exclusive(engine, "link"))
        except AlreadyRunning:
            raise AlreadyRunning(_running_run(engine)) from None
        yield


def _running_run(engine: Engine) -> str:
    with session_factory(engine)() as session:
        running = session.scalar(select(LinkRun).where(LinkRun.status == "running")
                                 .order_by(LinkRun.id.desc()).limit(1))
    which = f" (run {running.id}, started {running.started_at:%Y-%m-%d %H:%M} UTC by {running.ran_by or 'someone'})" \
        if running is not None else ""
    return f"a link run is already running{which}; wait for it to finish"


def _close_abandoned(engine: Engine, run_id: int, ran_by: str) -> list[tuple[int, str]]:
    """Mark failed every other run still marked running; return (run id, reason) of each."""
    with session_factory(engine)() as session:
        stale = list(session.scalars(select(LinkRun.id).where(LinkRun.status == "running", LinkRun.id != run_id)
                                     .order_by(LinkRun.id)))
    reason = f"{ABANDONED}; found when run {run_id} started"
    for stale_id in stale:
        _record_failure(engine, stale_id, ran_by, reason, None)
    return [(stale_id, reason) for stale_id in stale]


def _record_failure(engine: Engine, run_id: int, ran_by: str, error: str, started: float | None) -> None:
    with transaction(engine) as session:
        run = session.get(LinkRun, run_id)
        run.status = "failed"
        run.error = error
        run.finished_at = utcnow()
        if started is not None:
            run.seconds = time.perf_counter() - started
        record_event(session, Actor.system("cli", ran_by), action="linkage.run", outcome="failure",
                     subject_type="link_run", subject_id=run_id, reason=error)


def link_people(
    engine: Engine,
    *,
    progress: Progress | None = None,
    threshold: float | None = None,
    review_from: float | None = None,
    model_version: int | None = None,
    retrain: bool = False,
    ran_by: str = "cli",
    on_abandoned: Abandoned | None = None,
) -> LinkRun:
    """Link every source record into persons; return the finished LinkRun (detached).

    Thresholds default to the data team's (:func:`link_thresholds`). Uses model
    ``model_version``, else the adopted model; ``retrain`` (or no model at all) trains a
    new version first and runs with it. A failure is recorded on the run and raised;
    the index is left as it was. Raises AlreadyRunning while another run is under way;
    an earlier run found abandoned is marked failed and passed to ``on_abandoned``.
    """
    def work(run_id: int, started: float) -> None:
        _full(engine, run_id, progress, threshold, review_from, model_version, retrain, ran_by, started)
        refresh_statistics(engine, *WRITTEN_BY_A_FULL_RUN)

    return _run(engine, "full", ran_by, work, on_abandoned)


def _step(progress: Progress | None, stage: str, step: int) -> None:
    if progress is not None:
        progress(stage, step, STEPS)


class _Context:
    """What a run reads before it computes: records, decisions, the index as it stands."""

    def __init__(self, session: Session, run_id: int, threshold: float | None, review_from: float | None) -> None:
        run = session.get(LinkRun, run_id)
        self.threshold = run.threshold if threshold is None else threshold
        self.review_from = run.review_from if review_from is None else min(review_from, self.threshold)
        if threshold is not None or review_from is not None:
            check_thresholds(self.threshold, self.review_from)
        self.records = read_records(session)
        self.by_id = {record["id"]: record for record in self.records}
        self.decisions = [(row.record_id_l, row.record_id_r, row.decision) for row in session.execute(
            select(PairDecision.record_id_l, PairDecision.record_id_r, PairDecision.decision))]
        self.previous = {
            record_id: (person_id, pk) for record_id, person_id, pk in session.execute(
                select(PersonRecord.source_record_id, Person.person_id, Person.id)
                .join(Person, Person.id == PersonRecord.person_id))
        }
        # Written last: a write before the reads would hold the write lock while they run.
        run.threshold, run.review_from = self.threshold, self.review_from


def _full(engine: Engine, run_id: int, progress: Progress | None, threshold: float | None,
          review_from: float | None, model_version: int | None, retrain: bool, ran_by: str, started: float) -> None:
    _step(progress, "Reading records", 0)
    with transaction(engine) as session:
        context = _Context(session, run_id, threshold, review_from)
        if model_version is not None:
            chosen = session.scalar(select(LinkModel).where(LinkModel.version == model_version))
            if chosen is None:
                raise LookupError(f"there is no model version {model_version}")
        else:
            chosen = None if retrain else adopted_model(session)
    by_id = context.by_id
    # A record too thin to link on its own still follows a reviewer who accepted it.
    accepted = {record_id for left, right, decision in context.decisions if decision == "accept"
                for record_id in (left, right)}
    schemes = linkage.schemes_of(context.records) if chosen is None else linkage.model_schemes(chosen.settings)
    everything = linkage.prepare(context.records, schemes)
    _step(progress, "Training the model" if chosen is None else "Model ready", 1)
    if chosen is None:
        chosen = train_model(engine, trained_by=ran_by, frame=everything, schemes=schemes)
    low = low_information(everything, chosen.settings, context.threshold) - accepted
    linkable = [record for record in context.records if record["id"] not in low]
    frame = everything[~everything["unique_id"].isin(low)]
    del everything
    _step(progress, "Scoring pairs", 2)
    scored: list[tuple[int, int, float, float, str, str]] = []
    candidates = 0
    if len(linkable) > 1:
        scored, candidates = linkage.score(frame, chosen.settings, keep_from=context.review_from)
    kept_index = standing.plan_index(engine, frame, chosen.settings, chosen.id)
    del frame
    if len(by_id) >= COLLECT_FROM:
        gc.collect()
    _step(progress, "Clustering", 3)
    clusters = cluster({record["id"]: record for record in linkable}, scored, context.threshold, context.decisions)
    members: dict[int, list[int]] = defaultdict(list)
    for record_id, label in clusters.labels.items():
        members[label].append(record_id)
    for record_id in low:
        members[record_id].append(record_id)  # a label no linkable record has: its own id
    _step(progress, "Keeping person ids", 4)
    identity = assign_ids(members, {record_id: person for record_id, (person, _) in context.previous.items()})
    _step(progress, "Writing persons", 5)
    pair_rows, statuses = _pair_rows(engine, scored, clusters.labels, clusters, by_id, context, run_id, chosen.id)
    plan = _plan_persons(engine, run_id, by_id, members, low, clusters, identity, context)
    with transaction(engine) as session:
        _check_index_unchanged(session, plan.last_event)
        session.execute(delete(LinkPair))
        pair_rows.write(session.connection())
        _write_persons(session, plan)
        standing.write_index(session, kept_index, model_id=chosen.id, run_id=run_id)
        _finish(session, run_id, chosen.id, ran_by, started, records=len(by_id), persons=len(members),
                linked_persons=sum(1 for ids in members.values() if len(ids) > 1), low=len(low),
                candidates=candidates, pairs_scored=len(scored), clusters=clusters, statuses=statuses,
                ids=(len(identity.kept), len(identity.new), len(plan.retired)))
    _step(progress, "Done", STEPS)


def _plan_attachments(engine: Engine, run_id: int, ran_by: str, by_id: dict[int, dict[str, Any]],
                      groups: dict[int, list[int]], low: set[int], anchor_of: dict[int, int], clusters: Clusters,
                      context: _Context) -> _PersonsPlan:
    """What an incremental run writes: each new record attached to the person it matched
    (whose golden record is rebuilt) or made a new person, worked out before the transaction."""
    now = utcnow()
    attaching: list[tuple[int, list[int]]] = []
    founding: list[tuple[list[int], bool]] = []
    for record_ids in groups.values():
        fresh = [record_id for record_id in record_ids if record_id not in context.previous]
        if not fresh:
            continue
        anchors = {anchor_of[record_id] for record_id in record_ids if record_id in anchor_of}
        if anchors:
            attaching.append((anchors.pop(), fresh))
        else:
            founding.append((record_ids, False))
    founding.extend(([record_id], True) for record_id in sorted(low))
    memberships = PersonRecord.__table__.c
    with session_factory(engine)() as session:
        last_event = session.scalar(select(func.max(PersonEvent.id)))
        held: dict[int, set[int]] = defaultdict(set)
        public: dict[int, str] = {}
        anchored = sorted({person_pk for person_pk, _ in attaching})
        for start in range(0, len(anchored), CHUNK):
            some = anchored[start:start + CHUNK]
            for record_id, person_pk in session.execute(
                select(memberships.source_record_id, memberships.person_id).where(memberships.person_id.in_(some))
            ):
                held[person_pk].add(record_id)
            public.update(session.execute(select(Person.id, Person.person_id).where(Person.id.in_(some))).all())
        person_ids = _free_person_ids(session, len(founding))
    plan = _PersonsPlan(last_event=last_event, new_ids=sorted(person_ids),
                        pk={person_id: person_pk for person_pk, person_id in public.items()})
    for person_pk, fresh in attaching:
        everyone = sorted(held[person_pk] | set(fresh))
        golden = golden_record([by_id[record_id] for record_id in everyone])
        plan.updates.append({"id": person_pk, **person_columns(golden), "golden": golden,
                             "record_count": len(everyone), "low_information": False, "updated_run_id": run_id,
                             "updated_at": now, "retired_at": None, "superseded_by": None})
        plan.events.append({"person_id": person_pk, "at": now, "kind": "gained_records", "run_id": run_id,
                            "decided_by": ran_by[:120], "reason": "New records matched this person (incremental link).",
                            "details": {"records": fresh[:HISTORY_RECORDS], "count": len(fresh)}})
        plan.attached += len(fresh)
        plan.memberships.extend((public[person_pk], record_id, clusters.probability.get(record_id), False, run_id)
                                for record_id in fresh)
    inserts = []
    for person_id, (record_ids, flagged) in zip(person_ids, founding, strict=True):
        golden = golden_record([by_id[record_id] for record_id in record_ids])
        inserts.append({"person_id": person_id, "golden": golden, "record_count": len(record_ids),
                        "low_information": flagged, "created_run_id": run_id, "updated_run_id": run_id,
                        "created_at": now, "updated_at": now, "retired_at": None, "superseded_by": None,
                        **person_columns(golden)})
        plan.memberships.extend(
            (person_id, record_id, None if flagged else clusters.probability.get(record_id), flagged, run_id)
            for record_id in record_ids if record_id not in context.previous)
    plan.inserts = PreparedRows.of(Person.__table__, engine.dialect, inserts)
    return plan


def low_information(frame, model: dict[str, Any], threshold: float) -> set[int]:
    """The records (rows of a prepared ``frame``) too thin to link: even paired with a copy
    of themselves, they could not reach ``threshold`` (:func:`linkage_model.ceilings`).
    What a record can prove decides it, not which fields it has: a surname with a date of
    birth and an address is enough; a common name alone is not."""
    if frame.empty:
        return set()
    ceiling = linkage.ceilings(frame, model)
    return {int(record_id) for record_id in frame.loc[ceiling < threshold, "unique_id"]}


def _free_person_ids(session: Session, count: int) -> list[str]:
    """``count`` new person ids that no person has yet."""
    chosen: set[str] = set()
    while len(chosen) < count:
        wanted = {new_person_id() for _ in range(count - len(chosen))} - chosen
        taken = set()
        ordered = sorted(wanted)
        for start in range(0, len(ordered), CHUNK):
            taken.update(session.scalars(select(Person.person_id).where(Person.person_id.in_(ordered[start:start + CHUNK]))))
        chosen |= wanted - taken
    return sorted(chosen)


def _free_person_id(session: Session) -> str:
    while True:
        person_id = new_person_id()
        if session.scalar(select(Person.id).where(Person.person_id == person_id)) is None:
            return person_id


def refresh_person(session: Session, person: Person, records: list[dict[str, Any]], run_id: int | None, now) -> None:
    """Rebuild a person's golden record and columns from ``records`` (all of theirs)."""
    golden = golden_record(records)
    person.golden = golden
    person.record_count = len(records)
    person.low_information = False
    for name, value in person_columns(golden).items():
        setattr(person, name, value)
    person.updated_run_id = run_id if run_id is not None else person.updated_run_id
    person.updated_at = now
    person.retired_at = None
    person.superseded_by = None


def _insert(session: Session, table, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(table), rows[start:start + CHUNK])


def _pair_rows(engine: Engine, scored, labels: dict[int, int], clusters: Clusters, by_id: dict[int, dict[str, Any]],
               context: _Context, run_id: int, model_id: int) -> tuple[PreparedRows, Counter[str]]:
    """Each kept pair as a ``link_pairs`` row, with its status and why, and how many
    pairs have each status."""
    rows, statuses = PreparedRows(LinkPair.__table__, engine.dialect), Counter()
    for left, right, probability, weight, gammas, weights in scored:
        status, reason = "linked", ""
        key = pair_key(left, right)
        refusal = clusters.refusals.get(key)
        if labels.get(left) is not None and labels.get(left) == labels.get(right):
            status = "linked"
        elif refusal:
            status, reason = "refused", refusal
        else:
            shared = shared_identifiers(by_id[left], by_id[right])
            if probability >= context.review_from:
                status = "review"
                held = clusters.held.get(key, "")
                reason = " ".join(filter(None, (held, f"Both records have the same {shared[0]}." if shared else "")))
            elif shared:
                status = "conflict"
                reason = (f"Both records have the same {shared[0]}, but the rest "
                          f"of the records disagree (match probability {probability:.3f}).")
            else:
                continue
        statuses[status] += 1
        rows.add({"record_id_l": key[0], "record_id_r": key[1], "probability": probability,
                  "match_weight": weight, "gammas": gammas, "weights": weights, "status": status,
                  "reason": reason, "run_id": run_id, "model_id": model_id})
    return rows, statuses


#: A membership row's columns, in the order a plan holds their values.
_MEMBERSHIP_COLUMNS = ("person_id", "source_record_id", "match_probability", "low_information", "run_id")


@dataclass
class _PersonsPlan:
    """What a full run writes to persons and memberships, worked out before its transaction.

    Golden records and the comparison with the stored index are most of a run's writing
    time; done beforehand, the transaction holds only the statements, so the store's
    write lock (SQLite's, for the whole database) is held for seconds, not minutes.
    """

    last_event: int | None
    inserts: PreparedRows | None = None
    updates: list[dict[str, Any]] = field(default_factory=list)
    retirements: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    retired: dict[str, str] = field(default_factory=dict)
    pk: dict[str, int] = field(default_factory=dict)
    new_ids: list[str] = field(default_factory=list)
    #: Records whose stored membership is replaced, and each membership to write: the public
    #: person id (``pk`` holds the stored key of each person already in the index), then the
    #: values of the rest of :data:`_MEMBERSHIP_COLUMNS`.
    changed: list[int] = field(default_factory=list)
    memberships: list[tuple[str, int, float | None, bool, int]] = field(default_factory=list)
    #: Records an incremental run attaches to persons who were already in the index.
    attached: int = 0


def _plan_persons(engine: Engine, run_id: int, by_id: dict[int, dict[str, Any]], members: dict[int, list[int]],
                  low: set[int], clusters: Clusters, identity: Identity, context: _Context) -> _PersonsPlan:
    now = utcnow()
    persons, memberships = Person.__table__, PersonRecord.__table__
    with session_factory(engine)() as session:
        last_event = session.scalar(select(func.max(PersonEvent.id)))
        existing = {
            row.person_id: row for row in session.execute(
                select(persons.c.id, persons.c.person_id, cast(persons.c.golden, Text).label("stored_golden"),
                       persons.c.record_count, persons.c.low_information, persons.c.retired_at, persons.c.uprn))
        }
        current = {
            row.source_record_id: (row.person_id, row.match_probability, row.low_information)
            for row in session.execute(select(memberships.c.source_record_id, memberships.c.person_id,
                                              memberships.c.match_probability, memberships.c.low_information))
        }
    stored = persons.c.golden.type  # what each golden record is stored as, to compare without reading them
    plan = _PersonsPlan(last_event=last_event, pk={person_id: row.id for person_id, row in existing.items()},
                        new_ids=sorted(identity.new), inserts=PreparedRows(persons, engine.dialect))
    before: dict[str, set[int]] = defaultdict(set)
    for record_id, (person_id, _) in context.previous.items():
        before[person_id].add(record_id)
    for label, record_ids in members.items():
        person_id = identity.ids[label]
        golden = golden_record([by_id[record_id] for record_id in record_ids])
        flagged = all(record_id in low for record_id in record_ids)
        values = {
            **person_columns(golden), "golden": golden, "record_count": len(record_ids), "low_information": flagged,
            "updated_run_id": run_id, "updated_at": now, "retired_at": None, "superseded_by": None,
        }
        old = existing.get(person_id)
        if old is None:
            plan.inserts.add({"person_id": person_id, "created_run_id": run_id, "created_at": now, **values})
            continue
        if (old.stored_golden != stored.stored_text(golden) or old.record_count != len(record_ids)
                or old.low_information != flagged
                or old.retired_at is not None or old.uprn != values["uprn"]):
            plan.updates.append({"id": old.id, **values})
        gained = sorted(set(record_ids) - before[person_id])
        lost = sorted(before[person_id] - set(record_ids))
        for kind, changed in (("gained_records", gained), ("lost_records", lost)):
            if changed:
                plan.events.append({"person_id": old.id, "at": now, "kind": kind, "run_id": run_id,
                                    "decided_by": "", "reason": "",
                                    "details": {"records": changed[:HISTORY_RECORDS], "count": len(changed)}})
    for person_id, successor in identity.retired.items():
        if existing[person_id].retired_at is None:
            plan.retired[person_id] = successor
            plan.retirements.append({"id": existing[person_id].id, "retired_at": now, "superseded_by": successor,
                                     "record_count": 0, "updated_run_id": run_id, "updated_at": now})
            plan.events.append({"person_id": existing[person_id].id, "at": now, "kind": "retired", "run_id": run_id,
                                "decided_by": "", "reason": f"Most of their records now belong to {successor}.",
                                "details": {"superseded_by": successor}})
    for label, record_ids in members.items():
        person_id = identity.ids[label]
        known = plan.pk.get(person_id)
        for record_id in record_ids:
            probability, flagged = clusters.probability.get(record_id), record_id in low
            held = current.get(record_id)
            if held is not None and held == (known, probability, flagged):
                continue
            if held is not None:
                plan.changed.append(record_id)
            plan.memberships.append((person_id, record_id, probability, flagged, run_id))
    return plan


def _check_index_unchanged(session: Session, last_event: int | None) -> None:
    """Refuse to write over a merge or split made since the run read the index to plan."""
    if session.scalar(select(func.max(PersonEvent.id))) != last_event:
        raise IndexChanged("the person index changed while the run was writing it (a merge or split was "
                           "decided); nothing was written: run it again")


def _write_persons(session: Session, plan: _PersonsPlan) -> None:
    persons, memberships = Person.__table__, PersonRecord.__table__
    plan.inserts.write(session.connection())
    if plan.updates:
        session.execute(update(Person), plan.updates)
    if plan.retirements:
        session.execute(update(Person), plan.retirements)
    _insert(session, PersonEvent.__table__, [{"user_id": None, **event} for event in plan.events])
    pk = dict(plan.pk)
    for start in range(0, len(plan.new_ids), CHUNK):
        pk.update(session.execute(
            select(persons.c.person_id, persons.c.id).where(persons.c.person_id.in_(plan.new_ids[start:start + CHUNK]))
        ).all())
    for start in range(0, len(plan.changed), CHUNK):
        session.execute(delete(memberships).where(memberships.c.source_record_id.in_(plan.changed[start:start + CHUNK])))
    PreparedRows.of_values(memberships, session.get_bind().dialect, _MEMBERSHIP_COLUMNS,
                           ((pk[person_id], *values) for person_id, *values in plan.memberships)).write(
        session.connection())


def _finish(session: Session, run_id: int, model_id: int, ran_by: str, started: float, *, records: int, persons: int,
            linked_persons: int, low: int, candidates: int, pairs_scored: int, clusters: Clusters,
            statuses: Counter[str], ids: tuple[int, int, int]) -> None:
    """Complete the run with its figures (``ids``: person ids kept, new, retired) and audit it.
    For an incremental run ``linked_persons`` counts records attached to existing persons."""
    run = session.get(LinkRun, run_id)
    run.model_id = model_id
    run.records = records
    run.persons = persons
    run.linked_persons = linked_persons
    run.singletons = persons - linked_persons if run.kind == "full" else 0
    run.low_information = low
    run.candidate_pairs = candidates
    run.pairs_scored = pairs_scored
    run.pairs_linked = clusters.pairs_linked
    run.merges_refused = clusters.refused
    run.pairs_for_review = statuses["review"] + statuses["refused"] + statuses["conflict"]
    run.conflicts = statuses["conflict"]
    run.ids_kept, run.ids_new, run.ids_retired = ids
    run.status = "completed"
    run.finished_at = utcnow()
    run.seconds = time.perf_counter() - started
    record_event(
        session, Actor.system("cli", ran_by), action="linkage.run", outcome="success",
        subject_type="link_run", subject_id=run_id,
        details={"kind": run.kind, **{name: getattr(run, name) for name in (
            "records", "persons", "low_information", "candidate_pairs", "pairs_scored", "pairs_linked", "merges_refused", "pairs_for_review",
            "conflicts", "ids_kept", "ids_new", "ids_retired")}},
    )


def last_run(session: Session) -> LinkRun | None:
    return session.scalar(select(LinkRun).order_by(LinkRun.id.desc()).limit(1))
