"""Cypher generated from the model: constraints, indexes and the batched MERGE statements.

Every statement takes its values as parameters: ``$rows`` (a list of maps) and the provenance
parameters ``$source``, ``$load_id``, ``$loaded_at`` and ``$basis``. Only model identifiers are
written into the text, through kg.cypher.render.
"""

from __future__ import annotations

from functools import cache
from typing import LiteralString

from kg.connection import Graph
from kg.cypher import ident, render
from kg.model import NODE_TYPES, NodeType, RelType

_PROVENANCE_SET: LiteralString = (
    "{v}.source = $source, {v}.load_id = $load_id, {v}.loaded_at = $loaded_at, {v}.basis = $basis"
)


def constraint_statements() -> list[LiteralString]:
    """One uniqueness constraint per node key, plus the model's secondary indexes."""
    statements: list[LiteralString] = []
    for nt in NODE_TYPES:
        statements.append(
            render(
                "CREATE CONSTRAINT {name} IF NOT EXISTS FOR (n:{label}) REQUIRE n.{key} IS UNIQUE",
                name=f"{nt.label.lower()}_{nt.key}_unique",
                label=nt.label,
                key=nt.key,
            )
        )
        for prop in nt.indexes:
            statements.append(
                render(
                    "CREATE INDEX {name} IF NOT EXISTS FOR (n:{label}) ON (n.{prop})",
                    name=f"{nt.label.lower()}_{prop}",
                    label=nt.label,
                    prop=prop,
                )
            )
    return statements


def ensure_schema(graph: Graph) -> None:
    """Create every constraint and index the model declares (idempotent)."""
    graph.run_schema(constraint_statements())


_RESERVED = frozenset({"key", "start", "end"})


def _set_clause(var: str, owner: NodeType | RelType, props: tuple[str, ...]) -> str:
    """``v.p = r.p, ...`` for model properties of ``owner`` only."""
    declared = {p.name for p in owner.props}
    parts = []
    for name in props:
        if name not in declared or name in _RESERVED:
            raise ValueError(f"{name!r} is not a property of {owner} in kg/model.py")
        parts.append(f"{var}.{ident(name)} = r.{ident(name)}")
    return "".join(part + ", " for part in parts)


@cache
def merge_nodes(nt: NodeType, props: tuple[str, ...] | None = None) -> LiteralString:
    """MERGE nodes on their key; SET the other properties and the provenance.

    With ``props`` (model property names), rows are flat: ``{key: <value>, <prop>: <value>}``
    and each named property is SET explicitly; every row must carry a value for each (the
    loader groups rows by the properties they have, so a blank never erases a value).
    Without, rows are ``{key: <value>, props: {...}}`` and merged with ``+=`` (slower on
    ArcadeDB). Returns ``written``: the number of rows merged.
    """
    sets = _set_clause("n", nt, props) if props is not None else "n += r.props, "
    template: LiteralString = (
        "UNWIND $rows AS r MERGE (n:{label} {{{key}: r.key}}) SET "
        + sets.replace("{", "{{").replace("}", "}}")
        + _PROVENANCE_SET.format(v="n")
        + " RETURN count(*) AS written"
    )
    return render(template, label=nt.label, key=nt.key)


@cache
def merge_rels(rt: RelType, props: tuple[str, ...] | None = None) -> LiteralString:
    """MATCH both ends by key, MERGE the relationship on its merge keys, SET the rest.

    Rows: ``{start: <key>, end: <key>, <merge key>: <value>..., <prop>: <value>...}`` with
    ``props`` (explicit SETs, as merge_nodes), else ``{..., props: {...}}`` merged with ``+=``.
    Returns ``written``: the number of rows whose two ends were found, so a caller can tell
    a missing end.
    """
    keys = ", ".join(ident(k) + ": r." + ident(k) for k in rt.merge_keys)
    pattern = " {{" + keys + "}}" if keys else ""
    sets = _set_clause("x", rt, props) if props is not None else "x += r.props, "
    template: LiteralString = (
        "UNWIND $rows AS r MATCH (a:{start} {{{skey}: r.start}}) "
        "MATCH (b:{end} {{{ekey}: r.end}}) "
        "MERGE (a)-[x:{type}"
        + pattern
        + "]->(b) SET "
        + sets.replace("{", "{{").replace("}", "}}")
        + _PROVENANCE_SET.format(v="x")
        + " RETURN count(*) AS written"
    )
    return render(
        template,
        start=rt.start.label,
        skey=rt.start.key,
        end=rt.end.label,
        ekey=rt.end.key,
        type=rt.type,
    )
