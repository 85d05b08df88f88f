"""The data team's linkage pages: link runs, the review queue, a pair and why it scored as
it did, merge and split, and the linkage model.

Every page here is for the data team and administrators: the role is the pages' gate
(:func:`joinedup.accounts.roles.may_review_links`, audited either way, a clear 403
without it). Every source record a page shows passes the sharing decision in one batch
(:func:`joinedup.sharing.decide_record_access`, action ``person.review``), which audits
each record; the page shows only the identifying fields it disclosed
(:data:`IDENTIFYING_FIELDS`), never an agency's facts, even when the decision would allow
more (a member of the data team sees their own organisation's records in full elsewhere).

Decisions go through the domain (:mod:`joinedup.people.review`) and apply at once; the
page only checks the form. The gate is checked in its own transaction, so that a refusal
by the domain (:class:`~joinedup.people.ReviewRefused`) rolls back the decision but not
the audit of who asked.

The helpers that read and shape records, explanations and models are shared with the
JSON API (:mod:`joinedup.web.linkage.api`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from joinedup.disclosure.linkage import (
    COMPARED_FIELDS,
    LINK_RECORD_DENIED,
    RecordView,
    disclose_for_review,
)
from joinedup.ingest.models import SourceRecord
from joinedup.people import (
    LinkModel,
    LinkPair,
    LinkRun,
    LinkSettings,
    PairDecision,
    Person,
    PersonEvent,
    PersonRecord,
    ReviewRefused,
    adopt_model,
    explain_pair,
    link_thresholds,
    merge_persons,
    person_by_id,
    person_of,
    review_pair,
    review_queue,
    set_link_thresholds,
    split_record,
)
from joinedup.people import linkage_model as linkage
from joinedup.permissions import action_named
from joinedup.web.context import CheckedForm, CurrentVisit, PageUser, WebApp, render
from joinedup.web.gates import check
from joinedup.web.params import Id, Text

router = APIRouter(include_in_schema=False)

QUEUE_PAGE = 25
RUNS_PAGE = 50
REASON_MAX = 2000

STATUS_LABELS = {"conflict": "Conflict", "refused": "Merge refused", "review": "For review", "linked": "Linked"}
STATUS_TAGS = {"conflict": "govuk-tag--red", "refused": "govuk-tag--orange", "review": "govuk-tag--blue",
               "linked": "govuk-tag--green"}
RUN_STATUS_TAGS = {"completed": "govuk-tag--green", "failed": "govuk-tag--red", "running": "govuk-tag--yellow"}

NO_DECISION = "Select whether these two records are the same person"
NO_REASON = "Enter a reason for your decision"
LONG_REASON = f"Reason must be {REASON_MAX:,} characters or fewer"


def _same(name: str, left: Any, right: Any) -> bool:
    def plain(value: Any) -> str:
        text = str(value).casefold().strip()
        return re.sub(r"[\s-]+", "", text) if name not in ("forename", "middle_names", "surname",
                                                             "address_text") else re.sub(r"\s+", " ", text)

    return plain(left) == plain(right)


@dataclass(frozen=True)
class FieldComparison:
    name: str
    left: Any
    right: Any
    agreement: str  # same, different, one, ""

    @property
    def words(self) -> str:
        return {"same": "Same", "different": "Different", "one": "On one record only"}.get(self.agreement, "")


def compare_fields(left: RecordView, right: RecordView) -> list[FieldComparison]:
    """Each identifying field either record shows, with whether they agree, in words."""
    rows = []
    for name in COMPARED_FIELDS:
        a, b = left.fields.get(name), right.fields.get(name)
        if a is None and b is None:
            continue
        if a is not None and b is not None:
            agreement = "same" if _same(name, a, b) else "different"
        else:
            agreement = "one"
        rows.append(FieldComparison(name, a, b, agreement))
    return rows


# --------------------------------------------------------------------------- explanations and models


def probability_of(weight: float) -> float:
    """The match probability of a match weight: 2^w / (1 + 2^w)."""
    if weight > 60:
        return 1.0
    if weight < -60:
        return 0.0
    odds = 2.0 ** weight
    return odds / (1 + odds)


def weight_of(probability: float) -> float | None:
    """The match weight of a probability: log2 of its odds."""
    if not 0 < probability < 1:
        return None
    return math.log2(probability / (1 - probability))


def show_probability(value: float | None) -> str:
    """Three decimals, or as many as it takes to tell it from 0 or 1."""
    if value is None:
        return "–"
    text = f"{value:.3f}"
    if text in ("1.000", "0.000") and value not in (0.0, 1.0):
        text = f"{value:.6f}"
    return text


def signed(value: float, places: int = 2) -> str:
    """+6.40 or −4.10, with a real minus sign."""
    return f"{value:+.{places}f}".replace("-", "\u2212")


_JARO = re.compile(r"Jaro-Winkler (?:distance|similarity) of \w+ >= ([\d.]+)")
_EDITS = re.compile(r"Damerau-Levenshtein distance of \w+ <= (\d+)")
_PLAIN_LEVELS = {
    "not recorded on one or both": "Not recorded on one or both records",
    "All other comparisons": "Different",
    "Exact match on uprn": "The same UPRN",
    "same name by a nickname": "The same name by a nickname (Bill and William)",
    "forename and surname swapped": "Forename and surname swapped",
    "day and month swapped": "Day and month swapped",
    "same year": "The same year",
    "same address text": "The same address text (one record has no UPRN)",
    "same postcode": "The same postcode",
    "same outward code": "The same outward code (first half of the postcode)",
}


def level_words(label: str) -> str:
    """A comparison level's label (Splink's, or ours) in plain words."""
    if label in _PLAIN_LEVELS:
        return _PLAIN_LEVELS[label]
    if label.startswith("Exact match on "):
        return "The same"
    if match := _JARO.fullmatch(label):
        cut = float(match.group(1))
        return f"{'Very similar' if cut >= 0.9 else 'Similar'} (Jaro-Winkler {cut:g} or more)"
    if match := _EDITS.fullmatch(label):
        edits = int(match.group(1))
        return "One character different, or two swapped" if edits == 1 else f"Up to {edits} characters different"
    return label[:1].upper() + label[1:]


@dataclass(frozen=True)
class Step:
    """One row of the waterfall: the prior, one comparison, or the total."""

    label: str
    detail: str
    weight: float
    start: float
    end: float
    kind: str  # prior, step, total


def waterfall_steps(explanation) -> list[Step]:
    """The prior, each comparison's weight (with the running total), and the match weight."""
    steps = [Step("Prior", "Before comparing anything: how likely any two records are one person",
                  explanation.prior, 0.0, explanation.prior, "prior")]
    running = explanation.prior
    for item in explanation.steps:
        steps.append(Step(item["description"], level_words(item["level"]), item["weight"], running,
                          running + item["weight"], "step"))
        running += item["weight"]
    total = explanation.match_weight if explanation.match_weight is not None else running
    steps.append(Step("Match weight", f"Probability {show_probability(probability_of(total))}", total, 0.0, total,
                      "total"))
    return steps


