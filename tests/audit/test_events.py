"""The audit trail records every event it is given, whatever a request sent."""

from __future__ import annotations

from sqlalchemy import select

from joinedup.audit import Actor, AuditEvent, record_event, record_events
from joinedup.db import transaction


def test_what_a_request_sent_is_cut_to_fit_its_column(engine):
    """A client address comes from the request (a proxy's forwarded-for header can make it
    any length): the event is kept, with the address cut to its column."""
    actor = Actor(username="sam.social", channel="api", client_address="client-" + "a" * 100)
    with transaction(engine) as session:
        record_event(session, actor, action="person.view", outcome="allowed", subject_id="P" * 100)
        record_events(session, actor, [{"action": "record.view", "outcome": "allowed", "subject_id": 7}])
    with transaction(engine) as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(event.action, event.client_address, event.subject_id) for event in events] == [
        ("person.view", actor.client_address[:64], "P" * 64),
        ("record.view", actor.client_address[:64], "7"),
    ]


def test_a_nul_that_a_request_sent_is_kept_visibly(engine):
    """PostgreSQL's text cannot hold a NUL, and a refusal of a path such as ``/persons/P%00``
    must still be audited: the NUL is written as ``\\x00``, not dropped and not fatal."""
    actor = Actor(username="sam.social", channel="api", client_address="a\x00b")
    with transaction(engine) as session:
        record_event(session, actor, action="person.view", outcome="denied", subject_id="P\x00",
                     reason="no\x00")
    with transaction(engine) as session:
        event = session.scalars(select(AuditEvent)).one()
    assert (event.subject_id, event.client_address, event.reason) == ("P\\x00", "a\\x00b", "no\\x00")
