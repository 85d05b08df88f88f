"""The privacy notice says what the agreements in force say: who shares what, why, on what
lawful basis, and for how long; nothing from an agreement that is not in force."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from joinedup.audit import Actor
from joinedup.db import transaction
from joinedup.partners import Organisation
from joinedup.sharing.catalogue import ensure_demo_agreements
from joinedup.sharing.models import AgreementVersion, SharingAgreement
from joinedup.sharing.notice import plain_basis, privacy_notice
from joinedup.sharing.rules import create_agreement, set_status

IG = Actor(username="iris.ig", roles=frozenset({"ig_lead"}), channel="web")
TODAY = date(2026, 12, 2)


def _partners(session):
    for code, name in (("LA", "Joinford Council"), ("CSC", "Joinford Children's Social Care"),
                       ("EDU", "Joinford Schools"), ("NHS", "Joinford NHS"), ("POL", "Joinford Police"),
                       ("HSG", "Joinford Homes"), ("DWP", "Jobcentre Plus"), ("VCS", "Joinford Voluntary Action")):
        session.add(Organisation(code=code, name=name, type="council", contact_email=f"dpo@{code.lower()}.example"))
    session.flush()


def test_each_agreement_in_force_says_who_shares_what_why_on_what_basis_and_how_long(engine):
    with transaction(engine) as session:
        _partners(session)
        ensure_demo_agreements(session, IG, today=TODAY)
        notice = privacy_notice(session, today=TODAY)
    assert [section.code for section in notice.sections] == ["CSP-115", "JSCP-ISA", "SF-ISA"]
    children = next(section for section in notice.sections if section.code == "JSCP-ISA")
    assert "Joinford Police" in children.organisations and "Jobcentre Plus" not in children.organisations
    safeguarding = next(shared for shared in children.shared_for if shared.purpose == "Safeguarding a child")
    assert "Police incidents" in safeguarding.categories and "Identity" in safeguarding.categories
    assert "Protecting a child from harm" in safeguarding.why
    assert children.bases[0].reference == "6(1)(e) public task"
    assert children.bases[0].meaning.startswith("it is needed for a task carried out in the public interest")
    assert children.bases[1].meaning == "it is needed for reasons of substantial public interest set out in law"
    assert children.laws == ("Children Act 2004 s10", "Children Act 2004 s11")
    assert "still shared if a practitioner records that someone is at risk" in children.consent
    assert children.retention == "Until the child is 25"
    families = next(section for section in notice.sections if section.code == "SF-ISA")
    assert families.consent.startswith("Information is shared only with your agreement")
    assert families.retention == "2 years after the family's support ends"
    assert ("Jobcentre Plus", "dpo@dwp.example") in notice.contacts


def test_an_agreement_not_in_force_is_not_in_the_notice(engine):
    with transaction(engine) as session:
        _partners(session)
        ensure_demo_agreements(session, IG, today=TODAY)
        community = session.scalar(select(AgreementVersion).join(SharingAgreement)
                                   .where(SharingAgreement.code == "CSP-115"))
        set_status(session, IG, community, "suspended", reason="Under review after a complaint")
        create_agreement(session, IG, "DRAFT-1", "A draft never signed",
                         parties=[{"organisation": "LA", "provides": True, "receives": True}],
                         datasets={"early_help": ["identity"]}, lawful_basis={"article6": ["6(1)(e) public task"]})
        children = session.scalar(select(AgreementVersion).join(SharingAgreement)
                                  .where(SharingAgreement.code == "JSCP-ISA"))
        children.ends_on = date(2026, 12, 1)
        notice = privacy_notice(session, today=TODAY)
    assert [section.code for section in notice.sections] == ["SF-ISA"]
    assert "Joinford Police" not in {name for name, _contact in notice.contacts}


def test_a_reference_the_notice_does_not_know_is_kept_as_written():
    assert plain_basis("Section 47 enquiries").meaning == ""
    assert plain_basis("Section 47 enquiries").reference == "Section 47 enquiries"
    assert plain_basis("9(2)(h) health or social care").meaning == "it is needed for health or social care"
    assert plain_basis("6(1)(A) consent").meaning == "you have agreed to it (consent)"
