"""The working context (joinedup.sharing.context): whom a purpose stated on a search covers.

A search for the child with a safeguarding purpose covers the child once opened, then the
mother their family view showed, and nobody else; an ended context covers nobody; and a
context is only its own session's and its own user's.
"""

from __future__ import annotations

from family_world import CHILD, INCIDENT, MOTHER, PURPOSE, STRANGER, seed_family
from sqlalchemy import select

from joinedup.accounts.models import User
from joinedup.accounts.sessions import open_session, stored_context
from joinedup.audit.models import AuditEvent
from joinedup.db import transaction
from joinedup.disclosure import parse_search, search_persons, view_person
from joinedup.sharing.context import (
    carry_stated_purpose,
    context_of,
    end_context,
    leave_context,
    open_in_context,
    start_context,
)
from joinedup.sharing.purposes import StatedPurpose, state_purpose


def _signed_in(engine, username="sam.social"):
    with transaction(engine) as session:
        who = session.scalar(select(User).where(User.username == username))
        state = open_session(session, user=who)
    return state.token, state.user.actor(channel="web")


def _search_and_open_child(engine, token, actor):
    """Search for the child with a safeguarding purpose, then open them: the domain calls
    the search page and the person page make."""
    with transaction(engine) as session:
        stated = state_purpose(session, actor, PURPOSE)
        found = search_persons(session, actor, parse_search("Rory Journey"), action="record.search", purpose=stated)
        assert [card.person_id for card in found.persons] == [CHILD]
        context = start_context(session, token, actor, stated, [card.person_id for card in found.persons])
    assert context.covers(CHILD) and not context.covers(MOTHER)
    with transaction(engine) as session:
        child = view_person(session, actor, CHILD, action="record.view", purpose=context.purpose_for(CHILD))
        assert child.allowed and MOTHER in child.family_ids
        context = open_in_context(session, token, context, CHILD, child.name, child.family_ids)
    return context


def test_a_search_purpose_carries_to_the_person_opened_and_their_family_and_no_further(engine):
    seed_family(engine)
    token, actor = _signed_in(engine)
    context = _search_and_open_child(engine, token, actor)
    assert context.covers(CHILD) and context.covers(MOTHER)
    assert not context.covers(STRANGER), "an unrelated person is not covered"
    assert context.names == ("Rory Journey",)

    with transaction(engine) as session:
        kept = context_of(stored_context(session, token), actor)
        assert kept == context, "the session keeps the context for the next page"
        mother = view_person(session, actor, MOTHER, action="record.view", purpose=kept.purpose_for(MOTHER))
        assert mother.allowed, "no purpose stated again, no refusal"
        assert any(record.fields.get("facts", {}).get("incident_type") == INCIDENT for record in mother.records)
        # The mother opened from the child is family, not a search result: nobody she is
        # related to joins the context.
        assert open_in_context(session, token, kept, MOTHER, mother.name, [STRANGER]) == kept
        stranger = view_person(session, actor, STRANGER, action="record.view", purpose=kept.purpose_for(STRANGER))
        assert not stranger.allowed
        view = session.scalars(select(AuditEvent).where(AuditEvent.action == "person.view",
                                                        AuditEvent.subject_id == MOTHER)).all()[-1]
        assert view.details["stated_purpose"] == PURPOSE
        assert view.details["working_context"] == context.started_at.isoformat()


def test_the_context_widens_nothing_the_purpose_does_not_allow(engine):
    """Carried or stated, the purpose discloses the same fields: the policy point decides."""
    seed_family(engine)
    token, actor = _signed_in(engine)
    context = _search_and_open_child(engine, token, actor)
    with transaction(engine) as session:
        carried = view_person(session, actor, MOTHER, action="record.view", purpose=context.purpose_for(MOTHER))
        stated = view_person(session, actor, MOTHER, action="record.view", purpose=StatedPurpose(PURPOSE))
    assert [record.fields for record in carried.records] == [record.fields for record in stated.records]


def test_an_ended_context_no_longer_applies(engine):
    seed_family(engine)
    token, actor = _signed_in(engine)
    context = _search_and_open_child(engine, token, actor)
    with transaction(engine) as session:
        assert end_context(session, token, actor, context)
        assert context_of(stored_context(session, token), actor) is None
        assert not end_context(session, token, actor, None)
        ended = session.scalars(select(AuditEvent).where(AuditEvent.action == "sharing.context.end")).all()
        assert len(ended) == 1 and ended[0].details["purpose"] == PURPOSE
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "sharing.context.start")).all()


def test_another_session_or_user_never_gets_the_context(engine):
    seed_family(engine, usernames=("sam.social", "pat.other"))
    token, actor = _signed_in(engine)
    _search_and_open_child(engine, token, actor)
    other_token, _same_user = _signed_in(engine)
    _token, someone_else = _signed_in(engine, "pat.other")
    with transaction(engine) as session:
        assert stored_context(session, other_token) is None, "the same user's other session"
        assert context_of(stored_context(session, token), someone_else) is None, "another user"
        assert context_of(stored_context(session, token), actor) is not None


def test_another_page_of_the_same_search_adds_to_the_context_and_another_purpose_replaces_it(engine):
    seed_family(engine)
    token, actor = _signed_in(engine)
    context = _search_and_open_child(engine, token, actor)
    with transaction(engine) as session:
        same = start_context(session, token, actor, context.purpose, [STRANGER], current=context)
        assert same.started_at == context.started_at and same.covers(MOTHER) and same.covers(STRANGER)
        other = start_context(session, token, actor, StatedPurpose("direct_care", False, "Allocated worker"), [],
                              current=same)
        assert not other.covers(CHILD) and not other.covers(MOTHER)


def test_a_purpose_stated_on_a_persons_page_carries_to_their_family(engine):
    """Opened without a search (from a list, say): stating the purpose for the child
    starts the context, so the mother is reached without stating it again."""
    seed_family(engine)
    token, actor = _signed_in(engine)
    with transaction(engine) as session:
        stated = state_purpose(session, actor, PURPOSE)
        context = carry_stated_purpose(session, token, actor, stated, CHILD, None)
        child = view_person(session, actor, CHILD, action="record.view", purpose=context.purpose_for(CHILD))
        context = open_in_context(session, token, context, CHILD, child.name, child.family_ids)
        assert context.covers(MOTHER) and not context.covers(STRANGER)
        # Another purpose for one person leaves the task's context as it is.
        other = StatedPurpose("direct_care", False, "Allocated worker")
        assert carry_stated_purpose(session, token, actor, other, STRANGER, context) == context


def test_stopping_the_purpose_for_one_person_leaves_them_out_of_the_context(engine):
    seed_family(engine)
    token, actor = _signed_in(engine)
    context = _search_and_open_child(engine, token, actor)
    with transaction(engine) as session:
        left = leave_context(session, token, context, CHILD)
        assert not left.covers(CHILD) and left.covers(MOTHER) and left.names == ()
        assert context_of(stored_context(session, token), actor) == left
