"""Generating a whole place: neighbourhood by neighbourhood, straight to disk.

The town is split into neighbourhoods of at most two thousand people
(:func:`~joinedup.synth.geography.plan_town`). Each is generated from its own random
stream, derived from the seed and its index, into text for every output file, and the
neighbourhoods' texts are appended in order. Memory holds one neighbourhood at a time,
whatever the size of the town, and the output depends on nothing but the size and the
seed (not on the clock, the process or the order of a dict).

One process does the work: a million people take a minute or two, which does not
justify the failure modes of worker processes.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from joinedup.synth.agencies import EXTRACTS, TRUTH_FLAG_COLUMNS, TRUTH_RECORD_COLUMNS, Extract, PlaceContext, record_neighbourhood
from joinedup.synth.directories import DIRECTORY_COLUMNS, directories, directory_file
from joinedup.synth.gazetteer import GAZETTEER_COLUMNS
from joinedup.synth.geography import AUTHORITY, EXTRACT_DATE, PERIOD_START, POSTCODE_AREA, TOWN, plan_town
from joinedup.synth.identifiers import IdentifierIssuer
from joinedup.synth.population import Neighbourhood, NeighbourhoodBuilder
from joinedup.synth.recording import one_line
from joinedup.synth.services import Services

#: The identifier spaces (NHS numbers, agencies' ids, incident references) are sized for
#: places up to this many people.
MAX_PEOPLE = 5_000_000
GAZETTEER_FILE = "gazetteer.csv"
MANIFEST_FILE = "manifest.json"
PEOPLE_COLUMNS = (
    "person_id", "forename", "middle_names", "surname", "date_of_birth", "sex", "nhs_number",
    "ni_number", "upn", "phone", "email", "household_id", "uprn", "residence",
)
HOUSEHOLD_COLUMNS = ("household_id", "kind", "tenure", "uprn", "residence", "members")
RELATIONSHIP_COLUMNS = ("person_id", "related_person_id", "relationship")
ADDRESS_HISTORY_COLUMNS = ("person_id", "uprn", "from", "to", "address")
TRUTH_FILES = {
    "people": ("truth/people.csv", PEOPLE_COLUMNS),
    "households": ("truth/households.csv", HOUSEHOLD_COLUMNS),
    "relationships": ("truth/relationships.csv", RELATIONSHIP_COLUMNS),
    "address_history": ("truth/address_history.csv", ADDRESS_HISTORY_COLUMNS),
    "records": ("truth/records.csv", TRUTH_RECORD_COLUMNS),
    "flags": ("truth/flags.csv", TRUTH_FLAG_COLUMNS),
}


@dataclass
class PlaceSummary:
    """What was generated: the CLI prints it and ``manifest.json`` records it."""

    out: Path
    seed: int
    people: int
    households: int
    addresses: int  # gazetteer rows (LPIs)
    uprns: int
    extract_rows: dict[str, int] = field(default_factory=dict)
    directories: dict[str, str] = field(default_factory=dict)  # organisation code → its directory file


@dataclass
class NeighbourhoodText:
    """One neighbourhood's contribution to every output file, already serialised."""

    index: int
    people: int
    households: int
    uprns: int
    texts: dict[str, str]
    rows: dict[str, int]


@dataclass
class TownContext:
    """What every neighbourhood of one place shares: its plans, services and id spaces."""

    people: int
    seed: int
    plans: list
    place: PlaceContext
    issuer: IdentifierIssuer

    @classmethod
    def build(cls, people: int, seed: int) -> TownContext:
        plans = plan_town(people)
        services = Services(people, seed, plans)
        return cls(people, seed, plans, PlaceContext(seed, services), IdentifierIssuer(seed))


def _csv_text(rows, delimiter: str = ",", line_terminator: str = "\n") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=line_terminator).writerows(rows)
    return buffer.getvalue()


def neighbourhood_text(context: TownContext, index: int) -> NeighbourhoodText:
    """Generate neighbourhood ``index`` of a place and serialise it for every file."""
    hood = NeighbourhoodBuilder(context.plans[index], context.seed, context.place.services, context.issuer).build()
    sheets = record_neighbourhood(hood, context.place)
    gazetteer_rows = hood.gazetteer.rows()
    texts = {GAZETTEER_FILE: _csv_text(gazetteer_rows)}
    texts.update(_truth_texts(hood))
    truth, flags = [], []
    rows = {"gazetteer": len(gazetteer_rows)}
    for extract in EXTRACTS:
        sheet = sheets[extract.source]
        if extract.format == "fhir-ndjson":
            texts[extract.file] = "".join(line + "\n" for line in sheet.rows)
        else:
            texts[extract.file] = _csv_text(sheet.rows, extract.delimiter, extract.line_terminator)
        truth.extend(sheet.truth)
        flags.extend(sheet.flags)
        rows[extract.source] = len(sheet.rows)
    texts[TRUTH_FILES["records"][0]] = _csv_text(truth)
    texts[TRUTH_FILES["flags"][0]] = _csv_text(flags)
    return NeighbourhoodText(
        index=index, people=len(hood.people), households=len(hood.households),
        uprns=len(hood.gazetteer.premises), texts=texts, rows=rows,
    )


