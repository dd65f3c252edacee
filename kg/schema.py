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


_PROVENANCE_NAMES = frozenset({"source", "load_id", "loaded_at", "basis"})


def own_property(owner: NodeType | RelType, name: str) -> str:
    """A property a mapping adds to ``owner`` (not in the model): a plain identifier that
    names neither a model property, a provenance field nor a row field. Values stay
    parameters; only the checked name is written into the statement."""
    declared = {p.name for p in owner.props}
    if name in declared or name in _RESERVED or name in _PROVENANCE_NAMES or name == "props":
        raise ValueError(f"{name!r} is a name of {owner} or of its provenance; choose another")
    return ident(name)


def _set_clause(
    var: str,
    owner: NodeType | RelType,
    props: tuple[str, ...],
    when: str | None = None,
    extra: tuple[str, ...] = (),
    dates: tuple[str, ...] = (),
    layout: tuple[str, ...] | None = None,
) -> str:
    """``v.p = r.p, ...`` for model properties of ``owner`` (``when``: only if true), then
    for the ``extra`` properties a mapping adds (checked by own_property). ``dates``: those
    whose rows carry a date as ISO text, set as ``date(r.p)`` (the driver packs a Python date
    about ten times slower than the text; the stored value is the same Date). ``layout``:
    rows are lists of these fields (``r[i]``; a field they do not hold is null)."""
    declared = {p.name for p in owner.props}
    for name in props:
        if name not in declared or name in _RESERVED:
            raise ValueError(f"{name!r} is not a property of {owner} in kg/model.py")
    parts = []
    for name in (*props, *(own_property(owner, e) for e in extra)):
        p = ident(name)
        value = _field(name, layout)
        value = f"date({value})" if name in dates else value
        if when is None:
            parts.append(f"{var}.{p} = {value}")
        else:
            parts.append(f"{var}.{p} = CASE WHEN {ident(when)} THEN {value} ELSE {var}.{p} END")
    return "".join(part + ", " for part in parts)


def _field(name: str, layout: tuple[str, ...] | None) -> str:
    """A row field in a statement: ``r.name`` in a map row, ``r[i]`` in a list row."""
    if layout is None:
        return "r." + ident(name)
    return f"r[{layout.index(name)}]" if name in layout else "null"


