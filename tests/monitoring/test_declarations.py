"""Staff declarations (docs/monitoring.md): a member of staff declares, reads and withdraws
their own; a refusal names its field; the IG leads who review an organisation's tasks see
its staff's declarations and who withdrew one; every change is audited without the values."""

from __future__ import annotations

import pytest
from monitoring_support import SYSTEM, TUESDAY, actor, build_place, views
from sqlalchemy import select

from joinedup.audit import AuditEvent
from joinedup.db import transaction
from joinedup.errors import NotFound
from joinedup.monitoring import (
    DeclarationRefused,
    MonitoringRules,
    MonitoringTask,
    declare_own,
    own_declaration,
    reviewed_declarations,
    run_monitoring,
    withdraw_own,
)


@pytest.fixture
def place(engine):
    return build_place(engine)


def _declare(engine, username: str, surname: str, postcode: str) -> None:
    with transaction(engine) as session:
        declare_own(session, actor(engine, username), surname=surname, postcode=postcode)


def _seen_by(engine, username: str) -> list[tuple[str, str, str, bool]]:
    with transaction(engine) as session:
        return [(staff.username, staff.surname, staff.postcode, staff.withdrawn_at is not None)
                for staff in reviewed_declarations(session, actor(engine, username))]


def test_a_member_of_staff_declares_sees_replaces_and_withdraws_their_own(engine, place):
    sam = actor(engine, "sam.social")
    with transaction(engine) as session:
        assert own_declaration(session, sam) is None
    _declare(engine, "sam.social", "  Surname2 ", "ls1 4ap")
    _declare(engine, "sam.social", "Surname3", "LS14AP")  # a second replaces the first
    with transaction(engine) as session:
        found = own_declaration(session, sam)
        assert (found.surname, found.postcode, found.declared_by) == ("Surname3", "LS14AP", "sam.social")
        assert own_declaration(session, actor(engine, "pat.police")) is None  # only their own
        withdraw_own(session, sam)
    with transaction(engine) as session:
        assert own_declaration(session, sam) is None
        with pytest.raises(NotFound):
            withdraw_own(session, sam)
        events = session.execute(select(AuditEvent.action, AuditEvent.subject_id, AuditEvent.details)
                                 .where(AuditEvent.action.like("monitoring.declaration.%"))
                                 .order_by(AuditEvent.id)).all()
    assert [action for action, _subject, _details in events] == [
        "monitoring.declaration.save", "monitoring.declaration.save", "monitoring.declaration.withdraw"]
    assert {subject for _action, subject, _details in events} == {str(place.users["sam.social"])}
    assert not any("Surname" in str(details) or "LS1" in str(details) for _a, _s, details in events)


def test_a_declaration_refused_names_each_field(engine, place):
    with transaction(engine) as session, pytest.raises(DeclarationRefused) as refused:
        declare_own(session, actor(engine, "sam.social"), surname=" ", postcode="not a postcode")
    assert [field for field, _message in refused.value.problems] == ["surname", "postcode"]
    with transaction(engine) as session, pytest.raises(DeclarationRefused) as refused:
        declare_own(session, actor(engine, "sam.social"), surname="x" * 201, postcode="LS1 4AP")
    assert [field for field, _message in refused.value.problems] == ["surname"]
    with transaction(engine) as session:
        assert own_declaration(session, actor(engine, "sam.social")) is None


def test_the_ig_lead_sees_the_declarations_of_the_organisations_they_review(engine, place):
    _declare(engine, "sam.social", "Surname2", "LS1 4AP")
    _declare(engine, "pat.police", "Officer", "LS2 7EW")
    _declare(engine, "ada.admin", "Admin", "LS3 1AA")
    assert _seen_by(engine, "ivy.ig") == [("ada.admin", "Admin", "LS3 1AA", False),
                                          ("sam.social", "Surname2", "LS1 4AP", False)]
    assert _seen_by(engine, "pia.ig") == [("pat.police", "Officer", "LS2 7EW", False)]
    # The administrator reviews only an organisation without an IG lead: both have one.
    assert _seen_by(engine, "ada.admin") == []
    assert _seen_by(engine, "sam.social") == []  # a practitioner reviews nothing
    with transaction(engine) as session:
        withdraw_own(session, actor(engine, "sam.social"))
    assert _seen_by(engine, "ivy.ig") == [("ada.admin", "Admin", "LS3 1AA", False), ("sam.social", "", "", True)]
    _declare(engine, "sam.social", "Surname2", "LS1 4AP")  # declared again: no longer shown as withdrawn
    assert ("sam.social", "Surname2", "LS1 4AP", False) in _seen_by(engine, "ivy.ig")


def test_a_declaration_made_by_the_user_is_what_the_household_rule_compares(engine, place):
    _declare(engine, "sam.social", "surname2", "LS1 4AP")
    views(engine, place, "sam.social", TUESDAY, 1, start=2, relationship="Key worker")
    run_monitoring(engine, SYSTEM, MonitoringRules())
    with transaction(engine) as session:
        assert session.scalars(select(MonitoringTask.username).where(MonitoringTask.rule == "household")).all() == [
            "sam.social"]
