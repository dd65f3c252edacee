"""Benchmark the analyses on a synthetic layered AND/OR supply graph of N relationships.

    .venv/bin/python bench/analyze.py --edges 100000 --edges 1000000

For each size: build the graph in the engine (once; the database ``bench_<N>`` is reused on
later runs unless --reload), then run the full analysis the way ``supplymap analyze all``
does and print the time and peak memory (resident set) of every step: reading the graph
(the engine's own part, then indexing in Python), single source, SPOF, capacity,
bottlenecks, key enterprises and writing back. The graph's shape is described in
bench/synthetic.py. Uses the local engine under SUPPLYMAP_HOME, or SUPPLYMAP_NEO4J_URI (then
its database, which must be empty or hold this benchmark's graph; it is kept for later runs).
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import synthetic
from benchdb import engine_label, refuse_non_empty

from kg import model
from kg.analysis.context import Context
from kg.analysis.projection import from_raw, read_raw
from kg.analysis.run import run_all
from kg.connection import Graph, local_engine
from kg.engine import ENGINE_USER
from kg.schema import ensure_schema, merge_nodes, merge_rels
from kg.settings import get_settings

MARK = "bench-{edges}-{seed}"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def open_bench_graph(edges: int) -> Graph:
    settings = get_settings()
    if not settings.uses_local_engine:
        return Graph.from_settings(settings)
    engine = local_engine(settings)
    status = engine.ensure_running()
    name = f"bench_{edges}"
    try:
        engine.create_database(name)
    except Exception as exc:  # already there: reuse it
        if "exist" not in str(exc).lower():
            raise
    assert status.uri is not None
    return Graph.connect(status.uri, ENGINE_USER, engine.password(), name)


def loaded(graph: Graph, mark: str) -> bool:
    rows = graph.query(
        "MATCH (l:Load {id: $id}) WHERE l.status = 'completed' RETURN count(l) AS n", {"id": mark}
    )
    return bool(rows and rows[0]["n"])


def wipe(graph: Graph) -> None:
    while graph.write("MATCH (n) WITH n LIMIT 5000 DETACH DELETE n RETURN count(*) AS deleted")[0][
        "deleted"
    ]:
        pass


def load(graph: Graph, data: synthetic.Synthetic, mark: str, batch: int) -> float:
    ensure_schema(graph)
    provenance = {
        "source": "bench/synthetic.py",
        "load_id": mark,
        "loaded_at": dt.datetime.now(dt.UTC),
        "basis": "inferred",
    }
    started = time.perf_counter()
    done = 0
    total = len(data.products) + len(data.enterprises) + len(data.regions) + len(data.chains)
    total += data.n_edges
    for nt, rows in (
        (model.REGION, data.regions),
        (model.CHAIN, data.chains),
        (model.ENTERPRISE, data.enterprises),
        (model.PRODUCT, data.products),
    ):
        done += graph.write_batches(merge_nodes(nt), rows, batch_size=batch, params=provenance)
        print(f"  loaded {done:,}/{total:,} records", file=sys.stderr, flush=True)
    types = {rt.type: rt for rt in model.REL_TYPES}
    for name, rows in data.rels.items():
        done += graph.write_batches(
            merge_rels(types[name]), rows, batch_size=batch, params=provenance
        )
        print(f"  loaded {done:,}/{total:,} records ({name})", file=sys.stderr, flush=True)
    graph.write(
        "MERGE (l:Load {id: $id}) SET l.status = 'completed', l.kind = 'bench', "
        "l.rows_written = $n",
        {"id": mark, "n": done},
    )
    return time.perf_counter() - started


def bench(edges: int, seed: int, reload: bool, batch: int) -> list[dict[str, Any]]:
    mark = MARK.format(edges=edges, seed=seed)
    graph = open_bench_graph(edges)
    rows: list[dict[str, Any]] = []
    try:
        print(f"engine: {engine_label(graph, get_settings())}", file=sys.stderr)
        fresh = not loaded(graph, mark)
        if fresh and not get_settings().uses_local_engine:
            refuse_non_empty(graph, get_settings())  # never wipe someone's Neo4j data
        if reload or fresh:
            wipe(graph)
            started = time.perf_counter()
            data = synthetic.build(edges, seed)
            built = time.perf_counter() - started
            print(
                f"N={edges:,}: built {data.n_edges:,} relationships in {built:.1f}s; loading...",
                file=sys.stderr,
            )
            seconds = load(graph, data, mark, batch)
            rows.append(
                {
                    "step": "(load into the engine)",
                    "seconds": seconds,
                    "peak_rss_mb": rss_mb(),
                    "note": f"{data.n_edges / seconds:,.0f} relationships/s",
                }
            )
            del data
        started = time.perf_counter()
        raw = read_raw(graph)
        read = time.perf_counter() - started
        rows.append({"step": "read graph: engine", "seconds": read, "peak_rss_mb": rss_mb()})
        started = time.perf_counter()
        proj = from_raw(raw, read)
        del raw
        rows.append(
            {
                "step": "read graph: index",
                "seconds": time.perf_counter() - started,
                "peak_rss_mb": rss_mb(),
                "note": f"{proj.n_products:,} products, {proj.n_enterprises:,} enterprises, "
                f"{proj.n_edges:,} relationships",
            }
        )
        marks: list[tuple[str, float]] = []

        def on_step(step: str) -> None:
            marks.append((step, rss_mb()))

        result = run_all(graph, context=Context(proj), on_step=on_step)
        peaks = {step: rss for step, rss in marks}
        order = [step for step, _ in marks] + ["end"]
        peaks["end"] = rss_mb()
        notes = {
            "single source": f"{sum(1 for s in result.sourcing if s.single_source):,} single "
            "sources",
            "spof": f"{len(result.spof):,} SPOF links for "
            f"{sum(1 for s in result.sourcing if s.key):,} key products",
            "bottlenecks": f"{sum(1 for b in result.bottlenecks if b.is_spof):,} SPOF nodes",
            "write back": ", ".join(f"{n:,} {w}" for w, n in result.written.items()),
        }
        for step, seconds in result.seconds.items():
            if step == "read graph":
                continue
            nxt = order[order.index(step) + 1] if step in order else "end"
            rows.append(
                {
                    "step": step,
                    "seconds": seconds,
                    "peak_rss_mb": peaks.get(nxt, rss_mb()),
                    "note": notes.get(step, ""),
                }
            )
        analysis = sum(
            r["seconds"] for r in rows if r["step"] in result.seconds and r["step"] != "read graph"
        )
        index = next(r["seconds"] for r in rows if r["step"] == "read graph: index")
        write = result.seconds.get("write back", 0.0)
        rows.append(
            {
                "step": "TOTAL analysis (index + steps, no engine read, no write)",
                "seconds": index + analysis - write,
                "peak_rss_mb": rss_mb(),
            }
        )
        rows.append(
            {
                "step": "TOTAL with engine read and write back",
                "seconds": read + index + analysis,
                "peak_rss_mb": rss_mb(),
            }
        )
    finally:
        graph.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", type=int, action="append", help="relationships (repeat)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--batch", type=int, default=5000, help="rows per load transaction")
    parser.add_argument("--reload", action="store_true", help="rebuild the graph in the engine")
    args = parser.parse_args()
    for edges in args.edges or [100_000]:
        rows = bench(edges, args.seed, args.reload, args.batch)
        with Graph.from_settings(get_settings()) as g:
            engine = engine_label(g, get_settings())
        print(f"\nN = {edges:,} relationships (seed {args.seed}), engine: {engine}")
        print(f"{'step':58} {'seconds':>9} {'peak RSS MB':>12}  note")
        for r in rows:
            print(
                f"{r['step']:58} {r['seconds']:9.2f} {r['peak_rss_mb']:12.0f}  {r.get('note', '')}"
            )


if __name__ == "__main__":
    main()