@dataclass(frozen=True)
class ChartBar:
    label: str
    detail: str
    value: str
    y: float
    x: float
    width: float
    text_y: float
    fill: str
    kind: str
    connector_x: float | None


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart on a signed axis, drawn on the server as SVG geometry with
    presentation attributes (the content security policy forbids inline styles)."""

    width: int
    height: int
    label_width: int
    plot_left: int
    plot_width: int
    value_x: int
    bar_height: int
    top: int
    axis_y: float
    zero_x: float
    bars: list[ChartBar]
    ticks: list[tuple[float, str]]
    marker_x: float | None = None
    marker_label: str = ""


FOR_A_MATCH = "#1d70b8"  # GOV.UK blue: evidence for a match
AGAINST = "#d4351c"  # GOV.UK red: evidence against
NEUTRAL = "#505a5f"
TOTAL = "#106165"  # the brand colour


def _ticks(low: float, high: float) -> tuple[float, float, float]:
    """A round axis around ``low`` to ``high``: at most about eight steps of 1, 2 or 5 × 10ⁿ."""
    span = max(high - low, 1.0)
    power = 10 ** math.floor(math.log10(span / 8))
    step = next(power * factor for factor in (1, 2, 5, 10) if span / (power * factor) <= 8)
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


def signed_chart(rows: list[tuple[str, str, float, float, str]], *, marker: tuple[float, str] | None = None,
                 connect: bool = False) -> Chart:
    """Bars from ``start`` to ``end`` on one axis: ``rows`` are (label, detail, start, end,
    kind). A waterfall (``connect``) joins each bar's end to the next bar's start."""
    label_width, plot_width, value_width, bar_height, gap, top = 250, 400, 80, 22, 8, 26
    values = [0.0] + [value for _label, _detail, start, end, _kind in rows for value in (start, end)]
    if marker is not None:
        values.append(marker[0])
    low, high, step = _ticks(min(values), max(values))
    scale = plot_width / (high - low)

    def x_of(value: float) -> float:
        return round(label_width + (value - low) * scale, 1)

    bars = []
    for index, (label, detail, start, end, kind) in enumerate(rows):
        y = top + index * (bar_height + gap)
        weight = end - start
        left, right = sorted((x_of(start), x_of(end)))
        fill = TOTAL if kind == "total" else FOR_A_MATCH if weight > 0.005 else AGAINST if weight < -0.005 else NEUTRAL
        bars.append(ChartBar(
            label=label.split(" (")[0], detail=detail, value=signed(end if kind == "total" else weight), y=y,
            x=left if right - left >= 2 else left - 1, width=max(round(right - left, 1), 2.0),
            text_y=y + bar_height / 2 + 5, fill=fill, kind=kind,
            connector_x=x_of(end) if connect and index < len(rows) - 1 and rows[index + 1][4] != "total" else None,
        ))
    axis_y = top + len(rows) * (bar_height + gap)
    places = 0 if step >= 1 else 1
    values = [round(low + i * step, 6) for i in range(int(round((high - low) / step)) + 1)]
    ticks = [(x_of(value), signed(value, places) if value else "0") for value in values]
    return Chart(
        width=label_width + plot_width + value_width, height=int(axis_y + 32), label_width=label_width,
        plot_left=label_width, plot_width=plot_width, value_x=label_width + plot_width + 10, bar_height=bar_height,
        top=top, axis_y=axis_y, zero_x=x_of(0.0), bars=bars, ticks=ticks,
        marker_x=x_of(marker[0]) if marker else None, marker_label=marker[1] if marker else "",
    )


def waterfall_chart(steps: list[Step], threshold: float) -> Chart:
    marker_weight = weight_of(threshold)
    marker = (marker_weight, f"Link threshold ({show_probability(threshold)})") if marker_weight is not None else None
    return signed_chart([(step.label, step.detail, step.start, step.end, step.kind) for step in steps],
                        marker=marker, connect=True)


@dataclass(frozen=True)
class Level:
    label: str
    m: float | None
    u: float | None
    term_frequencies: bool

    @property
    def weight(self) -> float | None:
        if not self.m or not self.u:
            return None
        return math.log2(self.m / self.u)


@dataclass(frozen=True)
class Comparison:
    name: str
    description: str
    levels: list[Level]
    chart: Chart | None = None


def model_comparisons(settings: dict, *, charts: bool = False) -> list[Comparison]:
    """Each comparison of a model, with each level's m, u and match weight, strongest first."""
    shaped = []
    for comparison in settings.get("comparisons", []):
        levels = [
            Level(level_words(level.get("label_for_charts", "")), level.get("m_probability"),
                  level.get("u_probability"), bool(level.get("tf_adjustment_column")))
            for level in comparison.get("comparison_levels", [])
            if not level.get("is_null_level")
        ]
        name = comparison.get("output_column_name", "")
        chart = None
        if charts and any(level.weight is not None for level in levels):
            chart = signed_chart([(level.label, "", 0.0, level.weight or 0.0, "step") for level in levels])
        shaped.append(Comparison(name, linkage.COMPARISON_LABELS.get(name, name), levels, chart))
    return shaped


