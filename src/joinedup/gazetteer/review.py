"""The review list: ambiguous and unmatched addresses, and the data team's decisions.

A decision is about an *address as a source writes it*, not about one record: it is
stored as an :class:`AddressDecision` keyed by the source and the normalised address
text, applied at once to every record of that source with the same text, and applied
again by every later run to old and new records alike. Every decision is audited.

The review list shows addresses (the source, the local id and the address as given),
never names or other personal details; a person's record is opened only through
``joinedup.records``, under the sharing decision. Every match shown passes the sharing
decision too (:func:`disclose_matches`), as address data-quality processing
(``address.review``): the caller shows only the fields it disclosed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from joinedup.audit import Actor, record_event
from joinedup.db import utcnow
from joinedup.gazetteer.models import (
    DECISION_ACTIONS,
    REVIEW_STATUSES,
    AddressDecision,
    AddressMatch,
    GazetteerAddress,
)
from joinedup.gazetteer.normalise import clean_postcode, tokens
from joinedup.ingest.validators import is_outward_code
from joinedup.ingest.models import SourceRecord
from joinedup.partners.models import SourceSystem

#: Roles that may decide addresses (a person at the CLI, with no user, may too).
DECIDING_ROLES = frozenset({"data_team", "admin"})

_UPRN = re.compile(r"^\d{1,12}$")


class DecisionError(ValueError):
    """A decision that cannot be made; the message says why, for the person deciding."""


def _loaded(statement):
    return statement.options(
        selectinload(AddressMatch.source_record).selectinload(SourceRecord.source_system),
        selectinload(AddressMatch.source_system),
        selectinload(AddressMatch.candidate),
        selectinload(AddressMatch.runner_up),
        selectinload(AddressMatch.decision),
    )


def review_queue(
    session: Session,
    *,
    source_code: str | None = None,
    statuses: Sequence[str] = REVIEW_STATUSES,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[AddressMatch], int]:
    """One page of the review list and the list's whole length: ``(page, total)``.

    Ambiguous addresses come first (a candidate is waiting to be accepted), then
    unmatched ones, each in record order. Each match has its source record, candidate
    and runner-up loaded.
    """
    conditions = [AddressMatch.status.in_(tuple(statuses))]
    if source_code is not None:
        conditions.append(
            AddressMatch.source_system_id.in_(select(SourceSystem.id).where(SourceSystem.code == source_code))
        )
    total = session.scalar(select(func.count(AddressMatch.id)).where(*conditions)) or 0
    statement = select(AddressMatch).where(*conditions).order_by(
        AddressMatch.status, AddressMatch.source_system_id, AddressMatch.source_record_id
    )
    page = list(session.scalars(_loaded(statement).limit(max(0, limit)).offset(max(0, offset))))
    return page, total


def get_match(session: Session, match_id: int) -> AddressMatch | None:
    """One match with its source record, candidate and runner-up loaded."""
    return session.scalar(_loaded(select(AddressMatch).where(AddressMatch.id == match_id)))


def _in_number_order(column) -> tuple:
    """Orderings that put a column of house numbers, held as text, in number order: a
    shorter number is a smaller one (the gazetteer writes no leading zeros), then text order."""
    return func.length(column), column


#: Addresses in the order people read them: along a street, in number order (the
#: building, then the flat within it), then by postcode.
ADDRESS_ORDER = (
    GazetteerAddress.street, GazetteerAddress.locality, GazetteerAddress.town,
    *_in_number_order(GazetteerAddress.pao_start_number), GazetteerAddress.pao_start_suffix,
    GazetteerAddress.pao_text, *_in_number_order(GazetteerAddress.sao_start_number),
    GazetteerAddress.sao_start_suffix, GazetteerAddress.sao_text, GazetteerAddress.postcode,
)


@dataclass(frozen=True)
class AddressPage:
    """One page of the addresses a search found (one row per UPRN), and how many it found."""

    addresses: list[GazetteerAddress]
    total: int
    page: int = 1
    per_page: int = 20

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def search_gazetteer(session: Session, text: str, *, limit: int = 20) -> list[GazetteerAddress]:
    """The first ``limit`` addresses :func:`find_addresses` finds, one row per UPRN."""
    return find_addresses(session, text, per_page=limit).addresses


def find_addresses(session: Session, text: str, *, page: int = 1, per_page: int = 20) -> AddressPage:
    """Page ``page`` of the current gazetteer addresses found by UPRN, postcode (whole or
    outward) or address words, one row per UPRN (its preferred form), in address order
    (:data:`ADDRESS_ORDER`): numbers in number order (1, 2, 10, 11, not 1, 10, 11, 2).

    Every part given must match: "10 high st JU1 0AB" finds 10 High Street in JU1 0AB.
    Alternative and historic forms are found too (their UPRN is shown in its preferred form).
    """
    conditions = _search_conditions(session, (text or "").strip())
    if conditions is None:
        return AddressPage([], 0, 1, per_page)
    total = session.scalar(select(func.count(func.distinct(GazetteerAddress.uprn))).where(*conditions)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    found = select(GazetteerAddress.uprn).where(*conditions)
    forms = select(GazetteerAddress.id, func.row_number().over(
        partition_by=GazetteerAddress.uprn, order_by=(GazetteerAddress.preferred.desc(), GazetteerAddress.id)
    ).label("form")).where(GazetteerAddress.uprn.in_(found), GazetteerAddress.retired_at.is_(None)).subquery()
    addresses = list(session.scalars(
        select(GazetteerAddress).join(forms, forms.c.id == GazetteerAddress.id).where(forms.c.form == 1)
        .order_by(*ADDRESS_ORDER, GazetteerAddress.id)
        .limit(per_page).offset((page - 1) * per_page)
    ))
    return AddressPage(addresses, total, page, per_page)


def _search_conditions(session: Session, text: str) -> list | None:
    """What an address must satisfy to be found by ``text`` (None: nothing to search by)."""
    if not text:
        return None
    conditions = [GazetteerAddress.retired_at.is_(None)]
    compact = text.replace(" ", "")
    if _UPRN.match(compact):
        uprn = str(int(compact))
        if session.scalar(select(GazetteerAddress.id).where(*conditions, GazetteerAddress.uprn == uprn).limit(1)):
            return [*conditions, GazetteerAddress.uprn == uprn]
    words = tokens(text)
    postcode = ""
    if len(words) >= 2 and clean_postcode(" ".join(words[-2:])):
        postcode, words = clean_postcode(" ".join(words[-2:])), words[:-2]
    elif words and clean_postcode(words[-1]):
        postcode, words = clean_postcode(words[-1]), words[:-1]
    elif words and _looks_outward(words[-1]):
        postcode, words = words[-1], words[:-1]
    if postcode:
        if " " in postcode:
            conditions.append(GazetteerAddress.postcode == postcode)
        else:
            conditions.append(GazetteerAddress.postcode.like(f"{postcode} %"))
    for word in words:
        conditions.append(or_(
            GazetteerAddress.normalised.like(f"{word} %"),
            GazetteerAddress.normalised.like(f"% {word} %"),
            GazetteerAddress.normalised.like(f"% {word}"),
            GazetteerAddress.normalised == word,
            func.upper(GazetteerAddress.locality).like(f"%{word}%"),
            func.upper(GazetteerAddress.town).like(f"%{word}%"),
        ))
    return conditions if len(conditions) > 1 else None


def _looks_outward(word: str) -> bool:
    return is_outward_code(word)


def decide_address(
    session: Session,
    actor: Actor,
    match_id: int,
    *,
    action: str,
    uprn: str | None = None,
    reason: str = "",
) -> AddressMatch:
    """Record a decision on the address of match ``match_id`` and apply it.

    ``action``: ``accept`` (the match's candidate), ``choose`` (``uprn``, another current
    gazetteer UPRN), ``out_of_area`` or ``unmatchable``. The decision is kept for the
    source and the normalised address text, applied to every match with the same, and
    audited (``address.decide``) in the caller's transaction. Raises DecisionError for
    a decision that cannot be made, PermissionError for someone who may not make it.
    """
    if actor.user_id is not None and not (set(actor.roles) & DECIDING_ROLES):
        raise PermissionError("only the data team can decide addresses")
    if action not in DECISION_ACTIONS:
        raise DecisionError(f"'{action}' is not a decision (choose one of {', '.join(DECISION_ACTIONS)})")
    match = get_match(session, match_id)
    if match is None:
        raise DecisionError(f"there is no address match {match_id}")
    reason = (reason or "").strip()[:2000]
    if action == "accept":
        if match.uprn is None:
            raise DecisionError("this address has no candidate to accept; choose a UPRN from the gazetteer")
        chosen: str | None = match.uprn
    elif action == "choose":
        chosen = (uprn or "").strip()
        if not _UPRN.match(chosen):
            raise DecisionError("enter the UPRN to match the address to (up to 12 digits)")
        chosen = str(int(chosen))
    else:
        chosen = None
    if chosen is not None:
        current = session.scalar(
            select(GazetteerAddress.id).where(GazetteerAddress.uprn == chosen, GazetteerAddress.retired_at.is_(None))
            .limit(1)
        )
        if current is None:
            raise DecisionError(f"UPRN {chosen} is not a current address in the gazetteer")
    previous = {"uprn": match.uprn, "status": match.status, "method": match.method}
    decision = session.scalar(
        select(AddressDecision).where(
            AddressDecision.source_system_id == match.source_system_id,
            AddressDecision.address_key == match.address_key,
        )
    )
    now = utcnow()
    if decision is None:
        decision = AddressDecision(source_system_id=match.source_system_id, address_key=match.address_key,
                                   normalised=match.normalised)
        session.add(decision)
    decision.action = action
    decision.uprn = chosen
    decision.reason = reason
    decision.decided_by = (actor.username or "")[:120]
    decision.user_id = actor.user_id
    decision.decided_at = now
    session.flush()
    status = "matched" if chosen is not None else action
    explained = f"decided by {decision.decided_by or 'the data team'}" + (f": {reason}" if reason else "")
    applied = session.execute(
        update(AddressMatch)
        .where(AddressMatch.source_system_id == match.source_system_id, AddressMatch.address_key == match.address_key)
        .values(uprn=chosen, status=status, method="manual", score=1.0 if chosen else None, reason=explained,
                decision_id=decision.id, needs_rematch=False, matched_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    record_event(
        session, actor, action="address.decide", outcome="success", subject_type="address_match",
        subject_id=match.id, reason=reason,
        details={"decision": action, "uprn": chosen, "previous": previous, "source": match.source_system.code,
                 "address": match.normalised, "decision_id": decision.id, "records": applied},
    )
    session.expire(match)
    return get_match(session, match_id)
