"""Layered positions computed in Python: material flows left to right.

Each node gets a column (a BOM level or a supplier tier, raw materials on the left, final
products or the enterprise mapped on the right). Inside a column, nodes are ordered by the
barycentre heuristic (a few down and up sweeps, the mean position of each node's neighbours
in the columns already placed), which shortens edges and removes most crossings. A column
much taller than the rest is wrapped into several sub-columns, row by row, so that the whole
map keeps roughly the shape of a screen instead of a thin ribbon. vis-network then draws the
positions as they are, with physics off.

Everything here is vectorised with numpy: 20,000 nodes and 40,000 edges lay out in well under
a second.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kg.maps.data import MapData, MapNode, node_key
from kg.model import PRODUCT_CATEGORIES

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

ROW = 44.0  # vertical distance between nodes (world units, ~px at zoom 1)
SUB_COLUMN = 230.0  # horizontal distance between the sub-columns of a wrapped column
COLUMN_GAP = 330.0  # horizontal distance between neighbouring columns
# Chain and disruption maps: a column of products keeps room on its right for their names (the
# page draws them at the whole-map view), while a column of makers, whose names wait until one
# zooms in, sits close to the products it makes, its sub-columns close together.
PRODUCT_GAP = 720.0
MAKER_GAP = 130.0
MAKER_SUB_COLUMN = 120.0
ASPECT = 1.6  # wanted width / height of the whole map
MIN_ROWS = 10  # never wrap a column shorter than this
SWEEPS = 4  # down+up barycentre sweep pairs
BAND_ROWS = 12  # rows of a column of inputs from other chains before it wraps
BAND_GAP = 100.0  # world units between the chain's columns and that band (as the page pads)
NO_USE = np.iinfo(np.int64).max  # a product that goes into nothing on the map
MAX_TITLE_CATEGORIES = 3  # a column title names up to this many categories


@dataclass(frozen=True)
class Column:
    index: int
    x: float  # centre
    left: float
    right: float
    top: float
    bottom: float
    size: int


@dataclass(frozen=True)
class Layout:
    x: FloatArray
    y: FloatArray
    columns: tuple[Column, ...]
    column_of: IntArray  # compressed column index of each node


def longest_path_levels(n: int, sources: IntArray, targets: IntArray) -> IntArray:
    """Level of each node: the longest path reaching it from a node with no inputs.

    Cycles (which a bill of materials should not have, but data can) are broken by ignoring
    the edges that close them, found by a depth-first search from the roots in node order.
    """
    level = np.zeros(n, dtype=np.int64)
    if n == 0 or len(sources) == 0:
        return level
    keep = _acyclic_edges(n, sources, targets)
    src, dst = sources[keep], targets[keep]
    indeg = np.bincount(dst, minlength=n)
    order = np.argsort(src, kind="stable")
    src_sorted, dst_sorted = src[order], dst[order]
    starts = np.searchsorted(src_sorted, np.arange(n + 1))
    frontier = np.flatnonzero(indeg == 0)
    remaining = indeg.copy()
    while len(frontier):
        # edges leaving the frontier
        lo, hi = starts[frontier], starts[frontier + 1]
        counts = hi - lo
        if counts.sum() == 0:
            break
        idx = np.repeat(lo - np.cumsum(np.r_[0, counts[:-1]]), counts) + np.arange(counts.sum())
        u = src_sorted[idx]
        v = dst_sorted[idx]
        np.maximum.at(level, v, level[u] + 1)
        np.subtract.at(remaining, v, 1)
        frontier = np.unique(v[remaining[v] == 0])
    return level


def _acyclic_edges(n: int, sources: IntArray, targets: IntArray) -> npt.NDArray[np.bool_]:
    """A mask of edges that keeps the graph acyclic (drops self-loops and DFS back edges)."""
    keep: npt.NDArray[np.bool_] = np.asarray(sources != targets, dtype=np.bool_)
    src: list[int] = sources.tolist()
    dst: list[int] = targets.tolist()
    out: list[list[int]] = [[] for _ in range(n)]
    indeg = [0] * n
    for e, (u, v) in enumerate(zip(src, dst, strict=True)):
        if keep[e]:
            out[u].append(e)
            indeg[v] += 1
    # Kahn's algorithm tells whether there is a cycle at all; most maps have none.
    queue = [u for u in range(n) if indeg[u] == 0]
    seen = 0
    while queue:
        u = queue.pop()
        seen += 1
        for e in out[u]:
            indeg[dst[e]] -= 1
            if indeg[dst[e]] == 0:
                queue.append(dst[e])
    if seen == n:
        return keep
    state = [0] * n  # 0 new, 1 on the stack, 2 done
    for root in range(n):
        if state[root]:
            continue
        state[root] = 1
        stack: list[tuple[int, int]] = [(root, 0)]
        while stack:
            u, i = stack[-1]
            if i == len(out[u]):
                state[u] = 2
                stack.pop()
                continue
            stack[-1] = (u, i + 1)
            e = out[u][i]
            v = dst[e]
            if state[v] == 1:
                keep[e] = False  # closes a cycle
            elif state[v] == 0:
                state[v] = 1
                stack.append((v, 0))
    return keep


def _compress(columns: IntArray) -> IntArray:
    _, inverse = np.unique(columns, return_inverse=True)
    return inverse.astype(np.int64)


def order_in_columns(
    column: IntArray, rank: FloatArray, sources: IntArray, targets: IntArray
) -> FloatArray:
    """Position of each node inside its column (0 at the centre), by barycentre sweeps.

    ``rank`` gives the initial order (e.g. by category then name); ties keep it.
    """
    n = len(column)
    pos = np.zeros(n, dtype=np.float64)
    if n == 0:
        return pos
    n_cols = int(column.max()) + 1
    sizes = np.bincount(column, minlength=n_cols)

    def place(order_key: FloatArray, members: IntArray) -> None:
        ordered = members[np.lexsort((rank[members], order_key[members]))]
        pos[ordered] = np.arange(len(ordered)) - (len(ordered) - 1) / 2.0

    members_of = [np.flatnonzero(column == c) for c in range(n_cols)]
    for c in range(n_cols):
        place(np.zeros(n), members_of[c])
    # Undirected neighbour pairs across columns, both ways.
    cross = column[sources] != column[targets]
    a = np.r_[sources[cross], targets[cross]]
    b = np.r_[targets[cross], sources[cross]]
    if len(a) == 0:
        return pos
    for sweep in range(2 * SWEEPS):
        downward = sweep % 2 == 0
        cols = range(1, n_cols) if downward else range(n_cols - 2, -1, -1)
        for c in cols:
            members = members_of[c]
            if len(members) < 2:
                continue
            mask = (column[a] == c) & ((column[b] < c) if downward else (column[b] > c))
            if not mask.any():
                continue
            # Neighbour positions scaled to this column's height, so a tall column next to a
            # short one still lines up.
            scale = sizes[c] / np.maximum(sizes[column[b[mask]]], 1)
            total = np.bincount(a[mask], weights=pos[b[mask]] * scale, minlength=n)
            count = np.bincount(a[mask], minlength=n)
            key = np.where(count > 0, total / np.maximum(count, 1), pos)
            place(key, members)
    return pos


def choose_rows(
    sizes: IntArray,
    row: float = ROW,
    sub_column: FloatArray | None = None,
    gap_after: FloatArray | None = None,
) -> int:
    """Rows per column so that the map comes out about ASPECT times wider than high.

    ``sub_column`` and ``gap_after``: each column's sub-column width and the gap to the next
    column (SUB_COLUMN and COLUMN_GAP unless given).
    """
    tallest = int(sizes.max()) if len(sizes) else 1
    if tallest <= MIN_ROWS:
        return max(tallest, 1)
    if sub_column is None:
        sub_column = np.full(len(sizes), SUB_COLUMN)
    if gap_after is None:
        gap_after = np.full(len(sizes), COLUMN_GAP)
    rows = np.arange(MIN_ROWS, tallest + 1, dtype=np.float64)
    sub_columns = np.ceil(sizes[:, None] / rows[None, :])
    width = (
        ((sub_columns - 1) * sub_column[:, None]).sum(axis=0) + gap_after[:-1].sum() + SUB_COLUMN
    )
    height = rows * row
    best = int(np.argmin(np.abs(np.log(width / height) - np.log(ASPECT))))
    return int(rows[best])


def layered(
    columns: Sequence[int] | IntArray,
    rank: Sequence[float] | FloatArray,
    sources: Sequence[int] | IntArray,
    targets: Sequence[int] | IntArray,
    row: float = ROW,
    spacing: Mapping[int, tuple[float, float]] | None = None,
) -> Layout:
    """Positions for nodes in the given (possibly sparse) columns, left to right.

    ``row`` is the vertical distance between nodes; ``spacing`` gives some columns (by the
    numbers in ``columns``) their own (sub-column width, gap to the next column), instead of
    SUB_COLUMN and COLUMN_GAP.
    """
    raw = np.asarray(columns, dtype=np.int64)
    column = _compress(raw)
    src = np.asarray(sources, dtype=np.int64)
    dst = np.asarray(targets, dtype=np.int64)
    n = len(column)
    if n == 0:
        empty = np.zeros(0, dtype=np.float64)
        return Layout(empty, empty, (), column)
    pos = order_in_columns(column, np.asarray(rank, dtype=np.float64), src, dst)
    n_cols = int(column.max()) + 1
    sizes = np.bincount(column, minlength=n_cols)
    given = spacing or {}
    uniques = np.unique(raw).tolist()
    sub_width = np.array([given.get(c, (SUB_COLUMN, COLUMN_GAP))[0] for c in uniques])
    gap_after = np.array([given.get(c, (SUB_COLUMN, COLUMN_GAP))[1] for c in uniques])
    rows = choose_rows(sizes, row, sub_width, gap_after)
    # Rank inside each column (0..size-1) from the centred position.
    index_in_col = (pos + (sizes[column] - 1) / 2.0).round().astype(np.int64)
    sub_cols = np.ceil(sizes / rows).astype(np.int64)
    col_rows = np.ceil(sizes / sub_cols).astype(np.int64)
    row_of = index_in_col // sub_cols[column]
    sub = index_in_col % sub_cols[column]
    widths = (sub_cols - 1) * sub_width
    lefts = np.r_[0.0, np.cumsum(widths[:-1] + gap_after[:-1])]
    tallest = int(col_rows.max())
    if tallest > 1 and rows >= int(sizes.max()):
        # Nothing wrapped: a short map gets more room between rows, up to 2.5 times.
        want = (lefts[-1] + widths[-1] + COLUMN_GAP) / ASPECT / (tallest - 1)
        row = float(min(max(row, want), 2.5 * row))
    x = lefts[column] + sub * sub_width[column]
    y = (row_of - (col_rows[column] - 1) / 2.0) * row
    cols = tuple(
        Column(
            index=c,
            x=float(lefts[c] + widths[c] / 2.0),
            left=float(lefts[c]),
            right=float(lefts[c] + widths[c]),
            top=float(-(col_rows[c] - 1) / 2.0 * row),
            bottom=float((col_rows[c] - 1) / 2.0 * row),
            size=int(sizes[c]),
        )
        for c in range(n_cols)
    )
    return Layout(x.astype(np.float64), y.astype(np.float64), cols, column)


# ---- columns of the supply-chain maps ------------------------------------------------------


def _stands_for(node: MapNode) -> str:
    return node.group_of if node.kind == "group" and node.group_of else node.kind


def product_levels(data: MapData) -> dict[str, int]:
    """BOM level of each product (or group of products): 0 for raw materials, rising.

    A product's level is the longest chain of inputs below it. A product with no inputs on
    the map that is not a raw material (a bought-in component, say) moves right, to just
    before the first product it goes into, instead of waiting in the raw-material column.
    """
    nodes = [n for n in data.nodes if _stands_for(n) == "product"]
    keys = [n.key for n in nodes]
    index = {k: i for i, k in enumerate(keys)}
    pairs = [
        (index[e.source], index[e.target])
        for e in data.edges
        if e.source in index and e.target in index and e.kind in ("input", "group")
    ]
    src = np.array([p[0] for p in pairs], dtype=np.int64)
    dst = np.array([p[1] for p in pairs], dtype=np.int64)
    levels = longest_path_levels(len(keys), src, dst)
    if len(src):
        has_inputs = np.zeros(len(keys), dtype=bool)
        has_inputs[dst] = True
        first_use = np.full(len(keys), NO_USE, dtype=np.int64)
        np.minimum.at(first_use, src, levels[dst])
        for i, node in enumerate(nodes):
            if (
                not has_inputs[i]
                and (node.category or "").strip().lower() != "raw material"
                and first_use[i] != NO_USE
            ):
                levels[i] = max(levels[i], first_use[i] - 1)
        # Final products that go into nothing on the map stand together on the right.
        finals = [
            i
            for i, node in enumerate(nodes)
            if (node.category or "").strip().lower() == "final" and first_use[i] == NO_USE
        ]
        if finals:
            levels[finals] = int(levels.max())
    return {k: int(levels[i]) for k, i in index.items()}


@dataclass(frozen=True)
class MapLayout:
    positions: dict[str, tuple[float, float]]
    columns: tuple[tuple[Column, str], ...]  # each column with its title
    # the band of inputs from other chains below the chain's own nodes: left, right, top, bottom
    band: tuple[float, float, float, float] | None = None


def category_title(categories: Sequence[str | None]) -> str:
    """Every category in a column, in the order of PRODUCT_CATEGORIES: "final products",
    "material, component", or "5 categories" when there are more than a title can hold."""
    order = {c: i for i, c in enumerate(PRODUCT_CATEGORIES)}
    present = sorted(
        {c or "uncategorised" for c in categories}, key=lambda c: (order.get(c, 99), c)
    )
    if present == ["final"]:
        return "final products"
    if len(present) > MAX_TITLE_CATEGORIES:
        return f"{len(present)} categories"
    return ", ".join(present)


def _column_titles(data: MapData, cols: dict[str, int], level: dict[str, int]) -> dict[int, str]:
    members: dict[int, list[MapNode]] = {}
    for n in data.nodes:
        members.setdefault(cols[n.key], []).append(n)
    titles: dict[int, str] = {}
    for c, nodes in members.items():
        kinds = {_stands_for(n) for n in nodes}
        if data.kind == "enterprise":
            tier = nodes[0].tier or 0
            who = "suppliers" if data.direction == "upstream" else "customers"
            titles[c] = "the enterprise" if tier == 0 else f"tier {tier} {who}"
            if all(n.hidden for n in nodes):
                titles[c] += " · click one in the tier before"
        elif kinds == {"region"}:
            titles[c] = "regions"
        elif "product" in kinds:
            titles[c] = category_title([n.category for n in nodes if _stands_for(n) == "product"])
        else:
            titles[c] = "makers"
    return titles


def _columns_of(data: MapData, level: dict[str, int]) -> dict[str, int]:
    """Each node's column number: tiers on an enterprise map; on the others products in odd
    columns by BOM level, their makers in the even column just left of them, regions first."""
    if data.kind == "enterprise":
        # Material flows left to right: suppliers to the left of the enterprise, customers to
        # its right.
        top = max((n.tier or 0 for n in data.nodes), default=0)
        if data.direction == "upstream":
            return {n.key: top - (n.tier or 0) for n in data.nodes}
        return {n.key: n.tier or 0 for n in data.nodes}
    made: dict[str, int] = {}
    for e in data.edges:
        if e.kind in ("produces", "group") and e.target in level and e.source not in level:
            made[e.source] = min(made.get(e.source, 10**9), level[e.target])
    sold = {
        e.source: level[node_key("product", e.product)]
        for e in data.edges
        if e.kind == "supplies" and e.product and node_key("product", e.product) in level
    }
    cols: dict[str, int] = {}
    for n in data.nodes:
        if n.key in level:
            cols[n.key] = 2 * level[n.key] + 1
        elif _stands_for(n) == "region":
            cols[n.key] = -1
        else:
            cols[n.key] = 2 * made.get(n.key, sold.get(n.key, 0))
    return cols


def _ranks(nodes: Sequence[MapNode]) -> FloatArray:
    """Initial order inside a column: shown before folded, then by category and name."""
    order = {c: i for i, c in enumerate(PRODUCT_CATEGORIES)}
    ranked = sorted(
        range(len(nodes)),
        key=lambda i: (
            nodes[i].hidden,
            order.get(nodes[i].category or "", 99),
            nodes[i].name,
            nodes[i].key,
        ),
    )
    rank = np.empty(len(nodes), dtype=np.float64)
    rank[ranked] = np.arange(len(nodes))
    return rank


def _spacing(data: MapData, columns: Collection[int]) -> dict[int, tuple[float, float]]:
    if data.kind == "enterprise":
        return {}
    # odd columns hold products (and their groups), even ones their makers
    return {
        c: (SUB_COLUMN, PRODUCT_GAP) if c % 2 else (MAKER_SUB_COLUMN, MAKER_GAP)
        for c in columns
        if c >= 0
    }


def map_layout(data: MapData, row: float = ROW) -> MapLayout:
    """Columns by BOM level (chain, disruption) or by tier (enterprise), then positions.

    Inputs from other chains (nodes with ``other_chain``) sit in a band below the chain's own
    nodes, in the columns of their BOM levels; in that band nodes the page starts with shown
    come first in each column, folded ones after them.
    """
    # makers folded into a group (kg/maps/aggregate.py fold_makers) wait beside it
    folded = {
        k: n.key
        for n in data.nodes
        if n.kind == "group" and n.other_chain is None
        for k in n.unfolds
    }
    main = [n for n in data.nodes if n.other_chain is None and n.key not in folded]
    band = [n for n in data.nodes if n.other_chain is not None]
    level = product_levels(data) if data.kind != "enterprise" else {}
    if band and level:
        # The chain keeps its own levels (inputs from other chains do not push its columns
        # right); the band's levels keep their distances to the chain products they feed.
        own = product_levels(MapData(data.kind, "", "", main, data.edges))
        in_band = {n.key for n in band}
        fed = {e.target for e in data.edges if e.source in in_band and e.target in own}
        shift = min((level[k] - own[k] for k in fed), default=0)
        # ... but none further left than the chain's first column: the band adds no width
        level = {**{k: max(0, lv - shift) for k, lv in level.items() if k in in_band}, **own}
    cols = _columns_of(data, level)
    keys = [n.key for n in main]
    index = {k: i for i, k in enumerate(keys)}
    pairs = [
        (index[e.source], index[e.target])
        for e in data.edges
        if e.source in index and e.target in index
    ]
    lay = layered(
        [cols[k] for k in keys],
        _ranks(main),
        [p[0] for p in pairs],
        [p[1] for p in pairs],
        row,
        _spacing(data, set(cols[k] for k in keys)),
    )
    main_data = MapData(data.kind, data.title, data.subtitle, main, data.edges)
    main_data.direction = data.direction
    titles = _column_titles(main_data, cols, level)
    raw_of = {int(lay.column_of[index[k]]): cols[k] for k in keys}
    positions = {k: (float(lay.x[i]), float(lay.y[i])) for k, i in index.items()}
    columns = tuple((c, titles[raw_of[c.index]]) for c in lay.columns)
    positions.update(_beside_groups(folded, positions, row))
    box = None
    if band:
        left_of = {raw_of[c.index]: c.left for c in lay.columns}
        bottom = max((c.bottom for c in lay.columns), default=0.0)
        top = bottom + BAND_GAP + 2 * row  # clear of the makers' titles under the columns
        positions.update(_band_positions(data, band, cols, left_of, top, row))
        xs = [positions[n.key][0] for n in band]
        ys = [positions[n.key][1] for n in band]
        box = (min(xs), max(xs), min(ys), max(ys))
    return MapLayout(positions, columns, box)


FOLD_STEP = 24.0  # world units between the unfolded members of a group
FOLD_COLUMNS = 8  # members per row to the left of their group


def _beside_groups(
    folded: Mapping[str, str], positions: Mapping[str, tuple[float, float]], row: float
) -> dict[str, tuple[float, float]]:
    """Folded members in a small grid to the left of their group, where they appear when it
    unfolds (the group hides then), rows below the group's own."""
    count: dict[str, int] = {}
    out = {}
    for member, group in sorted(folded.items()):
        if group not in positions:
            continue
        k = count.get(group, 0)
        count[group] = k + 1
        gx, gy = positions[group]
        out[member] = (gx - (k % FOLD_COLUMNS) * FOLD_STEP, gy + (k // FOLD_COLUMNS) * FOLD_STEP)
    return out


def _band_positions(
    data: MapData,
    band: Sequence[MapNode],
    cols: Mapping[str, int],
    left_of: Mapping[int, float],
    top: float,
    row: float,
) -> dict[str, tuple[float, float]]:
    """Positions of the inputs from other chains, top-aligned from ``top``: each column under
    the chain's column of the same number (or where it would be), shown nodes first, wrapped
    into sub-columns of BAND_ROWS."""
    known = sorted(left_of)

    def column_left(c: int) -> float:
        if c in left_of:
            return left_of[c]
        if not known:
            return 0.0
        step = (PRODUCT_GAP + MAKER_GAP) / 2
        if c < known[0]:
            return left_of[known[0]] - (known[0] - c) * step
        if c > known[-1]:
            return left_of[known[-1]] + (c - known[-1]) * step
        below = max(k for k in known if k < c)
        above = min(k for k in known if k > c)
        t = (c - below) / (above - below)
        return left_of[below] + t * (left_of[above] - left_of[below])

    rank = _ranks(band)
    members: dict[int, list[int]] = {}
    for i in sorted(range(len(band)), key=lambda i: rank[i]):
        members.setdefault(cols[band[i].key], []).append(i)
    out = {}
    for c, idx in members.items():
        width = SUB_COLUMN if c % 2 else MAKER_SUB_COLUMN
        for k, i in enumerate(idx):
            x = column_left(c) + (k // BAND_ROWS) * width
            out[band[i].key] = (x, top + (k % BAND_ROWS) * row)
    return out
