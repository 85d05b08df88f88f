"""The JSON API for the person index under ``/api/v1/persons``: find persons, read one.

The same reads as the pages (:func:`joinedup.people.search_persons`,
:func:`joinedup.people.view_person`), for the same purpose (a practitioner under their
organisation's rule, the data team as person-index processing): every record passes the
sharing decision, audited per record, and only disclosed values are returned. A field
absent from a response is withheld, not empty.

Partners' records are read only for a purpose stated in the query (``purpose``, with
``relationship`` where the rules need one and ``safeguarding_risk`` for a safeguarding
purpose; see :mod:`joinedup.web.access`); without one, your own organisation's
records only.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from joinedup.disclosure import (
    CLOSENESS_CODES,
    EXACT,
    FamilyMemberShown,
    FamilyShown,
    HistoryEntry,
    PersonCard,
    PersonView,
    access_action,
    search_persons,
    view_person,
)
from joinedup.people import person_by_id
from joinedup.people.households import Address
from joinedup.web.access.views import break_glass_shown, ig_contact
from joinedup.web.api import UNAUTHENTICATED, Problem
from joinedup.web.context import ApiUser, CurrentVisit, WebApp
from joinedup.web.params import PersonId
from joinedup.web.persons.records_api import (
    ParsedSearch,
    PurposeQuery,
    QueryOut,
    RecordOut,
    _query,
    person_answer,
    record_out,
)

#: A person's public id in a path: every route about one person takes it alike.
SHOWN_FIELDS = ("forename", "middle_names", "surname", "date_of_birth", "sex", "postcode")


class PersonSummaryOut(BaseModel):
    """A person as a list shows them: only values you may see (a field that is absent is withheld)."""

    person_id: str
    name: str = Field(description="Forename and surname as you may see them, or 'Name not disclosed'.")
    forename: str | None = None
    middle_names: str | None = None
    surname: str | None = None
    date_of_birth: date | None = None
    sex: str | None = None
    postcode: str | None = None
    low_information: bool = Field(description="Too little to link on: never linked to another record.")
    sources: list[str] = Field(description="The systems holding the records of this person that you may see.")


class PersonMatchOut(PersonSummaryOut):
    matched_records: list[int] = Field(description="The ids of your matching records of this person.")
    closeness: str = Field(description="How the name matched what was typed: exact, nickname, begins or sounds_like.")


class PersonSearchOut(BaseModel):
    query: QueryOut
    persons: list[PersonMatchOut]
    unlinked_records: list[RecordOut] = Field(
        description="Matching records you may see that no link run has put into a person yet."
    )
    total: int = Field(description="How many persons you may see match: a true count unless truncated.")
    exact: int = Field(description="How many of them match by name exactly as typed (case, accents and "
                                   "apostrophes set aside).")
    unlinked_total: int = Field(description="How many matching records not yet in a person you may see.")
    page: int = Field(description="This page's number, from 1.")
    pages: int = Field(description="How many pages there are.")
    truncated: bool = Field(description="More records matched than a search considers: only the closest were "
                                        "counted, more may match. Add detail to the search.")


class GoldenFieldOut(BaseModel):
    """One golden-record field you may see: the value chosen and the record it came from."""

    field: str
    value: Any
    source: str = Field(description="The code of the source system the value came from.")
    source_name: str | None
    record_id: int
    agreeing: int = Field(description="How many of the records you may see that have this field agree with the value.")
    of: int = Field(description="How many of the records you may see have this field.")


class HistoryOut(BaseModel):
    at: datetime | None
    kind: str = Field(
        description="created, gained_records, lost_records, merged, split_into, split_from, retired or restored."
    )
    description: str
    run_id: int | None
    decided_by: str
    reason: str
    count: int | None = Field(description="How many records, when the step moved records.")
    person_id: str | None = Field(description="The other person in the step: merged in, split into or from, superseding.")


class AddressOut(BaseModel):
    uprn: str
    text: str | None = Field(description="The gazetteer's address; null when the gazetteer does not hold the UPRN.")
    classification: str | None
    kind: str = Field(description="home, communal, not_a_home or unknown_address.")
    communal: bool = Field(description="A care home, hostel or house in multiple occupation: not one household.")
    description: str


class TieOut(BaseModel):
    kind: str = Field(description="What the member is to the person: parent_of, child_of, carer_of, cared_for_by, partner_of.")
    role: str
    sources: list[str] = Field(description="The sources stating it, among those you may see.")


class FamilyMemberOut(BaseModel):
    person: PersonSummaryOut
    co_resident: bool = Field(description="Lives at the person's current address.")
    ties: list[TieOut]
    stated_by: list[str] = Field(description="The names of the systems stating the relationships shown.")
    address: AddressOut | None = Field(description="The member's own address; null when you may not see it.")


class FamilyOut(BaseModel):
    """The household at the current address and the stated relationships, as you may see them.

    Nobody you may not see is listed or counted.
    """

    address: AddressOut | None
    address_withheld: bool
    summary: str
    members: list[FamilyMemberOut]


class PersonOut(BaseModel):
    person_id: str
    name: str
    retired_at: datetime | None
    superseded_by: str | None = Field(description="For a retired person: who now holds their records.")
    low_information: bool
    created_at: datetime | None
    updated_at: datetime | None
    golden: list[GoldenFieldOut] = Field(description="Only the fields whose source record you may see.")
    records: list[RecordOut] = Field(description="The person's records that you may see.")
    others_withheld: bool = Field(description="The person has records that you may not see.")
    history: list[HistoryOut]
    family: FamilyOut | None
    reason: str
    purpose: str | None = Field(default=None, description="The purpose you stated, when you stated one.")
    shielded: bool = Field(
        default=False,
        description="A service is involved that cannot be named here (a shielded sensitive service): "
        "contact the information governance lead named in `contact` to find out more.",
    )
    contact: str | None = Field(default=None, description="Who to contact about a shielded service.")
    break_glass_until: datetime | None = Field(
        default=None, description="Your emergency (break-glass) access to this person is on until then; "
        "it is reviewed by your information governance lead.")


router = APIRouter(prefix="/api/v1/persons", tags=["persons"], responses=UNAUTHENTICATED | {422: {"model": Problem}})


@router.get(
    "",
    response_model=PersonSearchOut,
    response_model_exclude_unset=True,
    summary="Find persons",
    responses={400: {"model": Problem, "description": "The search could not be understood."}},
)
def search(
    app: WebApp,
    user: ApiUser,
    visit: CurrentVisit,
    query: ParsedSearch,
    asked: PurposeQuery,
    limit: Annotated[int, Query(ge=1, le=200, description="Persons per page.")] = 50,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> PersonSearchOut:
    """One page of the persons with a matching record you may see for the purpose you
    state, closest match first, with their true count, showing only values you may see;
    every record's decision is audited."""
    actor = visit.actor("api")
    with app.transaction() as session:
        result = search_persons(session, actor, query, action=access_action(actor, searching=True), per_page=limit,
                                page=page, purpose=asked.stated(session, actor))
    return PersonSearchOut(
        query=_query(result.query),
        persons=[PersonMatchOut(**_summary_fields(card), matched_records=list(card.matched),
                                closeness=CLOSENESS_CODES[card.closeness or EXACT])
                 for card in result.persons],
        unlinked_records=[record_out(record) for record in result.unlinked],
        total=result.total, exact=result.exact, unlinked_total=result.unlinked_total, page=result.page,
        pages=result.pages, truncated=result.truncated,
    )


