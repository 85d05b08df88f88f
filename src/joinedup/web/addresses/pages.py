"""Addresses: the data team's review list and data-quality report, and the household view.

The review list and the report show agencies' addresses as they were sent, across every
source, so they are for the data team and administrators only: the role is the page's
gate (:func:`joinedup.accounts.roles.may_review_addresses`, audited either way, a clear
403 without it), and every record a page shows passes the sharing decision in one batch
per page (:func:`joinedup.sharing.decide_record_access`, actions ``address.review``,
``address.report`` and ``address.export``), which audits each record and discloses its
address fields only; the page shows nothing else of it. The household view is for everyone
signed in: it shows a gazetteer address and only the records there that the sharing
decision discloses to the viewer. Records it refuses are left out without a count,
because even "two records you cannot see" at an address says that other agencies are
involved with the people who live there.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.accounts import gate
from joinedup.permissions import ADDRESS_REVIEW_VIEW, action_named

#: When the page's gate lets someone in but the sharing decision refuses the record.
RECORD_DENIED = "No rule allows you to see this record's address."
from joinedup.disclosure import household_at
from joinedup.disclosure.addresses import disclose_anomalies, disclose_matches
from joinedup.gazetteer import (
    ANOMALY_KINDS,
    DECISION_ACTIONS,
    DecisionError,
    decide_address,
    find_addresses,
    get_match,
    quality_report,
    quality_report_csv,
    review_queue,
    search_gazetteer,
)
from joinedup.partners.models import SourceSystem
from joinedup.web.context import CheckedForm, CurrentVisit, PageUser, WebApp, render
from joinedup.web.pagination import page_number, pagination
from joinedup.web.params import Id, Text

router = APIRouter(include_in_schema=False)

#: How many addresses one page of the review list shows.
PAGE_SIZE = 25
#: How many gazetteer addresses a page of search results shows.
SEARCH_LIMIT = 20
SEARCH_MAX = 200
REASON_MAX = 500
SEARCH_FIRST = "Search the gazetteer, then select an address from the results"
UPRN = re.compile(r"\d{1,12}")

METHOD_LABELS = {"exact": "Exact", "probabilistic": "Probabilistic", "manual": "Manual decision"}

#: The decisions a reviewer can make, in the order the form offers them.
ACTIONS = DECISION_ACTIONS

#: What the banner says once a decision is saved, by the match's status afterwards.
DECIDED = {
    "matched": "is now matched to UPRN {uprn}",
    "out_of_area": "is marked as out of area",
    "unmatchable": "is marked as not matchable",
}


# --- finding an address (everyone) -------------------------------------------------


@router.get("/addresses")
def find(request: Request, app: WebApp, user: PageUser, q: Text | None = None, page: Text = "") -> Response:
    """Search the gazetteer (which holds no personal data) and go to an address."""
    context = {
        "current": "addresses",
        "q": q or "",
        "results": None,
        "found": None,
        "error": None,
        "may_review": user.has_role(*ADDRESS_REVIEW_VIEW.roles),
    }
    if q is not None:
        text = q.strip()
        if not text:
            context["error"] = "Enter part of an address, a postcode or a UPRN"
        elif len(text) > SEARCH_MAX:
            context["error"] = f"Search must be {SEARCH_MAX} characters or fewer"
        if context["error"]:
            return render(request, "addresses/find.html", context, status_code=400)
        with app.transaction() as session:
            found = find_addresses(session, text, page=page_number(page), per_page=SEARCH_LIMIT)
        context.update(results=found.addresses, found=found,
                       pagination=pagination("/addresses", {"q": q}, found.page, found.pages))
    return render(request, "addresses/find.html", context)


# --- the review list (data team) ----------------------------------------------------


@router.get("/addresses/review")
def review_list(
    request: Request,
    app: WebApp,
    user: PageUser,
    visit: CurrentVisit,
    source: Text = "",
    page: Text = "1",
    decided: Text = "",
) -> Response:
    page_number = _page_number(page)
    actor = visit.actor("web")
    rows, total, banner = [], 0, None
    with app.transaction() as session:
        sources = _sources(session)
        source_code = source if source in {code for code, _name in sources} else ""
        allowed = gate(session, actor, action_named("address.review.view"), details={"source": source_code, "page": page_number})
        if allowed:
            matches, total = review_queue(
                session,
                source_code=source_code or None,
                limit=PAGE_SIZE,
                offset=(page_number - 1) * PAGE_SIZE,
            )
            rows = [_item(match, fields) for match, fields, _decision in disclose_matches(session, actor, matches)]
            banner = _decided_banner(session, actor, decided)
    if not allowed:
        raise HTTPException(403, ADDRESS_REVIEW_VIEW.refusal)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    if page_number > pages and total:
        raise HTTPException(404)
    return render(
        request,
        "addresses/review_list.html",
        {
            "current": "addresses",
            "sources": sources,
            "source": source_code,
            "rows": rows,
            "total": total,
            "first": (page_number - 1) * PAGE_SIZE + 1,
            "pagination": _pagination(
                "/addresses/review", {"source": source_code} if source_code else {}, page_number, pages
            ),
            "banner": banner,
        },
    )


@router.get("/addresses/review/{match_id:int}")
def review_item(
    request: Request,
    app: WebApp,
    user: PageUser,
    visit: CurrentVisit,
    match_id: Id,
    q: Text | None = None,
    source: Text = "",
) -> Response:
    return _item_page(request, app, visit, match_id, q=q, source=source)


@router.post("/addresses/review/{match_id:int}")
def decide(
    request: Request,
    app: WebApp,
    user: PageUser,
    visit: CheckedForm,
    match_id: Id,
    action: Annotated[Text, Form()] = "",
    uprn: Annotated[Text, Form()] = "",
    reason: Annotated[Text, Form()] = "",
    q: Annotated[Text, Form()] = "",
    source: Annotated[Text, Form()] = "",
) -> Response:
    actor = visit.actor("web")
    errors: list[tuple[str, str]] = []
    reason = reason.strip()
    with app.transaction() as session:
        allowed = gate(session, actor, action_named("address.decide"), subject_id=match_id
        )
        match = get_match(session, match_id) if allowed else None
        if allowed and match is not None:
            errors = _decision_errors(action, uprn, reason, has_candidate=match.uprn is not None)
            if not errors:
                try:
                    decide_address(
                        session,
                        actor,
                        match_id,
                        action=action,
                        uprn=uprn if action == "choose" else None,
                        reason=reason,
                    )
                except DecisionError as exc:
                    message = str(exc)
                    errors = [("uprn" if action == "choose" else "action", message[:1].upper() + message[1:])]
    if not allowed:
        raise HTTPException(403, ADDRESS_REVIEW_VIEW.refusal)
    if match is None:
        raise HTTPException(404)
    if errors:
        return _item_page(
            request,
            app,
            visit,
            match_id,
            q=q or None,
            source=source,
            errors=errors,
            form={"action": action, "uprn": uprn, "reason": reason},
            status_code=400,
        )
    params = {"decided": str(match_id)} | ({"source": source} if source else {})
    return RedirectResponse(f"/addresses/review?{urlencode(params)}", status_code=303)


def _decision_errors(action: str, uprn: str, reason: str, *, has_candidate: bool) -> list[tuple[str, str]]:
    errors = []
    if action not in ACTIONS:
        errors.append(("action", "Select what should happen to this address"))
    elif action == "accept" and not has_candidate:
        errors.append(("action", "There is no candidate to accept: choose another address or mark it"))
    elif action == "choose" and not uprn:
        errors.append(("uprn", "Select an address from the gazetteer search results"))
    elif action == "choose" and not UPRN.fullmatch(uprn):
        errors.append(("uprn", "Select an address from the gazetteer search results"))
    if len(reason) > REASON_MAX:
        errors.append(("reason", f"Reason must be {REASON_MAX} characters or fewer"))
    return errors


def _item_page(
    request: Request,
    app,
    visit,
    match_id: int,
    *,
    q: str | None,
    source: str,
    errors: list[tuple[str, str]] | None = None,
    form: dict | None = None,
    status_code: int = 200,
) -> Response:
    errors = list(errors or [])
    search_error = None
    if q is not None:
        q = q.strip()
        if not q:
            search_error = "Enter part of an address, a postcode or a UPRN"
        elif len(q) > SEARCH_MAX:
            search_error = f"Search must be {SEARCH_MAX} characters or fewer"
    actor = visit.actor("web")
    item = results = None
    disclosed = True
    with app.transaction() as session:
        allowed = gate(session, actor, action_named("address.review.view"), subject_id=match_id)
        match = get_match(session, match_id) if allowed else None
        if match is not None:
            shown = disclose_matches(session, actor, [match])
            disclosed = bool(shown)
            item = _item(match, shown[0][1]) if shown else None
        results = (
            _distinct_uprns(search_gazetteer(session, q, limit=SEARCH_LIMIT))
            if item is not None and q and not search_error
            else None
        )
    if not allowed:
        raise HTTPException(403, ADDRESS_REVIEW_VIEW.refusal)
    if not disclosed:
        raise HTTPException(403, RECORD_DENIED)
    if item is None:
        raise HTTPException(404)
    if search_error:
        errors.insert(0, ("q", search_error))
        status_code = 400
    if not results:
        # Without search results there is no address to select: point at the search box.
        errors = [(field, message) if field != "uprn" else ("q", SEARCH_FIRST) for field, message in errors]
    form = form or {}
    chosen = form.get("action") or ("choose" if results else "")
    back = "/addresses/review" + (f"?{urlencode({'source': source})}" if source else "")
    return render(
        request,
        "addresses/review_item.html",
        {
            "current": "addresses",
            "item": item,
            "q": q or "",
            "results": results,
            "errors": errors,
            "search_error": next((message for field, message in errors if field == "q"), None),
            "chosen": chosen,
            "chosen_uprn": form.get("uprn", ""),
            "reason": form.get("reason", ""),
            "source": source,
            "back": back,
            "reason_max": REASON_MAX,
            "method_labels": METHOD_LABELS,
        },
        status_code=status_code,
    )


# --- the data-quality report (data team) -------------------------------------------


@router.get("/addresses/report")
def report(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, source: Text = "") -> Response:
    actor = visit.actor("web")
    shaped = None
    with app.transaction() as session:
        sources = _sources(session)
        source_code = source if source in {code for code, _name in sources} else ""
        allowed = gate(session, actor, action_named("address.report.view"),
            subject_id=source_code,
        )
        if allowed:
            found = quality_report(session, source_code=source_code or None)
            # Counts are aggregates; the rows the page lists are records, so each is decided.
            rows = disclose_anomalies(session, actor, _first_of_each_kind(found.anomalies), action="address.report")
            shaped = shape_report(found, rows)
    if not allowed:
        raise HTTPException(403, ADDRESS_REVIEW_VIEW.refusal)
    csv_url = "/addresses/report.csv" + (f"?{urlencode({'source': source_code})}" if source_code else "")
    return render(
        request,
        "addresses/report.html",
        {
            "current": "addresses",
            "sources": sources,
            "source": source_code,
            "source_name": dict(sources).get(source_code, ""),
            "report": shaped,
            "chart": bar_chart(shaped.rates) if shaped.rates else None,
            "csv_url": csv_url,
        },
    )


@router.get("/addresses/report.csv")
def report_csv(app: WebApp, user: PageUser, visit: CurrentVisit, source: Text = "") -> Response:
    actor = visit.actor("web")
    text = ""
    with app.transaction() as session:
        sources = _sources(session)
        source_code = source if source in {code for code, _name in sources} else ""
        allowed = gate(session, actor, action_named("address.report.export"),
            subject_id=source_code,
        )
        if allowed:
            found = quality_report(session, source_code=source_code or None)
            shown = disclose_anomalies(session, actor, found.anomalies, action="address.export")
            text = quality_report_csv(replace(found, anomalies=shown))
    if not allowed:
        raise HTTPException(403, ADDRESS_REVIEW_VIEW.refusal)
    name = f"address-quality-{source_code or 'all'}.csv"
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


# --- the household view (everyone, through the sharing decision) -------------------


@router.get("/addresses/{uprn}")
def household(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, uprn: Text) -> Response:
    if not UPRN.fullmatch(uprn):
        raise HTTPException(404)
    with app.transaction() as session:
        found = household_at(session, visit.actor("web"), uprn)
    if found.address is None:
        raise HTTPException(404)
    return render(
        request,
        "addresses/household.html",
        {
            "current": "addresses",
            "household": found,
            "alternatives": [
                other
                for index, other in enumerate(found.alternatives)
                if other.single_line != found.address.single_line
                and other.single_line not in {earlier.single_line for earlier in found.alternatives[:index]}
            ],
            "may_review": user.has_role(*ADDRESS_REVIEW_VIEW.roles),
        },
    )


# --- shaping ------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A gazetteer address as the review page shows it."""

    role: str
    uprn: str
    address: str
    postcode: str
    classification: str
    in_boundary: bool | None
    retired: bool
    score: float | None


