"""A link run: read the records, score pairs, cluster into persons, keep ids, write.

``link_people`` reads every source record (with its matched UPRN) out of the store,
sets aside the low-information ones (each its own person, flagged, never linked on a
guess), scores pairs of the rest with the adopted model (training one first when there
is none), and clusters them by :func:`cluster`: pairs strongest first, each merge
refused when it would join a pair a person rejected or two different valid NHS, NI or
pupil numbers. Records of one agency's person (same source and local id) are one
person, as are pairs a person accepted, unless that would join a rejected pair.

Person ids are stable: a person's id goes to the new cluster holding at least half of
their surviving records (the larger share; ties to the cluster with the lowest
record id); a cluster that inherits no id gets a new one, and persons that lose
every claim are retired, naming who took most of their records. Everything is
computed first and written in one transaction at the end; only changed memberships
and persons are written.
"""

from __future__ import annotations

import secrets
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, selectinload

from joinedup.audit import Actor, record_event
from joinedup.db import session_factory, transaction, utcnow
from joinedup.gazetteer.models import AddressMatch
from joinedup.ingest.models import SourceRecord
from joinedup.partners.models import SourceSystem
from joinedup.people import model as linkage
from joinedup.people.models import LinkModel, LinkRun, PairDecision, Person, PersonRecord

#: ``progress(stage, step, steps)``: which stage the run is in.
Progress = Callable[[str, int, int], None]

CHUNK = 2000
STEPS = 6
GOLDEN_FIELDS = (
    "forename", "middle_names", "surname", "date_of_birth", "sex", "nhs_number", "ni_number", "upn",
    "uprn", "address_text", "postcode", "phone", "email",
)
STRONG_IDENTIFIERS = ("nhs_number", "ni_number", "upn")
_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O, U


def new_person_id() -> str:
    """A public person id: ``P`` and ten random base-32 characters (50 bits)."""
    return "P" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(10))


def low_information(record: dict[str, Any]) -> bool:
    """Too little to link on: no identifier, email or phone, and not a full name with a
    date of birth or an address."""
    if any(record.get(name) for name in (*STRONG_IDENTIFIERS, "email", "phone")):
        return False
    full_name = bool(record.get("forename")) and bool(record.get("surname"))
    placed = bool(record.get("uprn") or record.get("postcode") or record.get("address_text"))
    return not (full_name and (record.get("date_of_birth") or placed))


# --------------------------------------------------------------------------- reading


def read_records(session: Session) -> list[dict[str, Any]]:
    """Every source record, with its source's code, matched UPRN and normalised address."""
    records_table, matches, systems = SourceRecord.__table__, AddressMatch.__table__, SourceSystem.__table__
    r, m, s = records_table.c, matches.c, systems.c
    statement = (
        select(
            r.id, s.code.label("source"), r.local_id, r.record_ref, r.forename, r.middle_names, r.surname,
            r.date_of_birth, r.sex, r.address_text, r.postcode, r.nhs_number, r.ni_number, r.upn, r.phone,
            r.email, r.flags, r.updated_at, m.uprn, m.status, m.needs_rematch, m.normalised,
        )
        .join(systems, s.id == r.source_system_id)
        .outerjoin(matches, m.source_record_id == r.id)
        .order_by(r.id)
    )
    records = []
    for row in session.execute(statement):
        record = dict(row._mapping)
        matched = record.pop("status") == "matched" and not record.pop("needs_rematch")
        record["uprn"] = record["uprn"] if matched else None
        record["address"] = record.pop("normalised") or None
        record["invalid"] = frozenset(flag.get("field", "") for flag in record.pop("flags") or ())
        records.append(record)
    return records


# --------------------------------------------------------------------------- clustering


@dataclass
class Clusters:
    """The result of :func:`cluster`: a cluster label per record and what was refused."""

    labels: dict[int, int]
    probability: dict[int, float]
    pairs_linked: int = 0
    refused: int = 0


