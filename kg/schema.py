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


@cache
def merge_nodes(nt: NodeType) -> LiteralString:
    """MERGE nodes on their key; SET the other properties and the provenance.

    Rows: ``{key: <value>, props: {<name>: <value>, ...}}``.
    """
    return render(
        "UNWIND $rows AS r MERGE (n:{label} {{{key}: r.key}}) SET n += r.props, "
        + _PROVENANCE_SET.format(v="n")
        + " RETURN count(*) AS written",
        label=nt.label,
        key=nt.key,
    )


@cache
def merge_rels(rt: RelType) -> LiteralString:
    """MATCH both ends by key, MERGE the relationship on its merge keys, SET the rest.

    Rows: ``{start: <key>, end: <key>, <merge key>: <value>..., props: {...}}``. Returns the
    number of rows whose two ends were found, so a caller can tell a missing end. With
    ``rt.current_by`` (a date property), a row older than the relationship's value, or an
    undated row over a dated relationship, leaves the relationship as it is.
    """
    keys = ", ".join(ident(k) + ": r." + ident(k) for k in rt.merge_keys)
    pattern = " {{" + keys + "}}" if keys else ""
    guard: LiteralString = ""
    if rt.current_by is not None:
        by = ident(rt.current_by)
        guard = " WITH r, x WHERE x." + by + " IS NULL OR r.props." + by + " >= x." + by
    template: LiteralString = (
        "UNWIND $rows AS r MATCH (a:{start} {{{skey}: r.start}}) "
        "MATCH (b:{end} {{{ekey}: r.end}}) "
        "MERGE (a)-[x:{type}"
        + pattern
        + "]->(b)"
        + guard
        + " SET x += r.props, "
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