def prior_of(settings: dict) -> tuple[float | None, float | None]:
    chance = settings.get("probability_two_random_records_match")
    if not chance or not 0 < chance < 1:
        return chance, None
    return chance, linkage.prior_weight(settings)


# --------------------------------------------------------------------------- reading the index


def records_of(session: Session, person: Person) -> list[int]:
    return list(session.scalars(select(PersonRecord.source_record_id).where(PersonRecord.person_id == person.id)
                                .order_by(PersonRecord.source_record_id)))


def record_exists(session: Session, record_id: int) -> bool:
    return session.get(SourceRecord, record_id) is not None


def last_full_runs(session: Session) -> dict[int, LinkRun]:
    """Each model's most recent completed full run, by model id."""
    runs: dict[int, LinkRun] = {}
    for run in session.scalars(select(LinkRun).where(LinkRun.kind == "full", LinkRun.status == "completed",
                                                     LinkRun.model_id.is_not(None)).order_by(LinkRun.id.desc())):
        runs.setdefault(run.model_id, run)
    return runs


def model_versions(session: Session) -> dict[int, int]:
    return dict(session.execute(select(LinkModel.id, LinkModel.version)).all())


def queue_count(session: Session) -> int:
    return review_queue(session, limit=1)[1]


# --------------------------------------------------------------------------- the gate


