"""What the live agreements allow, explained: the data-flow map's edges, the consent
script as a practitioner would say it, and the Cedar policies an agreement version
compiles to, by the policy point's own compiler."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.partners.directory import organisation_names
from joinedup.sharing.agreements import category_names, purpose_named
from joinedup.sharing.models import AgreementVersion, SharingAgreement
from joinedup.sharing.policy import compile_rules


@dataclass(frozen=True)
class Flow:
    """Data a provider may give a recipient, under one active agreement version and purpose."""

    provider: str
    recipient: str
    agreement: str
    version: int
    purpose: str
    categories: tuple[str, ...]


def data_flows(session: Session) -> list[Flow]:
    """Every flow the live agreements allow: who gives what to whom, for which purpose."""
    flows = []
    rows = session.execute(select(AgreementVersion, SharingAgreement.code).join(SharingAgreement)
                           .where(AgreementVersion.status == "active").order_by(SharingAgreement.code))
    for version, code in rows:
        providers = [party["organisation"] for party in version.parties or [] if party.get("provides")]
        recipients = [party["organisation"] for party in version.parties or [] if party.get("receives")]
        for purpose, categories in sorted((version.datasets or {}).items()):
            for provider in providers:
                for recipient in recipients:
                    if provider != recipient:
                        flows.append(Flow(provider, recipient, code, version.version, purpose, tuple(categories)))
    return flows


def script_example(session: Session, organisation_code: str, purpose_code: str) -> dict[str, str] | None:
    """The consent script's placeholders filled in for a practitioner of
    ``organisation_code`` asking for ``purpose_code``, from the live agreements; None when
    none lets them share it."""
    names = organisation_names(session)
    purpose = purpose_named(session, purpose_code)
    if purpose is None or organisation_code not in names:
        return None
    recipients, wanted = set(), set()
    for flow in data_flows(session):
        if flow.provider == organisation_code and flow.purpose == purpose_code:
            recipients.add(flow.recipient)
            wanted.update(flow.categories)
    if not recipients:
        return None
    named = category_names(session)
    return {
        "organisation": names[organisation_code],
        "recipients": words_list(sorted(names.get(code, code) for code in recipients)),
        "purpose": purpose.name[:1].lower() + purpose.name[1:] if purpose.name else purpose.code,
        "categories": words_list(sorted(named.get(code, code).lower() for code in wanted)),
    }


def words_list(items: list[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


@dataclass(frozen=True)
class CompiledPolicy:
    """One Cedar policy an agreement version compiles to, with what it discloses."""

    policy_id: str
    text: str
    purpose: str
    fields: tuple[str, ...]


def version_policies(session: Session, version: AgreementVersion) -> list[CompiledPolicy]:
    """The Cedar policies ``version`` compiles to, by the policy point's own compiler.

    An active version's are the ones in force. For a draft, suspended or ended version
    they are what it compiles to when active, with the purposes and categories as they
    stand: it is made active inside a savepoint that is rolled back, so nothing changes.
    """
    with session.begin_nested() as savepoint:
        if version.status != "active":
            version.status = "active"
            session.flush()
        compiled = compile_rules(session)
        savepoint.rollback()
    return [
        CompiledPolicy(clause.policy_id, text, clause.purpose, tuple(sorted(clause.fields)))
        for clause, text in zip(compiled.clauses, compiled.texts, strict=True)
        if clause.agreement_version_id == version.id
    ]
