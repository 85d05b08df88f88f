"""What every request needs: the store, who is asking, CSRF checks and page rendering.

Routes stay thin by leaning on these dependencies; the work itself is done by
``joinedup.accounts`` and ``joinedup.records``.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from joinedup.accounts import SessionState, SignedInUser, resume_session
from joinedup.audit import Actor, record_event
from joinedup.config import Settings
from joinedup.db import transaction
from joinedup.permissions import CSRF_REFUSED

SESSION_COOKIE = "joinedup_session"
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class Web:
    """The app's shared parts, kept on ``app.state.web``."""

    settings: Settings
    engine: Engine
    templates: Environment

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A transaction for one request. A refusal (403) raised inside it still commits:
        the audit events of the denied reads it made are the record of that refusal."""
        refused = None
        with transaction(self.engine) as session:
            try:
                yield session
            except StarletteHTTPException as exc:
                if exc.status_code != 403:
                    raise
                refused = exc
        if refused is not None:
            raise refused


@dataclass(frozen=True)
class Visit:
    """Who is making this request, as far as its session cookie says, and from where."""

    session: SessionState
    client_address: str

    @property
    def user(self) -> SignedInUser | None:
        return self.session.user if self.session.signed_in else None

    def actor(self, channel: str) -> Actor:
        """The signed-in user as the audit trail records them, acting through ``channel``."""
        if self.user is None:
            raise LookupError("an actor needs a signed-in user")
        return self.user.actor(channel=channel, client_address=self.client_address)


class SignInRequired(Exception):
    """A page needs a signed-in user; ``timed_out`` when their session just expired."""

    def __init__(self, next_url: str, timed_out: bool):
        super().__init__(next_url)
        self.next_url = next_url
        self.timed_out = timed_out


class CSRFRejected(Exception):
    """A form came back without this session's CSRF token."""


def web(request: Request) -> Web:
    return request.app.state.web


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


def current_visit(request: Request) -> Visit:
    """Resolve the session cookie once per request (remembered on ``request.state``)."""
    cached = getattr(request.state, "visit", None)
    if cached is not None:
        return cached
    app = web(request)
    address = client_address(request)
    with app.transaction() as session:
        state = resume_session(
            session,
            request.cookies.get(SESSION_COOKIE),
            timeout_minutes=app.settings.session_timeout_minutes,
            lifetime_hours=app.settings.session_lifetime_hours,
            client_address=address,
        )
    visit = Visit(state, address)
    request.state.visit = visit
    return visit


def signed_in_user(request: Request, visit: Annotated[Visit, Depends(current_visit)]) -> SignedInUser:
    """For pages: the signed-in user, or a redirect to sign in and come back."""
    if visit.user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target, timed_out=visit.session.status == "expired")
    return visit.user


def api_user(visit: Annotated[Visit, Depends(current_visit)]) -> SignedInUser:
    """For the API: the signed-in user, or 401 with no data."""
    if visit.user is None:
        detail = (
            "Your session has expired. Sign in again."
            if visit.session.status == "expired"
            else "Sign in to use the API."
        )
        raise HTTPException(401, detail, headers={"WWW-Authenticate": 'Cookie realm="JoinedUp"'})
    return visit.user


async def verify_csrf(request: Request, visit: Visit) -> None:
    """The session's own CSRF token must come back with the form, or :class:`CSRFRejected`."""
    form = await request.form()
    if not csrf_matches(request, visit, form.get(CSRF_FIELD)):
        raise CSRFRejected()


def csrf_matches(request: Request, visit: Visit, sent: Any) -> bool:
    """Whether ``sent`` is the session's CSRF token. A signed-in user's request without it
    is refused and the refusal audited (``csrf.refused``, in its own transaction): a forged
    request leaves a trace."""
    expected = visit.session.csrf_token
    if isinstance(sent, str) and expected and hmac.compare_digest(sent.encode(), expected.encode()):
        return True
    if visit.user is not None:
        channel = "api" if request.url.path.startswith("/api/") else "web"
        with web(request).transaction() as session:
            record_event(session, visit.actor(channel), action=CSRF_REFUSED, outcome="denied",
                         subject_type=CSRF_REFUSED.subject_type, subject_id=request.url.path[:64],
                         reason="The request did not carry this session's CSRF token.",
                         details={"method": request.method})
    return False


async def csrf_checked(request: Request, visit: Annotated[Visit, Depends(current_visit)]) -> Visit:
    """For every form post: the visit, once its CSRF token has been checked."""
    await verify_csrf(request, visit)
    return visit


def sign_in_url(next_url: str = "", timed_out: bool = False) -> str:
    params = {}
    if next_url and next_url != "/":
        params["next"] = next_url
    if timed_out:
        params["timeout"] = "1"
    return "/sign-in" + (f"?{urlencode(params)}" if params else "")


def safe_next(value: str | None) -> str:
    """Only a path on this site may be a post-sign-in destination (no open redirects)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    if any(ord(character) < 32 for character in value):
        return "/"
    return value


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render a page with what every layout needs: the user, their CSRF token, the path."""
    visit: Visit | None = getattr(request.state, "visit", None)
    values = {
        "request_path": request.url.path,
        "user": None if visit is None else visit.user,
        "csrf_token": None if visit is None else visit.session.csrf_token,
        **(context or {}),
    }
    html = web(request).templates.get_template(template).render(values)
    return HTMLResponse(html, status_code=status_code, headers=headers)


WebApp = Annotated[Web, Depends(web)]
CurrentVisit = Annotated[Visit, Depends(current_visit)]
PageUser = Annotated[SignedInUser, Depends(signed_in_user)]
ApiUser = Annotated[SignedInUser, Depends(api_user)]
CheckedForm = Annotated[Visit, Depends(csrf_checked)]