def _residence(premises) -> str:
    if premises.uprn is None:
        return "elsewhere"
    return "in_boundary" if premises.in_boundary else "out_of_boundary"


def _truth_texts(hood: Neighbourhood) -> dict[str, str]:
    people, households, history = [], [], []
    for household in hood.households:
        premises = household.premises
        households.append((household.household_id, household.kind, household.tenure, premises.uprn_text, _residence(premises), len(household.members)))
        for person in household.members:
            people.append((
                person.person_id, person.forename, person.middle_names, person.surname, person.dob.isoformat(),
                person.sex, person.nhs_number, person.ni_number, person.upn, person.phone, person.email,
                household.household_id, person.current.premises.uprn_text, _residence(person.current.premises),
            ))
            for residence in person.history:
                place = residence.premises
                written = "" if place.uprn is not None else one_line([f"{place.approved.pao_number} {place.approved.street}"], place.approved.town, place.approved.postcode)
                history.append((
                    person.person_id, place.uprn_text, residence.start.isoformat(),
                    residence.end.isoformat() if residence.end else "", written,
                ))
    return {
        TRUTH_FILES["people"][0]: _csv_text(people),
        TRUTH_FILES["households"][0]: _csv_text(households),
        TRUTH_FILES["relationships"][0]: _csv_text(hood.relationships),
        TRUTH_FILES["address_history"][0]: _csv_text(history),
    }


def _files() -> list[tuple[str, str, str, tuple[str, ...], str]]:
    """(path, encoding, header, delimiter, line terminator) of every output file."""
    files = [(GAZETTEER_FILE, "utf-8", GAZETTEER_COLUMNS, ",", "\n")]
    for extract in EXTRACTS:
        files.append((extract.file, extract.encoding, extract.columns, extract.delimiter, extract.line_terminator))
    for path, columns in TRUTH_FILES.values():
        files.append((path, "utf-8", columns, ",", "\n"))
    return files


def generate_place(
    out: Path,
    people: int = 20_000,
    seed: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> PlaceSummary:
    """Write a synthetic place into ``out``; the same ``people`` and ``seed``, the same bytes.

    ``progress(done, total)`` is called after each neighbourhood with people generated
    so far. Files already in ``out`` with the same names are overwritten.
    """
    if not 1 <= people <= MAX_PEOPLE:
        raise ValueError(f"a place has between 1 and {MAX_PEOPLE:,} people")
    out = Path(out)
    (out / "extracts").mkdir(parents=True, exist_ok=True)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    context = TownContext.build(people, seed)
    handles = {}
    try:
        for path, encoding, header, delimiter, terminator in _files():
            errors = "replace" if encoding == "cp1252" else "strict"
            handle = open(out / path, "w", encoding=encoding, errors=errors, newline="")
            if path.endswith(".csv"):
                handle.write(_csv_text([header], delimiter, terminator))
            handles[path] = handle
        summary = PlaceSummary(out=out, seed=seed, people=0, households=0, addresses=0, uprns=0)
        summary.extract_rows = {extract.source: 0 for extract in EXTRACTS}
        if progress:
            progress(0, people)
        for index in range(len(context.plans)):
            chunk = neighbourhood_text(context, index)
            for path, text in chunk.texts.items():
                handles[path].write(text)
            summary.people += chunk.people
            summary.households += chunk.households
            summary.uprns += chunk.uprns
            summary.addresses += chunk.rows["gazetteer"]
            for source in summary.extract_rows:
                summary.extract_rows[source] += chunk.rows[source]
            if progress:
                progress(summary.people, people)
    finally:
        for handle in handles.values():
            handle.close()
    written = {}
    (out / "directories").mkdir(parents=True, exist_ok=True)
    for organisation, rows in directories(context.place.services).items():
        written[organisation] = directory_file(organisation)
        (out / written[organisation]).write_text(_csv_text([DIRECTORY_COLUMNS, *rows]), encoding="utf-8")
    summary.directories = written
    _write_manifest(out, summary)
    return summary


def _write_manifest(out: Path, summary: PlaceSummary) -> None:
    manifest = {
        "generator": "joinedup.synth",
        "town": TOWN,
        "authority": AUTHORITY,
        "postcode_area": POSTCODE_AREA,
        "seed": summary.seed,
        "people": summary.people,
        "households": summary.households,
        "extract_date": EXTRACT_DATE.isoformat(),
        "period_start": PERIOD_START.isoformat(),
        "gazetteer": {"file": GAZETTEER_FILE, "format": "csv", "encoding": "utf-8", "rows": summary.addresses, "uprns": summary.uprns},
        "extracts": [_manifest_entry(extract, summary.extract_rows[extract.source]) for extract in EXTRACTS],
        "truth": {name: path for name, (path, _) in TRUTH_FILES.items()},
        "directories": summary.directories,
    }
    (out / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def _manifest_entry(extract: Extract, rows: int) -> dict:
    entry = {
        "source": extract.source,
        "file": extract.file,
        "mapping": extract.source,
        "format": extract.format,
        "encoding": extract.encoding,
    }
    if extract.format == "csv":
        entry["delimiter"] = extract.delimiter
    entry["rows"] = rows
    return entry
