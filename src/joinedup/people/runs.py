"""What the data team reads of the index's workings: link runs, the pairs each kept, model
versions and the thresholds. None of it is personal data: counts, parameters and ids."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from joinedup.people.models import LinkModel, LinkPair, LinkRun, LinkSettings


def link_runs(session: Session, *, limit: int, offset: int = 0) -> tuple[list[LinkRun], int]:
    """A page of link runs, newest first, and how many there are."""
    total = session.scalar(select(func.count(LinkRun.id))) or 0
    found = session.scalars(select(LinkRun).order_by(LinkRun.id.desc()).limit(limit).offset(offset)).all()
    return list(found), total


def link_run(session: Session, run_id: int) -> LinkRun | None:
    return session.get(LinkRun, run_id)


def pairs_kept(session: Session, run_id: int) -> dict[str, int]:
    """How many pairs a run kept, by status (linked, review, refused, conflict)."""
    return dict(session.execute(select(LinkPair.status, func.count(LinkPair.id))
                                .where(LinkPair.run_id == run_id).group_by(LinkPair.status)).all())


def model_versions(session: Session) -> dict[int, int]:
    """Each model's version number, by its id (a run names its model by id)."""
    return dict(session.execute(select(LinkModel.id, LinkModel.version)).all())


def trained_models(session: Session) -> list[LinkModel]:
    """Every trained model version, newest first."""
    return list(session.scalars(select(LinkModel).order_by(LinkModel.version.desc())))


def model_version(session: Session, version: int) -> LinkModel | None:
    return session.scalar(select(LinkModel).where(LinkModel.version == version))


def last_full_runs(session: Session) -> dict[int, LinkRun]:
    """Each model's most recent completed full run, by model id."""
    runs: dict[int, LinkRun] = {}
    for run in session.scalars(select(LinkRun).where(LinkRun.kind == "full", LinkRun.status == "completed",
                                                     LinkRun.model_id.is_not(None)).order_by(LinkRun.id.desc())):
        runs.setdefault(run.model_id, run)
    return runs


def threshold_settings(session: Session) -> LinkSettings | None:
    """Who last set the thresholds and when; None while the defaults apply."""
    return session.get(LinkSettings, 1)
