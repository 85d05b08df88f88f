"""Reading the rules as the IG lead's pages and API show them: the agreements and their
versions, the purposes and categories, which active agreements name each purpose, and the
figures of the overview. Changing them is :mod:`joinedup.sharing.rules`."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from joinedup.audit import Actor
from joinedup.sharing.break_glass import break_glass_queue
from joinedup.sharing.models import (
    AgreementVersion,
    ConsentRecord,
    DataCategory,
    Purpose,
    SharingAgreement,
    SharingDecision,
)

#: How a purpose's or a category's code is written (lower-case letters, digits, underscores).
CATALOGUE_CODE = r"[a-z0-9_]{1,40}"
#: How an agreement's code is written, in any case.
AGREEMENT_CODE = r"[A-Za-z0-9_.-]{1,40}"


def purposes(session: Session) -> list[Purpose]:
    """Every purpose, by name."""
    return list(session.scalars(select(Purpose).order_by(Purpose.name)))


def categories(session: Session) -> list[DataCategory]:
    """Every data category, by name."""
    return list(session.scalars(select(DataCategory).order_by(DataCategory.name)))


def purpose_named(session: Session, code: str) -> Purpose | None:
    return session.scalar(select(Purpose).where(Purpose.code == code))


def category_named(session: Session, code: str) -> DataCategory | None:
    return session.scalar(select(DataCategory).where(DataCategory.code == code))


def purposes_in_use(session: Session) -> dict[str, list[str]]:
    """Purpose code → the agreements (``CODE vN``) whose active version names it."""
    used: dict[str, list[str]] = defaultdict(list)
    for version, code in session.execute(select(AgreementVersion, SharingAgreement.code).join(SharingAgreement)
                                         .where(AgreementVersion.status == "active")
                                         .order_by(SharingAgreement.code)):
        for purpose in version.datasets or {}:
            used[purpose].append(f"{code} v{version.version}")
    return used


@dataclass(frozen=True)
class AgreementRow:
    """An agreement with its latest version and its active one."""

    agreement: SharingAgreement
    latest: AgreementVersion | None
    active: AgreementVersion | None

    @property
    def shown(self) -> AgreementVersion | None:
        return self.active or self.latest


def agreement_rows(session: Session) -> list[AgreementRow]:
    """Every agreement, by code."""
    rows = []
    for agreement in session.scalars(select(SharingAgreement).order_by(SharingAgreement.code)):
        versions = list(agreement.versions)
        latest = versions[-1] if versions else None
        active = next((version for version in reversed(versions) if version.status == "active"), None)
        rows.append(AgreementRow(agreement, latest, active))
    return rows


def agreement_named(session: Session, code: str) -> SharingAgreement | None:
    """The agreement with ``code``, in any case."""
    return session.scalar(select(SharingAgreement).where(SharingAgreement.code == code.upper()))


def agreement_version(session: Session, code: str, number: int) -> AgreementVersion | None:
    """Version ``number`` of the agreement with ``code``."""
    agreement = agreement_named(session, code)
    if agreement is None:
        return None
    return session.scalar(select(AgreementVersion).where(AgreementVersion.agreement_id == agreement.id,
                                                         AgreementVersion.version == number))


def agreement_titles(session: Session) -> dict[str, str]:
    """Agreement code → title."""
    return dict(session.execute(select(SharingAgreement.code, SharingAgreement.title)).all())


@dataclass(frozen=True)
class Overview:
    """The figures of the IG lead's overview."""

    purposes: int
    categories: int
    agreements: int
    active: int
    drafts: int
    pending: int
    decisions: int
    consents: int


def overview(session: Session, actor: Actor) -> Overview:
    """How many of each thing there is, and how many break-glass accesses wait for ``actor``'s review."""

    def count(column, *where) -> int:
        return session.scalar(select(func.count(column)).where(*where)) or 0

    return Overview(
        purposes=count(Purpose.id), categories=count(DataCategory.id), agreements=count(SharingAgreement.id),
        active=count(AgreementVersion.id, AgreementVersion.status == "active"),
        drafts=count(AgreementVersion.id, AgreementVersion.status == "draft"),
        pending=len(break_glass_queue(session, actor)), decisions=count(SharingDecision.id),
        consents=count(ConsentRecord.id),
    )


def purpose_names(session: Session) -> dict[str, str]:
    """Purpose code → name."""
    return dict(session.execute(select(Purpose.code, Purpose.name)).all())


def category_names(session: Session) -> dict[str, str]:
    """Data category code → name."""
    return dict(session.execute(select(DataCategory.code, DataCategory.name)).all())


def agreement_codes(session: Session) -> list[str]:
    """Every agreement's code, in order."""
    return list(session.scalars(select(SharingAgreement.code).order_by(SharingAgreement.code)))


def version_names(session: Session, version_ids: set[int]) -> dict[int, tuple[str, int]]:
    """Agreement version id → (the agreement's code, the version's number)."""
    if not version_ids:
        return {}
    return {version_id: (code, number) for version_id, code, number in session.execute(
        select(AgreementVersion.id, SharingAgreement.code, AgreementVersion.version).join(SharingAgreement)
        .where(AgreementVersion.id.in_(version_ids)))}
