"""Loading one extract: stream it, shape each row, store the records in chunks, report.

One file is one transaction: its records, its IngestLoad and its LoadIssues commit
together, so a reader never sees half a file. When the file cannot be loaded at all the
records roll back and a failed IngestLoad, with the reason, is recorded on its own.
The file is read as a stream and records are written in bulk a chunk at a time, so
memory grows only by the few dozen bytes a row that the duplicate check keeps.

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

from sqlalchemy import bindparam, delete, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from joinedup.audit import Actor, record_event
from joinedup.db import session_factory, transaction, utcnow
from joinedup.ingest.mapping import CANONICAL_FIELDS, MappingError, SourceMapping
from joinedup.ingest.models import IngestLoad, LoadIssue, SourceRecord, StatedRelationship
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

_RECORDS = SourceRecord.__table__
_ISSUES = LoadIssue.__table__
_STATED = StatedRelationship.__table__
_REWRITTEN = (*CANONICAL_FIELDS, "facts", "flags", "row_hash", "last_load_id", "updated_at")
_UPDATE_RECORD = (
    update(_RECORDS)
    .where(_RECORDS.c.id == bindparam("record_id"))
    .values({column: bindparam(f"new_{column}") for column in _REWRITTEN})
)
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
    a missing file raises FileNotFoundError, since nothing was attempted.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"there is no file at {path}")
    source_system_id, created = _ensure_source_system(engine, mapping)
    actor = Actor.system("cli", loaded_by)
    started = utcnow()
    header = {
        "source_system_id": source_system_id,
        "file_name": path.name[:500],
        "file_sha256": _sha256(path),
        "started_at": started,
        "loaded_by": loaded_by[:120],
    }
    try:
        with transaction(engine) as session:
            load = IngestLoad(status="running", **header)
            session.add(load)
            session.flush()
            with _tuned_for_bulk_load(session):
                work = _Load(session, load, mapping, path, progress)
                work.run()
            load.status = "completed"
            load.finished_at = utcnow()
            _audit(session, actor, mapping, load, created, work.relationships_stated)
            load_id = load.id
    except LoadFailed as failure:
        load_id = _record_failure(engine, actor, mapping, header, str(failure), created)
    except BaseException as exc:
        try:
            _record_failure(engine, actor, mapping, header,
                            f"the load stopped: {exc.__class__.__name__}: {exc}", created)
        except Exception:  # noqa: BLE001 - the original error is the one to report
            pass
        raise
    else:
        _refresh_statistics(engine, load)
    with session_factory(engine)() as session:
        return get_load(session, load_id)


def _refresh_statistics(engine: Engine, load: IngestLoad) -> None:
    """After a large load, PostgreSQL's planner needs new statistics to find records by key.

    Autovacuum would get there in time; the next load may come sooner.
    """
    if engine.dialect.name == "postgresql" and load.rows_loaded >= ANALYZE_AFTER_ROWS:
        with engine.begin() as connection:
            connection.exec_driver_sql(f"ANALYZE {_RECORDS.name}")


@contextmanager
def _tuned_for_bulk_load(session: Session) -> Iterator[None]:
    """Settings for the length of one load, each restored (or scoped) to it.

    SQLite: its default 2 MB page cache thrashes once a source's seven indexes outgrow
    it; 64 MB roughly halves the time of a large load. PostgreSQL: the per-chunk lookup
    of existing records is a prepared statement, and a generic plan made while the table
    was still small (a sequential scan) would be kept for the whole load; custom plans
    see the table as it grows and use the index.
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")


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


def _record_failure(
    engine: Engine, actor: Actor, mapping: SourceMapping, header: dict[str, Any], error: str,
    created: list[str],
) -> int:
    with transaction(engine) as session:
        load = IngestLoad(status="failed", error=error, finished_at=utcnow(), **header)
        session.add(load)
        session.flush()
        _audit(session, actor, mapping, load, created)
        return load.id


