"""Map generation and drawing speed at 1k, 5k and 20k nodes.

Builds a synthetic layered chain per size (products in five BOM levels,
one to three makers per product, a trade link from a maker of each input to each maker of
its output, a few sole sources, single points of failure, capacity bottlenecks and warnings)
in a throwaway database of the local engine, or in the empty database of SUPPLYMAP_NEO4J_URI
(wiped afterwards), then for each size:

- read: the chain map's queries (kg.maps.data.chain_data);
- render: aggregate (not needed: the limit is raised), lay out, write the HTML (kg.maps.render);
- size of the HTML file;
- ready: headless Chromium (network blocked) from navigation start to the first frame drawn
  with the whole map fitted, as the page itself reports it (median of --runs);
- the same at 20k with the default node limit, i.e. aggregated.

Targets at 5k nodes: generate (read + render) < 2 s, ready < 2 s.

    .venv/bin/python bench/maps.py [--sizes 1000,5000,20000] [--runs 3] [--keep DIR]
    .venv/bin/python bench/maps.py --geo [...]   # the geographic map instead (bench/maps_geo.py)
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from benchdb import engine_label, scratch_graph

from kg.connection import Graph
from kg.maps import DEFAULT_MAX_NODES
from kg.maps.aggregate import aggregate
from kg.maps.data import chain_data, has_results
from kg.maps.render import page
from kg.schema import ensure_schema
from kg.settings import Settings

# The page driver the browser tests use (Playwright on the system's Chromium) lives with them.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from pagedriver import Chromium, find_chromium

CATEGORIES = ("raw material", "material", "component", "equipment", "final")
SHARES = (0.34, 0.26, 0.2, 0.12, 0.08)
MAKERS = (1, 1, 2, 3)  # makers per product: 1.75 on average


def build(graph: Graph, chain: str, nodes: int, seed: int = 2026) -> tuple[int, int]:
    """A chain of about ``nodes`` nodes (products + makers); returns (nodes, edges) written."""
    rng = random.Random(seed)
    n_products = max(5, round(nodes / (1 + sum(MAKERS) / len(MAKERS))))
    counts = [max(1, round(n_products * s)) for s in SHARES]
    counts[0] += n_products - sum(counts)
    levels: list[list[str]] = []
    products = []
    for level, count in enumerate(counts):
        ids = [f"{chain}-P{level}-{i:06d}" for i in range(count)]
        levels.append(ids)
        for i, pid in enumerate(ids):
            row: dict[str, object] = {
                "id": pid,
                "name": f"{CATEGORIES[level]} {i}",
                "category": CATEGORIES[level],
            }
            if rng.random() < 0.05:
                row["sourcing"] = "sole"
            if rng.random() < 0.02:
                row["warning_level"] = rng.choice(("red", "yellow", "blue"))
            products.append(row)
    bom = [
        {"a": src, "b": pid}
        for level in range(1, len(levels))
        for pid in levels[level]
        for src in rng.sample(levels[level - 1], min(3, len(levels[level - 1])))
    ]
    # a few capacity bottlenecks: one of a product's inputs limits it (the map's emphasis)
    inputs_of: dict[str, list[str]] = {}
    for e in bom:
        inputs_of.setdefault(e["b"], []).append(e["a"])
    for row in products:
        if row["id"] in inputs_of and rng.random() < 0.02:
            row["limiting_input"] = rng.choice(inputs_of[str(row["id"])])
            row["achievable_per_day"] = 100.0
            row["producer_capacity_per_day"] = 160.0
    makers: dict[str, list[str]] = {}
    enterprises = []
    produces = []
    for p in products:
        for _ in range(rng.choice(MAKERS)):
            eid = f"{chain}-E{len(enterprises):06d}"
            row = {"id": eid, "name": f"Plant {len(enterprises)} ({p['name']})"}
            if rng.random() < 0.03:
                row["is_spof"] = True
                row["capacity_criticality"] = round(rng.random(), 2)
            enterprises.append(row)
            makers.setdefault(str(p["id"]), []).append(eid)
            produces.append({"e": eid, "p": p["id"], "cap": float(rng.randint(10, 900))})
    supplies = [
        {"s": rng.choice(makers[e["a"]]), "t": customer, "p": e["a"], "single": rng.random() < 0.1}
        for e in bom
        for customer in makers[e["b"]]
    ]
    graph.write("MERGE (c:Chain {id: $id}) SET c.name = $name", {"id": chain, "name": chain})
    graph.write_batches(
        "UNWIND $rows AS r MERGE (p:Product {id: r.id}) SET p += r "
        "WITH p MATCH (c:Chain {id: $chain}) MERGE (p)-[:IN_CHAIN]->(c)",
        products,
        batch_size=5000,
        params={"chain": chain},
    )
    graph.write_batches(
        "UNWIND $rows AS r MERGE (e:Enterprise {id: r.id}) SET e += r", enterprises, batch_size=5000
    )
    graph.write_batches(
        "UNWIND $rows AS r MATCH (a:Product {id: r.a}) MATCH (b:Product {id: r.b}) "
        "MERGE (a)-[:INPUT_TO]->(b)",
        bom,
        batch_size=5000,
    )
    graph.write_batches(
        "UNWIND $rows AS r MATCH (p:Product {id: r.p}) MATCH (e:Enterprise {id: r.e}) "
        "MERGE (e)-[x:PRODUCES]->(p) SET x.capacity_per_day = r.cap",
        produces,
        batch_size=5000,
    )
    graph.write_batches(
        "UNWIND $rows AS r MATCH (s:Enterprise {id: r.s}) MATCH (t:Enterprise {id: r.t}) "
        "MERGE (s)-[x:SUPPLIES {product: r.p}]->(t) SET x.single_source = r.single",
        supplies,
        batch_size=5000,
    )
    return len(products) + len(enterprises), len(bom) + len(produces) + len(supplies)


# Labels the first frame drew, and how many pairs of them overlap (a readable map has none).
OVERLAPS = """(() => { const b = supplymapMap.labels.map(l => l.slice(2)); let o = 0;
    for (let i = 0; i < b.length; i++) for (let j = 0; j < i; j++) {
        const [x1, y1, w1, h1] = b[i], [x2, y2, w2, h2] = b[j];
        if (x1 < x2 + w2 && x2 < x1 + w1 && y1 < y2 + h2 && y2 < y1 + h1) o++;
    }
    return [b.length, o]; })()"""


def ready_ms(browser: Chromium, path: Path, runs: int) -> tuple[float, int, tuple[int, int]]:
    """Median ms to the first fitted frame, nodes drawn, and (labels, overlapping pairs)."""
    times = []
    drawn = 0
    for _ in range(runs):
        browser.open(path)
        browser.wait_for("window.supplymapMap && window.supplymapMap.ready", timeout=300)
        value = browser.evaluate("[supplymapMap.readyAt, supplymapMap.drawnNodes]")
        times.append(float(value[0]))
        drawn = int(value[1])
    if browser.report.requests[1:]:
        raise SystemExit(f"the page made requests: {browser.report.requests[1:]}")
    labels = browser.evaluate(OVERLAPS)
    return statistics.median(times), drawn, (int(labels[0]), int(labels[1]))


def main() -> None:
    if "--geo" in sys.argv[1:]:  # the geographic map on the sample at scale 1 and 10
        from maps_geo import main as geo_main

        geo_main([a for a in sys.argv[1:] if a != "--geo"])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,5000,20000")
    parser.add_argument("--runs", type=int, default=3, help="Chromium opens per map (median)")
    parser.add_argument("--keep", type=Path, help="keep the HTML files in this directory")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    out = args.keep or Path(tempfile.mkdtemp(prefix="supplymap-bench-maps-"))
    out.mkdir(parents=True, exist_ok=True)
    settings = Settings()
    stack = ExitStack()
    base = stack.enter_context(Graph.from_settings(settings))
    engine = engine_label(base, settings)
    graph = stack.enter_context(scratch_graph(settings, base, "bench_maps"))
    chromium = find_chromium()
    browser = Chromium(width=1600, height=1000) if chromium else None
    rows = []
    try:
        ensure_schema(graph)
        for size in sizes:
            chain = f"bench-{size}"
            t0 = time.perf_counter()
            n, m = build(graph, chain, size)
            load = time.perf_counter() - t0
            limits = [(f"{size:,}", 10**9)]
            if size > DEFAULT_MAX_NODES:
                limits.append((f"{size:,} (limit {DEFAULT_MAX_NODES:,})", DEFAULT_MAX_NODES))
            for label, limit in limits:
                reads, renders = [], []
                for _ in range(args.runs):
                    t0 = time.perf_counter()
                    data = chain_data(graph, chain, trade_up_to=limit)
                    t1 = time.perf_counter()
                    html = page(aggregate(data, limit), has_results=has_results(data.nodes))
                    t2 = time.perf_counter()
                    reads.append(t1 - t0)
                    renders.append(t2 - t1)
                path = out / f"chain-{size}-{limit}.html"
                path.write_text(html, encoding="utf-8")
                drawn_nodes = html.count('"group":"s')
                ready, drawn, (n_labels, overlaps) = (
                    ready_ms(browser, path, args.runs) if browser else (float("nan"), 0, (0, 0))
                )
                rows.append(
                    (
                        label,
                        f"{n:,}/{m:,}",
                        f"{load:.1f}",
                        f"{statistics.median(reads):.2f}",
                        f"{statistics.median(renders):.2f}",
                        f"{statistics.median(reads) + statistics.median(renders):.2f}",
                        f"{len(html.encode()) / 1e6:.1f}",
                        f"{drawn or drawn_nodes:,}",
                        f"{ready / 1000:.2f}" if browser else "no chromium",
                        f"{n_labels:,}/{overlaps}",
                    )
                )
                print(rows[-1], file=sys.stderr, flush=True)
    finally:
        if browser:
            browser.close()
        stack.close()
    head = (
        "map nodes",
        "graph nodes/edges",
        "load s",
        "read s",
        "render s",
        "generate s",
        "HTML MB",
        "drawn nodes",
        "ready s",
        "labels/overlaps",
    )
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    print(" | ".join(h.rjust(w) for h, w in zip(head, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)))
    print(f"\nHTML in {out}; medians of {args.runs} run(s); generate = read + render.")
    print(f"engine: {engine}")
    print(f"load average (1, 5, 15 min): {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")


if __name__ == "__main__":
    main()