@dataclass(frozen=True)
class ReviewItem:
    id: int
    source_code: str
    source_name: str
    local_id: str
    address_text: str
    postcode: str
    status: str
    method: str | None
    score: float | None
    uprn: str | None
    reason: str
    needs_rematch: bool
    candidates: list[Candidate]


def _item(match, fields: dict) -> ReviewItem:
    """A match as the review shows it: of the source record, only ``fields``, the fields
    the sharing decision disclosed."""
    candidates = [
        _candidate(role, uprn, score, address)
        for role, uprn, score, address in (
            ("Best candidate", match.uprn, match.score, match.candidate),
            ("Runner-up", match.runner_up_uprn, match.runner_up_score, match.runner_up),
        )
        if uprn
    ]
    return ReviewItem(
        id=match.id,
        source_code=match.source_system.code,
        source_name=match.source_system.name,
        local_id=fields.get("local_id") or "",
        address_text=fields.get("address_text") or "",
        postcode=fields.get("postcode") or "",
        status=match.status,
        method=match.method,
        score=match.score,
        uprn=match.uprn,
        reason=match.reason or "",
        needs_rematch=bool(match.needs_rematch),
        candidates=candidates,
    )


def _candidate(role: str, uprn: str, score: float | None, address) -> Candidate:
    if address is None:
        return Candidate(role, uprn, "Not in the gazetteer", "", "", None, True, score)
    return Candidate(
        role=role,
        uprn=uprn,
        address=address.single_line,
        postcode=address.postcode,
        classification=address.classification,
        in_boundary=address.in_boundary,
        retired=address.retired_at is not None,
        score=score,
    )


