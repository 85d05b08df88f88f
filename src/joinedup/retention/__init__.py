"""Retention: personal data past the retention period of the agreement it came under is
deleted, and the audit log's oldest entries are withheld without changing its tree
(docs/retention.md). :func:`run_retention` is what ``joinedup retention run`` calls."""

from joinedup.retention.job import (
           DueRecord,
           RetentionPlan,
           Term,
           agreement_terms,
           plan_retention,
           run_retention,
)
from joinedup.retention.periods import RetentionPeriod, add_months, read_period

__all__ = ["DueRecord", "RetentionPeriod", "RetentionPlan", "Term", "add_months", "agreement_terms",
           "plan_retention", "read_period", "run_retention"]
