"""The web app: pages for practitioners, a JSON API, and error pages that never leak."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from joinedup import __version__
from joinedup.config import Settings, load_settings
from joinedup.db import engine_for
from joinedup.errors import Refusal
from joinedup.web import (
    access,
    accounts,
    addresses,
    chronology,
    docs,
    flags,
    home,
    ingest,
    involvements,
    linkage,
    monitoring,
    persons,
    sharing,
    transparency,
)
from joinedup.web.context import (
    SESSION_COOKIE,
    CSRFRejected,
    SignInRequired,
    Web,
    current_visit,
    render,
    sign_in_url,
)
from joinedup.web.params import FieldRefused
from joinedup.web.templating import STATIC, make_environment

log = logging.getLogger(__name__)

#: One web package per capability, each with its pages, its API and its forms.
CAPABILITIES = (accounts, home, persons, access, involvements, flags, chronology, ingest, addresses, linkage,
                sharing, transparency, monitoring, docs)

#: Only our own files; no inline script or style, no framing, forms post only here.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)

#: FastAPI's words for a request body it could not read at all (not UTF-8, say).
BODY_UNREADABLE = "There was an error parsing the body"

ERROR_TITLES = {
    400: "There is a problem with your request",
    401: "You need to sign in",
    403: "You do not have permission to see this page",
    404: "Page not found",
    405: "You cannot do that here",
    429: "Too many requests",
    500: "Sorry, there is a problem with the service",
}


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """Build the app for ``settings`` (default: from the environment).

    The database must already be migrated (``joinedup init``); the app never changes
    the schema. ``engine`` lets a caller share one it already has.
    """
    settings = settings or load_settings()
    app = FastAPI(
        title="JoinedUp API",
        version=__version__,
        summary="Find and see source records you are allowed to see, and how data loads went.",
        description=(
            "Every request needs a signed-in session: sign in through the web pages and the "
            "`joinedup_session` cookie authenticates API calls too. Requests without one get "
            "401 and no data. Every record shown has passed the sharing decision, which is "
            "audited."
        ),
        debug=False,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.web = Web(settings, engine or engine_for(settings.database_url), make_environment())
    app.add_middleware(ServerErrors)
    # Outside ServerErrors, so that a 500 gets the headers too.
    app.add_middleware(SecurityHeaders, strict_transport=settings.secure_cookies)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for capability in CAPABILITIES:
        for router in capability.ROUTERS:
            app.include_router(router)
    _handle_errors(app)
    return app


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def error_page(request: Request, status_code: int, message: str = "", headers=None) -> Response:
    """A styled error page, with the user's navigation when we can tell who they are."""
    if getattr(request.state, "visit", None) is None and status_code != 500:
        try:
            await run_in_threadpool(current_visit, request)
        except Exception:  # noqa: BLE001 - an error page must render even if the store is down
            log.exception("could not resolve the session for an error page")
    return render(
        request,
        "error.html",
        {
            "status_code": status_code,
            "title": ERROR_TITLES.get(status_code, "Sorry, there is a problem"),
            "message": message,
        },
        status_code=status_code,
        headers=headers,
    )


def _handle_errors(app: FastAPI) -> None:
    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        response = RedirectResponse(sign_in_url(exc.next_url, exc.timed_out), status_code=303)
        if exc.timed_out:
            response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @app.exception_handler(CSRFRejected)
    async def _csrf(request: Request, exc: CSRFRejected) -> Response:
        return render(
            request,
            "csrf.html",
            {"title": "Your form could not be sent"},
            status_code=403,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        headers = getattr(exc, "headers", None)
        if _is_api(request):
            if exc.status_code == 400 and exc.detail == BODY_UNREADABLE:
                exc = FieldRefused(400, "body", BODY_UNREADABLE)
            named = {"field": exc.field} if isinstance(exc, FieldRefused) else {}
            return JSONResponse({"detail": exc.detail, **named}, status_code=exc.status_code, headers=headers)
        message = exc.detail if exc.status_code == 403 and isinstance(exc.detail, str) else ""
        return await error_page(request, exc.status_code, message, headers)

    @app.exception_handler(Refusal)
    async def _refused(request: Request, exc: Refusal) -> Response:
        """What the domain refuses, answered once for every route: the API names each field
        (``{"detail": "<field>: <why>", "field": ...}``); a page shows the error page."""
        if _is_api(request):
            if exc.forbidden:
                return JSONResponse({"detail": exc.message}, status_code=exc.status)
            refused = FieldRefused.of(exc.status, [(field or "body", message) for field, message in exc.problems])
            return JSONResponse({"detail": refused.detail, "field": refused.field}, status_code=exc.status)
        return await error_page(request, exc.status, exc.message if exc.forbidden else "")

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request):
            return JSONResponse(_refusal(exc), status_code=422)
        return await error_page(request, 400)


