"""A readable, accessible reference for the API, made from its OpenAPI description.

FastAPI's own /docs pages load scripts from a CDN, which our content security policy
(and an offline server) rules out; this page needs no script at all.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from joinedup.web.context import CurrentVisit, render

router = APIRouter(include_in_schema=False)

METHODS = ("get", "post", "put", "patch", "delete")


@router.get("/docs")
def api_reference(request: Request, visit: CurrentVisit) -> Response:
    schema = request.app.openapi()
    operations = []
    for path, item in schema.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": operation.get("parameters", []),
                    "responses": sorted(operation.get("responses", {}).items()),
                    "anchor": f"{method}-{path.strip('/').replace('/', '-').replace('{', '').replace('}', '')}",
                }
            )
    return render(request, "api_docs.html", {"schema": schema, "operations": operations, "current": "docs"})
