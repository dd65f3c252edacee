"""Checks of the analyses on a real chain (Willems 2008), against the file it was loaded from.

Each file lists, per stage, the stages that feed it. From the file alone the test works out
each stage's depth (the longest chain of feeding stages below it), the tiers of every stage
above a retail stage (breadth-first distance), and everything each end item needs (its whole
upstream closure, since every listed input is required and no stage has a producer on record).
"""

from __future__ import annotations

import csv
from collections import deque
from pathlib import Path

from kg.analysis import Context, run_all, single_sources, spof
from kg.analysis.depth import bom_depth
from kg.connection import Graph
from kg.tiers import tiers
from loaders.pipeline import Loader, LoadOptions

DATA = Path(__file__).parent / "data"


def feeds(path: Path) -> dict[str, list[str]]:
    """stage -> the stages that feed it, straight from the file, named as the willems mapping
    names the products: "<chain>:<stage_id>" (stage ids repeat across the files)."""
    out: dict[str, list[str]] = {}
    chain = path.stem
    with open(path, newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        for row in reader:
            ups = row[8:]
            out[f"{chain}:{row[0]}"] = [
                f"{chain}:{ups[i]}" for i in range(0, len(ups) - 1, 2) if ups[i]
            ]
    return out


def stage(product_id: str) -> str:
    return product_id.split(":", 1)[1]


def depths(up: dict[str, list[str]]) -> dict[str, int]:
    memo: dict[str, int] = {}

    def depth(s: str) -> int:
        if s not in memo:
            memo[s] = 1 + max((depth(u) for u in up[s]), default=-1)
        return memo[s]

    for s in up:
        depth(s)
    return memo


def closure(up: dict[str, list[str]], s: str) -> set[str]:
    seen: set[str] = set()
    stack = list(up[s])
    while stack:
        x = stack.pop()
        if x not in seen:
            seen.add(x)
            stack.extend(up[x])
    return seen


def bfs(up: dict[str, list[str]], s: str) -> dict[str, int]:
    dist = {s: 0}
    queue = deque([s])
    while queue:
        x = queue.popleft()
        for u in up[x]:
            if u not in dist:
                dist[u] = dist[x] + 1
                queue.append(u)
    del dist[s]
    return dist


def load(graph: Graph, path: Path, write: bool) -> Graph:
    reports = Loader(graph).load_files([path], LoadOptions(mapping="willems"))
    assert [r.status for r in reports] == ["completed"], [r.message for r in reports]
    run_all(graph, write=write)
    return graph


# Test functions shared by test_analysis_willems_01.py and _38.py (each loads one file into
# its own database). They need the fixtures ``path``, ``loaded`` and ``ctx``.


def test_bom_depth_equals_the_files_stage_depth(ctx: Context, path: Path) -> None:
    expected = depths(feeds(path))
    got = bom_depth(ctx)
    assert {ctx.proj.product_ids[p]: d for p, d in enumerate(got)} == expected
    assert max(expected.values()) == {"willems_01": 2, "willems_38": 3}[path.stem]


def test_tiers_above_retail_equal_the_files_distances(loaded: Graph, path: Path) -> None:
    up = feeds(path)
    retail = sorted(s for s in up if stage(s).startswith("Retail_"))
    for r in retail[:3]:
        expected = bfs(up, r)
        hits = tiers(loaded, r, "upstream", 20, kind="product")
        assert {h.id: h.tier for h in hits} == expected


def test_every_end_item_depends_on_its_whole_upstream(ctx: Context, path: Path) -> None:
    up = feeds(path)
    ends = [s for s in up if stage(s).startswith(("Retail_", "Dist_"))]
    assert ends
    by_product: dict[str, set[str]] = {}
    for link in spof(ctx, chain=path.stem):
        assert link.kind == "product"  # no producer on record: only stages can fail
        by_product.setdefault(link.product, set()).add(link.node)
    assert by_product == {s: closure(up, s) for s in ends if closure(up, s)}


def test_no_stage_is_reported_as_a_single_source(ctx: Context, path: Path) -> None:
    report = single_sources(ctx, chain=path.stem)
    assert {s.sourcing for s in report.products} == {"unknown"}
    assert report.single_sources() == []