def _gate(app, actor, *, action: str, subject_id: int | str = "", details: dict | None = None) -> None:
    """The person index's gate (joinedup.permissions), audited either way; 403 without."""
    check(app, actor, action_named(action), subject_id=subject_id, details=details)


def _page_number(value: str) -> int:
    return int(value) if value.isdigit() and 0 < int(value) < 1_000_000 else 1


def _pagination(path: str, params: dict[str, str], page: int, pages: int) -> dict | None:
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
    return {"previous": url(page - 1) if page > 1 else None, "next": url(page + 1) if page < pages else None,
            "items": items}


def _clean_reason(reason: str) -> tuple[str, list[tuple[str, str]]]:
    reason = (reason or "").strip()
    if not reason:
        return reason, [("reason", NO_REASON)]
    if len(reason) > REASON_MAX:
        return reason, [("reason", LONG_REASON)]
    return reason, []


def _base(current_page: str) -> dict[str, Any]:
    return {"current": "linkage", "section": current_page, "status_labels": STATUS_LABELS,
            "status_tags": STATUS_TAGS, "run_status_tags": RUN_STATUS_TAGS, "show_probability": show_probability,
            "signed": signed}


# --------------------------------------------------------------------------- runs


@router.get("/linkage")
def runs(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, page: Text = "1") -> Response:
    number = _page_number(page)
    _gate(app, visit.actor("web"), action="linkage.runs.view")
    with app.transaction() as session:
        total = session.scalar(select(func.count(LinkRun.id))) or 0
        found = session.scalars(select(LinkRun).order_by(LinkRun.id.desc()).limit(RUNS_PAGE)
                                .offset((number - 1) * RUNS_PAGE)).all()
        versions = model_versions(session)
        waiting = queue_count(session)
        threshold, review_from = link_thresholds(session)
    pages = max(1, math.ceil(total / RUNS_PAGE))
    if number > pages:
        raise HTTPException(404)
    return render(request, "linkage/runs.html", {
        **_base("runs"), "runs": found, "total": total, "versions": versions, "waiting": waiting,
        "threshold": threshold, "review_from": review_from,
        "pagination": _pagination("/linkage", {}, number, pages),
    })


@router.get("/linkage/runs")
def runs_alias(user: PageUser) -> Response:
    return RedirectResponse("/linkage", status_code=308)


@router.get("/linkage/runs/{run_id:int}")
def run(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, run_id: Id) -> Response:
    _gate(app, visit.actor("web"), action="linkage.runs.view", subject_id=run_id)
    with app.transaction() as session:
        found = session.get(LinkRun, run_id)
        if found is None:
            raise HTTPException(404)
        version = session.scalar(select(LinkModel.version).where(LinkModel.id == found.model_id)) \
            if found.model_id else None
        kept = dict(session.execute(select(LinkPair.status, func.count(LinkPair.id))
                                    .where(LinkPair.run_id == run_id).group_by(LinkPair.status)).all())
    return render(request, "linkage/run.html", {**_base("runs"), "run": found, "version": version, "kept": kept})


# --------------------------------------------------------------------------- the review queue


@dataclass(frozen=True)
class QueueRow:
    pair: LinkPair
    left: RecordView | None
    right: RecordView | None


def queue_rows(session: Session, actor, pairs: list[LinkPair]) -> list[QueueRow]:
    shown = disclose_for_review(session, actor, [i for pair in pairs for i in (pair.record_id_l, pair.record_id_r)])
    return [QueueRow(pair, shown.get(pair.record_id_l), shown.get(pair.record_id_r)) for pair in pairs]


