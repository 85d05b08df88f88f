"""Loading one extract: stream it, shape each row, stage it, then apply the file at once.

A load runs in two steps. **Staging** reads the file as a stream, shapes and validates
each row, compares it with the stored record of the same key, and writes the chunk to
``ingest_staged_records`` (with the chunk's issues) in a short transaction of its own:
between chunks the store's write lock is free, so a practitioner's read, which writes
its audit event, never waits for the file. **Applying** then inserts the new records,
rewrites the changed ones, stamps the unchanged ones and states the relationships, all
in one transaction of set-based statements: a reader sees all of the file or none of
it, and that transaction lasts seconds however long the file took to read.

When the file cannot be loaded the stored records are untouched and the load is marked
failed with the reason (and only the reason: its issues are deleted); the staged rows of
every finished load are deleted. One load of a source runs at a time (a lock the
operating system or PostgreSQL frees when its holder dies), so a load still marked
running when the next load of its source starts was abandoned, and is marked failed.

A local id (with its record ref) that repeats within one file keeps its first row; the
later row is rejected naming both the row and the id, since neither can be trusted to
be the newer.

When the mapping has a ``[relationships]`` section, the load also states, in the same
transaction, how each row relates to the lead of its group (a tenancy's lead tenant):
the statements of every record the file holds are replaced by what the file now says.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, literal, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from joinedup.audit import Actor, record_event
from joinedup.db import refresh_statistics, session_factory, transaction, utcnow
from joinedup.db.bulk import BulkInsert
from joinedup.db.locks import AlreadyRunning, exclusive
from joinedup.ingest.mapping import CANONICAL_FIELDS, NAME_PARTS, MappingError, SourceMapping
from joinedup.ingest.models import IngestLoad, LoadIssue, SourceRecord, StagedRecord, StatedRelationship
from joinedup.ingest.readers import REJECTED, WARNING, Extract, Issue, LoadFailed, open_extract
from joinedup.ingest.reports import get_load
from joinedup.ingest.rows import RELATIONSHIP_FIELD, Absent, RecordBuilder, ShapedRow, stored_row_hash
from joinedup.ingest.search_keys import search_keys
from joinedup.partners.models import Organisation, SourceSystem

#: Rows stored per statement batch; large enough to amortise round trips, small enough
#: that a chunk's rows and issues are a few megabytes at most.
CHUNK_ROWS = 2000

#: New records after which a load refreshes PostgreSQL's statistics.
ANALYZE_AFTER_ROWS = 10_000

#: SQLite page cache for the length of a load, in KiB.
SQLITE_CACHE_KIB = 65_536

Progress = Callable[[int, int], None]

#: Staged rows deleted per transaction once a load has finished.
CLEAR_ROWS = 20_000

#: What applying a staged row does (``StagedRecord.change``).
NEW, CHANGED, SAME = "new", "changed", "same"
#: Why a load still marked running, found by the next load of its source, failed.
ABANDONED = "the load stopped before it finished, without recording why (its process was killed or lost)"

_RECORDS = SourceRecord.__table__
_ISSUES = LoadIssue.__table__
_STATED = StatedRelationship.__table__
_STAGED = StagedRecord.__table__
#: The values a load writes into a record it changes, and (with the key) into a new one.
_REWRITTEN = (*CANONICAL_FIELDS, "facts", "identifiers", "flags", "row_hash")
_STAGED_VALUES = ("local_id", "record_ref", *_REWRITTEN)
#: A ``same`` row's values are not staged: applying it only stamps the stored record.
_NOT_STAGED: dict[str, Any] = dict.fromkeys(_REWRITTEN)
_DUPLICATE = "repeats the local id of an earlier row in this file; the earlier row was loaded"
_NO_LEAD = "its group has no lead, so its relationship was not recorded"
_SECOND_LEAD = "is another lead of its group; the group's members are related to every lead"


def _write_search_keys(session: Session, load_id: int) -> None:
    """Fold the names of every record the load added or changed into its search keys
    (:mod:`joinedup.ingest.search_keys`), in the load's own transaction."""
    records, staged = _RECORDS.c, _STAGED.c
    changed = select(staged.record_id).where(staged.load_id == load_id, staged.change == CHANGED)
    reading = (select(records.id, records.forename, records.middle_names, records.surname)
               .where(or_(records.first_load_id == load_id, records.id.in_(changed)))
               .order_by(records.id))
    writing = update(_RECORDS).where(records.id == bindparam("record_id")).values(
        {name: bindparam(f"new_{name}") for name in search_keys(None, None, None)})
    after = 0
    while True:
        rows = session.execute(reading.where(records.id > after).limit(CHUNK_ROWS)).all()
        if not rows:
            return
        after = rows[-1].id
        session.execute(writing, [
            {"record_id": row.id, **{f"new_{name}": value
                                     for name, value in search_keys(row.forename, row.middle_names,
                                                                    row.surname).items()}}
            for row in rows
        ])


