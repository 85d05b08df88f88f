"""What every agency's extract has in common: its file format, its own ids, its dates.

An :class:`Extract` describes one agency's file (name, format, encoding, columns). A
:class:`Sheet` collects one neighbourhood's rows for it together with the ground truth
of each row: which true person it is about, the true UPRN of the address written on it,
and the slips the agency made.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from joinedup.synth.identifiers import IdentifierSpace, derived_seed
from joinedup.synth.population import Neighbourhood, Person
from joinedup.synth.recording import Recorded, address_error_class
from joinedup.synth.services import Practitioner, Services

MONTHS = ("", "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
TRUTH_RECORD_COLUMNS = ("source", "local_id", "record_ref", "person_id", "uprn", "errors", "address_error")
#: The flags each row truly states (a CP-IS-like flag type of the catalogue), whatever
#: the agency's slips in writing the person: what ``benchmarks/flags_truth.py`` measures.
TRUTH_FLAG_COLUMNS = ("source", "local_id", "record_ref", "person_id", "type", "start", "end")


@dataclass(frozen=True)
class Extract:
    """One agency's extract file, as the manifest lists it."""

    source: str  # the source system's code, and the name of its mapping
    file: str  # relative to the place's directory
    format: str  # csv | fhir-ndjson
    columns: tuple[str, ...] = ()
    encoding: str = "utf-8"
    delimiter: str = ","
    line_terminator: str = "\n"


@dataclass
class Sheet:
    """One neighbourhood's rows of one extract, and the truth about each row."""

    extract: Extract
    rows: list = field(default_factory=list)
    truth: list[tuple[str, ...]] = field(default_factory=list)
    flags: list[tuple[str, ...]] = field(default_factory=list)

    def add(self, row, local_id: str, record_ref: str, person: Person, recorded: Recorded, extra_errors: tuple[str, ...] = ()) -> None:
        self.rows.append(row)
        errors = ";".join((*recorded.errors, *extra_errors))
        self.truth.append((self.extract.source, local_id, record_ref, person.person_id, recorded.uprn, errors,
                           address_error_class(recorded)))

    def flag(self, local_id: str, record_ref: str, person: Person, flag_type: str, start: str = "", end: str = "") -> None:
        """Note that the row just added truly states a flag of ``flag_type`` (ISO dates)."""
        self.flags.append((self.extract.source, local_id, record_ref, person.person_id, flag_type, start, end))


class LocalIds:
    """An agency's own identifiers: scrambled, unique, and a second one for a duplicate."""

    COPIES = 3

    def __init__(self, seed: int, name: str, prefix: str, modulus: int = 99_999_989, width: int = 8) -> None:
        self.space = IdentifierSpace(modulus, seed, f"local-id:{name}")
        self.prefix = prefix
        self.width = width

    def __call__(self, index: int, copy: int = 0) -> str:
        return f"{self.prefix}{self.space(index * self.COPIES + copy):0{self.width}d}"


@dataclass
class PlaceContext:
    """What every neighbourhood's agencies share: the seed, the services, the id spaces."""

    seed: int
    services: Services
    ids: dict[str, LocalIds] = field(default_factory=dict)

    def local_ids(self, name: str, prefix: str) -> LocalIds:
        if name not in self.ids:
            self.ids[name] = LocalIds(self.seed, name, prefix)
        return self.ids[name]


@dataclass
class Encounters:
    """What one agency learned about people that another agency's record reflects.

    Police domestic abuse incidents make a children's social care referral and a
    voluntary-sector referral more likely; this is how agencies' facts correlate.
    """

    domestic_abuse_victims: set[int] = field(default_factory=set)
    domestic_abuse_households: set[str] = field(default_factory=set)
    #: Victims of a high-risk incident whose case police referred to the MARAC, and when
    #: it was heard (the domestic-abuse service's IDVA attends the same conference).
    marac_cases: dict[int, date] = field(default_factory=dict)


def as_tuple(value: date) -> tuple[int, int, int]:
    return (value.year, value.month, value.day)


def iso(value: tuple[int, int, int] | date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        value = as_tuple(value)
    return f"{value[0]:04d}-{value[1]:02d}-{value[2]:02d}"


def dmy(value: tuple[int, int, int] | date | None, separator: str = "/") -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        value = as_tuple(value)
    return f"{value[2]:02d}{separator}{value[1]:02d}{separator}{value[0]:04d}"


def day_month_name(value: tuple[int, int, int] | date | None) -> str:
    """07-MAR-2024, as an Oracle-era benefits system prints a date."""
    if value is None:
        return ""
    if isinstance(value, date):
        value = as_tuple(value)
    return f"{value[2]:02d}-{MONTHS[value[1]]}-{value[0]:04d}"


def random_date(rng: random.Random, start: date, end: date) -> date:
    """A day in ``[start, end]``; ``start`` if the range is empty."""
    span = end.toordinal() - start.toordinal()
    return start if span <= 0 else date.fromordinal(start.toordinal() + rng.randrange(span + 1))


def pick_worker(rng: random.Random, workers: list[Practitioner], team: str | None = None) -> Practitioner:
    pool = [worker for worker in workers if worker.team == team] if team else workers
    return rng.choice(pool or workers)


def agency_rng(seed: int, hood: Neighbourhood, source: str) -> random.Random:
    """Each agency's own stream of randomness per neighbourhood: changing one agency's
    rules never reshuffles another's records."""
    return random.Random(derived_seed(seed, "agency", source, hood.plan.index))