@router.get("/linkage/review")
def queue(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, page: Text = "1",
          decided: Text = "") -> Response:
    number = _page_number(page)
    actor = visit.actor("web")
    _gate(app, actor, action="linkage.review.view", details={"page": number})
    with app.transaction() as session:
        pairs, total = review_queue(session, limit=QUEUE_PAGE, offset=(number - 1) * QUEUE_PAGE)
        rows = queue_rows(session, actor, pairs)
        banner = decided_banner(session, actor, decided)
    pages = max(1, math.ceil(total / QUEUE_PAGE))
    if number > pages and total:
        raise HTTPException(404)
    return render(request, "linkage/review.html", {
        **_base("review"), "rows": rows, "total": total, "first": (number - 1) * QUEUE_PAGE + 1,
        "pagination": _pagination("/linkage/review", {}, number, pages), "banner": banner
    })


def decided_banner(session: Session, actor, decided: str) -> dict | None:
    """What the banner says about a pair this user just decided (by the decision's id,
    which is in the URL: only the user's own decision shows, and only persons' ids)."""
    if not decided.isdigit() or len(decided) > 18:
        return None
    decision = session.get(PairDecision, int(decided))
    if decision is None or decision.decided_by != actor.username[:120]:
        return None
    left, right = person_of(session, decision.record_id_l), person_of(session, decision.record_id_r)
    link = f"/linkage/pairs/{decision.record_id_l}/{decision.record_id_r}"
    if decision.decision == "accept":
        if left is not None and right is not None and left.id == right.id:
            text = f"Accepted: the two records are now one person, {left.person_id}."
        else:
            text = "Accepted: the decision is kept for every later run."
    elif left is not None and right is not None and left.id != right.id:
        text = f"Rejected: the records are in different persons, {left.person_id} and {right.person_id}."
    else:
        text = "Rejected: the decision is kept for every later run."
    return {"text": text, "link": link}


# --------------------------------------------------------------------------- a pair


def _pair_context(session: Session, actor, left: int, right: int) -> dict[str, Any]:
    if left == right or not record_exists(session, left) or not record_exists(session, right):
        raise HTTPException(404)
    shown = disclose_for_review(session, actor, [left, right])
    if shown.get(left) is None or shown.get(right) is None:
        raise HTTPException(403, LINK_RECORD_DENIED)
    explanation = explain_pair(session, left, right)
    persons = (person_of(session, left), person_of(session, right))
    threshold, review_from = link_thresholds(session)
    steps = waterfall_steps(explanation) if explanation.steps else []
    model_version = explanation.model.version if explanation.model is not None and explanation.pair else None
    return {
        "left": shown[left], "right": shown[right], "comparisons": compare_fields(shown[left], shown[right]),
        "explanation": explanation, "persons": persons,
        "same_person": persons[0] is not None and persons[1] is not None and persons[0].id == persons[1].id,
        "steps": steps, "chart": waterfall_chart(steps, threshold) if steps else None,
        "threshold": threshold, "review_from": review_from, "model_version": model_version,
        "probability": explanation.probability, "probability_of": probability_of,
    }


@router.get("/linkage/pairs/{left:int}/{right:int}")
def pair(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, left: Id, right: Id,
         decided: Text = "") -> Response:
    actor = visit.actor("web")
    _gate(app, actor, action="linkage.pair.view", subject_id=f"{left}-{right}")
    with app.transaction() as session:
        context = _pair_context(session, actor, left, right)
        context["banner"] = decided_banner(session, actor, decided)
    return render(request, "linkage/pair.html", {**_base("review"), **context, "errors": [], "form": {},
                                                 "reason_max": REASON_MAX})


@router.post("/linkage/pairs/{left:int}/{right:int}")
def decide(
    request: Request,
    app: WebApp,
    user: PageUser,
    visit: CheckedForm,
    left: Id,
    right: Id,
    decision: Annotated[Text, Form()] = "",
    reason: Annotated[Text, Form()] = "",
) -> Response:
    actor = visit.actor("web")
    _gate(app, actor, action="linkage.pair.decide", subject_id=f"{left}-{right}")
    reason, errors = _clean_reason(reason)
    if decision not in ("accept", "reject"):
        errors.insert(0, ("decision", NO_DECISION))
    decided_id = None
    if not errors:
        try:
            with app.transaction() as session:
                if left == right or not record_exists(session, left) or not record_exists(session, right):
                    raise HTTPException(404)
                review_pair(session, actor, left, right, decision, reason=reason)
                low, high = sorted((left, right))
                decided_id = session.scalar(select(PairDecision.id).where(PairDecision.record_id_l == low,
                                                                          PairDecision.record_id_r == high))
                following, _total = review_queue(session, limit=1)
        except ReviewRefused as exc:
            errors = [("decision", str(exc))]
    if errors:
        with app.transaction() as session:
            context = _pair_context(session, actor, left, right)
        return render(request, "linkage/pair.html", {
            **_base("review"), **context, "banner": None, "errors": errors, "reason_max": REASON_MAX,
            "form": {"decision": decision, "reason": reason},
        }, status_code=400)
    if following:
        target = f"/linkage/pairs/{following[0].record_id_l}/{following[0].record_id_r}"
    else:
        target = "/linkage/review"
    return RedirectResponse(f"{target}?{urlencode({'decided': str(decided_id)})}", status_code=303)