class _Groups:
    """Union-find whose merges can be refused by constraints on the groups' contents."""

    def __init__(self, records: dict[int, dict[str, Any]], rejected: dict[int, set[int]]) -> None:
        self.parent = {record_id: record_id for record_id in records}
        self.identifiers: dict[int, dict[str, set[str]]] = {}
        for record_id, record in records.items():
            found = {
                name: {record[name]} for name in STRONG_IDENTIFIERS
                if record.get(name) and name not in record["invalid"]
            }
            if found:
                self.identifiers[record_id] = found
        self.members_rejecting: dict[int, set[int]] = {rid: {rid} for rid in rejected if rid in self.parent}
        self.forbidden: dict[int, set[int]] = {rid: set(others) for rid, others in rejected.items() if rid in self.parent}

    def find(self, item: int) -> int:
        parent = self.parent
        root = item
        while parent[root] != root:
            root = parent[root]
        while parent[item] != root:
            parent[item], item = root, parent[item]
        return root

    def conflict(self, a: int, b: int) -> bool:
        if self.forbidden.get(a, set()) & self.members_rejecting.get(b, set()):
            return True
        if self.forbidden.get(b, set()) & self.members_rejecting.get(a, set()):
            return True
        ids_a, ids_b = self.identifiers.get(a), self.identifiers.get(b)
        if ids_a and ids_b:
            for name, values in ids_a.items():
                other = ids_b.get(name)
                if other and values.isdisjoint(other):
                    return True
        return False

    def union(self, a: int, b: int) -> bool | None:
        """Merge the groups of ``a`` and ``b``: True merged, None already one, False refused."""
        a, b = self.find(a), self.find(b)
        if a == b:
            return None
        if self.conflict(a, b):
            return False
        self.parent[b] = a
        for table in (self.members_rejecting, self.forbidden):
            if b in table:
                table.setdefault(a, set()).update(table.pop(b))
        ids_b = self.identifiers.pop(b, None)
        if ids_b:
            ids_a = self.identifiers.setdefault(a, {})
            for name, values in ids_b.items():
                ids_a.setdefault(name, set()).update(values)
        return True


def cluster(
    records: dict[int, dict[str, Any]],
    pairs: list[tuple[int, int, float]],
    threshold: float,
    decisions: list[tuple[int, int, str]],
) -> Clusters:
    """Cluster ``records`` (by id) from scored ``pairs`` (id, id, probability).

    Same source and local id first, then accepted pairs, then scored pairs at or above
    ``threshold`` strongest first; no merge joins a rejected pair or two different valid
    strong identifiers of one kind.
    """
    rejected: dict[int, set[int]] = defaultdict(set)
    for left, right, decision in decisions:
        if decision == "reject":
            rejected[left].add(right)
            rejected[right].add(left)
    groups = _Groups(records, rejected)
    probability: dict[int, float] = {}
    result = Clusters(labels={}, probability=probability)
    first_of: dict[tuple[str, str], int] = {}
    for record_id, record in records.items():
        key = (record["source"], record["local_id"])
        if key in first_of:
            if groups.union(first_of[key], record_id) is False:
                result.refused += 1
        else:
            first_of[key] = record_id
    for left, right, decision in decisions:
        if decision == "accept" and left in records and right in records:
            if groups.union(left, right) is False:
                result.refused += 1
            else:
                probability[left] = probability[right] = 1.0
    for left, right, score in sorted(pairs, key=lambda pair: -pair[2]):
        if score < threshold:
            break
        merged = groups.union(left, right)
        if merged is False:
            result.refused += 1
            continue
        if merged:
            result.pairs_linked += 1
        if score > probability.get(left, 0.0):
            probability[left] = score
        if score > probability.get(right, 0.0):
            probability[right] = score
    result.labels = {record_id: groups.find(record_id) for record_id in records}
    return result


# --------------------------------------------------------------------------- stable ids


@dataclass
class Identity:
    """Which public id each new cluster takes, and what happened to the old ones."""

    ids: dict[int, str] = field(default_factory=dict)
    kept: set[str] = field(default_factory=set)
    new: set[str] = field(default_factory=set)
    retired: dict[str, str | None] = field(default_factory=dict)


