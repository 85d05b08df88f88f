"""Source records as the person index reads them, and the golden record built from them."""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.gazetteer.models import AddressMatch
from joinedup.ingest.models import SourceRecord
from joinedup.partners.models import SourceSystem

GOLDEN_FIELDS = (
    "forename", "middle_names", "surname", "date_of_birth", "sex", "nhs_number", "ni_number", "upn",
    "uprn", "address_text", "postcode", "phone", "email",
)
_CHUNK = 2000


#: The flagged fields of a record that has none, one for every such record.
_NOTHING_INVALID: frozenset[str] = frozenset()


def read_records(session: Session, record_ids: Iterable[int] | None = None) -> list[dict[str, Any]]:
    """Source records (every one, or those of ``record_ids``) with their source's code,
    matched UPRN (only a ``matched`` record not flagged for rematch) and normalised address."""
    records_table, matches, systems = SourceRecord.__table__, AddressMatch.__table__, SourceSystem.__table__
    r, m, s = records_table.c, matches.c, systems.c
    statement = (
        select(
            r.id, s.code.label("source"), r.local_id, r.record_ref, r.forename, r.middle_names, r.surname,
            r.date_of_birth, r.sex, r.address_text, r.postcode, r.nhs_number, r.ni_number, r.upn, r.phone,
            r.email, r.identifiers, r.flags, r.updated_at, m.uprn, m.status, m.needs_rematch, m.normalised,
        )
        .join(systems, s.id == r.source_system_id)
        .outerjoin(matches, m.source_record_id == r.id)
        .order_by(r.id)
    )
    if record_ids is None:
        rows = _raw(session, statement)
    else:
        wanted = sorted(set(record_ids))
        rows = [row for start in range(0, len(wanted), _CHUNK)
                for row in _raw(session, statement.where(r.id.in_(wanted[start:start + _CHUNK])))]
    records = []
    for (record_id, source, local_id, record_ref, forename, middle_names, surname, dob, sex, address_text, postcode,
         nhs_number, ni_number, upn, phone, email, identifiers, flags, updated_at, uprn, status, needs_rematch,
         normalised) in rows:
        if isinstance(identifiers, str):
            identifiers = json.loads(identifiers)
        if isinstance(flags, str):
            flags = json.loads(flags) if flags != "[]" else ()
        # One dict made with its final keys: a dict that grew past 21 keys and shrank
        # back keeps its larger table (832 bytes, not 464), 0.4 GB at a million records.
        records.append({
            "id": record_id, "source": source, "local_id": local_id, "record_ref": record_ref,
            "forename": forename, "middle_names": middle_names, "surname": surname,
            "date_of_birth": date.fromisoformat(dob) if isinstance(dob, str) else dob, "sex": sex,
            "address_text": address_text, "postcode": postcode, "nhs_number": nhs_number, "ni_number": ni_number,
            "upn": upn, "phone": phone, "email": email, "identifiers": identifiers or {}, "updated_at": updated_at,
            "uprn": uprn if status == "matched" and not needs_rematch else None, "address": normalised or None,
            "invalid": frozenset(flag.get("field", "") for flag in flags) if flags else _NOTHING_INVALID,
        })
    return records


def _raw(session: Session, statement) -> list[tuple]:
    """The rows as the database driver gives them: a million records are read in seconds,
    not the half-minute SQLAlchemy's row processing takes. Dates may come as ISO text
    (SQLite) and JSON as text; :func:`read_records` reads both forms; ``updated_at`` is
    only ever compared with others from the same database."""
    return session.execute(statement).cursor.fetchall()


def _recency(record: dict[str, Any]) -> tuple:
    return record["updated_at"], record["id"]


_NOT_WORD = re.compile(r"[\W_]+")


#: Values repeat across persons (names, postcodes, dates): each is normalised once.
_VALUES_KEPT = 1 << 17


@functools.lru_cache(maxsize=_VALUES_KEPT)
def vote_key(value: Any) -> Any:
    """What golden-record votes compare: text without case, accents, spaces or
    punctuation ("ROSE", "Rose" and "rosé" are one vote); other values as they are."""
    if not isinstance(value, str):
        return value
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return _NOT_WORD.sub("", "".join(char for char in decomposed if not unicodedata.combining(char)))


@functools.lru_cache(maxsize=_VALUES_KEPT)
def _form(value: Any) -> tuple:
    """How well-formed a written value is, for showing one of several that vote alike:
    mixed case over all capitals or all small letters, then accents and punctuation kept
    (the longer spelling), then single spaces."""
    if not isinstance(value, str):
        return ()
    letters = [char for char in value if char.isalpha()]
    mixed = any(char.isupper() for char in letters) and any(char.islower() for char in letters)
    return mixed, any(unicodedata.combining(char) for char in unicodedata.normalize("NFKD", value)), \
        len(value.strip()), "  " not in value


#: The memoised vote helpers, emptied with the normalisers (see linkage_model.MEMOISED).
MEMOISED = (vote_key, _form)


def golden_record(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each field's value with the record it came from and how many records agree.

    The vote is over normalised values (:func:`vote_key`): the commonest wins (ties: the
    most recently updated record), and of its spellings the best-formed one is shown
    (:func:`_form`; ties: the most recent). Run for every person on every run, so it is
    written for speed: most persons have one record, and most fields agree.
    """
    if len(records) == 1:
        return _golden_of_one(records[0])
    records = sorted(records, key=_recency)  # the most recent last: it wins every tie
    golden: dict[str, dict[str, Any]] = {}
    for name in GOLDEN_FIELDS:
        values = [
            (value, record) for record in records
            if (value := record.get(name)) is not None and value != "" and name not in record["invalid"]
        ]
        if not values:
            continue
        value, chosen = values[-1]
        agreeing = len(values)
        if agreeing > 1 and any(other != value for other, _ in values):
            keys = [vote_key(other) for other, _ in values]
            counts = Counter(keys)
            agreeing = max(counts.values())
            winner = next(key for key in reversed(keys) if counts[key] == agreeing)
            value, chosen = max((item for key, item in zip(reversed(keys), reversed(values), strict=True)
                                 if key == winner), key=lambda item: _form(item[0]))
        golden[name] = _entry(name, value, chosen, agreeing, len(values))
    return golden


def _golden_of_one(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The golden record of a person with one record (most persons): each field it holds
    validly, as :func:`golden_record` gives it, without a vote."""
    invalid = record["invalid"]
    return {name: _entry(name, value, record, 1, 1) for name in GOLDEN_FIELDS
            if (value := record.get(name)) is not None and value != "" and name not in invalid}


def _entry(name: str, value: Any, record: dict[str, Any], agreeing: int, of: int) -> dict[str, Any]:
    """One field of a golden record: its value, the record it came from, how many agree of how many."""
    return {"value": value.isoformat() if name == "date_of_birth" else value, "source": record["source"],
            "local_id": record["local_id"], "record_ref": record["record_ref"], "agreeing": agreeing, "of": of,
            "record_id": record["id"]}


def person_columns(golden: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The person's searchable columns, from their golden record."""
    dob = golden.get("date_of_birth", {}).get("value")
    return {
        "forename": golden.get("forename", {}).get("value"),
        "surname": golden.get("surname", {}).get("value"),
        "date_of_birth": date.fromisoformat(dob) if dob else None,
        "uprn": golden.get("uprn", {}).get("value"),
    }