def _distinct_uprns(addresses) -> list:
    """One row per UPRN: a search can find several ways of writing one property."""
    seen: set[str] = set()
    kept = []
    for address in addresses:
        if address.uprn not in seen:
            seen.add(address.uprn)
            kept.append(address)
    return kept


def _decided_banner(session: Session, actor, decided: str) -> dict | None:
    """What the banner says about the decided match: its address only if the sharing
    decision discloses it (the id is in the URL, so anyone can put any id there)."""
    if not decided.isdigit() or len(decided) > 18:
        return None
    match = get_match(session, int(decided))
    if match is None or match.decision_id is None or match.status not in DECIDED:
        return None
    shown = disclose_matches(session, actor, [match])
    if not shown:
        return None
    return {
        "address": shown[0][1].get("address_text") or "The address",
        "outcome": DECIDED[match.status].format(uprn=match.uprn),
        "uprn": match.uprn if match.status == "matched" else None,
    }


def _sources(session: Session) -> list[tuple[str, str]]:
    """Every source system's code and name, for the source filters."""
    return [
        (code, name)
        for code, name in session.execute(
            select(SourceSystem.code, SourceSystem.name).order_by(SourceSystem.name)
        )
    ]


def _page_number(value: str) -> int:
    return int(value) if value.isdigit() and 0 < int(value) < 1_000_000 else 1


