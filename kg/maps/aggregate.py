"""Above a node limit, fold the map into groups instead of drawing a hairball.

Chain and disruption maps first fold enterprises into the products they make (each product's
tooltip keeps the producer list and capacity), then, if still too many, group products of one
BOM level and category. Enterprise maps group suppliers of one tier by the product they supply,
then by its category. Nodes a map must show (the enterprise mapped, what a scenario removes,
loses or reduces) are never folded. Each step adds a sentence saying what was folded; the page
shows it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import replace

from kg.maps.data import MapData, MapEdge, MapNode, NodeKind, Results
from kg.maps.layout import product_levels

DEFAULT_MAX_NODES = 5000
# Above this many enterprises a chain or disruption map folds the makers of each product into
# one node (their count and capacity) that a click unfolds; risky makers stay on their own.
MAKER_FOLD_FROM = 300


def aggregate(data: MapData, max_nodes: int = DEFAULT_MAX_NODES) -> MapData:
    if max_nodes < 1:
        raise ValueError(f"the node limit must be at least 1, got {max_nodes}")
    if len(data.nodes) <= max_nodes:
        return fold_makers(data)
    data = _drop_hidden(data)  # what the page would unfold: no room for it on a large map
    if len(data.nodes) <= max_nodes:
        return fold_makers(data)
    keep = _must_show(data)
    before = len(data.nodes)
    if data.kind == "enterprise":
        data = _group_suppliers(data, keep, by_product=True)
        if len(data.nodes) > max_nodes:
            data = _group_suppliers(data, keep, by_product=False)
    else:
        data = _fold_enterprises(data, keep)
        if len(data.nodes) > max_nodes:
            data = _group_products(data, keep, max_nodes)
    data.aggregated = True
    data.notes.append(
        f"Aggregated: {before:,} nodes are more than this map's limit of {max_nodes:,}, so it "
        f"shows {len(data.nodes):,}. Raise the limit with --max-nodes to draw every node."
    )
    if len(data.nodes) > max_nodes:
        data.notes.append(
            "Still above the limit after grouping: the nodes left are ones this map must show."
        )
    return data


def fold_makers(data: MapData, fold_from: int = MAKER_FOLD_FROM) -> MapData:
    """Past ``fold_from`` enterprises, the makers of each product (two or more) fold into one
    node with their count and capacity, linked once to the product; the page unfolds it on a
    click (the makers are in the page, hidden). A maker that is a single point of failure,
    carries a warning or is hit by a scenario stays on its own, as do makers from other
    chains. Each maker folds under the first product (by id) it makes on the map."""
    if data.kind == "enterprise":
        return data
    makers = {n.key: n for n in data.nodes if n.kind == "enterprise" and n.other_chain is None}
    if len(makers) <= fold_from:
        return data
    risky = {
        k
        for k, n in makers.items()
        if n.outlined or n.results.warning_level or n.status != "normal" or n.hidden
    }
    products = {n.key: n for n in data.nodes if n.kind == "product"}
    under: dict[str, tuple[str, float | None]] = {}  # maker -> (product, its capacity)
    for e in sorted(data.edges, key=lambda e: (e.target, e.source)):
        mine = e.kind == "produces" and e.source in makers and e.target in products
        if mine and e.source not in risky and e.source not in under:
            under[e.source] = (e.target, e.capacity)
    by_product: dict[str, list[str]] = {}
    for maker, (made, _) in under.items():
        by_product.setdefault(made, []).append(maker)
    groups: list[MapNode] = []
    edges: list[MapEdge] = []
    folded = 0
    for product_key, keys in sorted(by_product.items()):
        if len(keys) < 2:
            continue
        product = products[product_key]
        members = [makers[k] for k in sorted(keys)]
        capacities = [under[k][1] for k in keys if under[k][1] is not None]
        group = MapNode(
            f"group:makers/{product.id}",
            "group",
            f"makers/{product.id}",
            f"{len(members)} makers of {product.name}",
            category=product.category,
            capacity=sum(c for c in capacities if c is not None) if capacities else None,
            unit=product.unit,
            group_of="enterprise",
            members=[m.name for m in members],
            member_count=len(members),
            results=_group_results(members),
            unfolds=[m.key for m in members],
        )
        for m in members:
            m.hidden = True
        groups.append(group)
        edges.append(MapEdge(group.key, product_key, "group", count=len(members)))
        folded += len(members)
    if not groups:
        return data
    # Trade links with a folded end are bundled between what is shown, one link per pair.
    where = {m: g.key for g in groups for m in g.unfolds}
    bundles: dict[tuple[str, str], int] = {}
    for e in data.edges:
        if e.kind != "supplies" or (e.source not in where and e.target not in where):
            continue
        ends = (where.get(e.source, e.source), where.get(e.target, e.target))
        if ends[0] != ends[1]:
            bundles[ends] = bundles.get(ends, 0) + 1
    edges += [MapEdge(a, b, "group", count=c) for (a, b), c in sorted(bundles.items())]
    note = (
        f"{folded:,} makers are folded per product into {len(groups):,} nodes (count and "
        "capacity in each; click one to unfold it, search finds a maker inside); makers that "
        "are single points of failure or carry a warning stay on their own."
    )
    return replace(
        data,
        nodes=[*data.nodes, *groups],
        edges=[*data.edges, *edges],
        notes=[*data.notes, note],
    )


def _drop_hidden(data: MapData) -> MapData:
    """The map without the nodes it embeds hidden (to unfold or explore on the page)."""
    hidden = {n.key for n in data.nodes if n.hidden}
    if not hidden:
        return data
    nodes = [n for n in data.nodes if n.key not in hidden]
    for n in nodes:
        n.unfolds = [k for k in n.unfolds if k not in hidden]
        n.expands = n.expands and bool(n.unfolds)
    edges = [e for e in data.edges if e.source not in hidden and e.target not in hidden]
    return replace(data, nodes=nodes, edges=edges)


def _must_show(data: MapData) -> set[str]:
    keep = {n.key for n in data.nodes if n.status != "normal"}
    if data.root:
        keep.add(data.root)
    return keep


def _fold_enterprises(data: MapData, keep: Collection[str]) -> MapData:
    folded = {n.key for n in data.nodes if n.kind == "enterprise" and n.key not in keep}
    if not folded:
        return data
    nodes = [n for n in data.nodes if n.key not in folded]
    edges = [e for e in data.edges if e.source not in folded and e.target not in folded]
    note = (
        f"{len(folded):,} enterprises are folded into the products they make: each product's "
        "tooltip lists its producers and their capacity."
    )
    return replace(data, nodes=nodes, edges=edges, notes=[*data.notes, note])


def _merge(
    data: MapData,
    keep: Collection[str],
    group_key: Callable[[MapNode], tuple[str, str, str | None, int | None] | None],
    group_of: NodeKind,
) -> MapData:
    """Replace nodes by groups: group_key gives (group id, name, category, tier) or None."""
    groups: dict[str, list[MapNode]] = {}
    meta: dict[str, tuple[str, str | None, int | None]] = {}
    for n in data.nodes:
        if n.key in keep:
            continue
        g = group_key(n)
        if g is None:
            continue
        gid, name, category, tier = g
        groups.setdefault(gid, []).append(n)
        meta[gid] = (name, category, tier)
    where: dict[str, str] = {}
    nodes: list[MapNode] = []
    grouped: set[str] = set()
    for gid, members in groups.items():
        if len(members) < 2:
            continue
        name, category, tier = meta[gid]
        key = f"group:{gid}"
        member_names: list[str] = []
        for m in members:
            where[m.key] = key
            grouped.add(m.key)
            member_names += m.members if m.kind == "group" else [m.name]
        capacities = [m.capacity for m in members if m.capacity is not None]
        nodes.append(
            MapNode(
                key,
                "group",
                gid,
                f"{name} ({sum(max(m.member_count, 1) for m in members):,})",
                category=category,
                tier=tier,
                capacity=sum(capacities) if capacities else None,
                group_of=group_of,
                members=sorted(member_names),
                member_count=sum(max(m.member_count, 1) for m in members),
                results=_group_results(members),
            )
        )
    nodes = [n for n in data.nodes if n.key not in grouped] + nodes
    counts: dict[tuple[str, str], int] = {}
    kept: list[MapEdge] = []
    for e in data.edges:
        s, t = where.get(e.source, e.source), where.get(e.target, e.target)
        if s == e.source and t == e.target:
            kept.append(e)
        elif s != t:
            counts[(s, t)] = counts.get((s, t), 0) + e.count
    edges = kept + [MapEdge(s, t, "group", count=c) for (s, t), c in sorted(counts.items())]
    return replace(data, nodes=nodes, edges=edges)


def _group_results(members: list[MapNode]) -> Results:
    """A group is outlined when any member is; it carries the worst warning of its members."""
    n_outlined = sum(m.outlined for m in members)
    levels = [m.results.warning_level for m in members if m.results.warning_level]
    worst = next((lv for lv in ("red", "yellow", "blue") if lv in levels), None)
    reason = None
    if n_outlined or worst:
        parts = []
        if n_outlined:
            parts.append(f"{n_outlined} single source(s) or single point(s) of failure inside")
        if worst:
            parts.append(f"{levels.count(worst)} member(s) with a {worst} warning")
        reason = "; ".join(parts)
    return Results(is_spof=True if n_outlined else None, warning_level=worst, warning_reason=reason)


def _group_products(data: MapData, keep: Collection[str], max_nodes: int) -> MapData:
    """Group products: first those going into the same product, then by level and category.

    Capacity bottlenecks and the products they hold back, single sources, single points of
    failure and products with a warning stay on their own when there is room (at most half the
    limit), so the risks stay visible.
    """
    level = product_levels(data)
    names = {n.key: n.name for n in data.nodes}
    goes_into: dict[str, str] = {}
    for e in data.edges:
        if e.kind == "input" and (e.source not in goes_into or e.target < goes_into[e.source]):
            goes_into[e.source] = e.target
    risky = {
        n.key for n in data.nodes if n.kind == "product" and (n.outlined or n.results.warning_level)
    }
    risky |= {key for pair in data.limiting_links() for key in pair}
    if len(set(keep) | risky) <= max_nodes // 2:
        keep = set(keep) | risky

    def by_output(n: MapNode) -> tuple[str, str, str | None, int | None] | None:
        if n.kind != "product" or n.key not in level:
            return None
        category = n.category or "uncategorised"
        lv = level[n.key]
        out = goes_into.get(n.key)
        if out is None:
            return (f"L{lv}/{category}", f"{category}, level {lv}", n.category, None)
        return (f"L{lv}/{category}/{out}", f"{category} for {names[out]}", n.category, None)

    def by_level(n: MapNode) -> tuple[str, str, str | None, int | None] | None:
        if n.kind != "product" or n.key not in level:
            return None
        category = n.category or "uncategorised"
        lv = level[n.key]
        return (f"L{lv}/{category}", f"{category}, level {lv}", n.category, None)

    before = sum(1 for n in data.nodes if n.kind == "product")
    out = _merge(data, keep, by_output, "product")
    how = "by the product they go into"
    if len(out.nodes) > max_nodes:
        out = _merge(data, keep, by_level, "product")
        how = "by BOM level and category"
    after = sum(1 for n in out.nodes if n.kind == "group")
    alone = (
        " (bottlenecks, single sources, single points of failure and warnings kept apart)"
        if risky <= set(keep) and risky
        else ""
    )
    out.notes.append(
        f"{before:,} products are grouped {how} into {after:,} groups{alone}; search still "
        "finds a product inside its group."
    )
    return out


def _group_suppliers(data: MapData, keep: Collection[str], *, by_product: bool) -> MapData:
    who = "suppliers" if data.direction == "upstream" else "customers"

    def key(n: MapNode) -> tuple[str, str, str | None, int | None] | None:
        if n.tier is None or n.tier == 0:
            return None
        if by_product:
            if n.kind != "enterprise":
                return None
            what = n.supplies_product or "unknown product"
            return (f"T{n.tier}/p/{what}", f"{what} {who}, tier {n.tier}", n.category, n.tier)
        category = n.category or "uncategorised"
        return (
            f"T{n.tier}/c/{category}",
            f"{category} {who}, tier {n.tier}",
            n.category,
            n.tier,
        )

    before = len(data.nodes)
    out = _merge(data, keep, key, "enterprise")
    trade = "supply" if data.direction == "upstream" else "buy"
    how = f"the product they {trade}" if by_product else f"the category of what they {trade}"
    out.notes.append(
        f"The {who} of each tier are grouped by {how} ({before:,} nodes become "
        f"{len(out.nodes):,}); search still finds an enterprise inside its group."
    )
    return out
