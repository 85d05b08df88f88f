"""What the person page, the record page and the practitioner's pages show about access:
the purpose panel and its form, the break-glass banner, who to contact about a shielded
service, and the purpose an API call states. Shared by the pages and the API of
``web.access`` and ``web.persons``; every rule behind them is the domain's
(:mod:`joinedup.sharing.purposes`, :mod:`joinedup.sharing.break_glass`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import HTTPException
from sqlalchemy.orm import Session

from joinedup.accounts.sessions import SignedInUser
from joinedup.audit import Actor, record_event
from joinedup.disclosure import access_action, view_person
from joinedup.people import Person, person_by_id
from joinedup.permissions import FRONTLINE_ROLES, GOVERNANCE_ROLES
from joinedup.sharing.break_glass import Contact, active_break_glass, contact_for
from joinedup.sharing.catalogue import choices
from joinedup.sharing.context import WorkingContext, context_of
from joinedup.sharing.purposes import (
    RELATIONSHIPS,
    RISK_NEEDS_SAFEGUARDING,
    PurposeRefused,
    StatedPurpose,
    purposes_open_to,
    state_purpose,
)
from joinedup.web.context import Visit
from joinedup.web.params import FieldRefused
from joinedup.web.templating import LOCAL_TIME

MAX_QUERY_LENGTH = 200
FRONTLINE_DENIED = ("Emergency access, consent and decisions not to share are recorded by practitioners "
                    "and MASH officers.")
TEXT_MAX = 2000


#: The API's purpose parameters, described once for OpenAPI.
PURPOSE_DESCRIPTION = (
    "Why you are looking: a purpose code from the catalogue (direct_care, safeguarding_child ...). Partners' "
    "records are disclosed only where an active sharing agreement lets your organisation receive them for it. "
    "Without one you get your own organisation's records only."
)
RISK_DESCRIPTION = "A risk of serious harm, stated with a safeguarding purpose: it is recorded with every decision."
RELATIONSHIP_DESCRIPTION = (
    "Your legitimate relationship with the person, in words (needed for every purpose that is not a "
    "safeguarding one)."
)


def api_purpose(session: Session, actor: Actor, code: str | None, *, safeguarding_risk: bool = False,
                relationship: str | None = None) -> StatedPurpose | None:
    """The purpose an API call states in its query, checked by the one domain function
    the pages use too: 403 (audited) for a purpose the user may not state, 400 naming the
    field for one stated wrongly."""
    if not code:
        if safeguarding_risk:
            raise FieldRefused(400, "safeguarding_risk", RISK_NEEDS_SAFEGUARDING + ".")
        return None
    try:
        return state_purpose(session, actor, code, relationship=relationship or "",
                             safeguarding_risk=safeguarding_risk)
    except PurposeRefused as exc:
        if exc.forbidden:
            record_event(session, actor, action="sharing.purpose.state", outcome="denied", subject_type="purpose",
                         subject_id=code[:40], reason=exc.message)
            raise HTTPException(403, f"{exc.field}: {exc.message}.") from exc
        raise FieldRefused(400, exc.field, exc.message + ".") from exc


def working_context(visit: Visit) -> WorkingContext | None:
    """The user's working context, as their session keeps it (the domain reads it)."""
    if visit.user is None:
        return None
    return context_of(visit.session.context, visit.actor("web"))


def stated_purpose(visit: Visit, person_id: str) -> StatedPurpose | None:
    """The purpose the user stated for ``person_id`` in this session, if any; else the one
    their working context carries to them, if it covers them."""
    stated = visit.session.purposes.get(person_id) if visit.session.purposes else None
    if not stated or not stated.get("code"):
        context = working_context(visit)
        return context.purpose_for(person_id) if context else None
    return StatedPurpose(str(stated["code"]), bool(stated.get("safeguarding_risk")),
                         str(stated.get("relationship") or ""))


@dataclass(frozen=True)
class ContextShown:
    """What the working-context banner says: the purpose, for whom, since when."""

    purpose: str
    names: tuple[str, ...]
    since: str