def _pagination(path: str, params: dict[str, str], page: int, pages: int) -> dict | None:
    """GOV.UK pagination: the first, last, current and neighbouring pages, with gaps."""
    if pages <= 1:
        return None

    def url(number: int) -> str:
        return f"{path}?{urlencode(params | {'page': str(number)})}"

    shown = sorted({1, pages, page - 1, page, page + 1} & set(range(1, pages + 1)))
    items: list[dict | None] = []
    for number in shown:
        if items and items[-1] is not None and number - items[-1]["number"] > 1:
            items.append(None)
        items.append({"number": number, "url": url(number), "current": number == page})
    return {
        "previous": url(page - 1) if page > 1 else None,
        "next": url(page + 1) if page < pages else None,
        "items": items,
    }


# --- the report, shaped for the page, and its chart -----------------------------------

#: How many anomalies of each kind the page lists; the CSV export has them all.
ANOMALIES_SHOWN = 100

ANOMALY_EMPTY = {
    "postcode_mismatch": "Every matched address has the postcode the gazetteer gives it.",
    "conflicting_addresses": "No local id has records matched to different addresses.",
    "non_residential": "No home address is matched to a care home, school, hostel or commercial property.",
}


@dataclass(frozen=True)
class Rate:
    label: str
    matched: int
    total: int

    @property
    def percent(self) -> float:
        return 100 * self.matched / self.total if self.total else 0.0