def assign_ids(members: dict[int, list[int]], previous: dict[int, str]) -> Identity:
    """Give each cluster (label → record ids) a public id, keeping the old ones that fit.

    ``previous`` maps record id → the person id it had. A person's id goes to the cluster
    holding at least half of their surviving records (the biggest share; ties to the
    cluster with their lowest record id); a cluster claimed by several persons takes the
    one it holds most of (ties: the person's lowest record id).
    """
    label_of = {record_id: label for label, ids in members.items() for record_id in ids}
    shares: dict[str, Counter] = defaultdict(Counter)
    first_record: dict[str, int] = {}
    for record_id, person_id in previous.items():
        label = label_of.get(record_id)
        if label is None:
            continue
        shares[person_id][label] += 1
        first_record[person_id] = min(first_record.get(person_id, record_id), record_id)
    claims: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for person_id, counts in shares.items():
        total = sum(counts.values())
        label, held = max(counts.items(), key=lambda item: (item[1], -min(members[item[0]])))
        if 2 * held >= total:
            claims[label].append((-held, first_record[person_id], person_id))
    identity = Identity()
    for label, candidates in claims.items():
        candidates.sort()
        identity.ids[label] = candidates[0][2]
        identity.kept.add(candidates[0][2])
    for label in members:
        if label not in identity.ids:
            person_id = new_person_id()
            while person_id in shares or person_id in identity.new:
                person_id = new_person_id()
            identity.ids[label] = person_id
            identity.new.add(person_id)
    for person_id, counts in shares.items():
        if person_id not in identity.kept:
            label = counts.most_common(1)[0][0]
            identity.retired[person_id] = identity.ids[label]
    return identity


# --------------------------------------------------------------------------- golden records


def _golden_value(record: dict[str, Any], name: str) -> Any:
    if name in record["invalid"] or (name == "date_of_birth" and "date_of_birth" in record["invalid"]):
        return None
    value = record.get(name)
    if value in (None, ""):
        return None
    return value.isoformat() if name == "date_of_birth" else value