# --------------------------------------------------------------------------- a person's records, split, merge


def _person_or_404(session: Session, person_id: str) -> Person:
    person = person_by_id(session, person_id)
    if person is None:
        raise HTTPException(404)
    return person


@dataclass
class PersonView:
    person: Person
    records: list[RecordView]
    withheld: int
    pairs: list[LinkPair] = field(default_factory=list)

    @property
    def splittable(self) -> bool:
        return len({(record.source, record.fields.get("local_id")) for record in self.records}) > 1


def person_view(session: Session, actor, person: Person, *, pairs: bool = False) -> PersonView:
    held = records_of(session, person)
    shown = disclose_for_review(session, actor, held)
    visible = [shown[i] for i in held if shown.get(i) is not None]
    view = PersonView(person, visible, len(held) - len(visible))
    if pairs and held:
        view.pairs = list(session.scalars(
            select(LinkPair).where(LinkPair.record_id_l.in_(held), LinkPair.record_id_r.in_(held))
            .order_by(LinkPair.probability.desc(), LinkPair.id).limit(100)))
    return view


def event_banner(session: Session, actor, person: Person, event: str) -> dict | None:
    """The banner after a split or merge this user just made (the event's id is in the URL)."""
    if not event.isdigit() or len(event) > 18:
        return None
    found = session.get(PersonEvent, int(event))
    if found is None or found.person_id != person.id or found.decided_by != actor.username[:120]:
        return None
    details = found.details or {}
    if found.kind == "split" and details.get("into"):
        return {"text": f"Split: the record is now in a new person, {details['into']}.",
                "link": f"/linkage/persons/{details['into']}"}
    if found.kind == "split" and details.get("from"):
        return {"text": f"Split: this person was split out of {details['from']}.",
                "link": f"/linkage/persons/{details['from']}"}
    if found.kind == "merged" and details.get("merged"):
        return {"text": f"Merged: {details['merged']} is merged into {person.person_id}.", "link": None}
    return None


@router.get("/linkage/persons/{person_id}")
def person_page(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, person_id: Text,
                event: Text = "") -> Response:
    actor = visit.actor("web")
    _gate(app, actor, action="linkage.person.view", subject_id=person_id[:20])
    with app.transaction() as session:
        person = _person_or_404(session, person_id)
        view = person_view(session, actor, person, pairs=True)
        banner = event_banner(session, actor, person, event)
    return render(request, "linkage/person.html", {**_base("review"), "view": view, "banner": banner})


@router.get("/linkage/persons/{person_id}/split")
def split_page(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, person_id: Text,
               record: Text = "") -> Response:
    actor = visit.actor("web")
    _gate(app, actor, action="linkage.person.split", subject_id=person_id[:20])
    with app.transaction() as session:
        context = _split_context(session, actor, person_id, record)
    return render(request, "linkage/split.html", {**_base("review"), **context, "errors": [], "reason": "",
                                                  "reason_max": REASON_MAX})


def _split_context(session: Session, actor, person_id: str, record: str) -> dict[str, Any]:
    person = _person_or_404(session, person_id)
    view = person_view(session, actor, person)
    if not record.isdigit() or len(record) > 18:
        raise HTTPException(404)
    chosen = next((item for item in view.records if item.id == int(record)), None)
    if chosen is None:
        if int(record) in records_of(session, person):
            raise HTTPException(403, LINK_RECORD_DENIED)
        raise HTTPException(404)
    moving = [item for item in view.records
              if (item.source, item.fields.get("local_id")) == (chosen.source, chosen.fields.get("local_id"))]
    staying = [item for item in view.records if item not in moving]
    return {"view": view, "chosen": chosen, "moving": moving, "staying": staying}


