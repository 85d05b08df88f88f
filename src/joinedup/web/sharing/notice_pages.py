"""The privacy notice at ``/privacy``: public, as a notice must be, and written from the
agreements in force (:func:`joinedup.sharing.notice.privacy_notice`). It holds no
personal data, so it needs no sign-in and is not audited."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from joinedup.sharing.notice import privacy_notice
from joinedup.web.context import WebApp, render

router = APIRouter(include_in_schema=False)


@router.get("/privacy")
def notice(request: Request, app: WebApp) -> Response:
    with app.transaction() as session:
        found = privacy_notice(session)
    return render(request, "privacy/notice.html", {"notice": found})
