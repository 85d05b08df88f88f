"""The catalogue of actions (joinedup.permissions): one name per act, documented, enforced."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from joinedup.accounts.permissions import ROLE_NAMES
from joinedup.audit import Actor, record_event
from joinedup.audit.events import UnknownAction
from joinedup.db import transaction
from joinedup.permissions import ACTIONS, FRONTLINE_ROLES, NON_READING_ROLES, PROCESSING_ROLES, ROLES

DOCS = Path(__file__).resolve().parents[1] / "docs" / "actions.md"
ROW = re.compile(r"^\| `([^`]+)` \| (.*) \| (.*) \| (.*) \|$")


def test_every_action_is_documented_as_it_is_registered():
    rows = {match.group(1): match.groups()[1:] for line in DOCS.read_text().splitlines()
            if (match := ROW.match(line))}
    assert sorted(rows) == sorted(ACTIONS), "docs/actions.md and joinedup.permissions.ACTIONS differ"
    for name, (description, subject, who) in rows.items():
        action = ACTIONS[name]
        assert (description, subject) == (action.description, action.subject_type), name
        if action.roles is not None:
            assert who == ", ".join(ROLE_NAMES[role] for role in sorted(action.roles)), name


def test_the_roles_acts_name_exist():
    for action in ACTIONS.values():
        assert action.roles is None or action.roles <= set(ROLES), action.name
        assert action.roles is None or action.refusal, f"{action.name}: a gated act says why it refuses"
    assert set(FRONTLINE_ROLES) | set(PROCESSING_ROLES) | set(NON_READING_ROLES) <= set(ROLES)


def test_the_audit_trail_refuses_a_name_not_in_the_catalogue(sqlite_engine):
    with transaction(sqlite_engine) as session:
        record_event(session, Actor.system(), action="sign_in", outcome="success")
        with pytest.raises(UnknownAction):
            record_event(session, Actor.system(), action="people.person.merge", outcome="success")