@router.post("/linkage/persons/{person_id}/split")
def split(
    request: Request,
    app: WebApp,
    user: PageUser,
    visit: CheckedForm,
    person_id: Text,
    record: Annotated[Text, Form()] = "",
    reason: Annotated[Text, Form()] = "",
) -> Response:
    actor = visit.actor("web")
    _gate(app, actor, action="linkage.person.split", subject_id=person_id[:20])
    reason, errors = _clean_reason(reason)
    event_id = None
    if not errors:
        try:
            with app.transaction() as session:
                person = _person_or_404(session, person_id)
                if not record.isdigit() or len(record) > 18:
                    raise HTTPException(404)
                split_record(session, actor, person, int(record), reason=reason)
                event_id = session.scalar(select(PersonEvent.id).where(PersonEvent.person_id == person.id,
                                                                       PersonEvent.kind == "split")
                                          .order_by(PersonEvent.id.desc()).limit(1))
        except ReviewRefused as exc:
            errors = [("reason" if "reason" in str(exc).lower() else "record", str(exc))]
    if errors:
        with app.transaction() as session:
            context = _split_context(session, actor, person_id, record)
        return render(request, "linkage/split.html", {**_base("review"), **context, "errors": errors,
                                                      "reason": reason, "reason_max": REASON_MAX},
                      status_code=400)
    return RedirectResponse(f"/linkage/persons/{person_id}?{urlencode({'event': str(event_id)})}", status_code=303)


@router.get("/linkage/persons/{person_id}/merge")
def merge_page(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, person_id: Text,
               other: Text | None = None) -> Response:
    actor = visit.actor("web")
    _gate(app, actor, action="linkage.person.merge", subject_id=person_id[:20])
    with app.transaction() as session:
        context = _merge_context(session, actor, person_id, other)
    return render(request, "linkage/merge.html", {**_base("review"), **context, "reason": "",
                                                  "reason_max": REASON_MAX},
                  status_code=400 if context["errors"] else 200)


