"""Inputs from other chains on a chain map: what the chain's products depend on outside it.

Chains depend on each other: the automobile chain's microcontrollers are made from wafers,
photoresists and lithography scanners that belong to the integrated-circuit chain. A chain map
draws those inputs below its own products, one folded group per other chain ("Integrated
circuits: 14 inputs"), linked to the products of the chain that consume them; a click unfolds
the group into its products and their bill of materials.

What must not hide in a fold stays on the map while folded, outlined as usual:

- an input from another chain that is itself a single source (one live producer, or all of
  them in one region or one ownership group), or a capacity bottleneck of a product on the map;
- an enterprise whose loss stops a product of this chain (SPOF_FOR) through such inputs, with
  its link to the input it makes.

A kept input links to the chain product it reaches through folded ones by a dashed "via" link
that names them; unfolding replaces it by the real bill of materials.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from kg.connection import Graph
from kg.maps.data import (
    Q_BOM,
    Q_ENTERPRISES,
    Q_INPUTS_OF,
    Q_PRODUCERS,
    Q_PRODUCT_CHAINS,
    Q_PRODUCTS,
    MapData,
    MapEdge,
    MapNode,
    Results,
    Spof,
    _float,
    _text,
    enterprise_node,
    node_key,
    product_node,
    rows,
)

OUTSIDE = "no chain"  # the group of inputs that belong to no chain at all
MAX_DEPTH = 50


def _closure_up(graph: Graph, seeds: Iterable[str]) -> set[str]:
    seen = set(seeds)
    frontier = sorted(seen)
    for _ in range(MAX_DEPTH):
        if not frontier:
            break
        found = {str(x) for x in rows(graph, Q_INPUTS_OF, {"ids": frontier})}
        frontier = sorted(found - seen)
        seen.update(frontier)
    return seen


def other_chain_inputs(graph: Graph, chain_products: Sequence[MapNode]) -> list[MapNode]:
    """Every product upstream (in the bill of materials) of the chain's products that does not
    belong to the chain, read whole, by id; each with ``other_chain`` set to the name of the
    chain it belongs to (the first by name when several; OUTSIDE when none)."""
    inside = {p.id for p in chain_products}
    outside = sorted(_closure_up(graph, inside) - inside)
    if not outside:
        return []
    chains: dict[str, list[str]] = {}
    for pid, cid, name in rows(graph, Q_PRODUCT_CHAINS, {"ids": outside}):
        chains.setdefault(str(pid), []).append(_text(name) or str(cid))
    found = [product_node(r) for r in rows(graph, Q_PRODUCTS, {"ids": outside})]
    for p in found:
        p.other_chain = min(chains.get(p.id, [OUTSIDE]))
    found.sort(key=lambda p: p.id)
    return found


def add_other_chains(
    graph: Graph,
    data: MapData,
    chain_products: Sequence[MapNode],
    others: Sequence[MapNode],
    spofs: Sequence[Spof],
    kept: Iterable[str] = (),
) -> None:
    """Add the inputs ``others`` (see other_chain_inputs) to a chain map, folded per chain.

    ``spofs``: the single points of failure written for the chain's products; ``kept``: ids of
    other-chain inputs that must stay visible besides the single sources (the capacity
    bottlenecks among them).
    """
    if not others:
        return
    inside = {p.id: p for p in chain_products}
    outside = {p.id: p for p in others}
    # Enterprises whose loss stops a chain product through an input from another chain.
    through: dict[str, tuple[Spof, str]] = {}  # enterprise id -> (the spof, first input)
    regions: dict[str, Spof] = {}
    for s in spofs:
        first = next((step for step in s.path[1:] if step in outside), None)
        if first is None:
            continue
        if s.kind == "enterprise" and s.id not in through:
            through[s.id] = (s, first)
        elif s.kind == "region" and s.id not in regions:
            regions[s.id] = s
    on_map = {n.key for n in data.nodes}
    shown = {pid for pid, p in outside.items() if p.outlined}
    shown |= {pid for pid in kept if pid in outside}
    shown |= {first for _, first in through.values()}

    # The bill of materials among the outside inputs and into the chain's products.
    edges: list[MapEdge] = []
    consumers: dict[str, set[str]] = {}  # outside input -> chain products it goes into
    fed: dict[str, set[str]] = {}  # outside input -> outside products it goes into
    for a, b, qty, alt in rows(graph, Q_BOM, {"ids": sorted(set(outside) | set(inside))}):
        a, b = str(a), str(b)
        if a == b or a not in outside or (b not in outside and b not in inside):
            continue
        edges.append(
            MapEdge(
                node_key("product", a),
                node_key("product", b),
                "input",
                qty_per_unit=_float(qty),
                alt_group=_text(alt),
            )
        )
        (consumers if b in inside else fed).setdefault(a, set()).add(b)

    # One group per other chain, folded; its members hidden until it unfolds.
    by_chain: dict[str, list[MapNode]] = {}
    for p in others:
        by_chain.setdefault(p.other_chain or OUTSIDE, []).append(p)
    groups: dict[str, MapNode] = {}
    for chain_name, members in sorted(by_chain.items()):
        key = node_key("group", f"chain/{chain_name}")
        named = sorted(p.name for p in members)
        risks = [
            f"{s.name} ({s.kind})"
            for s in [*(sp for sp, _ in through.values()), *regions.values()]
            if any(step in {p.id for p in members} for step in s.path)
        ]
        group = MapNode(
            key,
            "group",
            f"chain/{chain_name}",
            f"{chain_name}: {len(members)} input(s)",
            group_of="product",
            members=named,
            member_count=len(members),
            results=_fold_results(members),
            other_chain=chain_name,
            unfolds=[p.key for p in members if p.id not in shown],
            spofs=risks,
        )
        groups[chain_name] = group
        for p in members:
            p.hidden = p.id not in shown
        into: dict[str, int] = {}
        for p in members:
            for b in consumers.get(p.id, ()):
                into[b] = into.get(b, 0) + 1
        edges += [
            MapEdge(key, node_key("product", b), "group", count=count)
            for b, count in sorted(into.items())
        ]
    # A kept input reaches the chain's products through folded ones: a via link per product.
    for pid in sorted(shown):
        p = outside[pid]
        for target, path in _reach(pid, fed, consumers, shown):
            if len(path) < 2:
                continue  # a direct input: its real link is drawn anyway
            edges.append(
                MapEdge(
                    p.key,
                    node_key("product", target),
                    "via",
                    while_folded=groups[p.other_chain or OUTSIDE].key,
                    through=tuple(outside[x].name for x in path[1:]),
                )
            )
    # The enterprises behind them, with the link to what they make.
    makers: list[MapNode] = []
    new_ids = sorted(e for e in through if node_key("enterprise", e) not in on_map)
    found = {str(r["id"]): enterprise_node(r) for r in rows(graph, Q_ENTERPRISES, {"ids": new_ids})}
    wanted = sorted({first for _, first in through.values()})
    for eid, pid, capacity, unit, _ in rows(graph, Q_PRODUCERS, {"ids": wanted}):
        eid, pid = str(eid), str(pid)
        if eid not in through:
            continue
        product = outside[pid]
        cap = _float(capacity)
        maker = found.get(eid)
        if maker is not None:
            maker.makes.append((product.name, cap, _text(unit) or product.unit))
            maker.category = maker.category or product.category
            maker.other_chain = product.other_chain
        product.producers.append((through[eid][0].name, cap))
        edges.append(
            MapEdge(
                node_key("enterprise", eid),
                product.key,
                "produces",
                capacity=cap,
                unit=_text(unit),
            )
        )
    makers = [found[e] for e in new_ids if e in found]
    data.nodes += [*others, *groups.values(), *makers]
    data.edges += edges
    if regions:
        data.notes.append(
            "Regions whose loss stops a product of this chain through inputs from other "
            "chains: " + "; ".join(f"{s.name} ({s.id})" for s in regions.values()) + "."
        )


def _reach(
    start: str,
    fed: dict[str, set[str]],
    consumers: dict[str, set[str]],
    shown: set[str],
) -> list[tuple[str, list[str]]]:
    """The chain products an outside input reaches through folded outside products, each with
    the shortest path (start first, the chain product excluded)."""
    out: dict[str, list[str]] = {}
    frontier: list[list[str]] = [[start]]
    seen = {start}
    while frontier:
        step: list[list[str]] = []
        for path in frontier:
            here = path[-1]
            for b in sorted(consumers.get(here, ())):
                out.setdefault(b, path)
            for b in sorted(fed.get(here, ())):
                if b in seen or b in shown:
                    continue
                seen.add(b)
                step.append([*path, b])
        frontier = step
    return sorted(out.items())


def _fold_results(members: Sequence[MapNode]) -> Results:
    """A folded chain is outlined when a member is, and carries its members' worst warning."""
    levels = [m.results.warning_level for m in members if m.results.warning_level]
    worst = next((lv for lv in ("red", "yellow", "blue") if lv in levels), None)
    outlined = sum(m.outlined for m in members)
    reasons = []
    if outlined:
        reasons.append(f"{outlined} single source(s) inside")
    if worst:
        reasons.append(f"{levels.count(worst)} member(s) with a {worst} warning")
    return Results(
        is_spof=True if outlined else None,
        warning_level=worst,
        warning_reason="; ".join(reasons) or None,
    )
