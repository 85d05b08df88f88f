"""A working context: the purpose a user stated on a search, carried through the task.

Issue 13's trial took eight steps, a 403 among them, to get from a child to the mother's
police incident, because the purpose stated on the search had to be stated again for
the child and again for the mother. A working context carries it. The rule:

- **It starts with a search** for which the user stated a purpose (checked by
  :func:`joinedup.sharing.purposes.state_purpose`, like every purpose). It holds that
  purpose and the persons the search found. A purpose stated on one person's page starts
  one for that person when there is none, or joins the one for the same purpose.
- **It covers** a person the search found, once opened, and the persons reached from
  them through the household or a stated relationship, as their family view showed them
  to the user (:meth:`WorkingContext.covers`). It goes no further: a relative of a
  relative, or anyone found some other way, is not covered.
- **It is the user's own, for the session.** It is kept in their server-side web session
  and read back only from it, and only for the user who started it; it ends when they end
  it (audited) or when the session ends.
- **It widens nothing.** It only saves stating the purpose again: every record of a
  covered person is still put to the policy point for that purpose, and decided, audited
  and logged, so it discloses exactly what stating the purpose for that person would.

A purpose stated for one person on their own page comes first; the context applies to
the persons it covers for whom none is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from joinedup.accounts.sessions import remember_context
from joinedup.audit import Actor, record_event
from joinedup.db import utcnow
from joinedup.sharing.purposes import StatedPurpose

#: The most persons a context keeps (found, opened and reached): a search shows at most a
#: few pages of persons, and a family a handful.
MAX_COVERED = 500


@dataclass(frozen=True)
class WorkingContext:
    """The purpose a user stated on a search, and whom it covers (see the module)."""

    purpose: StatedPurpose
    user_id: int
    started_at: datetime
    found: frozenset[str] = frozenset()
    #: The persons opened from the search, with the name they were shown by, in order.
    opened: tuple[tuple[str, str], ...] = ()
    #: The persons reached from those opened, through the household or relationships.
    family: frozenset[str] = frozenset()

    def covers(self, person_id: str) -> bool:
        """Whether a purpose need not be stated again for ``person_id``."""
        return person_id in self.found or person_id in self.family

    def purpose_for(self, person_id: str) -> StatedPurpose | None:
        """The purpose the context carries to ``person_id``, marked as carried (for the
        audit trail), or None when it does not cover them."""
        if not self.covers(person_id):
            return None
        return replace(self.purpose, context=self.started_at.isoformat())

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for _person_id, name in self.opened)

    def stored(self) -> dict[str, Any]:
        """What the web session keeps: ids and the names the user was shown, no more."""
        return {"code": self.purpose.code, "safeguarding_risk": self.purpose.safeguarding_risk,
                "relationship": self.purpose.relationship, "user_id": self.user_id,
                "started_at": self.started_at.isoformat(), "found": sorted(self.found),
                "opened": [list(pair) for pair in self.opened], "family": sorted(self.family)}


def context_of(stored: dict[str, Any] | None, actor: Actor) -> WorkingContext | None:
    """The working context a session keeps, when it is ``actor``'s (None otherwise)."""
    if not stored or not stored.get("code") or stored.get("user_id") != actor.user_id:
        return None
    try:
        started_at = datetime.fromisoformat(str(stored["started_at"]))
    except (KeyError, ValueError):
        return None
    return WorkingContext(
        StatedPurpose(str(stored["code"]), bool(stored.get("safeguarding_risk")), str(stored.get("relationship") or "")),
        int(stored["user_id"]), started_at, frozenset(stored.get("found") or ()),
        tuple((str(pair[0]), str(pair[1])) for pair in stored.get("opened") or ()), frozenset(stored.get("family") or ()),
    )


def start_context(session: Session, token: str | None, actor: Actor, purpose: StatedPurpose, found: Iterable[str],
                  current: WorkingContext | None = None) -> WorkingContext:
    """Start (audited) the working context of a search for which ``purpose`` was stated
    and checked, covering the persons it ``found``. Another page of the same search, or
    a search for the same purpose, adds to the ``current`` context rather than starting
    again; a search for another purpose starts a new one."""
    if current is not None and current.user_id == actor.user_id and current.purpose == purpose:
        context = replace(current, found=frozenset(list(current.found | set(found))[:MAX_COVERED]))
    else:
        context = WorkingContext(purpose, actor.user_id or 0, utcnow(), frozenset(list(found)[:MAX_COVERED]))
        record_event(session, actor, action="sharing.context.start", outcome="success", subject_type="working_context",
                     reason=purpose.relationship,
                     details={"purpose": purpose.code, "safeguarding_risk": purpose.safeguarding_risk,
                              "found": sorted(context.found)})
    remember_context(session, token, context.stored())
    return context


def carry_stated_purpose(session: Session, token: str | None, actor: Actor, purpose: StatedPurpose, person_id: str,
                         current: WorkingContext | None) -> WorkingContext | None:
    """A purpose stated on one person's page carries to their family too: it starts a
    working context for that person when there is none, or joins the one for the same
    purpose. A context for another purpose is left as it is (the purpose stated applies to
    this person alone), so stating one never ends the user's task."""
    if current is None or current.user_id != actor.user_id:
        return start_context(session, token, actor, purpose, [person_id])
    if current.purpose == purpose:
        return start_context(session, token, actor, purpose, [person_id], current=current)
    return current


def open_in_context(session: Session, token: str | None, context: WorkingContext, person_id: str, name: str,
                    family: Iterable[str]) -> WorkingContext:
    """A person the user has just seen: when the search found them, the context now covers
    the ``family`` their page showed (household and stated relationships). Anyone else
    opened, a family member included, adds nobody."""
    if person_id not in context.found:
        return context
    opened = context.opened if any(seen == person_id for seen, _name in context.opened) \
        else (*context.opened, (person_id, name))
    widened = replace(context, opened=opened,
                      family=frozenset(list(context.family | (set(family) - {person_id}))[:MAX_COVERED]))
    if widened != context:
        remember_context(session, token, widened.stored())
    return widened


def leave_context(session: Session, token: str | None, context: WorkingContext | None,
                  person_id: str) -> WorkingContext | None:
    """The user stopped using a purpose for ``person_id``: the context no longer covers
    them (it keeps the rest of the task; End ends it all)."""
    if context is None or not context.covers(person_id):
        return context
    left = replace(context, found=context.found - {person_id}, family=context.family - {person_id},
                   opened=tuple(pair for pair in context.opened if pair[0] != person_id))
    remember_context(session, token, left.stored())
    return left


def end_context(session: Session, token: str | None, actor: Actor, context: WorkingContext | None) -> bool:
    """End the user's working context (audited); from the next page on, a purpose is
    stated again for each person. False when there was none to end."""
    if context is None:
        return False
    remember_context(session, token, None)
    record_event(session, actor, action="sharing.context.end", outcome="success", subject_type="working_context",
                 details={"purpose": context.purpose.code, "started_at": context.started_at.isoformat(),
                          "opened": [person_id for person_id, _name in context.opened]})
    return True