@dataclass(frozen=True)
class AnomalyGroup:
    kind: str
    title: str
    count: int
    rows: list
    empty: str


@dataclass(frozen=True)
class ShapedReport:
    """The domain's report, with what the page adds: rates, a summary line and grouped anomalies."""

    rows: list  # SourceQuality per source, then the overall figures when there are several
    overall: object
    rates: list[Rate]
    boundary: list[tuple[str, int, int]]
    boundary_summary: str
    anomalies: list[AnomalyGroup]
    source_names: dict[str, str]
    anomalies_shown: int = ANOMALIES_SHOWN


def _first_of_each_kind(anomalies) -> list:
    """The anomaly rows the page lists: the first :data:`ANOMALIES_SHOWN` of each kind."""
    kept, seen = [], dict.fromkeys(ANOMALY_KINDS, 0)
    for anomaly in anomalies:
        if seen.get(anomaly.kind, 0) < ANOMALIES_SHOWN:
            seen[anomaly.kind] = seen.get(anomaly.kind, 0) + 1
            kept.append(anomaly)
    return kept


def shape_report(report, shown=None) -> ShapedReport:
    """``shown``: the anomaly rows to list, as the sharing decision disclosed them (none
    when not given); the counts are the report's, every anomaly."""
    overall = report.overall
    rows = list(report.sources) + ([overall] if len(report.sources) > 1 else [])
    before, after = overall.before, overall.after
    boundary = [
        ("Inside the boundary", before.inside, after.inside),
        ("Outside the boundary", before.outside, after.outside),
        ("Not known", before.unknown, after.unknown),
    ]
    summary = (
        f"Inside/outside the boundary went from {_short(before.inside)}/{_short(before.outside)} by postcode "
        f"to {_short(after.inside)}/{_short(after.outside)} by UPRN."
        if overall.records
        else ""
    )
    groups = []
    counts = report.anomaly_counts
    for kind, title in ANOMALY_KINDS.items():
        listed = [anomaly for anomaly in shown or () if anomaly.kind == kind]
        groups.append(
            AnomalyGroup(kind, title, counts.get(kind, 0), listed[:ANOMALIES_SHOWN], ANOMALY_EMPTY.get(kind, "None."))
        )
    return ShapedReport(
        rows=rows,
        overall=overall,
        rates=[Rate(source.name, source.matched, source.records) for source in report.sources if source.records],
        boundary=boundary,
        boundary_summary=summary,
        anomalies=groups,
        source_names={source.source: source.name for source in report.sources},
    )


def _short(count: int) -> str:
    """Nottingham's style: 154k for 154,000; small counts as they are."""
    if count >= 10_000:
        return f"{count / 1000:.0f}k"
    if count >= 1_000:
        return f"{count / 1000:.1f}k"
    return str(count)


@dataclass(frozen=True)
class Bar:
    label: str
    value: str
    y: float
    width: float
    text_y: float
    value_x: float
    value_anchor: str
    value_fill: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    label_width: int
    plot_width: int
    bar_height: int
    bars: list[Bar]
    ticks: list[tuple[float, str]]
    axis_y: float


def bar_chart(rates: list[Rate]) -> Chart:
    """A horizontal bar per source: its match rate as a share of a fixed 0–100% axis.

    Drawn on the server as SVG geometry with presentation attributes (no inline style,
    which the content security policy forbids).
    """
    label_width, plot_width, bar_height, gap, top = 220, 420, 28, 14, 8
    bars = []
    for index, rate in enumerate(rates):
        y = top + index * (bar_height + gap)
        width = round(plot_width * min(max(rate.percent, 0.0), 100.0) / 100, 1)
        inside = width > 70
        bars.append(
            Bar(
                label=rate.label,
                value=f"{rate.percent:.1f}%",
                y=y,
                width=width,
                text_y=y + bar_height / 2 + 6,
                value_x=label_width + (width - 8 if inside else width + 8),
                value_anchor="end" if inside else "start",
                value_fill="#ffffff" if inside else "#0b0c0c",
            )
        )
    axis_y = top + len(rates) * (bar_height + gap)
    ticks = [(label_width + plot_width * share / 100, f"{share}%") for share in (0, 25, 50, 75, 100)]
    return Chart(
        width=label_width + plot_width + 30,
        height=int(axis_y + 30),
        label_width=label_width,
        plot_width=plot_width,
        bar_height=bar_height,
        bars=bars,
        ticks=ticks,
        axis_y=axis_y,
    )
