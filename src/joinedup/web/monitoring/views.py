"""What the monitoring pages and API share: the words for rules, outcomes and statuses."""

from __future__ import annotations

from joinedup.monitoring import OUTCOMES, RULES

#: A page of tasks.
PAGE_SIZE = 25


def labels() -> dict:
    return {"rules": RULES, "outcomes": OUTCOMES, "current": "monitoring"}