def ingest_file(
    engine: Engine,
    mapping: SourceMapping,
    path: Path,
    *,
    loaded_by: str = "cli",
    progress: Progress | None = None,
) -> IngestLoad:
    """Load one extract and return its finished IngestLoad (detached, issues loaded).

    A file that cannot be loaded gives a load with status ``failed`` and its ``error``;
    a missing file raises FileNotFoundError, since nothing was attempted, and so does
    AlreadyRunning when another load of the same source is under way.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"there is no file at {path}")
    source_system_id, created = _ensure_source_system(engine, mapping)
    actor = Actor.system("cli", loaded_by)
    header = {
        "source_system_id": source_system_id,
        "file_name": path.name[:500],
        "file_sha256": _sha256(path),
        "started_at": utcnow(),
        "loaded_by": loaded_by[:120],
    }
    with _one_load_of(engine, mapping, source_system_id):
        load_id = _open(engine, header)
        try:
            _close_abandoned(engine, actor, mapping, source_system_id, load_id)
            work = _Load(engine, load_id, source_system_id, mapping, path, progress)
            work.stage()
            work.apply(actor, created)
        except LoadFailed as failure:
            _fail(engine, actor, mapping, load_id, str(failure), created)
        except BaseException as exc:
            try:
                _fail(engine, actor, mapping, load_id, f"the load stopped: {exc.__class__.__name__}: {exc}", created)
            except Exception:  # noqa: BLE001 - the original error is the one to report
                pass
            raise
        else:
            if work.counts["loaded"] >= ANALYZE_AFTER_ROWS:
                refresh_statistics(engine, _RECORDS.name)
        finally:
            _clear_staging(engine, load_id)
    with session_factory(engine)() as session:
        return get_load(session, load_id)


@contextmanager
def _one_load_of(engine: Engine, mapping: SourceMapping, source_system_id: int) -> Iterator[None]:
    """One load of a source at a time: two would stage against the same stored records."""
    with ExitStack() as held:
        try:
            held.enter_context(exclusive(engine, f"ingest-{mapping.code}"))
        except AlreadyRunning:
            raise AlreadyRunning(_running_load(engine, mapping, source_system_id)) from None
        yield


def _running_load(engine: Engine, mapping: SourceMapping, source_system_id: int) -> str:
    with session_factory(engine)() as session:
        running = session.scalar(
            select(IngestLoad).where(IngestLoad.source_system_id == source_system_id, IngestLoad.status == "running")
            .order_by(IngestLoad.id.desc()).limit(1)
        )
    which = f" (load {running.id} of {running.file_name}, started {running.started_at:%Y-%m-%d %H:%M} UTC by " \
            f"{running.loaded_by or 'someone'})" if running is not None else ""
    return f"a load of source '{mapping.code}' is already running{which}; wait for it to finish"


def _open(engine: Engine, header: dict[str, Any]) -> int:
    """Record the load as running, committed, so that its staged rows and issues can name it."""
    with transaction(engine) as session:
        load = IngestLoad(status="running", **header)
        session.add(load)
        session.flush()
        return load.id


def _close_abandoned(engine: Engine, actor: Actor, mapping: SourceMapping, source_system_id: int,
                     load_id: int) -> None:
    """Mark failed every other load of this source still marked running: holding the
    source's lock, this load is the only live one, so they were killed or lost."""
    with session_factory(engine)() as session:
        abandoned = list(session.scalars(
            select(IngestLoad.id).where(IngestLoad.source_system_id == source_system_id,
                                        IngestLoad.status == "running", IngestLoad.id != load_id)
        ))
    for stale in abandoned:
        _fail(engine, actor, mapping, stale, f"{ABANDONED}; found when load {load_id} started", [])
        _clear_staging(engine, stale)


