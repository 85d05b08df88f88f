"""The agreement rules, in the domain functions every entry point calls (pages, API, CLI,
the demo): only a draft is signed; a signed date has come; suspending or ending needs a
reason; purposes, categories and agreements are each added once. And the decision log's
search, checked by the domain."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from joinedup.audit import Actor, AuditEvent
from joinedup.db import transaction
from joinedup.disclosure.preview import NoSuchPerson, PreviewRefused, preview
from joinedup.partners import Organisation
from joinedup.sharing.catalogue import ensure_catalogue
from joinedup.sharing.log import LogFilterRefused, log_filter
from joinedup.sharing.models import DataCategory, Purpose, SharingAgreement
from joinedup.sharing.rules import (
    RuleError,
    TermRefused,
    create_agreement,
    save_category,
    save_purpose,
    set_status,
    sign,
)

IG = Actor(username="iris.ig", roles=frozenset({"ig_lead"}), channel="web")
PARTIES = ("POL", "CSC")


def _draft(session):
    session.add_all(Organisation(code=code, name=code, type="police") for code in PARTIES)
    session.flush()
    ensure_catalogue(session, IG)
    return create_agreement(
        session, IG, "TEST-ISA", "Test agreement",
        parties=[{"organisation": code, "provides": True, "receives": True} for code in PARTIES],
        datasets={"safeguarding_child": ["identity"]}, lawful_basis={"article6": ["6(1)(e) public task"]},
    )


def _active(session):
    version = _draft(session)
    for code in PARTIES:
        sign(session, IG, version, organisation=code, name=f"Signatory {code}")
    return set_status(session, IG, version, "active")


def _events(session, action: str) -> int:
    return session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == action)) or 0


@pytest.mark.parametrize("status", ["active", "suspended", "ended"])
def test_only_a_draft_is_signed(engine, status):
    with transaction(engine) as session:
        version = _active(session)
        if status != "active":
            set_status(session, IG, version, status, reason="Under review")
        signed = list(version.signatories)
        with pytest.raises(RuleError) as refused:
            sign(session, IG, version, organisation="POL", name="Someone else", signed_on=date.today())
        assert (refused.value.field, refused.value.message) == ("status", "Only a draft is signed: make a new version.")
        assert version.signatories == signed


def test_a_signed_date_is_not_in_the_future(engine):
    with transaction(engine) as session:
        version = _draft(session)
        tomorrow = date.today() + timedelta(days=1)
        with pytest.raises(TermRefused) as refused:
            sign(session, IG, version, organisation="POL", name="Chief", signed_on=tomorrow)
        assert (refused.value.field, refused.value.status) == ("signed_on", 422)
        assert not version.signatories and _events(session, "sharing.agreement.sign") == 0
        sign(session, IG, version, organisation="POL", name="Chief", signed_on=date.today())
        assert [item["signed_on"] for item in version.signatories] == [date.today().isoformat()]


@pytest.mark.parametrize("status", ["suspended", "ended"])
@pytest.mark.parametrize("reason", ["", "   "])
def test_suspending_or_ending_needs_a_reason(engine, status, reason):
    with transaction(engine) as session:
        version = _active(session)
        before = _events(session, "sharing.agreement.status")
        with pytest.raises(TermRefused) as refused:
            set_status(session, IG, version, status, reason=reason)
        assert (refused.value.field, refused.value.status) == ("reason", 422)
        assert version.status == "active" and _events(session, "sharing.agreement.status") == before
        set_status(session, IG, version, status, reason="Replaced by a new protocol")
        assert version.status == status


def test_a_purpose_is_added_once(engine):
    with transaction(engine) as session:
        ensure_catalogue(session, IG)
        count = session.scalar(select(func.count(Purpose.id)))
        with pytest.raises(RuleError) as refused:
            save_purpose(session, IG, "Early help", name="Again", new=True)  # the same code, written otherwise
        assert refused.value.field == "code" and "already a purpose early_help" in refused.value.message
        assert session.scalar(select(func.count(Purpose.id))) == count
        assert session.scalar(select(Purpose.name).where(Purpose.code == "early_help")) == "Early help"


def test_a_data_category_is_added_once(engine):
    with transaction(engine) as session:
        ensure_catalogue(session, IG)
        count = session.scalar(select(func.count(DataCategory.id)))
        with pytest.raises(RuleError) as refused:
            save_category(session, IG, "identity", name="Again", fields=["surname"], facts=[], new=True)
        assert refused.value.field == "code" and "already a data category identity" in refused.value.message
        assert session.scalar(select(func.count(DataCategory.id))) == count
        assert session.scalar(select(DataCategory.name).where(DataCategory.code == "identity")) == "Identity"


def test_an_agreement_is_added_once(engine):
    with transaction(engine) as session:
        _draft(session)
        with pytest.raises(RuleError) as refused:
            create_agreement(session, IG, "test-isa", "Again")
        assert refused.value.field == "code"
        assert session.scalar(select(func.count(SharingAgreement.id))) == 1


def test_a_search_of_the_decision_log_names_every_field_it_cannot_search_for(engine):
    with transaction(engine) as session:
        _draft(session)
        with pytest.raises(LogFilterRefused) as refused:
            log_filter(session, person_id="P-1", username="x" * 121, organisation="NOPE", agreement="NOPE",
                       outcome="maybe")
        assert [field for field, _message in refused.value.problems] == [
            "person_id", "username", "organisation", "agreement", "outcome"]
        found = log_filter(session, person_id="P0A1B2C3D4E", organisation="POL", agreement="test-isa",
                           outcome="shared")
        assert found.organisation_id == session.scalar(select(Organisation.id).where(Organisation.code == "POL"))


def test_view_as_names_every_field_wrong_and_a_missing_person_apart(engine):
    with transaction(engine) as session:
        _draft(session)
        with pytest.raises(PreviewRefused) as refused:
            preview(session, IG, "P0000000000", organisation="NOPE", role="wizard", purpose="nonesuch")
        assert not isinstance(refused.value, NoSuchPerson)
        assert [field for field, _message in refused.value.problems] == ["organisation", "role", "purpose",
                                                                         "person_id"]
        with pytest.raises(NoSuchPerson) as missing:
            preview(session, IG, "P0000000000", organisation="POL", role="practitioner")
        assert (missing.value.status, missing.value.message) == (404, "There is no person P0000000000.")