def node_layout(props: tuple[str, ...], extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The fields of a list row for merge_nodes(..., positional=True): key, props, extra."""
    return ("key", *props, *extra)


def rel_layout(
    rt: RelType, props: tuple[str, ...], identity: tuple[str, ...] = (), extra: tuple[str, ...] = ()
) -> tuple[str, ...]:
    """The fields of a list row for merge_rels(..., positional=True): start, end, the merge
    keys and identity, ``current_by`` (when the type has one), props, extra."""
    by = (rt.current_by,) if rt.current_by and rt.current_by not in props else ()
    return ("start", "end", *rt.merge_keys, *identity, *by, *props, *extra)


@cache
def merge_nodes(
    nt: NodeType,
    props: tuple[str, ...] | None = None,
    extra: tuple[str, ...] = (),
    dates: tuple[str, ...] = (),
    positional: bool = False,
) -> LiteralString:
    """MERGE nodes on their key; SET the other properties and the provenance.

    With ``props`` (model property names), rows are flat: ``{key: <value>, <prop>: <value>}``
    and each named property is SET explicitly; every row must carry a value for each (the
    loader groups rows by the properties they have, so a blank never erases a value).
    Without, rows are ``{key: <value>, props: {...}}`` and merged with ``+=`` (slower on
    ArcadeDB). Returns ``written``: the number of rows merged. ``extra``: properties a
    mapping adds beyond the model (names checked by own_property), SET like the others.
    ``dates``: properties of ``props`` or ``extra`` whose rows carry ISO text for a date.
    ``positional`` (with ``props``): rows are lists, ``node_layout(props, extra)``, which
    the driver packs and the server reads in about half the bytes of maps.
    """
    layout = node_layout(props, extra) if positional and props is not None else None
    sets = (
        _set_clause("n", nt, props, extra=extra, dates=dates, layout=layout)
        if props is not None
        else "n += r.props, "
    )
    template: LiteralString = (
        "UNWIND $rows AS r MERGE (n:{label} {{{key}: "
        + _field("key", layout)
        + "}}) SET "
        + sets.replace("{", "{{").replace("}", "}}")
        + _PROVENANCE_SET.format(v="n")
        + " RETURN count(*) AS written"
    )
    return render(template, label=nt.label, key=nt.key)


@cache
def merge_rels(
    rt: RelType,
    props: tuple[str, ...] | None = None,
    identity: tuple[str, ...] = (),
    extra: tuple[str, ...] = (),
    dates: tuple[str, ...] = (),
    positional: bool = False,
) -> LiteralString:
    """MATCH both ends by key, MERGE the relationship on its merge keys, SET the rest.

    Rows: ``{start: <key>, end: <key>, <merge key>: <value>..., <prop>: <value>...}`` with
    ``props`` (explicit SETs, as merge_nodes), else ``{..., props: {...}}`` merged with ``+=``.
    Returns ``written``: the number of rows whose two ends were found, so a caller can tell
    a missing end.

    With ``rt.current_by`` (a date property; PRODUCES) the relationship holds the latest
    snapshot: a row dated before its value, or an undated row over a dated one, leaves it as
    it is (every SET keeps the old value; the row still counts as written, its ends exist),
    and a row that does apply SETs every declared property, so a figure the newer snapshot
    leaves blank is removed rather than kept from an older one.

    ``identity``: properties a mapping adds to the relationship's identity (a supply link per
    model year), merged on beside the model's merge keys; ``extra``: other properties it
    adds. Their names are checked by own_property; their values are row parameters.
    ``dates``: SET properties (not merge keys, identity or ``current_by``) whose rows carry
    ISO text for a date, set as ``date(r.p)``. ``positional`` (with ``props``): rows are
    lists, ``rel_layout(rt, props, identity, extra)``.
    """
    if any(d in (*rt.merge_keys, *identity, rt.current_by) for d in dates):
        raise ValueError("merge keys, identity and current_by are sent as dates, not text")
    merge_on = (*rt.merge_keys, *(own_property(rt, k) for k in identity))
    layout = rel_layout(rt, props, identity, extra) if positional and props is not None else None
    keys = ", ".join(ident(k) + ": " + _field(k, layout) for k in merge_on)
    pattern = " {{" + keys + "}}" if keys else ""
    if rt.current_by is None:
        head: LiteralString = "]->(b) SET "
        sets = (
            _set_clause("x", rt, props, extra=extra, dates=dates, layout=layout)
            if props is not None
            else "x += r.props, "
        )
        provenance = _PROVENANCE_SET.format(v="x")
    else:
        by = ident(rt.current_by)
        value = _field(by, layout) if props is not None else "r.props." + by
        head = "]->(b) WITH r, x, (x." + by + " IS NULL OR " + value + " >= x." + by
        head += ") AS newer SET "
        if props is not None:
            names = tuple(p.name for p in rt.props if p.name not in rt.merge_keys)
            sets = _set_clause(
                "x", rt, names, when="newer", extra=extra, dates=dates, layout=layout
            )
        else:
            sets = "x += CASE WHEN newer THEN r.props ELSE {} END, "
        provenance = ", ".join(
            f"x.{n} = CASE WHEN newer THEN ${n} ELSE x.{n} END"
            for n in ("source", "load_id", "loaded_at", "basis")
        )
    template: LiteralString = (
        "UNWIND $rows AS r MATCH (a:{start} {{{skey}: "
        + _field("start", layout)
        + "}}) MATCH (b:{end} {{{ekey}: "
        + _field("end", layout)
        + "}}) "
        "MERGE (a)-[x:{type}"
        + pattern
        + head
        + sets.replace("{", "{{").replace("}", "}}")
        + provenance
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
