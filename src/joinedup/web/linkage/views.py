"""What the linkage pages share: their labels, the reason field, ids read from a form,
the charts.

Every linkage page is for the data team and administrators: each checks its act from the
registry (:mod:`joinedup.permissions`) with ``require`` (the subjects it records are in
:mod:`joinedup.web.linkage.subjects`), audited either way, a clear 403 without. The gate is checked in its own
transaction, so that a refusal by the domain (:class:`~joinedup.people.ReviewRefused`)
rolls back a decision but not the audit of who asked.
"""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException
from sqlalchemy.orm import Session

from joinedup.people import REASON_MAX, Person, person_by_id
from joinedup.people.explanation import Comparison, Step, weight_of
from joinedup.web.charts import Row, SignedChart, show_probability, signed, signed_chart

QUEUE_PAGE = 25
RUNS_PAGE = 50

STATUS_LABELS = {"conflict": "Conflict", "refused": "Merge refused", "review": "For review", "linked": "Linked"}
STATUS_TAGS = {"conflict": "govuk-tag--red", "refused": "govuk-tag--orange", "review": "govuk-tag--blue",
               "linked": "govuk-tag--green"}
RUN_STATUS_TAGS = {"completed": "govuk-tag--green", "failed": "govuk-tag--red", "running": "govuk-tag--yellow"}

NO_DECISION = "Select whether these two records are the same person"
NO_REASON = "Enter a reason for your decision"
LONG_REASON = f"Reason must be {REASON_MAX:,} characters or fewer"


def base(section: str) -> dict[str, Any]:
    """What every linkage page's template needs: its place in the navigation and the labels."""
    return {"current": "linkage", "section": section, "status_labels": STATUS_LABELS,
            "status_tags": STATUS_TAGS, "run_status_tags": RUN_STATUS_TAGS, "show_probability": show_probability,
            "signed": signed, "reason_max": REASON_MAX}


def clean_reason(reason: str) -> tuple[str, list[tuple[str, str]]]:
    """The reason as typed, trimmed, and what is wrong with it (empty, or too long)."""
    reason = (reason or "").strip()
    if not reason:
        return reason, [("reason", NO_REASON)]
    if len(reason) > REASON_MAX:
        return reason, [("reason", LONG_REASON)]
    return reason, []


def person_or_404(session: Session, person_id: str) -> Person:
    person = person_by_id(session, person_id)
    if person is None:
        raise HTTPException(404)
    return person


def record_id(text: str) -> int:
    """A record's id from a form or query; 404 for anything else."""
    if not text.isdigit() or len(text) > 18:
        raise HTTPException(404)
    return int(text)


def waterfall_chart(steps: list[Step], threshold: float) -> SignedChart:
    """The waterfall of a pair's match weight, with the link threshold as a dashed line."""
    marker_weight = weight_of(threshold)
    marker = (marker_weight, f"Link threshold ({show_probability(threshold)})") if marker_weight is not None else None
    return signed_chart([Row(step.label, step.start, step.end, step.kind) for step in steps],
                        marker=marker, connect=True)


def weight_charts(comparisons: list[Comparison]) -> dict[str, SignedChart]:
    """A chart of each comparison's level weights, by its name (none for a comparison with
    no estimated weight)."""
    return {
        comparison.name: signed_chart([Row(level.label, 0.0, level.weight or 0.0) for level in comparison.levels])
        for comparison in comparisons
        if any(level.weight is not None for level in comparison.levels)
    }