class _NewRecords:
    """INSERT of new source records in bulk, below SQLAlchemy's per-row machinery.

    On SQLite, SQLAlchemy's per-row parameter handling was a third of a large load; on
    PostgreSQL, executemany is a statement per row. So PostgreSQL gets COPY, and other
    databases the driver's executemany of the statement SQLAlchemy compiles, with each
    value through its column type's bind processor: what is stored is what Core stores.
    """

    def __init__(self, connection: Connection, constants: dict[str, Any]) -> None:
        dialect = connection.dialect
        columns = [column.key for column in _RECORDS.c if column.key != "id"]
        self._connection = connection
        self._by_copy = dialect.name == "postgresql"
        if self._by_copy:
            names = columns
            self._sql = f"COPY {_RECORDS.name} ({', '.join(names)}) FROM STDIN"
            processors: dict[str, Callable[[Any], Any] | None] = {"facts": json.dumps, "flags": json.dumps}
            self._positional = True
        else:
            compiled = insert(_RECORDS).compile(dialect=dialect, column_keys=columns)
            names = list(compiled.positiontup) if compiled.positional else columns
            processors = {
                name: _RECORDS.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
            }
            self._sql = compiled.string
            self._positional = compiled.positional
        self._names = names
        self._values = operator.itemgetter(*names)
        self._constants = {
            name: process(value) if (process := processors.get(name)) else value
            for name, value in constants.items()
        }
        self._processed = [
            (position, process)
            for position, name in enumerate(names)
            if (process := processors.get(name)) is not None and name not in constants
        ]

    def _params(self, row: ShapedRow) -> tuple[Any, ...] | dict[str, Any]:
        values = list(self._values({
            **self._constants, **row.values, "local_id": row.local_id, "record_ref": row.record_ref
        }))
        for position, process in self._processed:
            values[position] = process(values[position])
        return tuple(values) if self._positional else dict(zip(self._names, values))

    def write(self, rows: list[ShapedRow]) -> None:
        if not self._by_copy:
            self._connection.exec_driver_sql(self._sql, [self._params(row) for row in rows])
            return
        driver_connection = self._connection.connection.dbapi_connection
        with driver_connection.cursor() as cursor, cursor.copy(self._sql) as copy:
            for row in rows:
                copy.write_row(self._params(row))


