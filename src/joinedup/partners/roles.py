"""The roles in which a partner's practitioner works with a person, and how to reach them.

One catalogue for the involvement index, the directories and the mappings'
``[involvements]`` sections, so that a role means the same wherever it is named.
"""

from __future__ import annotations

#: role code → its name, as a practitioner reads it.
INVOLVEMENT_ROLES: dict[str, str] = {
    "allocated_social_worker": "Allocated social worker",
    "key_worker": "Key worker",
    "designated_safeguarding_lead": "Designated safeguarding lead",
    "class_teacher": "Class teacher",
    "gp": "GP",
    "health_visitor": "Health visitor",
    "school_nurse": "School nurse",
    "youth_justice_worker": "Youth justice worker",
    "housing_officer": "Housing officer",
    "work_coach": "Work coach",
    "probation_officer": "Probation officer",
    "voluntary_key_worker": "Voluntary-sector key worker",
}

#: contact route code → its name: the worker's phone, their secure e-mail, or the team's duty line.
CONTACT_ROUTES: dict[str, str] = {
    "phone": "Phone",
    "secure_email": "Secure e-mail",
    "duty_line": "Team duty line",
}
