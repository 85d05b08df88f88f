"""Loading an LLPG/AddressBase-shaped CSV: read, check, and apply it as a change set.

A gazetteer file is a full extract. Loading it again applies the difference: UPRNs
that are new are added, UPRNs whose LPIs changed are rewritten, UPRNs no longer listed
are *retired* (kept, marked with the time, never matched again), the rest are left
alone. Matches to a retired or changed UPRN are flagged ``needs_rematch``, so the next
incremental run looks at them again.

The whole file is one transaction: a file that cannot be loaded changes nothing, and a
failed load is recorded with its reason. Bad rows are rejected (or bad values flagged)
with the row number and the field, as ingest does for agency extracts.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, selectinload

from joinedup.audit import Actor, record_event
from joinedup.db import session_factory, transaction, utcnow
from joinedup.gazetteer.mapping import ColumnMapping, GazetteerMapping, load_gazetteer_mapping
from joinedup.gazetteer.models import (
    LPI_STATUSES,
    AddressMatch,
    GazetteerAddress,
    GazetteerLoad,
    GazetteerLoadIssue,
)
from joinedup.gazetteer.normalise import canonical_uprn, clean_postcode, normalise
from joinedup.ingest.readers import FLAGGED, REJECTED, WARNING, CsvExtract, Issue, LoadFailed, printable

Progress = Callable[[int, int], None]

CHUNK_ROWS = 2000
_UPRN = re.compile(r"^\d{1,12}$")
_ADDRESSES = GazetteerAddress.__table__
_ISSUES = GazetteerLoadIssue.__table__
_LENGTHS = {
    column.key: column.type.length
    for column in _ADDRESSES.c
    if getattr(column.type, "length", None) and column.key not in ("uprn", "parent_uprn", "row_hash")
}

#: LPI statuses as BS 7666 logical status codes and common spellings.
STATUS_CODES = {
    "1": "approved", "approved": "approved", "a": "approved", "approved preferred": "approved",
    "3": "alternative", "alternative": "alternative", "alt": "alternative", "l": "alternative",
    "6": "provisional", "provisional": "provisional", "p": "provisional",
    "8": "historic", "historic": "historic", "historical": "historic", "h": "historic",
}
CLASSIFICATION_WORDS = ("residential", "hmo", "care_home", "school", "hostel", "commercial")

#: AddressBase classification codes, by their longest matching prefix.
ADDRESSBASE_CLASSES = (
    ("RI01", "care_home"), ("RI02", "hostel"), ("RI03", "school"), ("RH", "hmo"),
    ("R", "residential"), ("CE", "school"), ("C", "commercial"),
)


@dataclass(slots=True)
class _Lpi:
    row_number: int
    values: dict[str, Any]


def load_gazetteer(
    engine: Engine,
    path: Path,
    *,
    mapping: str | Path = "llpg",
    loaded_by: str = "cli",
    progress: Progress | None = None,
) -> GazetteerLoad:
    """Load (or reload) the gazetteer from ``path`` through ``mapping``.

    Returns the finished GazetteerLoad (detached, issues loaded). A file that cannot be
    loaded gives a load with status ``failed`` and its ``error`` and changes nothing;
    a missing file raises FileNotFoundError; a bad mapping raises MappingError.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"there is no file at {path}")
    spec = load_gazetteer_mapping(mapping)
    actor = Actor.system("cli", loaded_by)
    header = {
        "file_name": path.name[:500],
        "file_sha256": _sha256(path),
        "mapping": str(mapping)[:500],
        "started_at": utcnow(),
        "loaded_by": loaded_by[:120],
    }
    try:
        with transaction(engine) as session:
            load = GazetteerLoad(status="running", **header)
            session.add(load)
            session.flush()
            _Load(session, load, spec, path, progress).run()
            load.status = "completed"
            load.finished_at = utcnow()
            _audit(session, actor, load)
            load_id = load.id
    except LoadFailed as failure:
        load_id = _record_failure(engine, actor, header, str(failure))
    except BaseException as exc:
        try:
            _record_failure(engine, actor, header, f"the load stopped: {exc.__class__.__name__}: {exc}")
        except Exception:  # noqa: BLE001 - the original error is the one to report
            pass
        raise
    with session_factory(engine)() as session:
        return get_gazetteer_load(session, load_id)