def golden_record(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each field's value (the commonest valid one; ties: the most recently updated
    record) with the record it came from and how many records agree."""
    golden: dict[str, dict[str, Any]] = {}
    for name in GOLDEN_FIELDS:
        values = [(value, record) for record in records if (value := _golden_value(record, name)) is not None]
        if not values:
            continue
        counts = Counter(value for value, _ in values)
        value, chosen = max(values, key=lambda item: (counts[item[0]], item[1]["updated_at"], item[1]["id"]))
        golden[name] = {
            "value": value, "source": chosen["source"], "local_id": chosen["local_id"],
            "record_ref": chosen["record_ref"], "agreeing": counts[value], "of": len(values),
        }
    return golden


# --------------------------------------------------------------------------- the run


def adopted_model(session: Session) -> LinkModel | None:
    return session.scalar(select(LinkModel).where(LinkModel.adopted.is_(True)).order_by(LinkModel.version.desc()).limit(1))


def train_model(engine: Engine, *, trained_by: str = "cli", records: list[dict[str, Any]] | None = None) -> LinkModel:
    """Train a new model version on every linkable record and store it.

    It is adopted only when no model is adopted yet; otherwise use
    :func:`adopt_model` after comparing runs.
    """
    started = time.perf_counter()
    if records is None:
        with session_factory(engine)() as session:
            records = read_records(session)
    linkable = [record for record in records if not low_information(record)]
    settings = linkage.train(linkage.prepare(linkable))
    with transaction(engine) as session:
        version = (session.scalar(select(func.max(LinkModel.version))) or 0) + 1
        first = adopted_model(session) is None
        trained = LinkModel(version=version, trained_by=trained_by[:120], records=len(linkable), settings=settings,
                            adopted=first, adopted_at=utcnow() if first else None,
                            seconds=time.perf_counter() - started)
        session.add(trained)
        session.flush()
        record_event(session, Actor.system("cli", trained_by), action="people.model.train", outcome="success",
                     subject_type="link_model", subject_id=trained.id,
                     details={"version": version, "records": len(linkable), "adopted": first})
    return trained


def adopt_model(engine: Engine, version: int, *, adopted_by: str = "cli") -> LinkModel:
    """Make model ``version`` the one every later run uses."""
    with transaction(engine) as session:
        chosen = session.scalar(select(LinkModel).where(LinkModel.version == version))
        if chosen is None:
            raise LookupError(f"there is no model version {version}")
        session.execute(update(LinkModel).values(adopted=False))
        chosen.adopted = True
        chosen.adopted_at = utcnow()
        record_event(session, Actor.system("cli", adopted_by), action="people.model.adopt", outcome="success",
                     subject_type="link_model", subject_id=chosen.id, details={"version": version})
    return chosen


def link_people(
    engine: Engine,
    *,
    progress: Progress | None = None,
    threshold: float = linkage.DEFAULT_THRESHOLD,
    model_version: int | None = None,
    retrain: bool = False,
    ran_by: str = "cli",
) -> LinkRun:
    """Link every source record into persons; return the finished LinkRun (detached).

    Uses model ``model_version``, else the adopted model; ``retrain`` (or no model at
    all) trains a new version first and runs with it. A failure is recorded on the run
    and raised; the index is left as it was.
    """
    started = time.perf_counter()
    with transaction(engine) as session:
        run = LinkRun(status="running", ran_by=ran_by[:120], threshold=threshold)
        session.add(run)
        session.flush()
        run_id = run.id
    try:
        _link(engine, run_id, progress, threshold, model_version, retrain, ran_by, started)
    except BaseException as exc:
        try:
            with transaction(engine) as session:
                run = session.get(LinkRun, run_id)
                run.status = "failed"
                run.error = f"{exc.__class__.__name__}: {exc}"
                run.finished_at = utcnow()
                run.seconds = time.perf_counter() - started
                record_event(session, Actor.system("cli", ran_by), action="people.link", outcome="failure",
                             subject_type="link_run", subject_id=run_id, reason=run.error)
        except Exception:  # noqa: BLE001 - the original error is the one to report
            pass
        raise
    with session_factory(engine)() as session:
        return session.get(LinkRun, run_id, options=[selectinload(LinkRun.model)])


def _step(progress: Progress | None, stage: str, step: int) -> None:
    if progress is not None:
        progress(stage, step, STEPS)


def _link(engine: Engine, run_id: int, progress: Progress | None, threshold: float, model_version: int | None,
          retrain: bool, ran_by: str, started: float) -> None:
    _step(progress, "Reading records", 0)
    with session_factory(engine)() as session:
        records = read_records(session)
        if model_version is not None:
            chosen = session.scalar(select(LinkModel).where(LinkModel.version == model_version))
            if chosen is None:
                raise LookupError(f"there is no model version {model_version}")
        else:
            chosen = None if retrain else adopted_model(session)
        decisions = [(row.record_id_l, row.record_id_r, row.decision) for row in session.execute(
            select(PairDecision.record_id_l, PairDecision.record_id_r, PairDecision.decision))]
        previous = _previous(session)
    _step(progress, "Training the model" if chosen is None else "Model ready", 1)
    if chosen is None:
        chosen = train_model(engine, trained_by=ran_by, records=records)
    by_id = {record["id"]: record for record in records}
    low = {record["id"] for record in records if low_information(record)}
    linkable = [record for record in records if record["id"] not in low]
    _step(progress, "Scoring pairs", 2)
    pairs: list[tuple[int, int, float]] = []
    if len(linkable) > 1:
        scorer = linkage.linker(linkage.prepare(linkable), chosen.settings)
        predictions = scorer.inference.predict(threshold_match_probability=min(threshold, 0.5))
        frame = predictions.as_pandas_dataframe()
        pairs = list(zip(frame["unique_id_l"].astype(int).tolist(), frame["unique_id_r"].astype(int).tolist(),
                         frame["match_probability"].astype(float).tolist(), strict=True))
        predictions.drop_table_from_database_and_remove_from_cache()
    _step(progress, "Clustering", 3)
    clusters = cluster({record_id: by_id[record_id] for record_id in by_id if record_id not in low},
                       pairs, threshold, decisions)
    members: dict[int, list[int]] = defaultdict(list)
    for record_id, label in clusters.labels.items():
        members[label].append(record_id)
    for record_id in low:
        members[record_id].append(record_id)  # a label no linkable record has: its own id
    _step(progress, "Keeping person ids", 4)
    identity = assign_ids(members, {record_id: person for record_id, (person, _) in previous.items()})
    _step(progress, "Writing persons", 5)
    with transaction(engine) as session:
        _write(session, run_id, chosen.id, by_id, members, low, clusters, identity, len(pairs), started, ran_by)
    _step(progress, "Done", STEPS)


def _previous(session: Session) -> dict[int, tuple[str, int]]:
    """record id → (public person id, person pk) as the index stands."""
    rows = session.execute(
        select(PersonRecord.source_record_id, Person.person_id, Person.id).join(Person, Person.id == PersonRecord.person_id)
    )
    return {record_id: (person_id, pk) for record_id, person_id, pk in rows}


def _write(session: Session, run_id: int, model_id: int, by_id: dict[int, dict[str, Any]],
           members: dict[int, list[int]], low: set[int], clusters: Clusters, identity: Identity,
           pairs_scored: int, started: float, ran_by: str) -> None:
    now = utcnow()
    persons = Person.__table__
    existing = {
        row.person_id: row for row in session.execute(
            select(persons.c.id, persons.c.person_id, persons.c.golden, persons.c.record_count,
                   persons.c.low_information, persons.c.retired_at))
    }
    inserts, updates = [], []
    for label, record_ids in members.items():
        person_id = identity.ids[label]
        group = [by_id[record_id] for record_id in record_ids]
        golden = golden_record(group)
        flagged = all(record_id in low for record_id in record_ids)
        values = {
            "forename": golden.get("forename", {}).get("value"),
            "surname": golden.get("surname", {}).get("value"),
            "date_of_birth": _date(golden.get("date_of_birth", {}).get("value")),
            "golden": golden, "record_count": len(record_ids), "low_information": flagged,
            "updated_run_id": run_id, "updated_at": now, "retired_at": None, "superseded_by": None,
        }
        old = existing.get(person_id)
        if old is None:
            inserts.append({"person_id": person_id, "created_run_id": run_id, "created_at": now, **values})
        elif (old.golden != golden or old.record_count != len(record_ids) or old.low_information != flagged
              or old.retired_at is not None):
            updates.append({"id": old.id, **values})
    for start in range(0, len(inserts), CHUNK):
        session.execute(insert(persons), inserts[start:start + CHUNK])
    if updates:
        session.execute(update(Person), updates)
    retirements = [
        {"id": existing[person_id].id, "retired_at": now, "superseded_by": successor, "record_count": 0,
         "updated_run_id": run_id, "updated_at": now}
        for person_id, successor in identity.retired.items()
        if existing[person_id].retired_at is None
    ]
    if retirements:
        session.execute(update(Person), retirements)
    pk = {person_id: row.id for person_id, row in existing.items()}
    new_ids = sorted(identity.new)
    for start in range(0, len(new_ids), CHUNK):
        pk.update(session.execute(
            select(persons.c.person_id, persons.c.id).where(persons.c.person_id.in_(new_ids[start:start + CHUNK]))
        ).all())
    memberships = Person.__table__.metadata.tables["person_records"]
    current = {
        row.source_record_id: (row.person_id, row.match_probability, row.low_information)
        for row in session.execute(select(memberships.c.source_record_id, memberships.c.person_id,
                                          memberships.c.match_probability, memberships.c.low_information))
    }
    changed, rows = [], []
    for label, record_ids in members.items():
        person_pk = pk[identity.ids[label]]
        for record_id in record_ids:
            wanted = (person_pk, clusters.probability.get(record_id), record_id in low)
            if current.get(record_id) != wanted:
                changed.append(record_id)
                rows.append({"source_record_id": record_id, "person_id": wanted[0], "match_probability": wanted[1],
                             "low_information": wanted[2], "run_id": run_id})
    for start in range(0, len(changed), CHUNK):
        session.execute(delete(memberships).where(memberships.c.source_record_id.in_(changed[start:start + CHUNK])))
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(memberships), rows[start:start + CHUNK])
    run = session.get(LinkRun, run_id)
    run.model_id = model_id
    run.records = len(by_id)
    run.persons = len(members)
    run.linked_persons = sum(1 for ids in members.values() if len(ids) > 1)
    run.singletons = len(members) - run.linked_persons
    run.low_information = len(low)
    run.pairs_scored = pairs_scored
    run.pairs_linked = clusters.pairs_linked
    run.merges_refused = clusters.refused
    run.ids_kept = len(identity.kept)
    run.ids_new = len(identity.new)
    run.ids_retired = len(retirements)
    run.status = "completed"
    run.finished_at = utcnow()
    run.seconds = time.perf_counter() - started
    record_event(
        session, Actor.system("cli", ran_by), action="people.link", outcome="success",
        subject_type="link_run", subject_id=run_id,
        details={name: getattr(run, name) for name in (
            "records", "persons", "low_information", "pairs_linked", "merges_refused", "ids_kept", "ids_new",
            "ids_retired")},
    )


def _date(value: str | None):
    from datetime import date

    return date.fromisoformat(value) if value else None


def last_run(session: Session) -> LinkRun | None:
    return session.scalar(select(LinkRun).order_by(LinkRun.id.desc()).limit(1))
