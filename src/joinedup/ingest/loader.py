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
import json
import operator
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, literal, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from joinedup.audit import Actor, record_event
from joinedup.db import session_factory, transaction, utcnow
from joinedup.db.locks import AlreadyRunning, exclusive
from joinedup.ingest.mapping import CANONICAL_FIELDS, MappingError, SourceMapping
from joinedup.ingest.models import IngestLoad, LoadIssue, SourceRecord, StagedRecord, StatedRelationship
from joinedup.ingest.readers import REJECTED, WARNING, Issue, LoadFailed, open_extract
from joinedup.ingest.records import RELATIONSHIP_FIELD, RecordBuilder, ShapedRow
from joinedup.ingest.reports import get_load
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
_REWRITTEN = (*CANONICAL_FIELDS, "facts", "flags", "row_hash")
_STAGED_VALUES = ("local_id", "record_ref", *_REWRITTEN)
#: A ``same`` row's values are not staged: applying it only stamps the stored record.
_NOT_STAGED: dict[str, Any] = {**dict.fromkeys(_REWRITTEN), "facts": None, "flags": None}
_DUPLICATE = "repeats the local id of an earlier row in this file; the earlier row was loaded"
_NO_LEAD = "its group has no lead, so its relationship was not recorded"
_SECOND_LEAD = "is another lead of its group; the group's members are related to every lead"


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
        _close_abandoned(engine, actor, mapping, source_system_id, load_id)
        try:
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
            _refresh_statistics(engine, work.counts["loaded"])
        finally:
            _clear_staging(engine, load_id)
    with session_factory(engine)() as session:
        return get_load(session, load_id)


@contextmanager
def _one_load_of(engine: Engine, mapping: SourceMapping, source_system_id: int) -> Iterator[None]:
    """One load of a source at a time: two would stage against the same stored records."""
    try:
        with exclusive(engine, f"ingest-{mapping.code}"):
            yield
            return
    except AlreadyRunning:
        pass
    with session_factory(engine)() as session:
        running = session.scalar(
            select(IngestLoad).where(IngestLoad.source_system_id == source_system_id, IngestLoad.status == "running")
            .order_by(IngestLoad.id.desc()).limit(1)
        )
    which = f" (load {running.id} of {running.file_name}, started {running.started_at:%Y-%m-%d %H:%M} UTC by " \
            f"{running.loaded_by or 'someone'})" if running is not None else ""
    raise AlreadyRunning(f"a load of source '{mapping.code}' is already running{which}; wait for it to finish")


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


def _refresh_statistics(engine: Engine, new_records: int) -> None:
    """After a large load, PostgreSQL's planner needs new statistics to find records by key.

    Autovacuum would get there in time; the next load may come sooner.
    """
    if engine.dialect.name == "postgresql" and new_records >= ANALYZE_AFTER_ROWS:
        with engine.begin() as connection:
            connection.exec_driver_sql(f"ANALYZE {_RECORDS.name}")


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


class _StagedRows:
    """INSERT of staged rows in bulk, below SQLAlchemy's per-row machinery.

    On SQLite, SQLAlchemy's per-row parameter handling was a third of a large load; on
    PostgreSQL, executemany is a statement per row. So PostgreSQL gets COPY, and other
    databases the driver's executemany of the statement SQLAlchemy compiles, with each
    value through its column type's bind processor: what is stored is what Core stores.
    """

    def __init__(self, dialect: Any, load_id: int) -> None:
        columns = [column.key for column in _STAGED.c if column.key != "id"]
        self._by_copy = dialect.name == "postgresql"
        if self._by_copy:
            names = columns
            self._sql = f"COPY {_STAGED.name} ({', '.join(names)}) FROM STDIN"
            processors: dict[str, Callable[[Any], Any] | None] = {
                "facts": _json_or_null, "flags": _json_or_null,
            }
            self._positional = True
        else:
            compiled = insert(_STAGED).compile(dialect=dialect, column_keys=columns)
            names = list(compiled.positiontup) if compiled.positional else columns
            processors = {
                name: _STAGED.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
            }
            self._sql = compiled.string
            self._positional = compiled.positional
        self._names = names
        self._values = operator.itemgetter(*names)
        self._constants = {"load_id": load_id}
        self._processed = [
            (position, process)
            for position, name in enumerate(names)
            if (process := processors.get(name)) is not None and name != "load_id"
        ]

    def _params(self, row: ShapedRow, change: str, record_id: int | None) -> tuple[Any, ...] | dict[str, Any]:
        values = list(self._values({
            **self._constants, **(row.values if change != SAME else _NOT_STAGED),
            "change": change, "record_id": record_id, "local_id": row.local_id, "record_ref": row.record_ref,
        }))
        for position, process in self._processed:
            if values[position] is not None:
                values[position] = process(values[position])
        return tuple(values) if self._positional else dict(zip(self._names, values))

    def write(self, connection: Connection, rows: list[tuple[ShapedRow, str, int | None]]) -> None:
        if not self._by_copy:
            connection.exec_driver_sql(self._sql, [self._params(*row) for row in rows])
            return
        driver_connection = connection.connection.dbapi_connection
        with driver_connection.cursor() as cursor, cursor.copy(self._sql) as copy:
            for row in rows:
                copy.write_row(self._params(*row))