class _Load:
    """The work of one load inside its transaction: counts, completeness and issues."""

    def __init__(
        self, session: Session, load: IngestLoad, mapping: SourceMapping, path: Path, progress: Progress | None
    ) -> None:
        self.session = session
        self.load = load
        self.mapping = mapping
        self.path = path
        self.progress = progress
        self.counts: Counter[str] = Counter()
        self.now = utcnow()
        self.new_records = _NewRecords(session.connection(), {
            "source_system_id": load.source_system_id,
            "first_load_id": load.id,
            "last_load_id": load.id,
            "created_at": self.now,
            "updated_at": self.now,
        })
        self.quality: Counter[tuple[int, int]] = Counter()
        self.without_local_id = 0
        # Keys stored so far in this load, as hashes: the duplicate check costs a few
        # bytes a row and no query. Existing records are only looked up when the source
        # had some before this load, so a first load never asks PostgreSQL's planner to
        # find keys in a table whose statistics do not yet know the source exists.
        self.stored_keys: set[int] = set()
        self.source_had_records = session.execute(
            select(_RECORDS.c.id).where(_RECORDS.c.source_system_id == load.source_system_id).limit(1)
        ).first() is not None
        # Each group's stored rows: (key, "lead" or a relationship kind, row number).
        self.groups: dict[str, list[tuple[tuple[str, str], str, int]]] = {}
        self.relationships_stated: int | None = None

    def run(self) -> None:
        mapping = self.mapping
        with open_extract(mapping, self.path) as extract:
            extract.require(mapping.local_id, "local_id")
            if mapping.record_ref is not None:
                extract.require(mapping.record_ref, "record_ref")
            builder = RecordBuilder(mapping, extract, utcnow().date())
            self._write_issues(extract.warnings)
            rows: list[ShapedRow] = []
            issues: list[Issue] = []
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
                    self._store(rows, issues)
                    rows, issues = [], []
                    self._report_progress(extract.bytes_read, extract.total_bytes)
            self._store(rows, issues)
            if not self.counts["read"]:
                raise LoadFailed(f"{extract.no_rows()}; nothing could be loaded")
            self._check_some_row_has_a_local_id()
            self._write_issues(self._state_relationships())
            self._write_issues(self._closing_warnings(builder))
            self._report_progress(extract.total_bytes, extract.total_bytes)
        self._finish(builder)

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

    def _store(self, rows: list[ShapedRow], issues: list[Issue]) -> None:
        load_id = self.load.id
        chunk: dict[tuple[str, str], ShapedRow] = {}
        for row in rows:
            key = (row.local_id, row.record_ref)
            if key in chunk or self._stored_earlier_in_this_load(key):
                self._reject(self._duplicate(row), issues)
            else:
                chunk[key] = row
        self.stored_keys.update(map(hash, chunk))
        existing = self._existing(chunk) if self.source_had_records else {}
        inserts: list[ShapedRow] = []
        updates: list[dict[str, Any]] = []
        unchanged: list[int] = []
        for key, row in chunk.items():
            record = existing.get(key)
            if record is None:
                inserts.append(row)
                self.counts["loaded"] += 1
            elif record.row_hash == row.values["row_hash"]:
                unchanged.append(record.id)
                self.counts["unchanged"] += 1
            else:
                changed = {f"new_{column}": row.values[column] for column in _REWRITTEN[:-2]}
                updates.append({"record_id": record.id, "new_last_load_id": load_id, "new_updated_at": self.now,
                                **changed})
                self.counts["updated"] += 1
            if row.relation is not None:
                group, kind = row.relation
                self.groups.setdefault(group, []).append((key, kind, row.row_number))
            if row.values["flags"]:
                self.counts["flagged"] += 1
                issues.extend(row.issues)
            self.quality[(row.present, row.valid)] += 1
        if inserts:
            self.new_records.write(inserts)
        if updates:
            self.session.execute(_UPDATE_RECORD, updates)
        if unchanged:
            self.session.execute(
                update(_RECORDS).where(_RECORDS.c.id.in_(unchanged)).values(last_load_id=load_id)
            )
        issues.sort(key=lambda issue: issue.row_number or 0)
        self._write_issues(issues)

    def _state_relationships(self) -> list[Issue]:
        """Replace the statements of every record this file holds with what it now states.

        Each member of a group is related to the group's lead ("member is <kind> of
        lead"); a group with several leads (one person recorded twice, say) relates its
        members to each. A statement involving a record the file holds, at either end,
        is replaced: the file's group is the whole household as the source now sees it.
        Returns the warnings for rows whose relationship could not be placed.
        """
        if self.mapping.relationships is None:
            return []
        source_id, load_id = self.load.source_system_id, self.load.id
        columns = _RECORDS.c
        in_this_file = select(columns.id).where(columns.source_system_id == source_id, columns.last_load_id == load_id)
        self.session.execute(delete(_STATED).where(or_(
            _STATED.c.source_record_id.in_(in_this_file), _STATED.c.related_record_id.in_(in_this_file)
        )))
        wanted = {key for members in self.groups.values() for key, _, _ in members}
        ids: dict[tuple[str, str], int] = {}
        if wanted:
            stored = self.session.execute(
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
            self.session.execute(insert(_STATED), rows[start:start + CHUNK_ROWS])
        self.relationships_stated = len(rows)
        self.groups.clear()
        return sorted(issues, key=lambda issue: issue.row_number or 0)

    def _stored_earlier_in_this_load(self, key: tuple[str, str]) -> bool:
        """Whether an earlier chunk stored this key; the hash set is checked exactly on a hit."""
        if hash(key) not in self.stored_keys:
            return False
        columns = _RECORDS.c
        return self.session.execute(
            select(columns.id)
            .where(columns.source_system_id == self.load.source_system_id)
            .where(columns.local_id == key[0], columns.record_ref == key[1])
            .where(columns.last_load_id == self.load.id)
        ).first() is not None

    def _existing(self, chunk: dict[tuple[str, str], ShapedRow]) -> dict[tuple[str, str], Any]:
        if not chunk:
            return {}
        columns = _RECORDS.c
        result = self.session.execute(
            select(columns.id, columns.local_id, columns.record_ref, columns.row_hash)
            .where(columns.source_system_id == self.load.source_system_id)
            .where(columns.local_id.in_({local_id for local_id, _ in chunk}))
        )
        return {(record.local_id, record.record_ref): record for record in result}

    @staticmethod
    def _duplicate(row: ShapedRow) -> Issue:
        key = row.local_id if not row.record_ref else f"{row.local_id} / {row.record_ref}"
        return Issue(row.row_number, "local_id", REJECTED, _DUPLICATE, key)

    def _write_issues(self, issues: list[Issue]) -> None:
        if issues:
            load_id = self.load.id
            self.session.execute(insert(_ISSUES), [
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

    def _closing_warnings(self, builder: RecordBuilder) -> list[Issue]:
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

    def _finish(self, builder: RecordBuilder) -> None:
        load, counts = self.load, self.counts
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
