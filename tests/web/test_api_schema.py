"""The API against its own description (``/openapi.json``): what it takes is bounded so that
no request can reach the database with a value the database cannot hold, and requests
generated from the description (schemathesis), signed in as each demo role, on each
database, against the governed-sharing world of tests/web/practice_support.py, get no
server error.

Every refusal of input (400, 422, and a 409 that is about one field) names the field it
refuses, in the body's ``field`` and at the start of its ``detail``. The generated run is
bounded and derandomised, so it asks the same questions every time;
``JOINEDUP_SCHEMA_EXAMPLES`` asks more of each operation, for a sweep by hand.
"""

from __future__ import annotations

import functools
import json
import os
from collections import Counter
from collections.abc import Iterator

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from practice_support import ROLE_USERS
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from sqlalchemy import select
from web_support import csrf_token, sign_in

from joinedup.audit import AuditEvent
from joinedup.db import transaction
from joinedup.web.context import SESSION_COOKIE
from joinedup.web.params import LARGEST_NUMBER

@pytest.fixture(
    params=[
        pytest.param("sqlite_engine", id="sqlite"),
        pytest.param("postgres_engine", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def engine(request):
    """Both stores: issue 10 asks that the sweep find no server error on either."""
    return request.getfixturevalue(request.param)


#: Examples per operation and generation mode (valid input, then invalid input).
EXAMPLES = int(os.environ.get("JOINEDUP_SCHEMA_EXAMPLES", "2"))
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
METHODS = ("get", "post", "put", "patch", "delete")
#: A value for a path parameter that every pattern of the API's paths allows.
PATH_VALUE = "PSAME000001"


# --------------------------------------------------------------------------- the description


def _resolved(spec: dict, node: dict) -> dict:
    while "$ref" in node:
        node = spec["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _operations(spec: dict) -> Iterator[tuple[str, str, dict]]:
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield method, path, item[method]


def _body(spec: dict, operation: dict) -> dict:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    return _resolved(spec, content.get("schema", {})) if content else {}


def _nodes(spec: dict, node: dict, where: str, seen: frozenset = frozenset()) -> Iterator[tuple[str, dict]]:
    """Every schema inside ``node`` with where it is, following references once each."""
    if "$ref" in node:
        if node["$ref"] in seen:
            return
        seen, node = seen | {node["$ref"]}, _resolved(spec, node)
    yield where, node
    for name, inner in node.get("properties", {}).items():
        yield from _nodes(spec, inner, f"{where}.{name}", seen)
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            yield from _nodes(spec, node[key], f"{where}[]", seen)
    for option in node.get("anyOf", []):
        yield from _nodes(spec, option, where, seen)


def _inputs(spec: dict, *, parameters: bool = True) -> Iterator[tuple[str, dict]]:
    """Every part of every request body the API takes, and of every parameter too."""
    for method, path, operation in _operations(spec):
        for parameter in operation.get("parameters", []) if parameters else []:
            yield from _nodes(spec, parameter["schema"], f"{method.upper()} {path} {parameter['name']}")
        if body := _body(spec, operation):
            yield from _nodes(spec, body, f"{method.upper()} {path} body")


def test_every_whole_number_the_api_takes_fits_the_store(app):
    unbounded = [where for where, node in _inputs(app.openapi())
                 if node.get("type") == "integer" and not node.get("maximum", LARGEST_NUMBER + 1) <= LARGEST_NUMBER]
    assert not unbounded


def test_no_list_map_or_object_a_request_body_holds_may_be_null(app):
    spec = app.openapi()
    nullable = [where for where, node in _inputs(spec, parameters=False) if {"type": "null"} in node.get("anyOf", [])
                and any(option.get("type") in ("array", "object") or "$ref" in option for option in node["anyOf"])]
    assert not nullable


# --------------------------------------------------------------------------- refusals name the field


@pytest.fixture
def admin(practice_client, practice):
    """Signed in as the data team's administrator, with the header every API write sends."""
    assert sign_in(practice_client, practice.users["data_team+admin"]).status_code == 303
    return practice_client, {"X-CSRF-Token": csrf_token(practice_client.get("/").text)}


#: What the sweeps of the issue found, each as (method, url, body, the field to name).
FOUND = [
    ("GET", "/api/v1/records/2147483648", None, "record_id"),
    ("GET", "/api/v1/linkage/pairs/1/9223372036854775808", None, "right"),
    ("GET", "/api/v1/sharing/consent?offset=9223372036854775808", None, "offset"),
    ("GET", "/api/v1/persons?q=Smith%00", None, "q"),
    ("GET", "/api/v1/sharing/view-as?person_id=PSAME000001&organisation=CSC%00&role=practitioner", None,
     "organisation"),
    ("POST", "/api/v1/sharing/agreements", {"code": "NULL-ISA", "title": "Nulls", "parties": None}, "parties"),
    ("PATCH", "/api/v1/sharing/agreements/SAFE-ISA/versions/1", {"lawful_basis": None}, "lawful_basis"),
    ("POST", "/api/v1/sharing/categories", {"code": "c", "name": "N\x00ul"}, "name"),
    ("POST", "/api/v1/linkage/persons/PSAME000001/split", {"record_id": 2**31, "reason": "x"}, "record_id"),
    ("POST", "/api/v1/sharing/agreements", b'{"code": ', "body"),
]


def test_what_the_issue_found_is_refused_naming_the_field(admin):
    client, header = admin
    answers = []
    for method, url, body, field in FOUND:
        sent = ({"content": body, "headers": {**header, "content-type": "application/json"}}
                if isinstance(body, bytes) else {"json": body, "headers": header})
        response = client.request(method, url, **sent)
        answer = response.json()
        answers.append((method, url, response.status_code, answer.get("field"),
                        answer.get("detail", "")[:len(field) + 2], sorted(answer.get("errors", [{}])[0])))
    assert answers == [(method, url, 422, field, f"{field}: ", ["loc", "msg", "type"])
                       for method, url, _body, field in FOUND]


def test_text_with_a_nul_is_refused_wherever_the_api_takes_it(admin, app, practice):
    """Every string parameter, and every string (or list of strings) at the top of a
    request body: the refusal's errors name it. Each operation is asked by someone allowed
    to do it (the administrator, for a practitioner's acts a practitioner, for transparency
    the IG lead), since a refusal of the act itself rightly comes before its input is read."""
    client, header = admin
    with (TestClient(app, raise_server_exceptions=False, follow_redirects=False) as practitioner,
          TestClient(app, raise_server_exceptions=False, follow_redirects=False) as ig_lead):
        assert sign_in(practitioner, practice.users["practitioner"]).status_code == 303
        assert sign_in(ig_lead, practice.users["ig_lead"]).status_code == 303
        askers = [(client, header),
                  (practitioner, {"X-CSRF-Token": csrf_token(practitioner.get("/").text)}),
                  (ig_lead, {"X-CSRF-Token": csrf_token(ig_lead.get("/").text)})]
        _sweep_for_nul(app.openapi(), askers)


def _sweep_for_nul(spec, askers):
    missed = []
    for method, path, operation in _operations(spec):
        parameters = operation.get("parameters", [])
        values = {parameter["name"]: PATH_VALUE for parameter in parameters if parameter["in"] == "path"}
        texts = [(parameter["in"], parameter["name"]) for parameter in parameters
                 if any(node.get("type") == "string" for _where, node in _nodes(spec, parameter["schema"], ""))]
        body = _body(spec, operation)
        texts += [("body", name) for name, node in body.get("properties", {}).items()
                  if _resolved(spec, node).get("type") == "string"
                  or _resolved(spec, node).get("items", {}).get("type") == "string"]
        for where, name in texts:
            path_values = {**values, **({name: "P%00"} if where == "path" else {})}
            query = {name: "a\x00b"} if where == "query" else {}
            sent = {name: ["a\x00b"] if body["properties"][name].get("type") == "array" else "a\x00b"} \
                if where == "body" else ({} if body else None)
            for client, header in askers:
                response = client.request(method.upper(), path.format(**path_values), params=query,
                                          json=sent, headers=header)
                if response.status_code != 403:
                    break
            locations = [error["loc"] for error in response.json().get("errors", [])] \
                if response.status_code == 422 else []
            if not any(loc[:2] == [where, name] for loc in locations):
                missed.append(f"{method.upper()} {path} {where} {name}: {response.status_code} {response.text[:200]}")
    assert not missed, "\n".join(missed)


def test_a_client_address_longer_than_its_column_is_recorded_cut_to_fit(app, practice, engine):
    address = "client-" + "a" * 100  # what a proxy's forwarded-for header can make it
    with TestClient(app, follow_redirects=False, client=(address, 50000)) as client:
        assert sign_in(client, practice.users["practitioner"]).status_code == 303
        assert client.get("/api/v1/persons/PSAME000001").status_code == 200
    with transaction(engine) as session:
        recorded = session.scalars(select(AuditEvent.client_address)
                                   .where(AuditEvent.actor == practice.users["practitioner"])).all()
    assert recorded and set(recorded) == {address[:64]}


# --------------------------------------------------------------------------- generated requests


def names_the_refused_field(ctx, response, case) -> None:
    """A refusal of input names the field it refuses: one of the operation's parameters or
    body properties (or the body itself), and its ``detail`` starts with that name."""
    if response.status_code not in (400, 409, 422):
        return None
    body = response.json()
    field = body.get("field")
    if field is None and response.status_code == 409:
        return None  # the rules refuse the change as a whole, not one field of it
    spec = case.operation.schema.raw_schema
    described = spec["paths"][case.operation.path][case.operation.method.lower()]
    known = {parameter["name"] for parameter in described.get("parameters", [])} | {"body"}
    known |= set(_body(spec, described).get("properties", {}))
    if not field or str(field).split(".")[0] not in known or not str(body.get("detail", "")).startswith(f"{field}: "):
        raise Failure(operation=case.operation.label, title="The refusal does not name a field of the request",
                      message=f"{response.status_code} {body}")
    return None


def _signed_in(app, username: str) -> tuple[dict[str, str], dict[str, str]]:
    """The session cookie and the CSRF header of a fresh sign-in as ``username``."""
    with TestClient(app, follow_redirects=False) as client:
        assert sign_in(client, username).status_code == 303
        header = {"X-CSRF-Token": csrf_token(client.get("/").text)}
        return {SESSION_COOKIE: client.cookies[SESSION_COOKIE]}, header


@functools.cache
def _schema(described: str) -> schemathesis.BaseSchema:
    """The API's description, loaded once: every app of the run describes the same API."""
    return schemathesis.openapi.from_dict(json.loads(described))


@functools.cache
def _cases(described: str, examples: int) -> tuple[tuple[str, tuple], ...]:
    """Every operation's generated requests, up to ``examples`` in each mode, as
    ``(operation label, cases)``: generated once per process and then asked as every role
    on every store. The run is derandomised, so each sweep would generate the same cases
    again, and generating them is nearly all of a sweep's time."""
    schema = _schema(described)
    generated = []
    for result in schema.get_all_operations():
        operation = result.ok()
        takes_input = bool(list(operation.iter_parameters())) or bool(operation.body)
        for mode in MODES if takes_input else MODES[:1]:
            cases = []

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                      phases=[Phase.generate], suppress_health_check=list(HealthCheck))
            def collect(case):
                cases.append(case)

            try:
                collect()
            except Unsatisfiable:  # an operation that takes only free text cannot be sent it wrong
                assert mode is schemathesis.GenerationMode.NEGATIVE, operation.label
            generated.append((operation.label, tuple(cases)))
    return tuple(generated)


def sweep(app, username: str, examples: int,
          checks=(not_a_server_error, names_the_refused_field)) -> tuple[int, list[str]]:
    """Every operation, up to ``examples`` cases in each mode, signed in as ``username``:
    how many requests were sent, and every failure (not just each operation's first)."""
    cookies, headers = _signed_in(app, username)
    sent = 0
    failures: list[str] = []
    for label, cases in _cases(json.dumps(app.openapi()), examples):
        for case in cases:
            sent += 1
            try:
                case.call_and_validate(headers=headers, cookies=cookies, checks=list(checks), app=app)
            except (Exception, FailureGroup) as exc:  # noqa: BLE001 - an exception the app let out counts too
                failures.append(f"{label}: {exc.__class__.__name__}: {str(exc).strip()[:2000]}")
    return sent, failures


@pytest.mark.slow
@pytest.mark.xdist_group("schema-sweep")  # one worker generates the cases (_cases) for every sweep
@pytest.mark.parametrize("role", list(ROLE_USERS))
def test_no_generated_request_gets_a_server_error(role, app, practice):
    sent, failures = sweep(app, practice.users[role], EXAMPLES)
    print(f"{role}: {sent} requests, {len(failures)} failed")  # with -s, a sweep's figures
    by_operation = Counter(failure.split(": ", 1)[0] for failure in failures)
    assert not failures, (f"{len(failures)} of {sent} requests failed, by operation: {dict(by_operation)}\n\n"
                          + "\n\n".join(failures[:20]))