def _merge_context(session: Session, actor, person_id: str, other: str | None,
                   errors: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    person = _person_or_404(session, person_id)
    errors = list(errors or [])
    keep = person_view(session, actor, person)
    merging = None
    wanted = (other or "").strip().upper()
    if other is not None:
        found = person_by_id(session, wanted)
        if not wanted:
            errors.append(("other", "Enter the id of the person to merge into this one"))
        elif found is None:
            errors.append(("other", "There is no person with that id: it is P and 10 letters and digits"))
        elif found.id == person.id:
            errors.append(("other", "Enter the id of another person: this is the person you are merging into"))
        elif found.retired_at is not None:
            errors.append(("other", f"{found.person_id} is retired"
                                    + (f": their records are now in {found.superseded_by}" if found.superseded_by
                                       else "")))
        else:
            merging = person_view(session, actor, found)
    if person.retired_at is not None:
        errors.insert(0, ("other", f"{person.person_id} is retired: merge into a live person"))
        merging = None
    return {"keep": keep, "merging": merging, "other": wanted, "errors": errors}


@router.post("/linkage/persons/{person_id}/merge")
def merge(
    request: Request,
    app: WebApp,
    user: PageUser,
    visit: CheckedForm,
    person_id: Text,
    other: Annotated[Text, Form()] = "",
    reason: Annotated[Text, Form()] = "",
) -> Response:
    actor = visit.actor("web")
    _gate(app, actor, action="linkage.person.merge", subject_id=person_id[:20])
    reason, errors = _clean_reason(reason)
    event_id = None
    with app.transaction() as session:
        checked = _merge_context(session, actor, person_id, other)
    if checked["errors"]:
        errors = checked["errors"]
    if not errors:
        try:
            with app.transaction() as session:
                keep = _person_or_404(session, person_id)
                merged = person_by_id(session, checked["other"])
                merge_persons(session, actor, keep, merged, reason=reason)
                event_id = session.scalar(select(PersonEvent.id).where(PersonEvent.person_id == keep.id,
                                                                       PersonEvent.kind == "merged")
                                          .order_by(PersonEvent.id.desc()).limit(1))
        except ReviewRefused as exc:
            errors = [("other", str(exc))]
    if errors:
        with app.transaction() as session:
            context = _merge_context(session, actor, person_id, other)
        context["errors"] = errors
        return render(request, "linkage/merge.html", {**_base("review"), **context, "reason": reason,
                                                      "reason_max": REASON_MAX}, status_code=400)
    return RedirectResponse(f"/linkage/persons/{person_id}?{urlencode({'event': str(event_id)})}", status_code=303)


# --------------------------------------------------------------------------- the model


@router.get("/linkage/model")
def model_page(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, saved: Text = "",
               adopted: Text = "") -> Response:
    actor = visit.actor("web")
    _gate(app, actor, action="linkage.model.view")
    with app.transaction() as session:
        context = _model_context(session)
        banner = None
        if saved == "thresholds":
            row = session.get(LinkSettings, 1)
            if row is not None and row.updated_by == actor.username[:120]:
                banner = (f"Thresholds saved: pairs at or above {show_probability(row.threshold)} link, and from "
                          f"{show_probability(row.review_from)} go to the review queue, from the next link run.")
        elif adopted.isdigit() and len(adopted) < 10:
            chosen = session.scalar(select(LinkModel).where(LinkModel.version == int(adopted)))
            if chosen is not None and chosen.adopted:
                banner = f"Model version {chosen.version} is adopted: every later link run uses it."
    return render(request, "linkage/model.html", {**_base("model"), **context, "banner": banner, "errors": [],
                                                  "form": {}})


def _model_context(session: Session) -> dict[str, Any]:
    models = session.scalars(select(LinkModel).order_by(LinkModel.version.desc())).all()
    adopted = next((item for item in models if item.adopted), None)
    threshold, review_from = link_thresholds(session)
    prior = prior_of(adopted.settings) if adopted is not None else (None, None)
    return {
        "models": models, "adopted": adopted, "runs": last_full_runs(session), "threshold": threshold,
        "review_from": review_from, "settings_row": session.get(LinkSettings, 1),
        "prior": prior, "comparisons": model_comparisons(adopted.settings, charts=True) if adopted else [],
    }


def parse_probability(text: str) -> float | None:
    """A probability as typed (0.99, .8, 1): None unless it is a plain decimal number."""
    text = (text or "").strip()
    if len(text) > 12 or not re.fullmatch(r"\d*\.?\d+", text):
        return None
    return float(text)


@router.post("/linkage/model/thresholds")
def thresholds(
    request: Request,
    app: WebApp,
    user: PageUser,
    visit: CheckedForm,
    threshold: Annotated[Text, Form()] = "",
    review_from: Annotated[Text, Form()] = "",
) -> Response:
    actor = visit.actor("web")
    _gate(app, actor, action="linkage.thresholds.change", subject_id=1)
    errors: list[tuple[str, str]] = []
    link_at, review_at = parse_probability(threshold), parse_probability(review_from)
    if link_at is None:
        errors.append(("threshold", "Enter the link threshold as a number between 0.5 and 1, like 0.99"))
    if review_at is None:
        errors.append(("review_from", "Enter the review threshold as a number between 0 and 1, like 0.8"))
    if not errors:
        try:
            with app.transaction() as session:
                set_link_thresholds(session, actor, link_at, review_at)
        except ValueError as exc:
            message = str(exc).rstrip(".")
            errors.append(("threshold" if message.startswith("The link") else "review_from", message))
    if errors:
        with app.transaction() as session:
            context = _model_context(session)
        return render(request, "linkage/model.html", {
            **_base("model"), **context, "banner": None, "errors": errors,
            "form": {"threshold": threshold, "review_from": review_from},
        }, status_code=400)
    return RedirectResponse("/linkage/model?saved=thresholds", status_code=303)


@router.post("/linkage/model/adopt")
def adopt(
    request: Request,
    app: WebApp,
    user: PageUser,
    visit: CheckedForm,
    version: Annotated[Text, Form()] = "",
) -> Response:
    actor = visit.actor("web")
    _gate(app, actor, action="linkage.model.adopt", subject_id=version[:10])
    if not version.isdigit() or len(version) > 9:
        raise HTTPException(404)
    try:
        adopt_model(app.engine, int(version), actor=actor)
    except LookupError as exc:
        raise HTTPException(404) from exc
    return RedirectResponse(f"/linkage/model?{urlencode({'adopted': version})}", status_code=303)
