"""Monitoring that raises reviews (docs/monitoring.md): rules over the audit log raise
review tasks for the IG lead of the user's organisation, who records an outcome.

It sits above the involvement index: one rule asks whether the user's organisation is
involved with the people they viewed. People are named through the disclosure layer.
"""

from joinedup.monitoring.declarations import (
    DeclarationRefused,
    DeclaredStaff,
    declare,
    declare_own,
    own_declaration,
    reviewed_declarations,
    withdraw_own,
    written_postcode,
)
from joinedup.monitoring.models import (
    OUTCOMES,
    RULES,
    TASK_STATUSES,
    MonitoringTask,
    StaffDeclaration,
)
from joinedup.monitoring.rules import (
    MonitoringRules,
    RulesRefused,
    load_rules,
    rules_from,
    rules_path,
)
from joinedup.monitoring.run import RunReport, run_configured, run_monitoring
from joinedup.monitoring.tasks import (
    Evidence,
    FilterRefused,
    OrganisationSummary,
    OutcomeRefused,
    TaskList,
    TaskPage,
    decide_task,
    evidence,
    open_task,
    record_outcome,
    review_tasks,
    summary,
    task_list,
    task_people,
    task_to_review,
)

__all__ = [
    "OUTCOMES",
    "RULES",
    "TASK_STATUSES",
    "DeclarationRefused",
    "DeclaredStaff",
    "Evidence",
    "FilterRefused",
    "MonitoringRules",
    "MonitoringTask",
    "OrganisationSummary",
    "OutcomeRefused",
    "RulesRefused",
    "RunReport",
    "StaffDeclaration",
    "TaskList",
    "TaskPage",
    "decide_task",
    "declare",
    "declare_own",
    "evidence",
    "load_rules",
    "open_task",
    "own_declaration",
    "record_outcome",
    "review_tasks",
    "reviewed_declarations",
    "rules_from",
    "rules_path",
    "run_configured",
    "run_monitoring",
    "summary",
    "task_list",
    "task_people",
    "task_to_review",
    "withdraw_own",
    "written_postcode",
]
