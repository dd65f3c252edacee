"""Load throughput: supplymap's whole pipeline against a bare driver UNWIND of the same rows.

    python bench/load.py --enterprises 20000 --links 60000

Generates N synthetic enterprises and M supply links (fixed seed) as canonical CSV files,
then, each in a fresh database on the same engine: (a) `supplymap load` of both files
through loaders.pipeline (read, validate, reference checks, batched MERGE with provenance);
(b) a bare `UNWIND $rows AS r MERGE ...` of the same rows with the neo4j driver, one
managed transaction per batch, writing the same graph: the same properties, provenance
(source, load_id, loaded_at, basis) included, so the ratio is the cost of supplymap's
machinery (reading, validation, reference checks, (:Load) records), not of what it stores;
(c) for reference, the bare write of the data properties alone. Prints rows/s and the ratio
supplymap / bare (target >= 0.9).
Uses the local engine (started if needed, a throw-away database per run) unless
SUPPLYMAP_NEO4J_URI is set (then its database, which must be empty, wiped after each run).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import random
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchdb import engine_label, scratch_graph

from kg.connection import Graph
from kg.settings import Settings
from loaders.pipeline import Loader, LoadOptions

BARE_NODES = (
    "UNWIND $rows AS r MERGE (n:Enterprise {id: r.id}) "
    "SET n.name = r.name, n.scale = r.scale, n.tags = r.tags"
)
BARE_LINKS = (
    "UNWIND $rows AS r MATCH (a:Enterprise {id: r.supplier}) MATCH (b:Enterprise {id: r.customer}) "
    "MERGE (a)-[x:SUPPLIES {product: r.product}]->(b) SET x.share = r.share, x.volume = r.volume"
)
PROVENANCE = (
    ", {v}.source = $source, {v}.load_id = $load_id, {v}.loaded_at = $loaded_at, {v}.basis = $basis"
)


def make_files(folder: Path, n: int, m: int, seed: int) -> tuple[Path, Path, Path]:
    rng = random.Random(seed)
    ids = [f"E{i:07d}" for i in range(n)]
    enterprises = pd.DataFrame(
        {
            "id": ids,
            "name": [f"Enterprise {i}" for i in range(n)],
            "scale": [rng.choice(["large", "medium", "small", "micro"]) for _ in range(n)],
            "tags": [rng.choice(["resin", "wire", "fabric", "chips"]) for _ in range(n)],
        }
    )
    products = pd.DataFrame(
        {"id": [f"P{i}" for i in range(50)], "name": [f"Product {i}" for i in range(50)]}
    )
    seen: set[tuple[str, str, str]] = set()
    links = []
    while len(links) < m:
        a, b = rng.randrange(n), rng.randrange(n)
        p = f"P{rng.randrange(50)}"
        if a == b or (ids[a], ids[b], p) in seen:
            continue
        seen.add((ids[a], ids[b], p))
        links.append((ids[a], ids[b], p, round(rng.random(), 3), rng.randrange(1, 10_000)))
    supplies = pd.DataFrame(links, columns=["supplier", "customer", "product", "share", "volume"])
    paths = (folder / "enterprises.csv", folder / "products.csv", folder / "supplies.csv")
    enterprises.to_csv(paths[0], index=False)
    products.to_csv(paths[1], index=False)
    supplies.to_csv(paths[2], index=False)
    return paths


def run_supplymap(graph: Graph, files: tuple[Path, Path, Path], batch: int) -> dict[str, float]:
    loader = Loader(graph)
    out = {}
    for path in (files[1], files[0], files[2]):
        t = time.perf_counter()
        report = loader.load_files([path], LoadOptions(batch_size=batch, force=True))[0]
        assert report.status == "completed", report.message
        out[path.stem] = time.perf_counter() - t
    return out


def run_bare(
    graph: Graph, files: tuple[Path, Path, Path], batch: int, provenance: bool = True
) -> dict[str, float]:
    nodes, links, params = BARE_NODES, BARE_LINKS, {}
    if provenance:
        nodes += PROVENANCE.format(v="n")
        links += PROVENANCE.format(v="x")
        params = {
            "source": "bench",
            "load_id": "L1",
            "loaded_at": dt.datetime.now(dt.UTC),
            "basis": "declared",
        }
    graph.run_schema(
        [
            "CREATE CONSTRAINT enterprise_id_unique IF NOT EXISTS "
            "FOR (n:Enterprise) REQUIRE n.id IS UNIQUE"
        ]
    )
    out = {}
    t = time.perf_counter()
    rows = pd.read_csv(files[0], dtype=str).to_dict("records")
    graph.write_batches(nodes, rows, batch_size=batch, params=params)
    out["enterprises"] = time.perf_counter() - t
    t = time.perf_counter()
    rows = pd.read_csv(files[2]).to_dict("records")
    graph.write_batches(links, rows, batch_size=batch, params=params)
    out["supplies"] = time.perf_counter() - t
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--enterprises", type=int, default=20_000)
    parser.add_argument("--links", type=int, default=60_000)
    parser.add_argument("--batch-size", type=int, default=Settings().batch_size)
    parser.add_argument("--rounds", type=int, default=2, help="best of this many rounds")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    settings = Settings()
    console = Console()
    with tempfile.TemporaryDirectory() as tmp, Graph.from_settings(settings) as base:
        engine = engine_label(base, settings)
        console.print(f"engine: {engine}", highlight=False)
        files = make_files(Path(tmp), args.enterprises, args.links, args.seed)
        best: dict[str, dict[str, float]] = {"supplymap": {}, "bare": {}, "data only": {}}
        runners = {
            "supplymap": run_supplymap,
            "bare": run_bare,
            "data only": functools.partial(run_bare, provenance=False),
        }
        for round_ in range(args.rounds):
            order = list(runners) if round_ % 2 else list(reversed(runners))
            for who in order:
                with scratch_graph(settings, base, "bench") as graph:
                    times = runners[who](graph, files, args.batch_size)
                for k, v in times.items():
                    best[who][k] = min(v, best[who].get(k, float("inf")))
                console.print(f"round {round_ + 1}: {who} {times}", highlight=False)
    table = Table(
        title=f"load: {args.enterprises:,} enterprises, {args.links:,} links, "
        f"batch {args.batch_size:,}, best of {args.rounds}",
        caption=f"engine: {engine}",
    )
    columns = ("rows", "what", "supplymap rows/s", "bare rows/s", "ratio", "data-only rows/s")
    for col in columns:
        table.add_column(col, justify="right")
    total = args.enterprises + args.links
    for what, rows in (("enterprises", args.enterprises), ("supplies", args.links), ("all", total)):
        t = {
            who: times[what] if what != "all" else times["enterprises"] + times["supplies"]
            for who, times in best.items()
        }
        table.add_row(
            f"{rows:,}",
            what,
            f"{rows / t['supplymap']:,.0f}",
            f"{rows / t['bare']:,.0f}",
            f"{t['bare'] / t['supplymap']:.2f}",
            f"{rows / t['data only']:,.0f}",
        )
    console.print(table)


if __name__ == "__main__":
    main()
