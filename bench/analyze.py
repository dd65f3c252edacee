"""Benchmark the analyses on a synthetic layered AND/OR supply graph of N relationships.

    .venv/bin/python bench/analyze.py --edges 100000 --edges 1000000

For each size: build the graph in the engine (once; the database ``bench_<N>`` is reused on
later runs unless --reload), then run the whole analysis the way ``supplymap analyze all``
does, three times: a first run (the stored results are cleared beforehand, untimed), a rerun
over the unchanged graph, and a rerun after 1% of the data changed (the capacity of every
PRODUCES line of 1% of the enterprises doubled; put back afterwards). For every step (reading
the graph with the stored results: the engine's part, then indexing in Python; single source,
SPOF, capacity, bottlenecks, key enterprises, writing back) it prints wall seconds, the CPU
seconds of this process and of the engine's process, and peak memory; then the projection's
bytes per relationship, and at the end every figure at each size with the ratio between
them. The load average is printed with every table (the machine may be shared). The graph's
shape is described in bench/synthetic.py. Uses the local engine under SUPPLYMAP_HOME, or
SUPPLYMAP_NEO4J_URI (then its database, which must be empty or hold this benchmark's graph; it
is kept for later runs; the engine's CPU is read from SUPPLYMAP_TEST_SERVER_PID when set, as
.ci/neo4j/run.py does).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import synthetic
from benchdb import engine_label, refuse_non_empty

from kg import model
from kg.analysis.context import Context
from kg.analysis.projection import READS, Projection, from_raw, read_raw
from kg.analysis.run import AnalysisResult, run_all
from kg.analysis.stored import FLAG_PROPS, NODE_PROPS, PRODUCT_PROPS, STAMP_PROPS
from kg.connection import Graph, local_engine
from kg.cypher import ident, render
from kg.engine import ENGINE_USER
from kg.schema import ensure_schema, merge_nodes, merge_rels
from kg.settings import get_settings

MARK = "bench-{edges}-{seed}-v2"  # v2: enterprises located, SUPPLIES declared


RUNS = ("first run", "rerun, nothing changed", "rerun, 1% changed")
CHANGED_SHARE = 100  # one enterprise in this many has its capacities changed
NODE_READS = ("products", "enterprises", "regions", "chains")


def rss_mb() -> float:
    """Peak resident set of this process so far, MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss() -> int:
    """Resident set of this process now, bytes."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def engine_pid() -> int | None:
    settings = get_settings()
    if settings.uses_local_engine:
        return local_engine(settings).status().pid
    pid = os.environ.get("SUPPLYMAP_TEST_SERVER_PID")
    return int(pid) if pid else None


def engine_cpu(pid: int | None) -> float:
    """CPU seconds the engine's process has used (NaN when unknown)."""
    if pid is None:
        return float("nan")
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def engine_rss_mb(pid: int | None) -> float:
    """Peak resident set of the engine's process, MiB (NaN when unknown)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, TypeError):
        pass
    return float("nan")


def loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


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


def holds_a_bench_graph(graph: Graph) -> bool:
    """The database holds this benchmark's graph of some other size (and nothing else)."""
    rows = graph.query(
        "MATCH (l:Load) RETURN count(l) AS loads, "
        "count(CASE WHEN l.kind = 'bench' THEN 1 END) AS bench"
    )
    return bool(rows and rows[0]["loads"] and rows[0]["loads"] == rows[0]["bench"])


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
        "basis": "declared",  # trade on record: `inferred` SUPPLIES would not count
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
    types: dict[str, model.RelType] = {}
    for rt in model.REL_TYPES:  # LOCATED_IN of an Enterprise, not of a demand Area
        types.setdefault(rt.type, rt)
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