def _refusal(exc: RequestValidationError) -> dict:
    """Input the schema refuses, as every refusal of a field is answered: the first field
    refused in ``field`` and at the start of ``detail``, and every problem in ``errors``.
    The values sent are left out: they may be personal data."""
    errors = [
        {"loc": list(error.get("loc", ())), "msg": error.get("msg", ""), "type": error.get("type", "")}
        for error in exc.errors()
    ]
    first = errors[0] if errors else {"loc": ["body"], "msg": "Invalid request", "type": ""}
    field = _field_name(first["loc"], first["type"])
    return {"detail": f"{field}: {first['msg']}", "field": field, "errors": errors}


def _field_name(loc: list, kind: str) -> str:
    """``["body", "parties", 0, "organisation"]`` is ``parties.0.organisation``; a body that
    is missing or not JSON at all is ``body``."""
    where, *path = loc or ["body"]
    if not path or kind == "json_invalid":
        return str(where)
    return ".".join(str(part) for part in path)


class ServerErrors:
    """Answers an unhandled exception with a logged 500, and keeps the connection.

    Starlette's outermost handler re-raises after sending its 500, and uvicorn then drops
    the client's keep-alive connection; this answers and stops. The answer never holds the
    error, a traceback or anything the request sent."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as exc:
            request = Request(scope)
            log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
            if started:
                raise  # half an answer has gone: only closing the connection can tell the client
            response = (
                JSONResponse({"detail": "Sorry, there is a problem with the service."}, status_code=500)
                if _is_api(request)
                else await error_page(request, 500)
            )
            await response(scope, receive, send)


#: Served over HTTPS (secure cookies): browsers must never come back over plain HTTP,
#: where a session cookie could be stripped or a page altered on the way.
STRICT_TRANSPORT_SECURITY = b"max-age=31536000; includeSubDomains"


def protective_headers(
    path: str, query_string: bytes = b"", *, strict_transport: bool = False
) -> list[tuple[bytes, bytes]]:
    """Headers for every response. Nothing but static files may be cached; those whose
    URL carries a content hash (``?v=``) may be cached for good. With
    ``strict_transport`` (the service is behind HTTPS), HSTS too."""
    if not path.startswith("/static/"):
        caching = b"no-store"
    elif query_string.startswith(b"v="):
        caching = b"public, max-age=31536000, immutable"
    else:
        caching = b"no-cache"
    return [
        (b"cache-control", caching),
        (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"no-referrer"),
        (b"cross-origin-opener-policy", b"same-origin"),
        *([(b"strict-transport-security", STRICT_TRANSPORT_SECURITY)] if strict_transport else []),
    ]


class SecurityHeaders:
    """Adds :func:`protective_headers` to every response that passes through the app."""

    def __init__(self, app: ASGIApp, *, strict_transport: bool = False):
        self.app = app
        self.strict_transport = strict_transport

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        added = protective_headers(scope["path"], scope.get("query_string", b""), strict_transport=self.strict_transport)
        names = {name for name, _value in added}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [
                    (name, value) for name, value in message.get("headers", []) if name.lower() not in names
                ]
                message = {**message, "headers": kept + added}
            await send(message)

        await self.app(scope, receive, send_with_headers)
