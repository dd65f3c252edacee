"""Named queries: the Cypher catalogue (queries/*.cypher), never free Cypher text.

An analyst picks a query by name and gives its parameters as typed JSON values; they reach
the database as $parameters only. Catalogue files with a write clause are refused when the
catalogue loads, and each query runs through the service's read-only graph, in a transaction
that is always rolled back and refused if anything changed.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from fastapi import APIRouter, Path
from neo4j.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field

from api.auth import ReadAccess
from api.deps import GraphDep, PageDep
from api.models import Out, Paged, paged
from api.problems import ParamError, ProblemError, not_found, responses
from api.values import plain
from queries import Param, Query, QueryError, catalogue

router = APIRouter(
    prefix="/queries",
    tags=["queries"],
    dependencies=[ReadAccess],
    responses=responses(401, 404, 422, 503),
)

MAX_TEXT = 200
MAX_LIST = 1000
MAX_INT = 1_000_000_000
COUNTS = frozenset({"limit", "skip", "offset", "tiers", "top"})  # never negative
_TEXT = re.compile(r"^[^\x00-\x1f\x7f]*$")
QueryName = Annotated[
    str,
    Path(pattern=r"^[a-z][a-z0-9_]{0,63}$", description="a catalogue query's name"),
]


class ParamOut(Out):
    name: str
    type: str = Field(description="str, int, float, bool or list[str]")
    required: bool
    default: Any = None
    description: str


class QueryOut(Out):
    name: str
    answers: str = Field(description="the question the query answers")
    parameters: list[ParamOut]
    example: str = Field(description="the same query on the command line")
    cypher: str = Field(description="the query's text, for reading (it runs only by name)")


class QueryRun(BaseModel):
    """The parameters of one run, as typed JSON values."""

    model_config = ConfigDict(extra="forbid")

    parameters: dict[str, Any] = Field(
        default_factory=dict, examples=[{"id": "91440300MA5D34567E", "tiers": 2}]
    )


class QueryResult(Paged[dict[str, Any]]):
    name: str
    columns: list[str]


def _out(q: Query) -> QueryOut:
    return QueryOut(
        name=q.name,
        answers=q.answers,
        parameters=[
            ParamOut(
                name=p.name,
                type=p.type,
                required=p.required,
                default=p.default,
                description=p.doc,
            )
            for p in q.params
        ],
        example=q.example,
        cypher=q.text,
    )


def _find(name: str) -> Query:
    q = catalogue().get(name)
    if q is None:
        raise not_found("catalogue query", name)
    return q


def _text_error(value: str) -> str | None:
    if len(value) > MAX_TEXT:
        return f"at most {MAX_TEXT} characters"
    if not _TEXT.match(value):
        return "no control characters"
    return None


def _check(p: Param, value: Any) -> str | None:
    """What is wrong with ``value`` for ``p``, or None. JSON types must match exactly."""
    if p.type == "str":
        return _text_error(value) if isinstance(value, str) else "must be a string"
    if p.type == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            return "must be an integer"
        if p.name in COUNTS and value < 0:
            return "must be 0 or more"
        return None if abs(value) <= MAX_INT else f"must be within ±{MAX_INT:,}"
    if p.type == "float":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "must be a number"
        return None if math.isfinite(value) and abs(value) <= 1e15 else "must be a finite number"
    if p.type == "bool":
        return None if isinstance(value, bool) else "must be true or false"
    if p.type == "list[str]":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return "must be a list of strings"
        if len(value) > MAX_LIST:
            return f"at most {MAX_LIST} items"
        for v in value:
            if problem := _text_error(v):
                return f"each item: {problem}"
        return None
    return f"has an unsupported type {p.type}"


def _bind(q: Query, given: dict[str, Any]) -> dict[str, Any]:
    known = {p.name: p for p in q.params}
    errors = [
        ParamError(
            location="body",
            name=f"parameters.{name}",
            message=f"query {q.name} has no such parameter; it takes {', '.join(known) or 'none'}",
        )
        for name in sorted(set(given) - set(known))
    ]
    for p in q.params:
        if p.name not in given:
            if p.required:
                errors.append(
                    ParamError(
                        location="body",
                        name=f"parameters.{p.name}",
                        message=f"required ({p.type}: {p.doc})",
                    )
                )
            continue
        if problem := _check(p, given[p.name]):
            errors.append(ParamError(location="body", name=f"parameters.{p.name}", message=problem))
    if errors:
        raise ProblemError(
            422,
            "invalid-parameters",
            "; ".join(f"{e.name}: {e.message}" for e in errors),
            title="Invalid parameters",
            errors=[e.model_dump() for e in errors],
        )
    try:
        return q.bind(given)
    except QueryError as exc:
        raise ProblemError(422, "invalid-parameters", str(exc)) from exc


@router.get("", response_model=Paged[QueryOut], summary="The catalogue of named queries")
def list_queries(page: PageDep) -> Paged[QueryOut]:
    queries = list(catalogue().values())
    window = queries[page.offset : page.offset + page.limit]
    return paged([_out(q) for q in window], len(queries), page.limit, page.offset)


@router.get("/{name}", response_model=QueryOut, summary="One named query and its parameters")
def get_query(name: QueryName) -> QueryOut:
    return _out(_find(name))


@router.post("/{name}", response_model=QueryResult, summary="Run a named query")
def run_query(
    name: QueryName, graph: GraphDep, page: PageDep, run: QueryRun | None = None
) -> QueryResult:
    """Run a catalogue query with its parameters (a JSON body ``{"parameters": {...}}``);
    one page of its rows, in the query's own order."""
    q = _find(name)
    params = _bind(q, (run or QueryRun()).parameters)
    try:
        rows = graph.query(q.cypher, params)
    except ClientError as exc:
        # A value the checks let through but the engine refuses is the caller's to fix.
        raise ProblemError(
            422,
            "invalid-parameters",
            f"the graph database refused these parameters for query {q.name} "
            f"({exc.code or 'client error'}); check them against GET /queries/{q.name}",
        ) from exc
    columns = list(rows[0]) if rows else []
    window = [plain(r) for r in rows[page.offset : page.offset + page.limit]]
    body = paged(window, len(rows), page.limit, page.offset)
    return QueryResult(**body.model_dump(), name=q.name, columns=columns)
