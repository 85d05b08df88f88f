"""An administrator changes a user's roles, saying why; the change is audited with the
roles before and after, which is how a record of an earlier access keeps the role its
user held then (docs/transparency.md)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from joinedup.accounts import change_roles, create_user, roles_held
from joinedup.audit import Actor, AuditEvent
from joinedup.db import transaction, utcnow
from joinedup.errors import Forbidden, NotFound, Refusal

ADMIN = Actor(username="root", roles=frozenset({"admin"}), channel="cli")


@pytest.fixture
def sam(engine, organisation_id) -> int:
    with transaction(engine) as session:
        return create_user(session, username="sam.social", password="a long enough password", display_name="Sam",
                           organisation=organisation_id, roles=["practitioner"]).id


def _events(session, outcome: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == "account.roles",
                                                         AuditEvent.outcome == outcome)))


def test_an_administrator_changes_the_roles_and_the_roles_held_before_are_kept(engine, sam):
    with transaction(engine) as session:
        before_change = utcnow()
        user = change_roles(session, ADMIN, "Sam.Social", ["mash_officer", "practitioner"], "Joined the MASH")
        assert user.roles == ["practitioner", "mash_officer"]
        (event,) = _events(session, "success")
        assert (event.subject_id, event.reason, event.details) == (
            str(sam), "Joined the MASH", {"before": ["practitioner"], "after": ["practitioner", "mash_officer"]})
        held = roles_held(session, {sam})
        assert held.at(sam, before_change - timedelta(seconds=1)) == ("practitioner",)
        assert held.at(sam, event.at + timedelta(seconds=1)) == ("practitioner", "mash_officer")
        assert held.role_name(sam, before_change - timedelta(seconds=1), "?") == "Practitioner"
        assert held.at(None, before_change) is None


def test_only_an_administrator_changes_roles_and_a_refusal_is_audited(engine, sam):
    with transaction(engine) as session:
        practitioner = Actor(user_id=sam, username="sam.social", roles=frozenset({"practitioner"}), channel="web")
        with pytest.raises(Forbidden):
            change_roles(session, practitioner, "sam.social", ["admin"], "Promote myself")
        (refused,) = _events(session, "denied")
        assert refused.actor == "sam.social"
    with transaction(engine) as session:
        assert roles_held(session, {sam}).current[sam] == ("practitioner",)


@pytest.mark.parametrize(("roles", "reason", "field"), [
    (["wizard"], "Why not", "roles"), ([], "Why not", "roles"), (["trainer"], "  ", "reason"),
    (["trainer"], "x" * 2_001, "reason"), (["practitioner"], "Nothing changes", "roles"),
])
def test_bad_changes_are_refused_naming_the_field(engine, sam, roles, reason, field):
    with transaction(engine) as session, pytest.raises(Refusal) as refused:
        change_roles(session, ADMIN, "sam.social", roles, reason)
    assert refused.value.field == field


def test_an_unknown_user_is_refused(engine, sam):
    with transaction(engine) as session, pytest.raises(NotFound):
        change_roles(session, ADMIN, "nobody", ["trainer"], "Why not")
