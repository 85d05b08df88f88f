"""A person as the index's review sees them, and the reviewer's merge and split.

The records shown are those the sharing decision disclosed (action ``person.review``,
identifying fields only); the rest are counted as withheld. Merge and split go through
the domain (:func:`joinedup.people.merge_persons`, :func:`joinedup.people.split_record`)
and apply at once.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from joinedup.audit import Actor
from joinedup.disclosure.linkage import LINK_RECORD_DENIED, person_for_review
from joinedup.people import (
    Person,
    ReviewRefused,
    last_event,
    merge_persons,
    person_by_id,
    person_event,
    split_record,
)
from joinedup.permissions import (
    LINKAGE_PERSON_MERGE,
    LINKAGE_PERSON_SPLIT,
    LINKAGE_PERSON_VIEW,
)
from joinedup.web.context import CheckedForm, PageUser, WebApp, render
from joinedup.web.gates import require
from joinedup.web.linkage import subjects
from joinedup.web.linkage.views import (
    base,
    clean_reason,
    person_or_404,
    record_id,
)
from joinedup.web.params import Text

router = APIRouter(include_in_schema=False)


def event_banner(session: Session, actor: Actor, person: Person, event: str) -> dict | None:
    """The banner after a split or merge this user just made (the event's id is in the URL)."""
    if not event.isdigit() or len(event) > 18:
        return None
    found = person_event(session, int(event))
    if found is None or found.person_id != person.id or found.decided_by != actor.username[:120]:
        return None
    details = found.details or {}
    if found.kind == "split" and details.get("into"):
        return {"text": f"Split: the record is now in a new person, {details['into']}.",
                "link": f"/linkage/persons/{details['into']}"}
    if found.kind == "split" and details.get("from"):
        return {"text": f"Split: this person was split out of {details['from']}.",
                "link": f"/linkage/persons/{details['from']}"}
    if found.kind == "merged" and details.get("merged"):
        return {"text": f"Merged: {details['merged']} is merged into {person.person_id}.", "link": None}
    return None


@router.get("/linkage/persons/{person_id}")
def person_page(request: Request, app: WebApp, user: PageUser,
                actor: Annotated[Actor, require(LINKAGE_PERSON_VIEW, subject=subjects.person_page)], person_id: Text,
                event: Text = "") -> Response:
    with app.transaction() as session:
        person = person_or_404(session, person_id)
        view = person_for_review(session, actor, person, pairs=True)
        banner = event_banner(session, actor, person, event)
    return render(request, "linkage/person.html", {**base("review"), "view": view, "banner": banner})


# --------------------------------------------------------------------------- split


@router.get("/linkage/persons/{person_id}/split")
def split_page(request: Request, app: WebApp, user: PageUser,
               actor: Annotated[Actor, require(LINKAGE_PERSON_SPLIT, subject=subjects.person_page)], person_id: Text,
               record: Text = "") -> Response:
    with app.transaction() as session:
        context = _split_context(session, actor, person_id, record)
    return render(request, "linkage/split.html", {**base("review"), **context, "errors": [], "reason": ""})


def _split_context(session: Session, actor: Actor, person_id: str, record: str) -> dict[str, Any]:
    view = person_for_review(session, actor, person_or_404(session, person_id))
    wanted = record_id(record)
    chosen = view.record(wanted)
    if chosen is None:
        if wanted in view.held:
            raise HTTPException(403, LINK_RECORD_DENIED)
        raise HTTPException(404)
    moving = [item for item in view.records
              if (item.source, item.fields.get("local_id")) == (chosen.source, chosen.fields.get("local_id"))]
    staying = [item for item in view.records if item not in moving]
    return {"view": view, "chosen": chosen, "moving": moving, "staying": staying}


@router.post("/linkage/persons/{person_id}/split")
def split(
    request: Request,
    app: WebApp,
    user: PageUser,
    visit: CheckedForm,
    actor: Annotated[Actor, require(LINKAGE_PERSON_SPLIT, subject=subjects.person_page)],
    person_id: Text,
    record: Annotated[Text, Form()] = "",
    reason: Annotated[Text, Form()] = "",
) -> Response:
    reason, errors = clean_reason(reason)
    event_id = None
    if not errors:
        try:
            with app.transaction() as session:
                person = person_or_404(session, person_id)
                split_record(session, actor, person, record_id(record), reason=reason)
                event_id = last_event(session, person, "split").id
        except ReviewRefused as exc:
            errors = exc.problems
    if errors:
        with app.transaction() as session:
            context = _split_context(session, actor, person_id, record)
        return render(request, "linkage/split.html", {**base("review"), **context, "errors": errors,
                                                      "reason": reason}, status_code=400)
    return RedirectResponse(f"/linkage/persons/{person_id}?{urlencode({'event': str(event_id)})}", status_code=303)


# --------------------------------------------------------------------------- merge


@router.get("/linkage/persons/{person_id}/merge")
def merge_page(request: Request, app: WebApp, user: PageUser,
               actor: Annotated[Actor, require(LINKAGE_PERSON_MERGE, subject=subjects.person_page)], person_id: Text,
               other: Text | None = None) -> Response:
    with app.transaction() as session:
        context = _merge_context(session, actor, person_id, other)
    return render(request, "linkage/merge.html", {**base("review"), **context, "reason": ""},
                  status_code=400 if context["errors"] else 200)


def _merge_context(session: Session, actor: Actor, person_id: str, other: str | None) -> dict[str, Any]:
    person = person_or_404(session, person_id)
    errors = []
    keep = person_for_review(session, actor, person)
    merging = None
    wanted = (other or "").strip().upper()
    if other is not None:
        found = person_by_id(session, wanted)
        if not wanted:
            errors.append(("other", "Enter the id of the person to merge into this one"))
        elif found is None:
            errors.append(("other", "There is no person with that id: it is P and 10 letters and digits"))
        elif found.id == person.id:
            errors.append(("other", "Enter the id of another person: this is the person you are merging into"))
        elif found.retired_at is not None:
            errors.append(("other", f"{found.person_id} is retired"
                                    + (f": their records are now in {found.superseded_by}" if found.superseded_by
                                       else "")))
        else:
            merging = person_for_review(session, actor, found)
    if person.retired_at is not None:
        errors.insert(0, ("other", f"{person.person_id} is retired: merge into a live person"))
        merging = None
    return {"keep": keep, "merging": merging, "other": wanted, "errors": errors}


@router.post("/linkage/persons/{person_id}/merge")
def merge(
    request: Request,
    app: WebApp,
    user: PageUser,
    visit: CheckedForm,
    actor: Annotated[Actor, require(LINKAGE_PERSON_MERGE, subject=subjects.person_page)],
    person_id: Text,
    other: Annotated[Text, Form()] = "",
    reason: Annotated[Text, Form()] = "",
) -> Response:
    reason, errors = clean_reason(reason)
    event_id = None
    with app.transaction() as session:
        checked = _merge_context(session, actor, person_id, other)
    if checked["errors"]:
        errors = checked["errors"]
    if not errors:
        try:
            with app.transaction() as session:
                keep = person_or_404(session, person_id)
                merge_persons(session, actor, keep, person_by_id(session, checked["other"]), reason=reason)
                event_id = last_event(session, keep, "merged").id
        except ReviewRefused as exc:
            errors = [("other", str(exc))]
    if errors:
        with app.transaction() as session:
            context = _merge_context(session, actor, person_id, other)
        context["errors"] = errors
        return render(request, "linkage/merge.html", {**base("review"), **context, "reason": reason},
                      status_code=400)
    return RedirectResponse(f"/linkage/persons/{person_id}?{urlencode({'event': str(event_id)})}", status_code=303)
