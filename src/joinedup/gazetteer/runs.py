"""Match runs: which records to (re)match, the matcher over them, the results stored.

Incremental by default: a run considers the records with no match yet, the records
whose match was flagged ``needs_rematch`` (its UPRN was retired or changed by a
gazetteer reload) and the records changed by an ingest since they were matched. A
``full`` run considers every record. Either way, a person's decision on an address
(an :class:`AddressDecision`) is applied before the matcher is asked, so decisions
survive every rerun.

A run computes everything first, down to the rows it will write, and writes its results
in one short transaction at the end, so a run that fails leaves earlier results exactly
as they were and the store's write lock is held for seconds. A record's match is updated
in place, so it keeps its id (a review page's address) across every rerun.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Hashable
from typing import Any

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from joinedup.audit import Actor, record_event
from joinedup.db import collector_paused, session_factory, transaction, utcnow
from joinedup.db.bulk import PreparedRows
from joinedup.gazetteer.engine import AddressEngine, UkAddressMatcherEngine
from joinedup.gazetteer.loader import gazetteer_loaded
from joinedup.gazetteer.matching import AddressInput, GazetteerEntry, GazetteerIndex, Matcher, Outcome
from joinedup.gazetteer.models import AddressDecision, AddressMatch, GazetteerAddress, GazetteerLoad, MatchRun
from joinedup.gazetteer.normalise import address_key, record_text
from joinedup.ingest.models import SourceRecord

Progress = Callable[[int, int], None]

#: Pass as ``address_engine`` to use the default engine (uk-address-matcher).
DEFAULT_ENGINE = "default"
CHUNK = 2000

_MATCHES = AddressMatch.__table__
_RECORDS = SourceRecord.__table__
#: What a match says. A rerun that says the same only restamps the row (run_id, matched_at).
_SAID = tuple(
    column.key for column in _MATCHES.c if column.key not in ("id", "source_record_id", "run_id", "matched_at")
)


class NoGazetteer(Exception):
    """There is nothing to match against."""


def load_index(session: Session) -> GazetteerIndex:
    """The current gazetteer (retired UPRNs left out), indexed for the matcher."""
    columns = GazetteerAddress.__table__.c
    rows = session.execute(
        select(
            columns.uprn, columns.parent_uprn, columns.lpi_status, columns.sao_text, columns.sao_start_number,
            columns.sao_start_suffix, columns.sao_end_number, columns.pao_text, columns.pao_start_number,
            columns.pao_start_suffix, columns.pao_end_number, columns.pao_end_suffix, columns.street,
            columns.locality, columns.town, columns.postcode, columns.classification,
        )
        .where(columns.retired_at.is_(None))
        .order_by(columns.id)
    )
    return GazetteerIndex(
        GazetteerEntry(
            uprn=row.uprn, parent_uprn=row.parent_uprn, lpi_status=row.lpi_status, sao_text=row.sao_text,
            sao_number=_range(row.sao_start_number, row.sao_start_suffix, row.sao_end_number, ""),
            pao_text=row.pao_text,
            pao_number=_range(row.pao_start_number, row.pao_start_suffix, row.pao_end_number, row.pao_end_suffix),
            street=row.street, locality=row.locality, town=row.town, postcode=row.postcode,
            classification=row.classification,
        )
        for row in rows
    )


def _range(start: str, start_suffix: str, end: str, end_suffix: str) -> str:
    text = f"{start}{start_suffix}"
    return f"{text}-{end}{end_suffix}" if end else text


def match_addresses(
    engine: Engine,
    *,
    full: bool = False,
    matched_by: str = "cli",
    progress: Progress | None = None,
    address_engine: AddressEngine | str | None = DEFAULT_ENGINE,
) -> MatchRun:
    """Match source records' addresses to UPRNs; return the finished MatchRun (detached).

    ``address_engine`` is the probabilistic engine for what the gazetteer-aware matcher
    cannot place (default: uk-address-matcher; ``None``: no engine). A run with nothing
    to match against ends ``failed`` with its reason; any other failure is recorded on
    the run and raised, and earlier results are left as they were.
    """
    if address_engine == DEFAULT_ENGINE:
        address_engine = UkAddressMatcherEngine()
    started = time.perf_counter()
    with transaction(engine) as session:
        latest_load = session.scalar(
            select(func.max(GazetteerLoad.id)).where(GazetteerLoad.status == "completed")
        )
        run = MatchRun(status="running", full=full, matched_by=matched_by[:120], gazetteer_load_id=latest_load,
                       engine=_engine_name(address_engine))
        session.add(run)
        session.flush()
        run_id = run.id
    with collector_paused():
        try:
            counts = _run(engine, run_id, full, progress, address_engine)
        except NoGazetteer as exc:
            _finish_failed(engine, run_id, matched_by, str(exc), started)
        except BaseException as exc:
            try:
                _finish_failed(engine, run_id, matched_by, f"the run stopped: {exc.__class__.__name__}: {exc}", started)
            except Exception:  # noqa: BLE001 - the original error is the one to report
                pass
            raise
        else:
            stored = _Stored.plan(engine, counts.rows)
            with transaction(engine) as session:
                run = session.get(MatchRun, run_id)
                _write(session, run, counts, stored, started, matched_by)
    with session_factory(engine)() as session:
        return session.get(MatchRun, run_id)


def _engine_name(address_engine: Any) -> str:
    name = "joinedup gazetteer-aware matcher"
    if address_engine is not None:
        name += f" + {getattr(address_engine, 'name', type(address_engine).__name__)}"
    return name[:120]


def _finish_failed(engine: Engine, run_id: int, matched_by: str, error: str, started: float) -> None:
    with transaction(engine) as session:
        run = session.get(MatchRun, run_id)
        run.status = "failed"
        run.error = error
        run.finished_at = utcnow()
        run.seconds = time.perf_counter() - started
        record_event(session, Actor.system("cli", matched_by), action="address.match", outcome="failure",
                     subject_type="match_run", subject_id=run_id, reason=error)


class _Computed:
    """A run's results, computed before anything is written."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []


def _run(engine: Engine, run_id: int, full: bool, progress: Progress | None,
         address_engine: AddressEngine | None) -> _Computed:
    computed = _Computed()
    with session_factory(engine)() as session:
        if not gazetteer_loaded(session):
            raise NoGazetteer("no gazetteer is loaded: load one with 'joinedup gazetteer load FILE'")
        records = _records_to_match(session, full)
        if not records:
            return computed
        index = load_index(session)
        decisions = _decisions(session, {record.source_system_id for record in records})
        current = set(index.uprns)
        known = {} if full else _known_groups(session, records)
        now = utcnow()
        to_match: list[AddressInput] = []
        waiting: list[tuple[Any, str, str]] = []
        for record in records:
            text = record_text(record.address_text, record.postcode)
            key = address_key(text)
            decision = decisions.get((record.source_system_id, key))
            if decision is not None and (decision.uprn is None or decision.uprn in current):
                computed.rows.append(_row(record, text, key, run_id, now, _decided(decision), decision.id))
                continue
            to_match.append(AddressInput(record.id, record.address_text, record.postcode,
                                         (record.source_system_id, record.local_id)))
            waiting.append((record, text, key))
    outcomes = Matcher(index, address_engine).match(to_match, known=known, progress=progress)
    for (record, text, key), outcome in zip(waiting, outcomes, strict=True):
        computed.rows.append(_row(record, text, key, run_id, now, outcome, None))
    return computed


def _records_to_match(session: Session, full: bool) -> list:
    columns = _RECORDS.c
    statement = select(
        columns.id, columns.source_system_id, columns.local_id, columns.address_text, columns.postcode
    ).order_by(columns.id)
    if not full:
        statement = statement.outerjoin(_MATCHES, _MATCHES.c.source_record_id == columns.id).where(
            or_(
                _MATCHES.c.id.is_(None),
                _MATCHES.c.needs_rematch.is_(True),
                columns.updated_at > _MATCHES.c.matched_at,
            )
        )
    return list(session.execute(statement))


def _decisions(session: Session, source_system_ids: set[int]) -> dict[tuple[int, str], AddressDecision]:
    found = session.scalars(
        select(AddressDecision).where(AddressDecision.source_system_id.in_(source_system_ids))
    )
    return {(decision.source_system_id, decision.address_key): decision for decision in found}


def _known_groups(session: Session, records: list) -> dict[Hashable, set[str]]:
    """UPRNs that other records of the same source and local id are matched to."""
    wanted: dict[int, set[str]] = defaultdict(set)
    for record in records:
        wanted[record.source_system_id].add(record.local_id)
    considered = {record.id for record in records}
    known: dict[Hashable, set[str]] = defaultdict(set)
    columns = _RECORDS.c
    for source_system_id, local_ids in wanted.items():
        ids = sorted(local_ids)
        for start in range(0, len(ids), CHUNK):
            rows = session.execute(
                select(columns.id, columns.local_id, _MATCHES.c.uprn)
                .join(_MATCHES, _MATCHES.c.source_record_id == columns.id)
                .where(columns.source_system_id == source_system_id, columns.local_id.in_(ids[start:start + CHUNK]),
                       _MATCHES.c.status == "matched", _MATCHES.c.needs_rematch.is_(False))
            )
            for record_id, local_id, uprn in rows:
                if record_id not in considered:
                    known[(source_system_id, local_id)].add(uprn)
    return known


def _decided(decision: AddressDecision) -> Outcome:
    status = {"accept": "matched", "choose": "matched"}.get(decision.action, decision.action)
    reason = f"decided by {decision.decided_by or 'the data team'}"
    if decision.reason:
        reason += f": {decision.reason}"
    return Outcome(status, uprn=decision.uprn, score=1.0 if decision.uprn else None, method="manual", reason=reason)