def _json_or_null(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


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
        self.staged_rows = _StagedRows(engine.dialect, load_id)
        self.quality: Counter[tuple[int, int]] = Counter()
        self.without_local_id = 0
        self.builder: RecordBuilder | None = None
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
        """Read the whole file into staging, a chunk to a committed transaction."""
        mapping = self.mapping
        with open_extract(mapping, self.path) as extract:
            extract.require(mapping.local_id, "local_id")
            if mapping.record_ref is not None:
                extract.require(mapping.record_ref, "record_ref")
            builder = self.builder = RecordBuilder(mapping, extract, utcnow().date())
            rows: list[ShapedRow] = []
            issues: list[Issue] = list(extract.warnings)
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
            if self.counts["unchanged"]:
                session.execute(
                    update(_RECORDS)
                    .where(_RECORDS.c.id.in_(select(staged.record_id).where(*this_load, staged.change == SAME)))
                    .values(last_load_id=load_id)
                )
            self._write_issues(session, self._state_relationships(session))
            self._write_issues(session, self._closing_warnings())
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
            staged: list[tuple[ShapedRow, str, int | None]] = []
            for key, row in chunk.items():
                record = existing.get(key)
                if record is None:
                    staged.append((row, NEW, None))
                    self.counts["loaded"] += 1
                elif record.row_hash == row.values["row_hash"]:
                    staged.append((row, SAME, record.id))
                    self.counts["unchanged"] += 1
                else:
                    staged.append((row, CHANGED, record.id))
                    self.counts["updated"] += 1
                if row.relation is not None:
                    group, kind = row.relation
                    self.groups.setdefault(group, []).append((key, kind, row.row_number))
                if row.values["flags"]:
                    self.counts["flagged"] += 1
                    issues.extend(row.issues)
                self.quality[(row.present, row.valid)] += 1
            if staged:
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

    def _closing_warnings(self) -> list[Issue]:
        builder = self.builder
        warnings = []
        if self.mapping.format != "csv" and self.counts["read"] > self.counts["rejected"]:
            mapped = list(self.mapping.fields.items()) + list(self.mapping.facts.items())
            if self.mapping.name_split is not None:
                mapped.append(("name", None))
            for name, spec in mapped:
                if name not in builder.seen:
                    where = spec.described if spec is not None else f"'{self.mapping.name_split.column}'"
                    warnings.append(Issue(None, name, WARNING, f"the path {where} was not found in any row"))
            stated = self.mapping.relationships
            if stated is not None and RELATIONSHIP_FIELD not in builder.seen:
                warnings.append(Issue(None, RELATIONSHIP_FIELD, WARNING,
                                      f"the path '{stated.role}' was not found in any row"))
        return warnings

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
            bit = 1 << position
            completeness[name] = {
                "present": sum(n for (present, _), n in self.quality.items() if present & bit),
                "valid": sum(n for (_, valid), n in self.quality.items() if valid & bit),
                "of": stored,
            }
        load.completeness = completeness