def get_gazetteer_load(session: Session, load_id: int) -> GazetteerLoad | None:
    """One gazetteer load with its issues."""
    return session.scalar(
        select(GazetteerLoad).where(GazetteerLoad.id == load_id).options(selectinload(GazetteerLoad.issues))
    )


def list_gazetteer_loads(session: Session, *, limit: int = 20) -> list[GazetteerLoad]:
    """The most recent gazetteer loads, newest first."""
    return list(session.scalars(select(GazetteerLoad).order_by(GazetteerLoad.id.desc()).limit(limit)))


def gazetteer_loaded(session: Session) -> bool:
    """Whether any gazetteer address is current (not retired)."""
    return session.execute(
        select(GazetteerAddress.id).where(GazetteerAddress.retired_at.is_(None)).limit(1)
    ).first() is not None


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _audit(session: Session, actor: Actor, load: GazetteerLoad) -> None:
    details = {"file": load.file_name, "sha256": load.file_sha256, "mapping": load.mapping, "status": load.status}
    for count in ("rows_read", "new", "changed", "retired", "unchanged", "rejected", "flagged", "needs_rematch"):
        details[count] = getattr(load, count) or 0
    record_event(
        session, actor, action="gazetteer.load", outcome="success" if load.status == "completed" else "failure",
        subject_type="gazetteer_load", subject_id=load.id, reason=load.error, details=details,
    )


def _record_failure(engine: Engine, actor: Actor, header: dict[str, Any], error: str) -> int:
    with transaction(engine) as session:
        load = GazetteerLoad(status="failed", error=error, finished_at=utcnow(), **header)
        session.add(load)
        session.flush()
        _audit(session, actor, load)
        return load.id