_CLEAR_NODES = {
    nt.label: render(
        "MATCH (n:{L}) WHERE n.{run} IS NOT NULL WITH n LIMIT 5000 REMOVE "
        + ", ".join("n." + ident(p) for p in [*props, *STAMP_PROPS])
        + " RETURN count(*) AS n",
        L=nt.label,
        run="analysis_run",
    )
    for nt, props in (
        (model.PRODUCT, PRODUCT_PROPS),
        (model.ENTERPRISE, NODE_PROPS),
        (model.REGION, NODE_PROPS),
    )
}
_CLEAR_RELS = [
    render(
        "MATCH ()-[x:{T}]->() WITH x LIMIT 5000 DELETE x RETURN count(*) AS n",
        T=model.SPOF_FOR_PRODUCT.type,
    ),
    render(
        "MATCH ()-[x:{T}]->() WITH x LIMIT 5000 DELETE x RETURN count(*) AS n",
        T=model.KEY_RANK_IN.type,
    ),
    render(  # the run records too: a first run finds no record of parts
        "MATCH (a:{L}) WITH a LIMIT 5000 DELETE a RETURN count(*) AS n",
        L=model.ANALYSIS_RUN_NODE.label,
    ),
    render(
        "MATCH ()-[x:{T}]->() WHERE x.{run} IS NOT NULL WITH x LIMIT 5000 REMOVE "
        + ", ".join("x." + ident(p) for p in [*FLAG_PROPS, *STAMP_PROPS])
        + " RETURN count(*) AS n",
        T=model.SUPPLIES.type,
        run="analysis_run",
    ),
]
_LINES_OF: str = render(
    "MATCH (e:{E})-[x:{T}]->(p:{P}) WHERE e.{ekey} ENDS WITH $tail "
    "RETURN collect([e.{ekey}, p.{pkey}, x.{cap}]) AS rows",
    E=model.ENTERPRISE.label,
    T=model.PRODUCES.type,
    P=model.PRODUCT.label,
    ekey=model.ENTERPRISE.key,
    pkey=model.PRODUCT.key,
    cap="capacity_per_day",
)
_SET_CAPACITY: str = render(
    "UNWIND $rows AS r MATCH (e:{E} {{{ekey}: r[0]}})-[x:{T}]->(p:{P} {{{pkey}: r[1]}}) "
    "SET x.{cap} = r[2]",
    E=model.ENTERPRISE.label,
    T=model.PRODUCES.type,
    P=model.PRODUCT.label,
    ekey=model.ENTERPRISE.key,
    pkey=model.PRODUCT.key,
    cap="capacity_per_day",
)


def clear_results(graph: Graph) -> None:
    """Remove every stored analysis result, so the next run is a first run."""
    for cypher in [*_CLEAR_NODES.values(), *_CLEAR_RELS]:
        while graph.write(cypher)[0]["n"]:
            pass


def change_capacities(graph: Graph) -> list[list[Any]]:
    """Double the capacity of every PRODUCES line of 1 enterprise in CHANGED_SHARE (ids ending
    in 00); returns the original rows to put back."""
    lines = graph.value(_LINES_OF, {"tail": "0" * (len(str(CHANGED_SHARE)) - 1)})
    original = [list(r) for r in lines or [] if r[2] is not None]
    doubled = [[e, p, cap * 2] for e, p, cap in original]
    graph.write_batches(_SET_CAPACITY, doubled, batch_size=5000)
    return original


class Meter:
    """Wall seconds, CPU seconds of this process and of the engine, per step."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        self.marks: list[tuple[str, float, float, float, float]] = []

    def mark(self, step: str) -> None:
        self.marks.append((step, time.perf_counter(), cpu(), engine_cpu(self.pid), rss_mb()))

    def rows(self) -> list[dict[str, Any]]:
        self.mark("end")
        out = []
        for (step, t0, c0, e0, _), (_, t1, c1, e1, peak) in zip(
            self.marks, self.marks[1:], strict=False
        ):
            out.append(
                {
                    "step": step,
                    "seconds": t1 - t0,
                    "cpu": c1 - c0,
                    "engine_cpu": e1 - e0,
                    "peak_rss_mb": peak,
                }
            )
        return out


def timed_run(
    graph: Graph, pid: int | None
) -> tuple[list[dict[str, Any]], AnalysisResult, dict[str, int]]:
    """One whole analysis with the stored results read beside the projection; returns the
    rows per step, the result, and the projection's size: relationships read, resident-set
    growth and numpy nbytes."""
    meter = Meter(pid)
    meter.mark("read graph: engine")
    before = current_rss()
    raw = read_raw(graph, stored=True)
    meter.mark("read graph: index")
    proj = from_raw(raw, meter.marks[-1][1] - meter.marks[-2][1])
    rels = sum(len(getattr(raw, name)) for name in READS if name not in NODE_READS)
    del raw
    size = {
        "relationships": rels,
        "rss_delta": current_rss() - before,
        "nbytes": projection_bytes(proj),
    }
    steps: list[str] = []

    def on_step(step: str) -> None:
        if step != "read graph":
            steps.append(step)
            meter.mark(step)

    result = run_all(graph, context=Context(proj), on_step=on_step)
    rows = meter.rows()
    notes = {
        "read graph: index": f"{proj.n_products:,} products, {proj.n_enterprises:,} "
        f"enterprises, {proj.n_edges:,} relationships",
        "single source": f"{sum(1 for s in result.sourcing if s.single_source):,} single sources",
        "spof": f"{len(result.spof):,} SPOF links for "
        f"{sum(1 for s in result.sourcing if s.key):,} key products",
        "bottlenecks": f"{sum(1 for b in result.bottlenecks if b.is_spof):,} SPOF nodes",
        "write back": ", ".join(f"{n:,} {w}" for w, n in result.written.items() if n) or "nothing",
    }
    for r in rows:
        r["note"] = notes.get(r["step"], "")
    return rows, result, size


def projection_bytes(proj: Projection) -> int:
    """nbytes of the projection's numpy arrays."""
    return sum(v.nbytes for v in vars(proj).values() if isinstance(v, np.ndarray))


