"""The monitoring API's bodies and answers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from joinedup.web.params import Text

Outcome = Literal["no_concern", "advice_given", "escalated", "disciplinary_referral"]
Rule = Literal["unrelated_views", "refusals", "out_of_hours", "break_glass", "household"]


class PersonOut(BaseModel):
    person_id: str
    name: str = Field(description="The index's name for the person; empty when no longer in the index.")


class TaskOut(BaseModel):
    id: int
    rule: Rule
    rule_name: str
    status: Literal["open", "closed"]
    username: str = Field(description="The user whose accesses the task is about.")
    organisation_id: int | None
    window_start: datetime
    window_end: datetime
    count: int = Field(description="What the rule counted: people, refusals or views (1 for break-glass).")
    threshold: int = Field(description="The threshold it passed (0 for rules with none).")
    summary: str
    persons: list[str]
    raised_at: datetime
    outcome: Outcome | None
    note: str
    decided_by: str
    decided_at: datetime | None


class EvidenceOut(BaseModel):
    event_id: int
    at: datetime
    action: str
    outcome: str
    person_id: str
    person_name: str
    purpose: str
    relationship: str


class TaskDetailOut(TaskOut):
    organisation: str
    people: list[PersonOut]
    evidence: list[EvidenceOut]


class TaskPageOut(BaseModel):
    tasks: list[TaskOut]
    total: int
    limit: int
    offset: int


class OutcomeIn(BaseModel):
    outcome: Outcome
    note: Text = Field(min_length=1, max_length=4000, description="What you found and did.")


class DeclarationIn(BaseModel):
    surname: Text = Field(description="Your own surname, 200 characters or fewer.")
    postcode: Text = Field(description="Your home postcode, like LS1 4AP.")


class DeclarationOut(BaseModel):
    surname: str
    postcode: str
    declared_by: str = Field(description="Who recorded it: you, or an administrator from the starter form.")
    declared_at: datetime


class DeclaredStaffOut(BaseModel):
    username: str
    display_name: str
    organisation: str
    surname: str | None = Field(description="Empty when the declaration was withdrawn.")
    postcode: str | None
    declared_by: str | None
    declared_at: datetime | None
    withdrawn_at: datetime | None = Field(description="When they withdrew it, if they have not declared again.")
