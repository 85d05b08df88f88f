"""Flags, as an actor may see them: decided by the records they came from.

The flag index (:mod:`joinedup.flags`, above this layer) hands each flag of the records a
page has just disclosed, and each flag recorded in the app for the persons shown, here as
a :class:`FlagSubject`. A flag is shown to its own organisation, and otherwise when the
decision on a record it speaks for (made, audited and logged as the record was
disclosed) discloses the flag's category
(:func:`joinedup.sharing.flags.flag_categories_disclosed`): for a flag from an extract,
its row; for one recorded in the app, the person's records held by the recording
organisation. Otherwise it is withheld and nothing of it is said. Each read is one
``flag.view`` audit event naming the flags shown and counting those withheld.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from joinedup.audit import Actor, record_event
from joinedup.disclosure.core import Disclosed
from joinedup.permissions import FLAG_VIEW
from joinedup.sharing.flags import flag_categories_disclosed


@dataclass(frozen=True)
class FlagSubject:
    """What deciding a flag needs: its id, the records it speaks for (its extract row; for
    a flag recorded in the app, the person's disclosed records held by its organisation),
    its category, its organisation, and the person it shows on."""

    id: int
    records: tuple[int, ...]
    category: str
    organisation_id: int
    person_id: str


def disclose_flags(session: Session, actor: Actor, records: Mapping[int, Disclosed],
                   flags: Sequence[FlagSubject]) -> list[bool]:
    """Whether ``actor`` may see each flag, in order, given the records disclosed to them
    (record id → how it was disclosed). Audited as one ``flag.view`` event."""
    if not flags:
        return []
    wanted: dict[int, set[str]] = {}
    for flag in flags:
        for record_id in flag.records:
            wanted.setdefault(record_id, set()).add(flag.category)
    disclosed = {record_id: flag_categories_disclosed(session, records[record_id].decision, categories)
                 if record_id in records else frozenset() for record_id, categories in wanted.items()}
    shown = [(actor.organisation_id is not None and flag.organisation_id == actor.organisation_id)
             or any(flag.category in disclosed[record_id] for record_id in flag.records) for flag in flags]
    persons = sorted({flag.person_id for flag in flags})
    record_event(session, actor, action=FLAG_VIEW.name, outcome="allowed" if any(shown) else "denied",
                 subject_type="person" if len(persons) == 1 else "persons",
                 subject_id=persons[0] if len(persons) == 1 else "",
                 details={"shown": [flag.id for flag, allowed in zip(flags, shown, strict=True) if allowed],
                          "withheld": shown.count(False), "persons": persons})
    return shown