def bench(edges: int, seed: int, reload: bool, batch: int) -> dict[str, Any]:
    mark = MARK.format(edges=edges, seed=seed)
    graph = open_bench_graph(edges)
    out: dict[str, Any] = {"edges": edges, "runs": {}}
    try:
        out["engine"] = engine_label(graph, get_settings())
        print(f"engine: {out['engine']}", file=sys.stderr)
        fresh = not loaded(graph, mark)
        if fresh and not get_settings().uses_local_engine and not holds_a_bench_graph(graph):
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
            out["load"] = (seconds, data.n_edges / seconds, loadavg())
            del data
        pid = engine_pid()
        print(f"N={edges:,}: clearing stored results...", file=sys.stderr, flush=True)
        clear_results(graph)
        for name in RUNS:
            original: list[list[Any]] = []
            if name == "rerun, 1% changed":
                original = change_capacities(graph)
            print(f"N={edges:,}: {name}...", file=sys.stderr, flush=True)
            try:
                rows, result, size = timed_run(graph, pid)
            finally:
                if original:
                    graph.write_batches(_SET_CAPACITY, original, batch_size=5000)
            out["runs"][name] = {
                "rows": rows,
                "loadavg": loadavg(),
                "changed": len(original),
                "parts": [
                    (what, n, result.write_seconds.get(what, 0.0))
                    for what, n in result.written.items()
                    if n
                ],
            }
            if name == "first run":
                out["size"] = size
                out["peak_rss_mb"] = rss_mb()
            del result
        out["engine_rss_mb"] = engine_rss_mb(pid)
    finally:
        graph.close()
    return out


TOTALS: dict[str, tuple[str, ...]] = {  # total -> the steps it leaves out
    "TOTAL analysis (index + steps, no engine read, no write)": (
        "read graph: engine",
        "write back",
    ),
    "TOTAL with engine read and write back": (),
}


