"""The catalogue's registry: every ``queries/*.cypher`` file, parsed once, typed, read-only.

Each file starts with a header of ``//`` comment lines::

    // name: producers                      (must equal the file name)
    // answers: Who makes a product ...     (continued on further ``//   `` lines)
    // param id: str  the product id        (one line per parameter: name, type, help)
    // param tiers: int = 3  how many tiers (``= value``: optional, with this default)
    // example: supplymap query producers -p id=MB-FABRIC

Parameter types: str, int, float, bool, list[str] (comma-separated on the command line).
Queries are read-only: a file with a write clause is refused when the catalogue loads, and
queries run in read transactions. Values always travel as parameters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, LiteralString

from kg.connection import Graph, Row

TYPES = ("str", "int", "float", "bool", "list[str]")
_WRITE = re.compile(
    r"\b(CREATE|MERGE|SET|DELETE|DETACH|REMOVE|DROP|LOAD\s+CSV|FOREACH)\b|IN\s+TRANSACTIONS",
    re.IGNORECASE,
)
_PARAM = re.compile(
    r"^(?P<name>\w+):\s*(?P<type>list\[str\]|\w+)(?:\s*=\s*(?P<default>\S+))?\s*(?P<doc>.*)$"
)
_TRUE = {"true", "yes", "1", "y", "on"}
_FALSE = {"false", "no", "0", "n", "off"}


class QueryError(ValueError):
    """A catalogue query is unknown, malformed, or given bad parameters."""


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    doc: str
    default: Any = None
    required: bool = True

    def parse(self, value: Any) -> Any:
        """Convert a command-line string (or a Python value) to this parameter's type."""
        if not isinstance(value, str):
            return value
        try:
            if self.type == "int":
                return int(value)
            if self.type == "float":
                return float(value)
            if self.type == "bool":
                low = value.strip().lower()
                if low in _TRUE:
                    return True
                if low in _FALSE:
                    return False
                raise ValueError(value)
            if self.type == "list[str]":
                return [v.strip() for v in value.split(",") if v.strip()]
        except ValueError:
            raise QueryError(f"parameter {self.name} must be {self.type}, got {value!r}") from None
        return value


@dataclass(frozen=True)
class Query:
    name: str
    answers: str
    params: tuple[Param, ...]
    example: str
    text: str

    @property
    def cypher(self) -> LiteralString:
        # The text is package data shipped with the code, never user input.
        return self.text

    def bind(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """Typed parameters: parse strings, fill defaults, refuse unknown or missing ones."""
        known = {p.name: p for p in self.params}
        unknown = sorted(set(given) - set(known))
        if unknown:
            raise QueryError(
                f"query {self.name} has no parameter {', '.join(unknown)}; "
                f"it takes {', '.join(known) or 'none'}"
            )
        out: dict[str, Any] = {}
        for p in self.params:
            if p.name in given:
                out[p.name] = p.parse(given[p.name])
            elif p.required:
                raise QueryError(
                    f"query {self.name} needs -p {p.name}=<{p.type}> ({p.doc}); e.g. {self.example}"
                )
            else:
                out[p.name] = p.default
        return out

    def run(self, graph: Graph, params: Mapping[str, Any] | None = None) -> list[Row]:
        return graph.query(self.cypher, self.bind(params or {}))

    def signature(self) -> str:
        parts = []
        for p in self.params:
            parts.append(f"{p.name}: {p.type}" + ("" if p.required else f" = {p.default}"))
        return ", ".join(parts)


def parse(name: str, text: str) -> Query:
    """Parse one catalogue file; raise QueryError saying what is wrong with it."""
    header: list[str] = []
    for line in text.splitlines():
        if not line.startswith("//"):
            break
        header.append(line[2:].rstrip())
    fields: dict[str, str] = {}
    params: list[Param] = []
    last: str | None = None
    for line in header:
        stripped = line.strip()
        if line.startswith("   ") and last is not None:  # a continuation line
            fields[last] += " " + stripped
            continue
        key, _, value = stripped.partition(":")
        if key.startswith("param "):
            m = _PARAM.match(stripped[len("param ") :])
            if not m or m["type"] not in TYPES:
                raise QueryError(
                    f"{name}.cypher: bad parameter line {line!r}; write "
                    f"'// param NAME: TYPE [= DEFAULT]  help', TYPE one of {', '.join(TYPES)}"
                )
            param = Param(m["name"], m["type"], m["doc"].strip(), required=m["default"] is None)
            if m["default"] is not None:
                param = Param(
                    param.name, param.type, param.doc, param.parse(m["default"]), required=False
                )
            params.append(param)
            last = None
        elif key in ("name", "answers", "example"):
            fields[key] = value.strip()
            last = key
    for required in ("name", "answers", "example"):
        if not fields.get(required):
            raise QueryError(f"{name}.cypher: the header has no '// {required}:' line")
    if fields["name"] != name:
        raise QueryError(f"{name}.cypher: the header names it {fields['name']!r}")
    body = "\n".join(text.splitlines()[len(header) :])
    if _WRITE.search(body):
        raise QueryError(f"{name}.cypher: catalogue queries are read-only; remove the write")
    used = set(re.findall(r"\$(\w+)", body))
    declared = {p.name for p in params}
    if used != declared:
        raise QueryError(
            f"{name}.cypher: parameters used {sorted(used)} but declared {sorted(declared)}"
        )
    return Query(fields["name"], fields["answers"], tuple(params), fields["example"], text)


@cache
def catalogue() -> dict[str, Query]:
    """Every query of the catalogue, by name."""
    out: dict[str, Query] = {}
    for entry in sorted(resources.files("queries").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".cypher"):
            name = entry.name[: -len(".cypher")]
            out[name] = parse(name, entry.read_text(encoding="utf-8"))
    return out


def get(name: str) -> Query:
    queries = catalogue()
    if name not in queries:
        close = [q for q in queries if name.lower() in q or q in name.lower()]
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise QueryError(
            f"no catalogue query named {name!r}{hint} (`supplymap query --list` lists them)"
        )
    return queries[name]
