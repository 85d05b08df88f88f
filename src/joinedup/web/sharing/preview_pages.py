""""View as": a person as another organisation and role would see them, decided by the
policy point as that user (:func:`joinedup.disclosure.preview.preview`, audited), showing
only the fields each decision disclosed; and the persons set aside for training, the only
ones a trainer may preview."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from joinedup.disclosure.preview import PreviewRefused, preview
from joinedup.partners.directory import (
    organisation_names,
    organisations,
    source_systems,
)
from joinedup.people import person_by_id
from joinedup.permissions import ROLES
from joinedup.sharing import AccessDecision
from joinedup.sharing.agreements import purposes
from joinedup.sharing.training import (
    governs_sharing,
    set_training_sample,
    training_samples,
)
from joinedup.web.context import CheckedForm, CurrentVisit, PageUser, WebApp, render
from joinedup.web.params import Text
from joinedup.web.sharing.views import (
    FormFields,
    ViewAsQuery,
    base,
    field_choices,
    gate,
    on_form,
    one,
    preview_gate,
)

router = APIRouter(include_in_schema=False)

#: The form's field for each the domain's refusals name.
VIEW_AS_FIELDS = {"organisation": "organisation", "role": "role", "purpose": "purpose", "person_id": "person"}


@dataclass(frozen=True)
class PreviewRecord:
    """One record as the pretend user would get it: its disclosed fields, or why not."""

    decision: AccessDecision
    fields: dict[str, Any]

    @property
    def facts(self) -> dict[str, Any]:
        return self.fields.get("facts") or {}


def record_fields_shown(record: PreviewRecord) -> list[tuple[str, Any]]:
    """A previewed record's disclosed fields other than facts, in a stable order."""
    order = ["source", *field_choices()]
    return [(name, record.fields[name]) for name in order if name in record.fields and name != "facts"]


@router.get("/sharing/view-as")
def view_as_page(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, organisation: Text = "",
                 role: Text = "", purpose: Text = "", risk: Text = "", person: Text = "", sample: Text = "") -> Response:
    actor = visit.actor("web")
    query = ViewAsQuery(organisation.strip()[:40], role.strip()[:40], purpose.strip()[:40], risk == "yes",
                        person.strip().upper()[:21])
    preview_gate(app, actor, subject_id=query.person)
    found, records, errors = None, [], []
    with app.transaction() as session:  # commits a trainer's refused preview's audit event too
        if query.asked:
            try:
                found, shown = preview(session, actor, query.person, organisation=query.organisation,
                                       role=query.role, purpose=query.purpose, safeguarding_risk=query.risk)
                records = [PreviewRecord(item.decision, item.fields) for item in shown]
            except PreviewRefused as exc:
                errors = on_form(exc, VIEW_AS_FIELDS, "person")
        samples = training_samples(session)
        choices = {"organisations": organisations(session), "purposes": purposes(session), "roles": ROLES}
        purpose_name = {item.code: item.name for item in choices["purposes"]}.get(query.purpose, "")
        organisation_name = organisation_names(session).get(query.organisation, "")
        source_names = dict(source_systems(session))
    return render(request, "sharing/view_as.html", {
        **base("view-as"), **choices, "query": query, "person": found, "records": records, "errors": errors,
        "purpose_name": purpose_name, "organisation_name": organisation_name,
        "shown": sum(1 for record in records if record.decision.allowed), "fields_of": record_fields_shown,
        "source_names": source_names, "samples": samples, "governs": governs_sharing(actor),
        "is_sample": bool(found) and any(person_id == found.person_id for person_id, _note in samples),
        "sample_saved": sample,
    }, status_code=400 if errors else 200)


@router.post("/sharing/view-as/samples")
def training_sample(app: WebApp, user: PageUser, visit: CheckedForm, fields: FormFields) -> Response:
    """Set a person aside for training, or stop (IG leads and administrators)."""
    actor = visit.actor("web")
    person_id = one(fields, "person", 21).upper()
    gate(app, actor, action="sharing.training_sample.save", subject_id=person_id)
    sample = one(fields, "sample", 3) == "yes"
    with app.transaction() as session:
        person = person_by_id(session, person_id)
        if person is None:
            raise HTTPException(404, f"There is no person {person_id}.")
        set_training_sample(session, actor, person, sample=sample, note=one(fields, "note"))
    back = {key: one(fields, key, 40) for key in ("organisation", "role", "purpose", "risk") if one(fields, key, 40)}
    back |= {"person": person_id, "sample": "added" if sample else "removed"}
    return RedirectResponse(f"/sharing/view-as?{urlencode(back)}#preview", status_code=303)