def context_shown(session: Session, context: WorkingContext | None,
                  names: dict[str, str] | None = None) -> ContextShown | None:
    """The banner's words (``names``: the purposes' names, when the caller has them)."""
    if context is None:
        return None
    names = choices(session).purpose_names if names is None else names
    return ContextShown(names.get(context.purpose.code) or context.purpose.code.replace("_", " ").capitalize(),
                        context.names, local_time(context.started_at))


def is_yes(value: str | None) -> bool:
    return (value or "").strip().lower() in {"yes", "true", "on", "1"}


def ig_contact(session: Session, organisation_id: int | None) -> Contact | None:
    """Whom the user goes to: their organisation's break-glass reviewer (the domain's answer)."""
    return contact_for(session, organisation_id)


def local_time(value: datetime) -> str:
    """3:42pm, in UK time."""
    local = value.astimezone(LOCAL_TIME)
    return f"{local.hour % 12 or 12}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


@dataclass(frozen=True)
class BreakGlassShown:
    id: int
    until: datetime
    reason: str

    @property
    def until_time(self) -> str:
        return local_time(self.until)


def break_glass_shown(session: Session, actor: Actor, person: Person | None) -> BreakGlassShown | None:
    """The actor's active break-glass access to ``person``, for the banner."""
    if person is None:
        return None
    access = active_break_glass(session, actor, person)
    if access is None:
        return None
    return BreakGlassShown(access.id, access.expires_at, access.reason)


def access_context(session: Session, user: SignedInUser, actor: Actor, person: Person | None,
                   stated: StatedPurpose | None, *, prefill: dict[str, Any] | None = None,
                   submitted: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the person page, the record page and this module's pages need to show the
    purpose panel, the break-glass banner and the contact for a shielded service.

    The purpose form shows what was ``submitted`` (a form sent back with errors), else the
    stated purpose with whatever a link ``prefill``-s (a search's purpose)."""
    options = purposes_open_to(session, actor)
    by_code = {option.code: option for option in options}
    current = stated or StatedPurpose()
    form = {"purpose": current.code, "relationship_choice": "", "relationship_other": "",
            "safeguarding_risk": current.safeguarding_risk}
    if current.relationship:
        choice = next((key for key, label in RELATIONSHIPS if label == current.relationship), "other")
        form["relationship_choice"] = choice
        form["relationship_other"] = current.relationship if choice == "other" else ""
    if prefill:
        form.update({key: value for key, value in prefill.items() if value not in (None, "", False)})
    if submitted is not None:
        form = dict(submitted)
    names = choices(session).purpose_names
    return {
        "purpose_options": options,
        "purpose_names": names,
        "stated": stated,
        "stated_option": by_code.get(stated.code) if stated else None,
        "stated_name": (names.get(stated.code) or stated.code.replace("_", " ").capitalize()) if stated else "",
        "purpose_values": form,
        "relationships": RELATIONSHIPS,
        "no_relationship_needed": [option.name for option in options if not option.relationship_required],
        "glass": break_glass_shown(session, actor, person),
        "ig_contact": ig_contact(session, user.organisation_id),
        "frontline": user.has_role(*FRONTLINE_ROLES),
        "governs": user.has_role(*GOVERNANCE_ROLES),
    }


def person_or_404(session: Session, person_id: str) -> Person:
    person = person_by_id(session, person_id)
    if person is None:
        raise HTTPException(404)
    return person


def back_to(person_id: str, q: str, **extra: str) -> str:
    params = {**({"q": q[:MAX_QUERY_LENGTH]} if q else {}), **{k: v for k, v in extra.items() if v}}
    return f"/persons/{person_id}" + (f"?{urlencode(params)}" if params else "")


def seen_person(session: Session, actor: Actor, person_id: str, purpose: StatedPurpose | None):
    """The person as the user may see them now for ``purpose`` (every read decided and
    audited), or 403 when they may see none of the person's records."""
    found = view_person(session, actor, person_id, action=access_action(actor), purpose=purpose)
    if found is None:
        raise HTTPException(404)
    if not found.allowed:
        raise HTTPException(403, found.reason)
    return found
