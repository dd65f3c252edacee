"""API latency: tier-N supplier lookups against `supplymap serve` on 127.0.0.1, both walks.

    python bench/api.py --enterprises 100000 --requests 3000 --concurrency 1 4 8

Builds a synthetic layered supply network through the loaders, in a throwaway database of the
local engine or in the (empty) database of SUPPLYMAP_NEO4J_URI, wiped afterwards (enterprises
in --layers layers; each makes one of two products of its layer, a or b, and a product of layer
k has the product of the same letter of layer k-1 as its input; each enterprise outside the
first buys from --suppliers enterprises of the layer before whatever they make, a fixed seed),
starts `supplymap serve` on a free port of 127.0.0.1 as a child process, and sends a bounded
load: --requests GET /enterprises/{id}/suppliers?tiers=N&walk=W for random enterprises at least
N layers deep, from --concurrency client threads with keep-alive connections, after --warmup
requests, for each walk in --walks (material: a supplier of the other letter's product is not
followed further; any: every link). Prints requests/s and latency percentiles as a table.
Target: p95 < 50 ms at tiers=3 and 4 clients. Prints which engine answered; on Neo4j,
--engine-pid names the server's process for its CPU column.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

import httpx
import pandas as pd
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchdb import engine_label, scratch_graph

from kg.connection import Graph, local_engine
from kg.settings import Settings
from loaders.pipeline import Loader, LoadOptions

console = Console(width=120)


def ids_by_layer(n: int, layers: int) -> list[list[str]]:
    size = n // layers
    return [[f"E{layer}-{i:06d}" for i in range(size)] for layer in range(layers)]


def make_files(
    folder: Path, n: int, layers: int, suppliers: int, seed: int
) -> tuple[list[Path], list[list[str]]]:
    """Canonical CSV files of the network, and the enterprise ids of each layer."""
    rng = random.Random(seed)
    layer_ids = ids_by_layer(n, layers)
    size = len(layer_ids[0])
    enterprises = pd.DataFrame(
        {
            "id": [e for ids in layer_ids for e in ids],
            "name": [f"Enterprise {e}" for ids in layer_ids for e in ids],
            "scale": [rng.choice(["large", "medium", "small"]) for _ in range(size * layers)],
        }
    )
    letters = ("a", "b")
    products = pd.DataFrame(
        [(f"P{i}{x}", f"Stage {i} {x}") for i in range(layers) for x in letters],
        columns=["id", "name"],
    )
    bom = pd.DataFrame(
        [(f"P{i - 1}{x}", f"P{i}{x}", 1.0) for i in range(1, layers) for x in letters],
        columns=["input", "output", "qty_per_unit"],
    )
    makes = {
        e: f"P{layer}{rng.choice(letters)}" for layer, ids in enumerate(layer_ids) for e in ids
    }
    capacity = pd.DataFrame(
        [(e, p, 100.0) for e, p in makes.items()],
        columns=["enterprise", "product", "capacity_per_day"],
    )
    links = []
    for layer in range(1, layers):
        before = layer_ids[layer - 1]
        for customer in layer_ids[layer]:
            for supplier in rng.sample(before, suppliers):
                links.append((supplier, customer, makes[supplier], round(rng.random(), 3)))
    supplies = pd.DataFrame(links, columns=["supplier", "customer", "product", "share"])
    frames = {
        "products": products,
        "enterprises": enterprises,
        "bom": bom,
        "capacity": capacity,
        "supplies": supplies,
    }
    paths = []
    for name, frame in frames.items():
        paths.append(folder / f"{name}.csv")
        frame.to_csv(paths[-1], index=False)
    return paths, layer_ids


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(base: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"supplymap serve exited with {proc.returncode}")
        try:
            if httpx.get(base + "/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"supplymap serve did not answer /health within {timeout:.0f} s")


def run_load(
    base: str, ids: list[str], tiers: int, requests: int, concurrency: int, seed: int, walk: str
) -> tuple[list[float], int, float, list[int]]:
    """Send ``requests`` lookups from ``concurrency`` threads; latencies in ms."""
    rng = random.Random(seed)
    plan = [rng.choice(ids) for _ in range(requests)]
    latencies: list[float] = []
    totals: list[int] = []
    errors = 0
    lock = threading.Lock()
    cursor = iter(range(requests))

    def worker() -> None:
        nonlocal errors
        with httpx.Client(base_url=base, timeout=30) as client:
            while True:
                with lock:
                    i = next(cursor, None)
                if i is None:
                    return
                t = time.perf_counter()
                r = client.get(
                    f"/enterprises/{plan[i]}/suppliers", params={"tiers": tiers, "walk": walk}
                )
                ms = (time.perf_counter() - t) * 1000
                with lock:
                    if r.status_code == 200:
                        latencies.append(ms)
                        totals.append(r.json()["total"])
                    else:
                        errors += 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return latencies, errors, time.perf_counter() - started, totals


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU time so far of a process and its child processes (the workers of
    `serve --workers N`), from Linux /proc; None elsewhere."""
    if pid is None:
        return None
    own = _stat(pid)
    if own is None:
        return None
    ticks = int(own[11]) + int(own[12])
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) and fields[1] == str(pid):
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def per_request_ms(before: float | None, after: float | None, n: int) -> str:
    return "-" if before is None or after is None else f"{(after - before) * 1000 / n:.1f}"