def _fail(engine: Engine, actor: Actor, mapping: SourceMapping, load_id: int, error: str, created: list[str]) -> None:
    """The load failed: keep only its reason. Its staged rows go with _clear_staging."""
    with transaction(engine) as session:
        session.execute(delete(_ISSUES).where(_ISSUES.c.load_id == load_id))
        load = session.get(IngestLoad, load_id)
        load.status = "failed"
        load.error = error
        load.finished_at = utcnow()
        session.flush()
        _audit(session, actor, mapping, load, created)


def _clear_staging(engine: Engine, load_id: int) -> None:
    """Delete a finished load's staged rows, a range of ids to a transaction."""
    staged = _STAGED.c
    while True:
        with transaction(engine) as session:
            first = session.scalar(select(func.min(staged.id)).where(staged.load_id == load_id))
            if first is None:
                return
            session.execute(delete(_STAGED).where(
                staged.load_id == load_id, staged.id >= first, staged.id < first + CLEAR_ROWS))


@contextmanager
def _tuned_for_bulk_load(session: Session) -> Iterator[None]:
    """A larger SQLite page cache for the length of one transaction, then restored.

    Applying a load rewrites a source's seven indexes; SQLite's default 2 MB page cache
    thrashes once they outgrow it, and 64 MB roughly halves the time.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")


def _custom_plans(connection: Connection) -> None:
    """PostgreSQL: the per-chunk lookup of existing records is a prepared statement, and a
    generic plan made while the table was still small (a sequential scan) would be kept
    for the whole load; custom plans see the table as it grows and use the index."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def register_source_system(engine: Engine, mapping: SourceMapping, *, registered_by: str = "cli") -> int:
    """The id of the mapping's source system, creating it and its organisation if new,
    without loading anything: for a source whose extract has no rows yet. Audited when
    something is created (``ingest.register``)."""
    source_system_id, created = _ensure_source_system(engine, mapping)
    if created:
        with transaction(engine) as session:
            record_event(session, Actor.system("cli", registered_by), action="ingest.register", outcome="success",
                         subject_type="source_system", subject_id=source_system_id,
                         details={"source": mapping.code, "created": created})
    return source_system_id


def _ensure_source_system(engine: Engine, mapping: SourceMapping) -> tuple[int, list[str]]:
    """The id of the mapping's source system, creating it (and its organisation) if new."""
    try:
        return _find_or_create_source_system(engine, mapping)
    except IntegrityError:
        return _find_or_create_source_system(engine, mapping)


def _find_or_create_source_system(engine: Engine, mapping: SourceMapping) -> tuple[int, list[str]]:
    with transaction(engine) as session:
        system = session.scalar(
            select(SourceSystem)
            .where(SourceSystem.code == mapping.code)
            .options(selectinload(SourceSystem.owner))
        )
        if system is not None:
            if system.owner.code != mapping.organisation:
                raise MappingError(
                    f"{mapping.origin}: [source] organisation: the source system '{mapping.code}' "
                    f"belongs to organisation '{system.owner.code}', not '{mapping.organisation}'"
                )
            return system.id, []
        created = []
        owner = session.scalar(select(Organisation).where(Organisation.code == mapping.organisation))
        if owner is None:
            if mapping.organisation_type is None:
                raise MappingError(
                    f"{mapping.origin}: [source] organisation_type: is needed because the "
                    f"organisation '{mapping.organisation}' is new"
                )
            owner = Organisation(
                code=mapping.organisation, name=mapping.organisation_name[:200], type=mapping.organisation_type
            )
            session.add(owner)
            created.append(f"organisation {mapping.organisation}")
        system = SourceSystem(
            code=mapping.code, name=mapping.name[:200], owner=owner, description=mapping.description
        )
        session.add(system)
        session.flush()
        created.append(f"source system {mapping.code}")
        return system.id, created


