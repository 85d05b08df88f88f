"""Agreements, consent, the sensitive-services shield and break-glass, decided by Cedar."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from joinedup.audit import Actor
from joinedup.db import transaction
from joinedup.ingest.models import SourceRecord
from joinedup.partners import Organisation, SourceSystem
from joinedup.people.models import Person, PersonRecord
from joinedup.sharing import StatedPurpose, decide_record_access, disclosed_fields
from joinedup.sharing.break_glass import start_break_glass
from joinedup.sharing.catalogue import ensure_catalogue
from joinedup.sharing.consent import record_consent
from joinedup.sharing.log import decision_bases
from joinedup.sharing.models import SharingDecision
from joinedup.sharing.rules import RuleError, create_agreement, new_version, set_status, sign, update_draft

IG = Actor(username="iris.ig", roles=frozenset({"ig_lead"}), channel="web")


def _place(session):
    orgs = {code: Organisation(code=code, name=code, type="police") for code in ("POL", "CSC", "VCS")}
    session.add_all(orgs.values())
    session.flush()
    systems = {
        "police": SourceSystem(code="police", name="Police records", owner_organisation_id=orgs["POL"].id),
        "voluntary": SourceSystem(code="voluntary", name="Referrals", owner_organisation_id=orgs["VCS"].id),
    }
    session.add_all(systems.values())
    session.flush()
    police = SourceRecord(source_system_id=systems["police"].id, local_id="N1", forename="Ann", surname="Lee",
                          phone="07700900001", row_hash="a",
                          facts={"incident_type": "Domestic", "dash_risk": "High", "worker_name": "PC Ray"})
    helped = SourceRecord(source_system_id=systems["voluntary"].id, local_id="V1", forename="Ann", surname="Lee",
                          row_hash="b", facts={"need": "Mental health support", "notes": "Low mood"})
    session.add_all([police, helped])
    person = Person(person_id="PANN", golden={}, record_count=2)
    session.add(person)
    session.flush()
    session.add_all([PersonRecord(source_record_id=police.id, person_id=person.id),
                     PersonRecord(source_record_id=helped.id, person_id=person.id)])
    ensure_catalogue(session, IG)
    session.flush()
    return orgs, police, helped, person


def _agreement(session, *, consent_required=False, overrides=True, parties=("POL", "CSC", "VCS")):
    version = create_agreement(
        session, IG, "TEST-ISA", "Test agreement",
        parties=[{"organisation": code, "provides": True, "receives": True} for code in parties],
        datasets={"safeguarding_child": ["identity", "police_incidents"], "early_help": ["identity", "sensitive_services"]},
        lawful_basis={"article6": ["6(1)(e) public task"], "gateways": ["Children Act 2004 s11"]},
        consent_required=consent_required, safeguarding_overrides=overrides,
    )
    for code in parties:
        sign(session, IG, version, organisation=code, name=f"Signatory {code}")
    set_status(session, IG, version, "active")
    return version


def _social_worker(orgs):
    return Actor(user_id=None, username="sam", organisation_id=orgs["CSC"].id, roles=frozenset({"practitioner"}),
                 channel="web")


def test_an_agreement_discloses_its_purposes_minimum_dataset_and_names_its_clause(engine):
    with transaction(engine) as session:
        orgs, police, _helped, _person = _place(session)
        version = _agreement(session)
        sam = _social_worker(orgs)
        (none,) = decide_record_access(session, sam, [police])
        assert not none.allowed  # no purpose stated: no agreement applies
        (shared,) = decide_record_access(session, sam, [police], purpose=StatedPurpose("safeguarding_child"))
        assert shared.allowed and shared.agreement_version_id == version.id
        assert shared.policy_ids == ("agreement:TEST-ISA:v1:safeguarding_child:POL->CSC",)
        shown = disclosed_fields(police, shared)
        assert shown["surname"] == "Lee" and shown["facts"] == {"incident_type": "Domestic", "dash_risk": "High"}
        assert "phone" not in shown and "worker_name" not in shown["facts"]
        (other,) = decide_record_access(session, sam, [police], purpose=StatedPurpose("crime_prevention"))
        assert not other.allowed
        logged = session.scalars(select(SharingDecision).order_by(SharingDecision.id)).all()
        assert [row.outcome for row in logged] == ["withheld", "shared", "withheld"]
        assert logged[1].agreement_version_id == version.id and logged[1].person_id == "PANN"
        # The clause by reference: the row keeps no words; they are read back as the decision said them.
        assert logged[1].basis == ""
        read_back = decision_bases(session, logged)[logged[1].id]
        assert read_back == shared.basis and "Children Act 2004 s11" in read_back


def test_consent_withdrawn_or_an_agreement_suspended_blocks_the_very_next_request(engine):
    with transaction(engine) as session:
        orgs, police, _helped, person = _place(session)
        version = _agreement(session, consent_required=True, overrides=True)
        sam = _social_worker(orgs)
        purpose = StatedPurpose("safeguarding_child")
        assert not decide_record_access(session, sam, [police], purpose=purpose)[0].allowed  # consent needed
        scope = {"purposes": ["safeguarding_child"], "organisations": ["CSC"], "categories": ["identity"]}
        record_consent(session, sam, person, decision="given", form="verbal", **scope)
        (given,) = decide_record_access(session, sam, [police], purpose=purpose)
        # Consent names its scope: identity, not the police incidents the agreement would share.
        assert given.allowed and "facts" not in disclosed_fields(police, given)
        assert disclosed_fields(police, given)["forename"] == "Ann"
        record_consent(session, sam, person, decision="withdrawn", form="written")
        assert not decide_record_access(session, sam, [police], purpose=purpose)[0].allowed
        # A stated safeguarding risk overrides, where the agreement says so.
        assert decide_record_access(session, sam, [police], purpose=StatedPurpose("safeguarding_child", True))[0].allowed
        record_consent(session, sam, person, decision="given", form="verbal", **scope)
        assert decide_record_access(session, sam, [police], purpose=purpose)[0].allowed
        set_status(session, IG, version, "suspended", reason="Under review")
        assert not decide_record_access(session, sam, [police], purpose=purpose)[0].allowed


def test_a_sensitive_service_is_shielded_unless_consent_names_it(engine):
    with transaction(engine) as session:
        orgs, _police, helped, person = _place(session)
        _agreement(session)
        sam = _social_worker(orgs)
        (shielded,) = decide_record_access(session, sam, [helped], purpose=StatedPurpose("early_help"))
        assert not shielded.allowed and shielded.shielded
        assert "shield:sensitive-services" in shielded.policy_ids
        scope = {"purposes": ["early_help"], "organisations": ["CSC"]}
        record_consent(session, sam, person, decision="given", form="written", categories=["identity"], **scope)
        (still,) = decide_record_access(session, sam, [helped], purpose=StatedPurpose("early_help"))
        assert not still.allowed and still.shielded, "consent that does not name the sensitive category"
        record_consent(session, sam, person, decision="given", form="written",
                       categories=["identity", "sensitive_services"], **scope)
        (allowed,) = decide_record_access(session, sam, [helped], purpose=StatedPurpose("early_help"))
        assert allowed.allowed and disclosed_fields(helped, allowed)["facts"]["need"] == "Mental health support"


def test_break_glass_opens_non_sensitive_categories_for_a_limited_time(engine):
    with transaction(engine) as session:
        orgs, police, helped, person = _place(session)
        from joinedup.accounts.models import User

        user = User(username="sam", display_name="Sam", organisation_id=orgs["CSC"].id, roles=["practitioner"],
                    password_hash="x")
        session.add(user)
        session.flush()
        sam = Actor(user_id=user.id, username="sam", organisation_id=orgs["CSC"].id, roles=frozenset({"practitioner"}),
                    channel="web")
        assert not decide_record_access(session, sam, [police])[0].allowed
        access = start_break_glass(session, sam, person, reason="Child missing overnight, police involved")
        glass, shielded = decide_record_access(session, sam, [police, helped])
        assert glass.allowed and glass.policy_ids == ("break-glass",) and glass.break_glass_id == access.id
        assert "phone" in disclosed_fields(police, glass)
        assert not shielded.allowed and shielded.shielded
        access.expires_at = access.started_at - timedelta(seconds=1)
        session.flush()
        assert not decide_record_access(session, sam, [police])[0].allowed


def test_versions_are_immutable_once_active_and_decisions_keep_their_version(engine):
    with transaction(engine) as session:
        orgs, police, _helped, _person = _place(session)
        first = _agreement(session)
        with pytest.raises(RuleError, match="Only a draft"):
            update_draft(session, IG, first, retention="forever")
        second = new_version(session, IG, first.agreement)
        update_draft(session, IG, second, datasets={"safeguarding_child": ["identity"]})
        with pytest.raises(RuleError, match="must sign"):
            set_status(session, IG, second, "active")
        for code in ("POL", "CSC", "VCS"):
            sign(session, IG, second, organisation=code, name="S")
        set_status(session, IG, second, "active")
        assert first.status == "ended"
        (decision,) = decide_record_access(session, _social_worker(orgs), [police],
                                           purpose=StatedPurpose("safeguarding_child"))
        assert decision.agreement_version_id == second.id and "facts" not in disclosed_fields(police, decision)
        assert session.scalar(select(SharingDecision.agreement_version_id)) == second.id


def test_an_agreement_outside_its_dates_allows_nothing(engine):
    with transaction(engine) as session:
        orgs, police, _helped, _person = _place(session)
        version = _agreement(session)
        second = new_version(session, IG, version.agreement)
        update_draft(session, IG, second, starts_on=date.today() + timedelta(days=30))
        for code in ("POL", "CSC", "VCS"):
            sign(session, IG, second, organisation=code, name="S")
        set_status(session, IG, second, "active")
        assert not decide_record_access(session, _social_worker(orgs), [police],
                                        purpose=StatedPurpose("safeguarding_child"))[0].allowed


def test_consent_naming_what_does_not_exist_is_refused_naming_the_field(engine):
    from joinedup.sharing.consent import ConsentError, consent_register

    with transaction(engine) as session:
        orgs, _police, _helped, person = _place(session)
        sam = _social_worker(orgs)
        for scope, field in (({"purposes": ["no_such"]}, "purposes"), ({"organisations": ["XYZ"]}, "organisations"),
                             ({"categories": ["nope"]}, "categories")):
            with pytest.raises(ConsentError) as refused:
                record_consent(session, sam, person, decision="refused", form="verbal", **scope)
            assert refused.value.field == field
        with pytest.raises(ConsentError) as unscoped:
            record_consent(session, sam, person, decision="given", form="verbal")
        assert [field for field, _message in unscoped.value.problems] == ["purposes", "organisations", "categories"]
        record_consent(session, sam, person, decision="given", form="verbal", purposes=["early_help"],
                       organisations=["POL"], categories=["identity"])
        record_consent(session, sam, person, decision="withdrawn", form="written")
        rows, total = consent_register(session, person_id="pann")
        assert total == 2 and [(consent.decision, public) for consent, public in rows] == [
            ("withdrawn", "PANN"), ("given", "PANN")]
        assert consent_register(session, decision="given")[1] == 1
        with pytest.raises(ConsentError):
            consent_register(session, decision="maybe")


def test_a_decision_not_to_share_names_a_real_purpose_and_another_organisation(engine):
    from joinedup.sharing.log import DeclineError, record_declined

    with transaction(engine) as session:
        orgs, _police, _helped, person = _place(session)
        sam = _social_worker(orgs)
        for kwargs, field in (({"purpose": "no_such", "reason": "No"}, "purpose"),
                              ({"purpose": "early_help", "recipient": "CSC", "reason": "No"}, "recipient"),
                              ({"purpose": "early_help", "recipient": "NOPE", "reason": "No"}, "recipient"),
                              ({"purpose": "early_help", "reason": "  "}, "reason")):
            with pytest.raises(DeclineError) as refused:
                record_declined(session, sam, person, **kwargs)
            assert refused.value.field == field
        with pytest.raises(DeclineError) as everything:
            record_declined(session, sam, person, purpose="", recipient="NOPE", reason="")
        assert [field for field, _message in everything.value.problems] == ["purpose", "recipient", "reason"]
        declined = record_declined(session, sam, person, purpose="early_help", recipient="POL",
                                   reason="Not proportionate")
        assert (declined.person_id, declined.outcome, declined.basis) == ("PANN", "declined", "Not shared with POL (POL)")