def pct(values: list[float], q: int) -> float:
    """The q-th percentile (1-99)."""
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--layers", type=int, default=8)
    parser.add_argument("--suppliers", type=int, default=3, help="suppliers per enterprise")
    parser.add_argument("--tiers", type=int, default=3)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--walks", nargs="+", default=["material", "any"], help="walks to time")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--workers", type=int, default=1, help="supplymap serve --workers")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--database", help="use this already built database (from --keep)")
    parser.add_argument("--engine-pid", type=int, help="the Neo4j server's process (CPU column)")
    args = parser.parse_args()
    if args.tiers >= args.layers:
        raise SystemExit("--tiers must be below --layers")
    settings = Settings()
    if args.database and not settings.uses_local_engine:
        raise SystemExit("--database names a database of the local engine")
    keep = args.keep or bool(args.database)
    if not set(args.walks) <= {"material", "any"}:
        raise SystemExit("--walks: material and/or any")
    with Graph.from_settings(settings) as base_graph, ExitStack() as stack:
        engine = engine_label(base_graph, settings)
        console.print(f"engine: {engine}", highlight=False)
        layer_ids = ids_by_layer(args.enterprises, args.layers)
        links = (args.layers - 1) * len(layer_ids[0]) * args.suppliers
        if args.database:
            graph = Graph(base_graph.driver, args.database)
        else:
            graph = stack.enter_context(scratch_graph(settings, base_graph, "bench_api", keep=keep))
        name = graph.database
        proc: subprocess.Popen[bytes] | None = None
        try:
            if not args.database:
                with tempfile.TemporaryDirectory() as tmp:
                    t = time.perf_counter()
                    files, _ = make_files(
                        Path(tmp), args.enterprises, args.layers, args.suppliers, args.seed
                    )
                    for report in Loader(graph).load_files(files, LoadOptions()):
                        assert report.status == "completed", report.message
                    load_s = time.perf_counter() - t
                console.print(
                    f"built {args.enterprises:,} enterprises, {links:,} SUPPLIES links in "
                    f"{load_s:.0f} s through the loaders (database {name})",
                    highlight=False,
                )
            port = free_port()
            env = {**os.environ, "SUPPLYMAP_ENGINE_DATABASE": name}
            if not settings.uses_local_engine:
                env["SUPPLYMAP_NEO4J_DATABASE"] = name
            serve = Path(sys.executable).with_name("supplymap")
            command = [str(serve), "serve", "--host", "127.0.0.1", "--port", str(port)]
            command += ["--log-level", "warning", "--workers", str(args.workers)]
            proc = subprocess.Popen(command, env=env)
            base = f"http://127.0.0.1:{port}"
            wait_ready(base, proc, 120)
            deep = [e for ids in layer_ids[args.tiers :] for e in ids]
            for walk in args.walks:
                run_load(base, deep, args.tiers, args.warmup, 4, args.seed + 1, walk)
            table = Table(
                title=f"GET /enterprises/{{id}}/suppliers?tiers={args.tiers}&walk=W: "
                f"{args.enterprises:,} enterprises, {links:,} links, {args.workers} worker(s), "
                f"{args.requests:,} requests per row; engine: {engine}",
                caption="hits: suppliers found per lookup; cpu: CPU time per request of the "
                "API processes and of the engine",
            )
            for col in (
                "walk",
                "clients",
                "req/s",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "max ms",
                "hits",
                "errors",
                "API cpu ms",
                "engine cpu ms",
                "p95<50",
            ):
                table.add_column(col, justify="right")
            engine_pid = (
                local_engine(settings).status().pid
                if settings.uses_local_engine
                else args.engine_pid
            )
            runs = [(w, c) for w in args.walks for c in args.concurrency]
            for i, (walk, c) in enumerate(runs):
                cpu = (cpu_seconds(proc.pid), cpu_seconds(engine_pid))
                lat, errors, seconds, totals = run_load(
                    base, deep, args.tiers, args.requests, c, args.seed + 2 + i, walk
                )
                cpu_after = (cpu_seconds(proc.pid), cpu_seconds(engine_pid))
                if len(lat) < 2:
                    raise SystemExit(
                        f"{errors} of {args.requests} requests failed: is database {name!r} "
                        "one that an earlier run built and kept (--keep)?"
                    )
                p95 = pct(lat, 95)
                table.add_row(
                    walk,
                    str(c),
                    f"{len(lat) / seconds:,.0f}",
                    f"{pct(lat, 50):.1f}",
                    f"{p95:.1f}",
                    f"{pct(lat, 99):.1f}",
                    f"{max(lat):.1f}",
                    f"{statistics.mean(totals):.1f}",
                    str(errors),
                    per_request_ms(cpu[0], cpu_after[0], args.requests),
                    per_request_ms(cpu[1], cpu_after[1], args.requests),
                    "yes" if p95 < 50 else "no",
                )
            console.print(table)
        finally:
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()


if __name__ == "__main__":
    main()