class _Load:
    """The work of one load inside its transaction."""

    def __init__(self, session: Session, load: GazetteerLoad, mapping: GazetteerMapping, path: Path,
                 progress: Progress | None) -> None:
        self.session = session
        self.load = load
        self.mapping = mapping
        self.path = path
        self.progress = progress
        self.issues: list[Issue] = []
        self.flagged_rows: set[int] = set()
        self.rows_read = 0
        self.rejected = 0

    def run(self) -> None:
        by_uprn = self._read()
        if not by_uprn:
            raise LoadFailed("no row of the file could be loaded, so the gazetteer was left as it was")
        self._apply(by_uprn)
        self._write_issues()

    # Reading -----------------------------------------------------------------------

    def _read(self) -> dict[str, list[_Lpi]]:
        mapping = self.mapping
        if self.path.stat().st_size == 0:
            raise LoadFailed("the file is empty")
        by_uprn: dict[str, list[_Lpi]] = {}
        seen: dict[tuple, int] = {}
        with CsvExtract(mapping, self.path) as extract:
            for name in ("uprn", "street"):
                for column in mapping.columns[name].columns:
                    if column not in extract.header:
                        found = ", ".join(f"'{printable(h)}'" for h in extract.header[:40])
                        raise LoadFailed(
                            f"the file has no column '{column}', which the mapping names as {name}"
                            f" (the header has {len(extract.header)} columns: {found})"
                        )
            readers = {name: self._reader(extract, spec) for name, spec in mapping.columns.items()}
            self.issues.extend(extract.warnings)
            for item in extract.rows():
                self.rows_read += 1
                if isinstance(item, Issue):
                    self._reject(item)
                    continue
                number, row, _careful = item
                lpi = self._shape(number, {name: read(row) for name, read in readers.items()})
                if lpi is None:
                    continue
                identity = (lpi.values["uprn"], *(lpi.values[key] for key in _CONTENT))
                if identity in seen:
                    self._reject(Issue(number, "uprn", REJECTED,
                                       f"repeats row {seen[identity]} exactly (the same UPRN and address)",
                                       lpi.values["uprn"]))
                    continue
                seen[identity] = number
                by_uprn.setdefault(lpi.values["uprn"], []).append(lpi)
                if self.progress is not None and self.rows_read % CHUNK_ROWS == 0:
                    self.progress(extract.bytes_read, extract.total_bytes)
            if self.progress is not None:
                self.progress(extract.total_bytes, extract.total_bytes)
        if not self.rows_read:
            self.issues.append(Issue(None, "", WARNING, "the file has a header but no rows"))
        return by_uprn

    @staticmethod
    def _reader(extract: CsvExtract, spec: ColumnMapping) -> Callable[[list[str]], str]:
        cells = [extract.locate(column, spec.name) for column in spec.columns]
        cells = [cell for cell in cells if cell is not None]
        default, join = spec.default, spec.join

        def read(row: list[str]) -> str:
            text = join.join(part for part in (cell(row).strip() for cell in cells) if part)
            return text or default

        return read

    def _reject(self, issue: Issue) -> None:
        self.rejected += 1
        self.issues.append(issue)

    def _flag(self, number: int, field: str, message: str, value: str) -> None:
        self.flagged_rows.add(number)
        self.issues.append(Issue(number, field, FLAGGED, message, printable(value, 300)))

    def _shape(self, number: int, raw: dict[str, str]) -> _Lpi | None:
        columns = self.mapping.columns
        uprn = raw["uprn"].replace(" ", "")
        if uprn.endswith(".0"):
            uprn = uprn[:-2]
        if not uprn:
            self._reject(Issue(number, "uprn", REJECTED, "is empty, so the row cannot be an address"))
            return None
        if not _UPRN.match(uprn) or int(uprn) == 0:
            self._reject(Issue(number, "uprn", REJECTED, "is not a UPRN (1 to 12 digits)", printable(uprn, 300)))
            return None
        uprn = canonical_uprn(uprn)
        status = self._translate(columns.get("lpi_status"), raw.get("lpi_status", "")) or "approved"
        status = STATUS_CODES.get(status.lower(), status.lower())
        if status not in LPI_STATUSES:
            self._reject(Issue(number, "lpi_status", REJECTED,
                               f"is not an LPI status ({', '.join(LPI_STATUSES)} or codes 1, 3, 6, 8)",
                               printable(raw.get("lpi_status", ""), 300)))
            return None
        values: dict[str, Any] = {"uprn": uprn, "lpi_status": status}
        for name in _TEXT_PARTS:
            text = " ".join(raw.get(name, "").split())
            length = _LENGTHS[name]
            if len(text) > length:
                self._flag(number, name, f"is longer than {length} characters; it was cut short", text)
                text = text[:length]
            values[name] = printable(text)
        if not values["street"] and not values["pao_text"]:
            self._reject(Issue(number, "street", REJECTED, "is empty and so is pao_text, so there is nothing to match"))
            return None
        parent = raw.get("parent_uprn", "").replace(" ", "")
        if parent.endswith(".0"):
            parent = parent[:-2]
        if parent and (not _UPRN.match(parent) or int(parent) == 0):
            self._flag(number, "parent_uprn", "is not a UPRN; the address has no parent", parent)
            parent = ""
        values["parent_uprn"] = canonical_uprn(parent) if parent else None
        postcode = raw.get("postcode", "")
        if postcode:
            clean = clean_postcode(postcode)
            if not clean:
                self._flag(number, "postcode", "is not a UK postcode; it is kept as given", postcode)
                clean = " ".join(postcode.upper().split())[:_LENGTHS["postcode"]]
            postcode = clean
        values["postcode"] = postcode
        for name in ("easting", "northing"):
            text = raw.get(name, "")
            value = None
            if text:
                try:
                    value = float(text)
                except ValueError:
                    self._flag(number, name, "is not a number; it was left empty", text)
                if value is not None and not (-1e7 < value < 1e7):
                    self._flag(number, name, "is not a grid coordinate in metres; it was left empty", text)
                    value = None
            values[name] = value
        values["classification"] = _classification(self._translate(columns.get("classification"),
                                                                    raw.get("classification", "")))
        values["in_boundary"] = self._boundary(number, columns.get("in_boundary"), raw.get("in_boundary", ""))
        values["normalised"] = normalise(" ".join((
            values["sao_text"], values["sao_start_number"] + values["sao_start_suffix"],
            values["pao_text"], _number(values["pao_start_number"], values["pao_start_suffix"],
                                        values["pao_end_number"], values["pao_end_suffix"]),
            values["street"],
        )))
        return _Lpi(number, values)

    @staticmethod
    def _translate(spec: ColumnMapping | None, text: str) -> str:
        if spec is None or not text:
            return text
        if spec.values is not None:
            return spec.values.get(text.strip().lower(), text)
        return text

    def _boundary(self, number: int, spec: ColumnMapping | None, text: str) -> bool | None:
        if spec is None or not text:
            return None
        folded = text.strip().lower()
        if folded in spec.true:
            return True
        if folded in spec.false:
            return False
        self._flag(number, "in_boundary", "is not one of the spellings for inside or outside; it was left unknown", text)
        return None

    # Applying ------------------------------------------------------------------------

    def _apply(self, by_uprn: dict[str, list[_Lpi]]) -> None:
        session, load, now = self.session, self.load, utcnow()
        current: dict[str, str] = {}
        retired_before: set[str] = set()
        for uprn, row_hash, retired_at in session.execute(
            select(_ADDRESSES.c.uprn, _ADDRESSES.c.row_hash, _ADDRESSES.c.retired_at).where(_ADDRESSES.c.preferred)
        ):
            if retired_at is None:
                current[uprn] = row_hash
            else:
                retired_before.add(uprn)
        new_rows: list[dict[str, Any]] = []
        rewrite: list[str] = []
        changed: list[str] = []
        counts = {"new": 0, "changed": 0, "unchanged": 0}
        for uprn, lpis in by_uprn.items():
            row_hash = _hash(lpis)
            before = current.pop(uprn, None)
            if before == row_hash:
                counts["unchanged"] += 1
                continue
            if before is None:
                counts["new"] += 1
                if uprn in retired_before:
                    rewrite.append(uprn)
            else:
                counts["changed"] += 1
                changed.append(uprn)
                rewrite.append(uprn)
            preferred = next((i for i, lpi in enumerate(lpis) if lpi.values["lpi_status"] == "approved"), 0)
            for position, lpi in enumerate(lpis):
                new_rows.append({
                    **lpi.values, "preferred": position == preferred, "row_hash": row_hash, "load_id": load.id,
                    "retired_at": None, "created_at": now, "updated_at": now,
                })
        retired = sorted(current)
        for chunk in _chunks(rewrite):
            session.execute(delete(_ADDRESSES).where(_ADDRESSES.c.uprn.in_(chunk)))
        for chunk in _chunks(new_rows):
            session.execute(insert(_ADDRESSES), chunk)
        for chunk in _chunks(retired):
            session.execute(
                update(_ADDRESSES).where(_ADDRESSES.c.uprn.in_(chunk)).values(retired_at=now, updated_at=now)
            )
        flagged = 0
        matches = AddressMatch.__table__
        for chunk in _chunks(retired + changed):
            flagged += session.execute(
                update(matches)
                .where(matches.c.uprn.in_(chunk), matches.c.needs_rematch.is_(False))
                .values(needs_rematch=True)
            ).rowcount or 0
        load.rows_read = self.rows_read
        load.new, load.changed, load.unchanged = counts["new"], counts["changed"], counts["unchanged"]
        load.retired = len(retired)
        load.rejected = self.rejected
        load.flagged = len(self.flagged_rows)
        load.needs_rematch = flagged

    def _write_issues(self) -> None:
        rows = [
            {"load_id": self.load.id, "row_number": issue.row_number, "field": issue.field[:64],
             "severity": issue.severity, "message": issue.message, "value": issue.value}
            for issue in sorted(self.issues, key=lambda issue: issue.row_number or 0)
        ]
        for chunk in _chunks(rows):
            self.session.execute(insert(_ISSUES), chunk)


