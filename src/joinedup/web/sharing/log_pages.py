"""The decision log, its CSV export, and the consent register: who was shown what, why,
and what people agreed to. Read through :mod:`joinedup.disclosure.governance`; the
searches are checked by the domain (:func:`joinedup.sharing.log.log_filter`)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from joinedup.disclosure.governance import consent_rows, decision_log
from joinedup.partners.directory import organisation_names, organisations
from joinedup.sharing.agreements import agreement_codes, category_names, purpose_names
from joinedup.sharing.log import LogFilterRefused
from joinedup.sharing.models import CONSENT_DECISIONS, DECISION_OUTCOMES
from joinedup.web.context import CurrentVisit, PageUser, WebApp, render
from joinedup.web.pagination import page_count, page_links, page_number
from joinedup.web.params import Text
from joinedup.web.sharing.views import (
    ConsentQuery,
    LogQuery,
    base,
    csv_response,
    gate,
    on_form,
)

router = APIRouter(include_in_schema=False)

LOG_PAGE = 50
#: The search form's field for each the domain's refusals name.
LOG_FIELDS = {"person_id": "person", "username": "username", "organisation": "organisation",
              "agreement": "agreement", "outcome": "outcome", "since": "since", "until": "until"}


@router.get("/sharing/log")
def log(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, person: Text = "", username: Text = "",
        organisation: Text = "", agreement: Text = "", outcome: Text = "", since: Text = "", until: Text = "",
        page: Text = "1") -> Response:
    query = LogQuery.typed(person, username, organisation, agreement, outcome, since, until)
    number = page_number(page)
    gate(app, visit.actor("web"), action="sharing.log.view", details={"filters": query.params(), "page": number})
    rows, total, errors = [], 0, []
    with app.transaction() as session:
        try:
            rows, total = decision_log(session, query.filters(session), limit=LOG_PAGE,
                                       offset=(number - 1) * LOG_PAGE)
        except LogFilterRefused as exc:
            errors = on_form(exc, LOG_FIELDS, "person")
        choices = {"organisations": organisations(session), "agreements": agreement_codes(session),
                   "outcomes": DECISION_OUTCOMES}
    pages = page_count(total, LOG_PAGE)
    if number > pages and total:
        raise HTTPException(404)
    return render(request, "sharing/log.html", {
        **base("log"), **choices, "query": query, "rows": rows, "total": total, "errors": errors,
        "first": (number - 1) * LOG_PAGE + 1,
        "pagination": page_links("/sharing/log", query.params(), offset=(number - 1) * LOG_PAGE, limit=LOG_PAGE,
                                 total=total),
        "export_url": "/sharing/log/export.csv" + (f"?{urlencode(query.params())}" if query.params() else ""),
    }, status_code=400 if errors else 200)


@router.get("/sharing/log/export.csv")
def log_export(app: WebApp, user: PageUser, visit: CurrentVisit, person: Text = "", username: Text = "",
               organisation: Text = "", agreement: Text = "", outcome: Text = "", since: Text = "",
               until: Text = "") -> Response:
    actor = visit.actor("web")
    query = LogQuery.typed(person, username, organisation, agreement, outcome, since, until)
    gate(app, actor, action="sharing.log.export", details={"filters": query.params()})
    return csv_response(app, actor, query)


@router.get("/sharing/consent")
def consent(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, person: Text = "",
            decision: Text = "", page: Text = "1") -> Response:
    """The consent register: every consent, refusal and withdrawal practitioners recorded."""
    query = ConsentQuery(person.strip().upper()[:21], decision.strip()[:20])
    number = page_number(page)
    gate(app, visit.actor("web"), action="sharing.consent.view", details={"filters": query.params(), "page": number})
    errors = query.errors()
    rows, total = [], 0
    with app.transaction() as session:
        if not errors:
            rows, total = consent_rows(session, person_id=query.person, decision=query.decision, limit=LOG_PAGE,
                                       offset=(number - 1) * LOG_PAGE)
        names = organisation_names(session)
        purposes, categories = purpose_names(session), category_names(session)
    pages = page_count(total, LOG_PAGE)
    if number > pages and total:
        raise HTTPException(404)
    return render(request, "sharing/consent.html", {
        **base("consent"), "query": query, "rows": rows, "total": total, "errors": errors,
        "first": (number - 1) * LOG_PAGE + 1, "decisions": CONSENT_DECISIONS, "organisation_names": names,
        "purpose_names": purposes, "category_names": categories,
        "pagination": page_links("/sharing/consent", query.params(), offset=(number - 1) * LOG_PAGE,
                                 limit=LOG_PAGE, total=total),
    }, status_code=400 if errors else 200)

