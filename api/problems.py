"""Errors as RFC 9457 problem details (``application/problem+json``).

Every error the service returns has the same shape: ``type`` (a URN naming the kind of
problem), ``title``, ``status``, ``detail`` (one sentence saying what went wrong and what to do)
and ``instance`` (the request path), plus extension members where they help (``errors`` for
bad parameters, ``reports`` for a rejected load). Internal details never leak: an unexpected
error is logged with its traceback and answered with a generic 500.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from neo4j.exceptions import ServiceUnavailable, SessionExpired
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from kg.connection import GraphConnectionError
from kg.tiers import NotFoundError
from kg.watchdog import GraphTimeoutError

log = logging.getLogger("supplymap.api")

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:supplymap:problem:"


class ParamError(BaseModel):
    """One bad parameter."""

    location: str = Field(description="path, query, header, body or form")
    name: str = Field(description="the parameter, e.g. tiers or id (dotted for nested fields)")
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem details object."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="a URN naming the kind of problem", examples=["urn:x"])
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[ParamError] | None = Field(
        default=None, description="for bad parameters: each one with what is wrong"
    )


class ProblemError(Exception):
    """Raise from an endpoint to answer with a problem details object."""

    def __init__(
        self,
        status: int,
        kind: str,
        detail: str,
        *,
        title: str | None = None,
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.kind = kind
        self.detail = detail
        self.title = title or HTTPStatus(status).phrase
        self.headers = dict(headers or {})
        self.extensions = extensions


def not_found(what: str, value: str) -> ProblemError:
    return ProblemError(
        404,
        "not-found",
        f"no {what} with id {value!r}; check the id (ids are case-sensitive)",
    )


def problem_response(
    request: Request,
    status: int,
    kind: str,
    detail: str,
    *,
    title: str | None = None,
    headers: Mapping[str, str] | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + kind,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if extensions:
        body.update(jsonable_encoder(dict(extensions)))
    return JSONResponse(
        body, status_code=status, headers=dict(headers or {}), media_type=PROBLEM_JSON
    )


# ---- the handlers ---------------------------------------------------------------------------

_LOCATIONS = {"path", "query", "header", "body", "cookie"}


def _param_errors(errors: Sequence[Any]) -> list[ParamError]:
    out: list[ParamError] = []
    for e in errors:
        loc = [str(p) for p in e.get("loc", ())]
        where = loc[0] if loc and loc[0] in _LOCATIONS else "body"
        rest = loc[1:] if loc and loc[0] in _LOCATIONS else loc
        message = str(e.get("msg", "invalid value"))
        message = message.removeprefix("Value error, ")
        out.append(ParamError(location=where, name=".".join(rest) or where, message=message))
    return out


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _param_errors(exc.errors())
    shown = "; ".join(f"{e.location} parameter {e.name!r}: {e.message}" for e in errors[:5])
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return problem_response(
        request,
        422,
        "invalid-parameters",
        f"{shown}{more}",
        title="Invalid parameters",
        extensions={"errors": [e.model_dump() for e in errors]},
    )


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    if status == 404:
        detail = f"no such endpoint: {request.method} {request.url.path}; see /docs"
        kind = "no-such-endpoint"
    elif status == 405:
        detail = f"{request.method} is not allowed on {request.url.path}; see /docs"
        kind = "method-not-allowed"
    else:
        detail = str(exc.detail) if exc.detail else HTTPStatus(status).phrase
        kind = HTTPStatus(status).phrase.lower().replace(" ", "-")
    return problem_response(request, status, kind, detail, headers=exc.headers)


async def _problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(
        request,
        exc.status,
        exc.kind,
        exc.detail,
        title=exc.title,
        headers=exc.headers,
        extensions=exc.extensions,
    )


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(request, 404, "not-found", str(exc))


async def _timeout(request: Request, exc: Exception) -> JSONResponse:
    log.warning("graph timeout on %s %s: %s", request.method, request.url.path, exc)
    return problem_response(
        request,
        503,
        "graph-timeout",
        str(exc),
        title="Graph timeout",
        headers={"Retry-After": "30"},
    )


async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    log.warning("graph unavailable on %s %s: %s", request.method, request.url.path, exc)
    reconnect = getattr(request.app.state, "reconnect", None)
    if reconnect is not None:
        # The engine may have restarted on new ports: find it again for the next request.
        with contextlib.suppress(Exception):
            await run_in_threadpool(reconnect)
    return problem_response(
        request,
        503,
        "graph-unavailable",
        "the graph database cannot be reached right now; try again shortly, and check "
        "GET /health (or `supplymap db status` for the local engine)",
        headers={"Retry-After": "5"},
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return problem_response(
        request,
        500,
        "internal-error",
        "an unexpected error occurred; it has been logged on the server",
    )


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem details."""
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(ProblemError, _problem)
    app.add_exception_handler(NotFoundError, _not_found)
    app.add_exception_handler(GraphTimeoutError, _timeout)
    for unavailable in (GraphConnectionError, ServiceUnavailable, SessionExpired):
        app.add_exception_handler(unavailable, _unavailable)
    app.add_exception_handler(Exception, _unexpected)


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problems an endpoint can answer with."""
    content = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    descriptions = {
        401: "missing or wrong API key",
        403: "writes are disabled (no API keys configured)",
        404: "unknown id",
        413: "upload too large",
        422: "invalid parameters",
        503: "graph database unavailable",
    }
    return {
        s: {"description": descriptions.get(s, HTTPStatus(s).phrase), "content": content}
        for s in statuses
    }