def _row(record, text: str, key: str, run_id: int, now, outcome: Outcome, decision_id: int | None) -> dict[str, Any]:
    return {
        "source_record_id": record.id,
        "source_system_id": record.source_system_id,
        "uprn": outcome.uprn,
        "score": outcome.score,
        "method": outcome.method,
        "status": outcome.status,
        "runner_up_uprn": outcome.runner_up_uprn,
        "runner_up_score": outcome.runner_up_score,
        "reason": outcome.reason,
        "needs_rematch": False,
        "address_key": key,
        "normalised": text,
        "run_id": run_id,
        "decision_id": decision_id,
        "matched_at": now,
    }


def _write(session: Session, run: MatchRun, computed: _Computed, stored: _Stored, started: float,
           matched_by: str) -> None:
    """Store this run's results and finish the run, in the caller's transaction."""
    rows = computed.rows
    stored.write(session)
    tally: dict[str, int] = defaultdict(int)
    for row in rows:
        tally[row["status"]] += 1
        # An ambiguous or unmatched row keeps its best candidate's method for review; only
        # a match counts towards how matches were made, so exact + probabilistic + manual
        # is the matched count.
        if row["status"] == "matched":
            tally[row["method"]] += 1
    run.records = len(rows)
    for name in ("matched", "ambiguous", "unmatched", "out_of_area", "unmatchable", "exact", "probabilistic", "manual"):
        setattr(run, name, tally[name])
    run.status = "completed"
    run.finished_at = utcnow()
    run.seconds = time.perf_counter() - started
    record_event(
        session, Actor.system("cli", matched_by), action="address.match", outcome="success",
        subject_type="match_run", subject_id=run.id,
        details={name: getattr(run, name) for name in ("full", "records", "matched", "ambiguous", "unmatched",
                                                         "exact", "probabilistic", "manual")},
    )


class _Stored:
    """How a run's rows become the records' matches, worked out before the transaction.

    Each row is its record's match, updated in place: an existing match keeps its id,
    which is a review page's address and the audit trail's subject, so a rerun must not
    change it. A match that says what it said before is only restamped with this run
    (the usual case, and far cheaper than rewriting it); one that says something new has
    just what changed rewritten, with many rows to a statement; a record with no match
    yet gets a new row. Nothing is deleted: a record's match goes with the record (the
    foreign key cascades). Reading the stored matches, comparing and making the new
    rows' parameters all happen first, so the transaction that writes them, which holds
    the store's write lock, only executes statements.
    """

    def __init__(self) -> None:
        self.restamp: dict[tuple[Any, Any], list[int]] = defaultdict(list)
        self.rewrite: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        self.new: PreparedRows | None = None

    @classmethod
    def plan(cls, engine: Engine, rows: list[dict[str, Any]]) -> _Stored:
        plan = cls()
        with session_factory(engine)() as session:
            stored = _stored(session, [row["source_record_id"] for row in rows])
        new: list[dict[str, Any]] = []
        for row in rows:
            found = stored.get(row["source_record_id"])
            if found is None:
                new.append(row)
                continue
            match_id, said = found
            changed = tuple(key for key, before in zip(_SAID, said, strict=True) if row[key] != before)
            if changed:
                keys = (*changed, "run_id", "matched_at")
                plan.rewrite[keys].append({"match_id": match_id, **{key: row[key] for key in keys}})
            else:
                plan.restamp[(row["run_id"], row["matched_at"])].append(match_id)
        plan.new = PreparedRows.of(_MATCHES, engine.dialect, new)
        return plan

    def write(self, session: Session) -> None:
        for (run_id, matched_at), ids in self.restamp.items():
            ids.sort()
            for start in range(0, len(ids), CHUNK):
                session.execute(
                    update(_MATCHES).where(_MATCHES.c.id.in_(ids[start:start + CHUNK]))
                    .values(run_id=run_id, matched_at=matched_at)
                )
        for keys, group in self.rewrite.items():
            statement = (
                update(_MATCHES).where(_MATCHES.c.id == bindparam("match_id"))
                .values({key: bindparam(key) for key in keys})
            )
            for start in range(0, len(group), CHUNK):
                session.execute(statement, group[start:start + CHUNK])
        if self.new is not None:
            self.new.write(session.connection())


def _stored(session: Session, record_ids: list[int]) -> dict[int, tuple[int, tuple[Any, ...]]]:
    """These records' existing matches: by source record id, the match's id and what it says."""
    columns = [_MATCHES.c[key] for key in _SAID]
    found: dict[int, tuple[int, tuple[Any, ...]]] = {}
    for start in range(0, len(record_ids), CHUNK):
        rows = session.execute(
            select(_MATCHES.c.source_record_id, _MATCHES.c.id, *columns)
            .where(_MATCHES.c.source_record_id.in_(record_ids[start:start + CHUNK]))
        )
        for row in rows:
            found[row[0]] = (row[1], tuple(row[2:]))
    return found


def last_run(session: Session) -> MatchRun | None:
    """The most recent match run."""
    return session.scalar(select(MatchRun).order_by(MatchRun.id.desc()).limit(1))
