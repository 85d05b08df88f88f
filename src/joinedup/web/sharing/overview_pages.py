"""The IG lead's overview of governed sharing, and the consent script practitioners read
to people before asking (any signed-in user may open it; it holds no personal data)."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import Response

from joinedup.sharing.agreements import overview as sharing_overview
from joinedup.sharing.agreements import purposes
from joinedup.sharing.consent import CONSENT_SCRIPT
from joinedup.sharing.flows import script_example
from joinedup.web.context import CurrentVisit, PageUser, WebApp, render
from joinedup.web.params import Text
from joinedup.web.sharing.views import SCRIPT_PLACEHOLDERS, base, gate

router = APIRouter(include_in_schema=False)


@router.get("/sharing")
def overview(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit) -> Response:
    actor = visit.actor("web")
    gate(app, actor, action="sharing.view")
    with app.transaction() as session:
        counts = sharing_overview(session, actor)
    return render(request, "sharing/overview.html", {**base("overview"), "counts": counts})


def script_parts(script: str, values: dict[str, str] | None = None) -> list[tuple[str, bool]]:
    """The script as (text, is a placeholder) pieces, placeholders filled from ``values`` when given."""
    parts = []
    for index, piece in enumerate(re.split(r"\{(\w+)\}", script)):
        if index % 2:
            parts.append((values[piece] if values and piece in values else "{" + piece + "}", True))
        elif piece:
            parts.append((piece, False))
    return parts


@router.get("/sharing/consent-script")
def consent_script(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, purpose: Text = "") -> Response:
    """For every signed-in user: practitioners read this script to people before asking."""
    with app.transaction() as session:
        choices = purposes(session)
        example = script_example(session, user.organisation_code, purpose) if purpose else None
    paragraphs = [script_parts(paragraph) for paragraph in CONSENT_SCRIPT.split("\n\n")]
    filled = [script_parts(paragraph, example) for paragraph in CONSENT_SCRIPT.split("\n\n")] if example else None
    return render(request, "sharing/consent_script.html", {
        "current": "sharing" if user.has_role("ig_lead", "admin") else "", "section": "consent-script",
        "paragraphs": paragraphs, "filled": filled, "placeholders": SCRIPT_PLACEHOLDERS, "purposes": choices,
        "chosen": purpose if any(item.code == purpose for item in choices) else "",
        "governs": user.has_role("ig_lead", "admin"),
    })