@router.get(
    "/{person_id}",
    response_model=PersonOut,
    response_model_exclude_unset=True,
    summary="One person: golden record, records, history and family",
    responses={403: {"model": Problem}, 404: {"model": Problem}},
)
def person(
    app: WebApp,
    user: ApiUser,
    visit: CurrentVisit,
    person_id: PersonId,
    asked: PurposeQuery,
) -> PersonOut:
    """The person as you may see them for the purpose you state, or 403 when you may see
    none of their records; each record's decision and the view itself are audited."""
    actor = visit.actor("api")
    with app.transaction() as session:
        stated = asked.stated(session, actor)
        found = view_person(session, actor, person_id, action=access_action(actor), purpose=stated)
        extra: dict[str, Any] = {}
        if found is not None and found.allowed:
            glass = break_glass_shown(session, actor, person_by_id(session, person_id))
            contact = ig_contact(session, user.organisation_id) if found.shielded else None
            extra = {
                "purpose": stated.code if stated else None,
                "shielded": found.shielded,
                "contact": (f"{contact.name}, {contact.title}, {contact.organisation}"
                            + (f", {contact.email}" if contact.email else "")) if contact else None,
                "break_glass_until": glass.until if glass else None,
            }
    found = person_answer(found)
    return _person(found, **extra)


def _summary_fields(card: PersonCard) -> dict[str, Any]:
    shown = {name: card.values[name] for name in SHOWN_FIELDS if name in card.values}
    return {"person_id": card.person_id, "name": card.name, "low_information": card.low_information,
            "sources": list(card.sources), **shown}


def _summary(card: PersonCard) -> PersonSummaryOut:
    return PersonSummaryOut(**_summary_fields(card))


def _address(address: Address | None) -> AddressOut | None:
    if address is None:
        return None
    return AddressOut(uprn=address.uprn, text=address.text, classification=address.classification,
                      kind=address.kind, communal=address.communal, description=address.description)


def _history(entry: HistoryEntry) -> HistoryOut:
    return HistoryOut(at=entry.at, kind=entry.kind, description=entry.described, run_id=entry.run_id,
                      decided_by=entry.decided_by, reason=entry.reason, count=entry.count,
                      person_id=entry.other_person)


def _member(member: FamilyMemberShown) -> FamilyMemberOut:
    return FamilyMemberOut(
        person=_summary(member.card),
        co_resident=member.co_resident,
        ties=[TieOut(kind=tie.kind, role=tie.role, sources=list(tie.sources)) for tie in member.ties],
        stated_by=list(member.stated_by),
        address=_address(member.address),
    )


def _family(family: FamilyShown | None) -> FamilyOut | None:
    if family is None:
        return None
    return FamilyOut(address=_address(family.address), address_withheld=family.address_withheld,
                     summary=family.summary, members=[_member(member) for member in family.members])


def _person(found: PersonView, **extra: Any) -> PersonOut:
    return PersonOut(
        **extra,
        person_id=found.person_id,
        name=found.name,
        retired_at=found.retired_at,
        superseded_by=found.superseded_by,
        low_information=found.low_information,
        created_at=found.created_at,
        updated_at=found.updated_at,
        golden=[
            GoldenFieldOut(field=value.field, value=value.value, source=value.source, source_name=value.source_name,
                           record_id=value.record_id, agreeing=value.agreeing, of=value.of)
            for value in found.golden
        ],
        records=[record_out(record) for record in found.records],
        others_withheld=found.others_withheld,
        history=[_history(entry) for entry in found.history],
        family=_family(found.family),
        reason=found.reason,
    )
