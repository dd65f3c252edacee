"""Readable at any size: the labels a map draws at its whole-map view never overlap, counted on
the screen in headless Chromium, for a layered chain of 2,500 graph nodes drawn whole and drawn
with a node limit a quarter of its size (the ratio of the 20,000-node map to the default limit
of 5,000, whose figures bench/maps.py prints). The maps are built in Python, as chain_data
returns them, so the test needs no database.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from maps_pages import call, open_map, screenshots
from pagedriver import Chromium, find_chromium

from kg.maps.aggregate import aggregate
from kg.maps.data import MapData, MapEdge, MapNode, Results, capacity_bottlenecks, has_results
from kg.maps.render import page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        find_chromium() is None,
        reason="Chromium is not installed: apt-get install -y chromium (make test does it as root)",
    ),
]

CATEGORIES = ("raw material", "material", "component", "equipment", "final")
SHARES = (0.34, 0.26, 0.2, 0.12, 0.08)
MAKERS = (1, 1, 2, 3)

# Pairs of labels the last frame drew whose boxes overlap, and how many labels it drew.
OVERLAPS = """() => {
    const b = window.supplymapMap.labels.map(l => l.slice(2));
    let pairs = 0;
    for (let i = 0; i < b.length; i++) for (let j = 0; j < i; j++) {
        const [x1, y1, w1, h1] = b[i], [x2, y2, w2, h2] = b[j];
        if (x1 < x2 + w2 && x2 < x1 + w1 && y1 < y2 + h2 && y2 < y1 + h1) pairs++;
    }
    const W = document.getElementById('map').clientWidth;
    const H = document.getElementById('map').clientHeight;
    const outside = b.filter(([x, y, w, h]) => x < -1 || y < -1 || x + w > W + 1 || y + h > H + 1);
    return {labels: b.length, pairs: pairs, outside: outside.length};
}"""


def layered_chain(nodes: int, seed: int = 2026) -> MapData:
    """A chain map of about ``nodes`` nodes as bench/maps.py builds it in the graph: products in
    five BOM levels, 1-3 makers each, trade from a maker of each input to each maker of its
    output, a few sole sources, single points of failure, bottlenecks and warnings."""
    rng = random.Random(seed)
    n_products = max(5, round(nodes / (1 + sum(MAKERS) / len(MAKERS))))
    counts = [max(1, round(n_products * s)) for s in SHARES]
    counts[0] += n_products - sum(counts)
    levels: list[list[MapNode]] = []
    for level, count in enumerate(counts):
        row = []
        for i in range(count):
            sole = rng.random() < 0.05
            warned = rng.random() < 0.02
            results = Results(
                sourcing="sole" if sole else None,
                warning_level=rng.choice(("red", "yellow", "blue")) if warned else None,
            )
            pid = f"P{level}-{i:05d}"
            row.append(
                MapNode(
                    f"product:{pid}",
                    "product",
                    pid,
                    f"{CATEGORIES[level]} {i}",
                    category=CATEGORIES[level],
                    results=results,
                )
            )
        levels.append(row)
    edges: list[MapEdge] = []
    inputs: dict[str, list[MapNode]] = {}
    for level in range(1, len(levels)):
        for p in levels[level]:
            for a in rng.sample(levels[level - 1], min(3, len(levels[level - 1]))):
                edges.append(MapEdge(a.key, p.key, "input"))
                inputs.setdefault(p.key, []).append(a)
    products = [p for row in levels for p in row]
    for p in products:
        if p.key in inputs and rng.random() < 0.02:
            limiting = rng.choice(inputs[p.key]).id
            p.results = Results(limiting_input=limiting, achievable_per_day=100.0)
            p.producer_capacity = 160.0
    makers: dict[str, list[MapNode]] = {}
    enterprises: list[MapNode] = []
    for p in products:
        for _ in range(rng.choice(MAKERS)):
            eid = f"E{len(enterprises):06d}"
            spof = rng.random() < 0.03
            e = MapNode(
                f"enterprise:{eid}",
                "enterprise",
                eid,
                f"Plant {len(enterprises)} ({p.name})",
                category=p.category,
                results=Results(is_spof=True if spof else None),
            )
            enterprises.append(e)
            makers.setdefault(p.key, []).append(e)
            edges.append(MapEdge(e.key, p.key, "produces", capacity=float(rng.randint(10, 900))))
    for e in list(edges):
        if e.kind == "input":
            for customer in makers[e.target]:
                supplier = rng.choice(makers[e.source])
                product = e.source.split(":", 1)[1]
                edges.append(MapEdge(supplier.key, customer.key, "supplies", product=product))
    data = MapData("chain", "readable", "synthetic", [*products, *enterprises], edges)
    data.bottlenecks = capacity_bottlenecks(products)
    return data


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return screenshots(tmp_path_factory)


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    with Chromium(width=1600, height=1000) as chromium:
        yield chromium


@pytest.mark.parametrize(
    ("name", "limit"), [("whole", 10**6), ("limited", 625)], ids=["whole", "limit-a-quarter"]
)
def test_labels_at_the_whole_map_view_do_not_overlap(
    browser: Chromium, shots: Path, name: str, limit: int
) -> None:
    data = layered_chain(2500)
    assert 2400 < len(data.nodes) < 2600
    html = page(aggregate(data, limit), has_results=has_results(data.nodes))
    state = open_map(browser, html, shots / f"readable-{name}.html")
    if limit < len(data.nodes):
        assert state["drawn"] <= limit  # aggregated, as the 20,000-node default map is
    counted = call(browser, OVERLAPS)
    assert counted["pairs"] == 0, counted
    assert counted["outside"] == 0, counted  # none cut off at the edges
    assert counted["labels"] >= 60, counted  # and enough of them to read the map by
    # each one a name or a good part of one, never a stub such as "raw…"
    texts = call(browser, "() => window.supplymapMap.labels.map(l => l[1])")
    assert all(not t.endswith("…") or len(t) >= 7 for t in texts), texts
    # the final products' column is named in full on the right
    finals = call(
        browser,
        """() => { const m = window.supplymapMap;
            return m.labels.filter(l => (m.data.nodes[l[0]].label || '').startsWith('final'))
                           .map(l => l[1]); }""",
    )
    assert finals and all(not text.endswith("…") for text in finals)