def _details(
    mapping: SourceMapping, load: IngestLoad, created: list[str], relationships: int | None = None
) -> dict[str, Any]:
    details: dict[str, Any] = {
        "source": mapping.code,
        "file": load.file_name,
        "sha256": load.file_sha256,
        "status": load.status,
    }
    for count in ("rows_read", "rows_loaded", "rows_updated", "rows_unchanged", "rows_rejected", "rows_flagged"):
        details[count] = getattr(load, count) or 0
    if relationships is not None:
        details["relationships_stated"] = relationships
    if created:
        details["created"] = created
    return details


def _audit(
    session: Session, actor: Actor, mapping: SourceMapping, load: IngestLoad, created: list[str],
    relationships: int | None = None,
) -> None:
    record_event(
        session,
        actor,
        action="ingest.load",
        outcome="success" if load.status == "completed" else "failure",
        subject_type="ingest_load",
        subject_id=load.id,
        reason=load.error,
        details=_details(mapping, load, created, relationships),
    )


class _Load:
    """The work of one load: staging the file's rows, then applying them in one transaction."""

    def __init__(
        self, engine: Engine, load_id: int, source_system_id: int, mapping: SourceMapping, path: Path,
        progress: Progress | None,
    ) -> None:
        self.engine = engine
        self.load_id = load_id
        self.source_system_id = source_system_id
        self.mapping = mapping
        self.path = path
        self.progress = progress
        self.counts: Counter[str] = Counter()
        self.staged_rows = BulkInsert(_STAGED, engine.dialect, [c.key for c in _STAGED.c if c.key != "id"])
        self.quality: Counter[tuple[int, int]] = Counter()
        self.without_local_id = 0
        self.builder: RecordBuilder | None = None
        self.absent = Absent()
        # Keys staged so far in this load, as hashes: the duplicate check costs a few
        # bytes a row and no query. Existing records are only looked up when the source
        # had some before this load, so a first load never asks PostgreSQL's planner to
        # find keys in a table whose statistics do not yet know the source exists.
        self.staged_keys: set[int] = set()
        with engine.connect() as connection:
            self.source_had_records = connection.execute(
                select(_RECORDS.c.id).where(_RECORDS.c.source_system_id == source_system_id).limit(1)
            ).first() is not None
        # Each group's staged rows: (key, "lead" or a relationship kind, row number).
        self.groups: dict[str, list[tuple[tuple[str, str], str, int]]] = {}
        self.relationships_stated: int | None = None

    def stage(self) -> None:
        """Read the whole file into staging, a chunk to a committed transaction; then give
        changed rows the stored values of any optional column the file left out."""
        mapping = self.mapping
        with open_extract(mapping, self.path) as extract:
            extract.require(mapping.local_id, "local_id")
            if mapping.record_ref is not None:
                extract.require(mapping.record_ref, "record_ref")
            absent, warnings = self._missing_columns(extract)
            builder = self.builder = RecordBuilder(mapping, extract, utcnow().date(), absent)
            rows: list[ShapedRow] = []
            issues: list[Issue] = [*extract.warnings, *warnings]
            for item in extract.rows():
                if isinstance(item, Issue) and item.severity == WARNING:
                    issues.append(item)
                else:
                    self.counts["read"] += 1
                    shaped = item if isinstance(item, Issue) else builder.shape(*item)
                    if isinstance(shaped, Issue):
                        self._reject(shaped, issues)
                    else:
                        rows.append(shaped)
                if len(rows) >= CHUNK_ROWS or len(issues) >= CHUNK_ROWS:
                    self._stage(rows, issues)
                    rows, issues = [], []
                    self._report_progress(extract.bytes_read, extract.total_bytes)
            self._stage(rows, issues)
            if not self.counts["read"]:
                raise LoadFailed(f"{extract.no_rows()}; nothing could be loaded")
            self._check_some_row_has_a_local_id()
            if not extract.has_header:
                absent, warnings = self._paths_in_no_row()
                with self.engine.begin() as connection:
                    self._write_issues(connection, warnings)
            self.absent = absent
            if absent and self.counts["updated"]:
                self._keep_stored_values()
            self._report_progress(extract.total_bytes, extract.total_bytes)

    def apply(self, actor: Actor, created: list[str]) -> None:
        """Apply the staged rows to the stored records and finish the load, in one transaction.

        Everything here is set-based SQL over rows already shaped and compared, so the
        transaction is short: the write lock is held for seconds, not for the file.
        """
        staged, load_id, now = _STAGED.c, self.load_id, utcnow()
        this_load = (staged.load_id == load_id,)
        with transaction(self.engine) as session, _tuned_for_bulk_load(session):
            if self.counts["loaded"]:
                stamped = [literal(value, _RECORDS.c[name].type).label(name) for name, value in (
                    ("source_system_id", self.source_system_id), ("first_load_id", load_id),
                    ("last_load_id", load_id), ("created_at", now), ("updated_at", now))]
                session.execute(insert(_RECORDS).from_select(
                    [*_STAGED_VALUES, *(column.name for column in stamped)],
                    select(*(staged[name] for name in _STAGED_VALUES), *stamped)
                    .where(*this_load, staged.change == NEW).order_by(staged.id),
                ))
            if self.counts["updated"]:
                session.execute(
                    update(_RECORDS)
                    .where(_RECORDS.c.id == staged.record_id, *this_load, staged.change == CHANGED)
                    .values({**{name: staged[name] for name in _REWRITTEN}, "last_load_id": load_id,
                             "updated_at": now})
                )
            if self.counts["loaded"] or self.counts["updated"]:
                _write_search_keys(session, load_id)
            if self.counts["unchanged"]:
                session.execute(
                    update(_RECORDS)
                    .where(_RECORDS.c.id.in_(select(staged.record_id).where(*this_load, staged.change == SAME)))
                    .values(last_load_id=load_id)
                )
            if not self.absent.relationships:
                self._write_issues(session, self._state_relationships(session))
            load = session.get(IngestLoad, load_id)
            self._finish(load)
            load.status = "completed"
            load.finished_at = utcnow()
            session.flush()
            _audit(session, actor, self.mapping, load, created, self.relationships_stated)

    def _report_progress(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(min(done, total), total)

    def _reject(self, issue: Issue, issues: list[Issue]) -> None:
        self.counts["rejected"] += 1
        if issue.field == "local_id" and not issue.value and issue.message.startswith("is empty"):
            self.without_local_id += 1
        issues.append(issue)

    def _check_some_row_has_a_local_id(self) -> None:
        read = self.counts["read"]
        if read and self.without_local_id == read:
            raise LoadFailed(
                f"no row has a local id in {self.mapping.local_id.described}, which the mapping"
                f" names as [source] local_id; nothing could be loaded"
            )

    def _stage(self, rows: list[ShapedRow], issues: list[Issue]) -> None:
        """Stage one chunk, each row compared with its stored record, in its own transaction."""
        with self.engine.begin() as connection:
            _custom_plans(connection)
            chunk: dict[tuple[str, str], ShapedRow] = {}
            for row in rows:
                key = (row.local_id, row.record_ref)
                if key in chunk or self._staged_earlier_in_this_load(connection, key):
                    self._reject(self._duplicate(row), issues)
                else:
                    chunk[key] = row
            self.staged_keys.update(map(hash, chunk))
            existing = self._existing(connection, chunk) if self.source_had_records else {}
            staged: list[tuple[Any, ...]] = []
            for key, row in chunk.items():
                record = existing.get(key)
                if record is None:
                    change, record_id = NEW, None
                    self.counts["loaded"] += 1
                elif record.row_hash == row.values["row_hash"]:
                    change, record_id = SAME, record.id
                    self.counts["unchanged"] += 1
                else:
                    change, record_id = CHANGED, record.id
                    self.counts["updated"] += 1
                staged.append(self.staged_rows.params({
                    **(row.values if change != SAME else _NOT_STAGED), "load_id": self.load_id,
                    "change": change, "record_id": record_id, "local_id": row.local_id, "record_ref": row.record_ref,
                }))
                if row.relation is not None:
                    group, kind = row.relation
                    self.groups.setdefault(group, []).append((key, kind, row.row_number))
                if row.values["flags"]:
                    self.counts["flagged"] += 1
                    issues.extend(row.issues)
                self.quality[(row.present, row.valid)] += 1
            self.staged_rows.write(connection, staged)
            issues.sort(key=lambda issue: issue.row_number or 0)
            self._write_issues(connection, issues)

    def _state_relationships(self, session: Session) -> list[Issue]:
        """Replace the statements of every record this file holds with what it now states.

        Each member of a group is related to the group's lead ("member is <kind> of
        lead"); a group with several leads (one person recorded twice, say) relates its
        members to each. A statement involving a record the file holds, at either end,
        is replaced: the file's group is the whole household as the source now sees it.
        Returns the warnings for rows whose relationship could not be placed.
        """
        if self.mapping.relationships is None:
            return []
        source_id, load_id = self.source_system_id, self.load_id
        columns = _RECORDS.c
        in_this_file = select(columns.id).where(columns.source_system_id == source_id, columns.last_load_id == load_id)
        session.execute(delete(_STATED).where(or_(
            _STATED.c.source_record_id.in_(in_this_file), _STATED.c.related_record_id.in_(in_this_file)
        )))
        wanted = {key for members in self.groups.values() for key, _, _ in members}
        ids: dict[tuple[str, str], int] = {}
        if wanted:
            stored = session.execute(
                select(columns.id, columns.local_id, columns.record_ref)
                .where(columns.source_system_id == source_id, columns.last_load_id == load_id)
            )
            ids = {(local_id, ref): record_id for record_id, local_id, ref in stored if (local_id, ref) in wanted}
        issues: list[Issue] = []
        statements: dict[tuple[int, int, str], None] = {}
        for group, members in self.groups.items():
            leads = [(ids[key], number) for key, kind, number in members if kind == "lead"]
            others = [(ids[key], kind, number) for key, kind, number in members if kind != "lead"]
            if not leads:
                issues.extend(Issue(number, RELATIONSHIP_FIELD, WARNING, _NO_LEAD, group) for _, _, number in others)
                continue
            issues.extend(Issue(number, RELATIONSHIP_FIELD, WARNING, _SECOND_LEAD, group) for _, number in leads[1:])
            for record_id, kind, _ in others:
                for lead_id, _ in leads:
                    statements[(record_id, lead_id, kind)] = None
        rows = [
            {"source_record_id": record_id, "related_record_id": lead_id, "kind": kind, "load_id": load_id}
            for record_id, lead_id, kind in statements
        ]
        for start in range(0, len(rows), CHUNK_ROWS):
            session.execute(insert(_STATED), rows[start:start + CHUNK_ROWS])
        self.relationships_stated = len(rows)
        self.groups.clear()
        return sorted(issues, key=lambda issue: issue.row_number or 0)

    def _staged_earlier_in_this_load(self, connection: Connection, key: tuple[str, str]) -> bool:
        """Whether an earlier chunk staged this key; the hash set is checked exactly on a hit."""
        if hash(key) not in self.staged_keys:
            return False
        staged = _STAGED.c
        return connection.execute(
            select(staged.id)
            .where(staged.load_id == self.load_id, staged.local_id == key[0], staged.record_ref == key[1])
        ).first() is not None

    def _existing(self, connection: Connection, chunk: dict[tuple[str, str], ShapedRow]) -> dict[tuple[str, str], Any]:
        if not chunk:
            return {}
        columns = _RECORDS.c
        result = connection.execute(
            select(columns.id, columns.local_id, columns.record_ref, columns.row_hash)
            .where(columns.source_system_id == self.source_system_id)
            .where(columns.local_id.in_({local_id for local_id, _ in chunk}))
        )
        return {(record.local_id, record.record_ref): record for record in result}

    @staticmethod
    def _duplicate(row: ShapedRow) -> Issue:
        key = row.local_id if not row.record_ref else f"{row.local_id} / {row.record_ref}"
        return Issue(row.row_number, "local_id", REJECTED, _DUPLICATE, key)

    def _write_issues(self, connection: Connection | Session, issues: list[Issue]) -> None:
        if issues:
            load_id = self.load_id
            connection.execute(insert(_ISSUES), [
                {
                    "load_id": load_id,
                    "row_number": issue.row_number,
                    "field": issue.field[:64],
                    "severity": issue.severity,
                    "message": issue.message,
                    "value": issue.value,
                }
                for issue in issues
            ])

    def _mapped(self) -> list[tuple[str, str, tuple[str, ...], bool]]:
        """Everything the mapping reads besides the key: (where it is named, the field or
        fact it fills, its columns or paths, whether a file may leave it out)."""
        mapping = self.mapping
        mapped = [(f"[fields] {name}", name, spec.columns, spec.optional) for name, spec in mapping.fields.items()]
        if mapping.name_split is not None:
            split = mapping.name_split
            mapped.append(("[fields.name]", "name", (split.column,), split.optional))
        mapped += [(f"[facts] {name}", name, spec.columns, spec.optional) for name, spec in mapping.facts.items()]
        mapped += [(f"[identifiers] {scheme}", scheme, spec.columns, False)
                   for scheme, spec in mapping.identifiers.items()]
        if mapping.relationships is not None:
            stated = mapping.relationships
            mapped.append(("[relationships]", RELATIONSHIP_FIELD, (stated.group, stated.role), stated.optional))
        return mapped

    def _missing_columns(self, extract: Extract) -> tuple[Absent, list[Issue]]:
        """Fail the load if the header lacks a column the mapping needs; the optional ones
        it lacks are absent: read from no row, and never written over a stored value."""
        missing, absent = [], []
        for where, name, columns, optional in self._mapped():
            lacking = extract.missing(columns)
            if lacking and optional:
                absent.append((where, name, lacking))
            missing.extend((column, where) for column in lacking if not optional)
        if missing:
            if len(missing) == 1:
                (column, where), = missing
                what = f"no column '{column}', which the mapping names as {where}"
            else:
                what = "no columns " + ", ".join(f"'{column}' ({where})" for column, where in missing) + \
                    ", which the mapping names"
            raise LoadFailed(f"the file has {what} ({extract.described_header}); nothing was loaded. If files may "
                             "leave a column out, mark it optional in the mapping (optional = true)")
        return self._absent(absent, "column")

    def _paths_in_no_row(self) -> tuple[Absent, list[Issue]]:
        """JSON has no header: a path found in no row is the file's missing column. Fail
        the load for one the mapping needs; the optional ones are absent."""
        if not (self.counts["loaded"] or self.counts["updated"] or self.counts["unchanged"]):
            return Absent(), []
        missing, absent = [], []
        for where, name, columns, optional in self._mapped():
            if name in self.builder.seen:
                continue
            if optional:
                absent.append((where, name, list(columns)))
            else:
                missing.append((columns, where))
        if missing:
            named = ", ".join(f"{', '.join(repr(path) for path in paths)} ({where})" for paths, where in missing)
            raise LoadFailed(f"no row has {'the path' if len(missing) == 1 else 'the paths'} {named}, which the "
                             "mapping names; nothing was loaded. If rows may leave a path out, mark it optional in "
                             "the mapping (optional = true)")
        return self._absent(absent, "path")

    def _absent(self, absent: list[tuple[str, str, list[str]]], kind: str) -> tuple[Absent, list[Issue]]:
        fields, facts, relationships, warnings = set(), set(), False, []
        for where, name, lacking in absent:
            named = ", ".join(f"'{column}'" for column in lacking)
            if where.startswith("[facts]"):
                facts.add(name)
                kept = f"the fact {name} keeps its stored value on existing records and is empty on new ones"
            elif name == RELATIONSHIP_FIELD and where == "[relationships]":
                relationships = True
                kept = "the relationships stated by earlier loads are kept"
            elif name == "name":
                fields.update(NAME_PARTS)
                kept = "forename, middle_names and surname keep their stored values on existing records and are " \
                       "empty on new ones"
            else:
                fields.add(name)
                kept = f"{name} keeps its stored value on existing records and is empty on new ones"
            lacks = (f"the file has no {kind} {named}" if kind == "column"
                     else f"no row has the {kind} {named}")
            warnings.append(Issue(None, name, WARNING, f"{lacks}, which the mapping marks optional: {kept}"))
        return Absent(frozenset(fields), frozenset(facts), relationships), warnings

    def _keep_stored_values(self) -> None:
        """Give every changed row the stored values of what the file left out, then
        compare again: a row that differs only in what was absent is unchanged."""
        absent, mapping = self.absent, self.mapping
        kept_flags = {*absent.fields, *absent.facts, *([RELATIONSHIP_FIELD] if absent.relationships else [])}
        if absent.fields & set(NAME_PARTS) and mapping.name_split is not None:
            kept_flags.add("name")
        staged, stored = _STAGED.c, _RECORDS.c
        keep = sorted(absent.fields)
        reading = (
            select(staged.id, *(staged[name] for name in CANONICAL_FIELDS), staged.facts, staged.identifiers, staged.flags,
                   *(stored[name].label(f"stored_{name}") for name in keep), stored.facts.label("stored_facts"),
                   stored.flags.label("stored_flags"), stored.row_hash.label("stored_hash"))
            .join(_RECORDS, stored.id == staged.record_id)
            .where(staged.load_id == self.load_id, staged.change == CHANGED)
            .order_by(staged.id).limit(CHUNK_ROWS)
        )
        rewrite = (
            update(_STAGED).where(staged.id == bindparam("staged_id"))
            .values({name: bindparam(f"new_{name}") for name in (*keep, "facts", "flags", "row_hash", "change")})
        )
        after = 0
        while True:
            with self.engine.begin() as connection:
                rows = connection.execute(reading.where(staged.id > after)).all()
                if not rows:
                    return
                after = rows[-1].id
                merged = []
                for row in rows:
                    fields = {name: getattr(row, name) for name in CANONICAL_FIELDS}
                    fields.update({name: getattr(row, f"stored_{name}") for name in keep})
                    stored_facts, facts = row.stored_facts or {}, row.facts or {}
                    facts = {name: (stored_facts.get(name) if name in absent.facts else facts.get(name))
                             for name in mapping.facts}
                    flags = [*(row.flags or ()), *(flag for flag in row.stored_flags or ()
                                                   if flag.get("field") in kept_flags)]
                    row_hash = stored_row_hash(fields, facts, flags, row.identifiers or {})
                    change = SAME if row_hash == row.stored_hash else CHANGED
                    if change == SAME:
                        self.counts["updated"] -= 1
                        self.counts["unchanged"] += 1
                    merged.append({"staged_id": row.id, **{f"new_{name}": fields[name] for name in keep},
                                   "new_facts": facts, "new_flags": flags, "new_row_hash": row_hash,
                                   "new_change": change})
                connection.execute(rewrite, merged)

    def _finish(self, load: IngestLoad) -> None:
        builder, counts = self.builder, self.counts
        load.rows_read = counts["read"]
        load.rows_loaded = counts["loaded"]
        load.rows_updated = counts["updated"]
        load.rows_unchanged = counts["unchanged"]
        load.rows_rejected = counts["rejected"]
        load.rows_flagged = counts["flagged"]
        stored = counts["loaded"] + counts["updated"] + counts["unchanged"]
        completeness = {}
        for position, name in enumerate(builder.completeness_fields):
            if name in self.absent.fields:
                continue
            bit = 1 << position
            completeness[name] = {
                "present": sum(n for (present, _), n in self.quality.items() if present & bit),
                "valid": sum(n for (_, valid), n in self.quality.items() if valid & bit),
                "of": stored,
            }
        load.completeness = completeness