def with_totals(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = list(rows)
    for name, left_out in TOTALS.items():
        picked = [r for r in rows if r["step"] not in left_out]
        out.append(
            {
                "step": name,
                "seconds": sum(r["seconds"] for r in picked),
                "cpu": sum(r["cpu"] for r in picked),
                "engine_cpu": sum(r["engine_cpu"] for r in picked),
                "peak_rss_mb": max(r["peak_rss_mb"] for r in picked),
                "note": "",
            }
        )
    return out


def print_size(res: dict[str, Any]) -> None:
    edges = res["edges"]
    print(f"\nN = {edges:,} relationships, engine: {res['engine']}")
    if "load" in res:
        seconds, rate, load = res["load"]
        print(
            f"loaded into the engine in {seconds:.1f} s ({rate:,.0f} relationships/s; "
            f"load average {load})"
        )
    for name, run in res["runs"].items():
        extra = f"; {run['changed']:,} PRODUCES lines changed" if run["changed"] else ""
        print(f"\n{name} (load average after it: {run['loadavg']}{extra})")
        print(
            f"{'step':58} {'wall s':>8} {'CPU s':>7} {'engine CPU s':>12} {'peak RSS MB':>11}  note"
        )
        for r in with_totals(run["rows"]):
            print(
                f"{r['step']:58} {r['seconds']:8.2f} {r['cpu']:7.2f} {r['engine_cpu']:12.2f} "
                f"{r['peak_rss_mb']:11.0f}  {r['note']}"
            )
        if run["parts"]:
            print(
                "  write-back parts, wall s each (flags and SPOF_FOR are written in the "
                "background while the later analyses run; on the local engine on two connections, "
                "on Neo4j on one): "
                + "; ".join(f"{what} {n:,} rows {sec:.2f} s" for what, n, sec in run["parts"])
            )
    size = res["size"]
    rels = max(size["relationships"], 1)
    print(
        f"\nprojection: {size['relationships']:,} relationships read; resident set grew "
        f"{size['rss_delta'] / 2**20:,.0f} MiB ({size['rss_delta'] / rels:,.0f} bytes per "
        f"relationship); numpy arrays {size['nbytes'] / 2**20:,.0f} MiB "
        f"({size['nbytes'] / rels:,.0f} bytes per relationship); peak RSS of the whole run "
        f"{res['peak_rss_mb']:,.0f} MiB; engine peak RSS {res['engine_rss_mb']:,.0f} MiB"
    )


def print_growth(results: list[dict[str, Any]]) -> None:
    """Every figure at each size, and the ratio of the largest to the smallest."""
    if len(results) < 2:
        return
    lo, hi = results[0], results[-1]
    ratio_n = hi["edges"] / lo["edges"]
    print(
        f"\ngrowth from {lo['edges']:,} to {hi['edges']:,} relationships (x{ratio_n:g}); "
        "wall seconds, and CPU seconds of this process + the engine"
    )
    print(
        f"{'run / step':66} {'small':>8} {'large':>8} {'ratio':>6}   {'CPU small':>9} "
        f"{'CPU large':>9} {'ratio':>6}"
    )

    def figures(res: dict[str, Any], run: str) -> dict[str, tuple[float, float]]:
        return {
            r["step"]: (
                r["seconds"],
                r["cpu"] + (r["engine_cpu"] if r["engine_cpu"] == r["engine_cpu"] else 0.0),
            )
            for r in with_totals(res["runs"][run]["rows"])
        }

    for run in RUNS:
        a, b = figures(lo, run), figures(hi, run)
        for step in a:
            (wa, ca), (wb, cb) = a[step], b.get(step, (float("nan"), float("nan")))
            print(
                f"{run + ': ' + step:66} {wa:8.2f} {wb:8.2f} {wb / max(wa, 1e-9):6.1f}   "
                f"{ca:9.2f} {cb:9.2f} {cb / max(ca, 1e-9):6.1f}"
            )
    sa, sb = lo["size"], hi["size"]
    per = [s["rss_delta"] / max(s["relationships"], 1) for s in (sa, sb)]
    print(
        f"projection bytes per relationship (resident set): {per[0]:,.0f} / {per[1]:,.0f}; "
        f"peak RSS MiB: {lo['peak_rss_mb']:,.0f} / {hi['peak_rss_mb']:,.0f}"
    )
    # peak memory as a + b * N through the two sizes: where does it reach 24 GiB?
    slope = (hi["peak_rss_mb"] - lo["peak_rss_mb"]) / (hi["edges"] - lo["edges"])
    if slope > 0:
        limit = lo["edges"] + (24 * 1024 - lo["peak_rss_mb"]) / slope
        print(
            f"peak RSS of `analyze all` grows {slope * 1e6:,.0f} MiB per million "
            f"relationships: 24 GiB is reached near {limit / 1e6:,.0f} million relationships "
            "(linear through the two sizes; this process only, the engine apart)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", type=int, action="append", help="relationships (repeat)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--batch", type=int, default=5000, help="rows per load transaction")
    parser.add_argument("--reload", action="store_true", help="rebuild the graph in the engine")
    args = parser.parse_args()
    results = []
    for edges in args.edges or [100_000]:
        results.append(bench(edges, args.seed, args.reload, args.batch))
        print_size(results[-1])
        sys.stdout.flush()
    print_growth(results)


if __name__ == "__main__":
    main()