_TEXT_PARTS = (
    "sao_text", "sao_start_number", "sao_start_suffix", "sao_end_number", "sao_end_suffix",
    "pao_text", "pao_start_number", "pao_start_suffix", "pao_end_number", "pao_end_suffix",
    "street", "locality", "town",
)
_CONTENT = (*_TEXT_PARTS, "lpi_status", "postcode")


def _number(start: str, start_suffix: str, end: str, end_suffix: str) -> str:
    text = f"{start}{start_suffix}"
    return f"{text}-{end}{end_suffix}" if end else text


def _classification(text: str) -> str:
    """Our word for a classification: the words themselves, or an AddressBase code's."""
    folded = text.strip().lower().replace(" ", "_")
    if not folded or folded in CLASSIFICATION_WORDS:
        return folded
    code = text.strip().upper()
    for prefix, word in ADDRESSBASE_CLASSES:
        if code.startswith(prefix) and len(code) <= 6:
            return word
    return folded[:40]


def _hash(lpis: list[_Lpi]) -> str:
    """A digest of a UPRN's LPIs, order and all: a reload compares it to find changes."""
    values = [tuple(sorted((k, v) for k, v in lpi.values.items())) for lpi in lpis]
    return hashlib.sha256(repr(values).encode("utf-8", "surrogatepass")).hexdigest()


def _chunks(items: list, size: int = CHUNK_ROWS) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
