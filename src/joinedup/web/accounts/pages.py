"""Signing in and out."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from joinedup.accounts import SignInLimits, authenticate, end_session, open_session
from joinedup.config import Settings
from joinedup.web.context import (
    SESSION_COOKIE,
    CheckedForm,
    CurrentVisit,
    Visit,
    Web,
    WebApp,
    current_visit,
    render,
    safe_next,
    sign_in_url,
    verify_csrf,
)
from joinedup.web.params import Text

router = APIRouter(include_in_schema=False)


def set_session_cookie(response: Response, app: Web, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=app.settings.secure_cookies,
        path="/",
    )


def sign_in_limits(settings: Settings) -> SignInLimits:
    return SignInLimits(
        failures_before_delay=settings.sign_in_max_failures,
        first_delay=timedelta(minutes=settings.sign_in_delay_minutes),
        address_ceiling=settings.sign_in_address_max_failures,
    )


def wait_in_words(minutes: int) -> str:
    """A wait as people say it: minutes up to two hours, then whole hours (rounded up)."""
    if minutes < 120:
        return f"{minutes} minute{'' if minutes == 1 else 's'}"
    return f"{-(-minutes // 60)} hours"


def _form(request: Request, *, status_code: int = 200, **context) -> Response:
    values = {"next": "", "timed_out": False, "errors": [], "username": ""} | context
    return render(request, "sign_in.html", values, status_code=status_code)


@router.get("/sign-in")
def sign_in_page(
    request: Request, app: WebApp, visit: CurrentVisit, next: Text = "", timeout: Text = ""
) -> Response:
    if visit.user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    timed_out = timeout == "1" or visit.session.status == "expired"
    if visit.session.status == "active":
        return _form(request, next=safe_next(next), timed_out=timed_out)
    with app.transaction() as session:
        state = open_session(
            session,
            client_address=visit.client_address,
            timeout_minutes=app.settings.session_timeout_minutes,
            lifetime_hours=app.settings.session_lifetime_hours,
        )
    request.state.visit = Visit(state, visit.client_address)
    response = _form(request, next=safe_next(next), timed_out=timed_out)
    set_session_cookie(response, app, state.token)
    return response


@router.post("/sign-in")
def sign_in(
    request: Request,
    app: WebApp,
    visit: CheckedForm,
    username: Annotated[Text, Form()] = "",
    password: Annotated[Text, Form()] = "",
    next: Annotated[Text, Form()] = "",
) -> Response:
    destination = safe_next(next)
    errors = []
    if not username.strip():
        errors.append(("username", "Enter your username"))
    if not password:
        errors.append(("password", "Enter your password"))
    if errors:
        return _form(request, status_code=400, errors=errors, username=username, next=destination)
    settings = app.settings
    with app.transaction() as session:
        result = authenticate(
            session,
            username=username,
            password=password,
            client_address=visit.client_address,
            limits=sign_in_limits(settings),
        )
        if result.outcome == "success":
            state = open_session(
                session,
                user=result.user,
                client_address=visit.client_address,
                replacing=visit.session.token,
                timeout_minutes=settings.session_timeout_minutes,
                lifetime_hours=settings.session_lifetime_hours,
            )
    if result.outcome == "success":
        response = RedirectResponse(destination, status_code=303)
        set_session_cookie(response, app, state.token)
        return response
    if result.retry_after_minutes:
        message = (
            "You have tried to sign in too many times. "
            f"Try again in {wait_in_words(result.retry_after_minutes)}."
        )
        response = _form(
            request, status_code=429, errors=[("username", message)], username=username, next=destination
        )
        response.headers["Retry-After"] = str(result.retry_after_minutes * 60)
        return response
    return _form(
        request,
        status_code=400,
        errors=[("username", "Enter a correct username and password")],
        username=username,
        next=destination,
    )


@router.post("/sign-out")
async def sign_out(request: Request, app: WebApp) -> Response:
    visit = await run_in_threadpool(current_visit, request)
    if visit.user is None:
        if visit.session.status == "expired":
            return RedirectResponse(sign_in_url(timed_out=True), status_code=303)
        return RedirectResponse("/signed-out", status_code=303)
    await verify_csrf(request, visit)

    def _end() -> None:
        with app.transaction() as session:
            end_session(session, visit.session.token, client_address=visit.client_address)

    await run_in_threadpool(_end)
    response = RedirectResponse("/signed-out", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/signed-out")
def signed_out(request: Request) -> Response:
    return render(request, "signed_out.html")
