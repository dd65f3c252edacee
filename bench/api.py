"""API throughput: tier-N supplier lookups against `supplymap serve` on 127.0.0.1, both walks.

    python bench/api.py --enterprises 100000 400000 --concurrency 1 4 16 --workers 2

For each size in --enterprises, builds a synthetic layered supply network through the loaders,
in a throwaway database of the local engine or in the (empty) database of
SUPPLYMAP_NEO4J_URI, wiped afterwards (enterprises in --layers layers; each makes one of two
products of its layer, a or b, and a product of layer k has the product of the same letter of
layer k-1 as its input; each enterprise outside the first buys from --suppliers enterprises of
the layer before whatever they make, a fixed seed), starts `supplymap serve --workers N` on a
free port of 127.0.0.1 as a child process, and sends a bounded load: --requests GET
/enterprises/{id}/suppliers?tiers=N&walk=W for random enterprises at least N layers deep, from
--concurrency clients with keep-alive connections (a small asyncio HTTP/1.1 client in this
process, so the load generator costs little: its own CPU per request is printed), after
--warmup requests, for each walk in --walks (material: a supplier of the other letter's
product is not followed further; any: every link).

Prints requests/s, latency percentiles, the CPU per request of the API processes, the engine
and the load generator (their sum predicts the throughput of a quiet machine: cores / CPU per
request), the peak memory of the API processes and of the engine, and the load average; with
two sizes, the ratio of the larger to the smaller. Target: >= 400 req/s and p95 < 50 ms at
tiers=3 and 16 clients. Prints which engine answered; on Neo4j, --engine-pid names the
server's process for its CPU and memory columns.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import orjson
import pandas as pd
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchdb import engine_label, scratch_graph

from kg.connection import Graph, local_engine
from kg.settings import Settings
from loaders.pipeline import Loader, LoadOptions

try:
    import uvloop
except ImportError:  # Windows: the standard event loop
    uvloop = None  # type: ignore[assignment]

console = Console(width=170)


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


async def _client(
    port: int,
    paths: list[str],
    cursor: Iterator[int],
    latencies: list[float],
    totals: list[int],
    errors: list[int],
) -> None:
    """One keep-alive connection sending GETs one after another until the cursor runs out."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for i in cursor:
            request = f"GET {paths[i]} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
            t = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            body = await reader.readexactly(length)
            ms = (time.perf_counter() - t) * 1000
            if head[9:12] == b"200":
                latencies.append(ms)
                totals.append(int(orjson.loads(body)["total"]))
            else:
                errors.append(int(head[9:12]))
    finally:
        writer.close()


def run_load(
    port: int, ids: list[str], tiers: int, requests: int, concurrency: int, seed: int, walk: str
) -> tuple[list[float], int, float, list[int], float]:
    """Send ``requests`` lookups over ``concurrency`` connections; latencies in ms, the wall
    time and this process's own CPU seconds (the load generator's cost)."""
    rng = random.Random(seed)
    paths = [
        f"/enterprises/{rng.choice(ids)}/suppliers?tiers={tiers}&walk={walk}"
        for _ in range(requests)
    ]
    latencies: list[float] = []
    totals: list[int] = []
    errors: list[int] = []
    cursor = iter(range(requests))  # shared: each client takes the next request

    async def main() -> None:
        await asyncio.gather(
            *(_client(port, paths, cursor, latencies, totals, errors) for _ in range(concurrency))
        )

    cpu, started = time.process_time(), time.perf_counter()
    run = uvloop.run if uvloop is not None else asyncio.run
    run(main())
    return (
        latencies,
        len(errors),
        time.perf_counter() - started,
        totals,
        time.process_time() - cpu,
    )


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _family(pid: int) -> list[int]:
    """The process and its child processes (the workers of `serve --workers N`)."""
    found = [pid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) and fields[1] == str(pid):
            found.append(int(entry.name))
    return found


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU time so far of a process and its child processes, from Linux /proc;
    None elsewhere."""
    if pid is None or _stat(pid) is None:
        return None
    ticks = 0
    for p in _family(pid):
        if (fields := _stat(p)) is not None:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def peak_mib(pid: int | None) -> float | None:
    """Peak resident memory (VmHWM) of a process and its child processes, in MiB."""
    if pid is None or _stat(pid) is None:
        return None
    total = 0
    for p in _family(pid):
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1])
    return total / 1024


def load_average() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "-"


def per_request_ms(before: float | None, after: float | None, n: int) -> float | None:
    return None if before is None or after is None else (after - before) * 1000 / n


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def pct(values: list[float], q: int) -> float:
    """The q-th percentile (1-99)."""
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


COLUMNS = (
    "walk",
    "clients",
    "req/s",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "hits",
    "errors",
    "API cpu ms",
    "engine cpu ms",
    "loadgen cpu ms",
    "sum cpu ms",
    "load avg",
    "p95<50",
)


def measure(
    args: argparse.Namespace,
    settings: Settings,
    name: str,
    layer_ids: list[list[str]],
    engine_pid: int | None,
) -> tuple[list[dict[str, Any]], float | None]:
    """Serve database ``name`` and time every (walk, clients) pair; the rows, and the peak
    memory of the API processes (MiB)."""
    port = free_port()
    env = {**os.environ, "SUPPLYMAP_ENGINE_DATABASE": name}
    if not settings.uses_local_engine:
        env["SUPPLYMAP_NEO4J_DATABASE"] = name
    serve = Path(sys.executable).with_name("supplymap")
    command = [str(serve), "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--log-level", "warning", "--workers", str(args.workers)]
    proc = subprocess.Popen(command, env=env)
    results: list[dict[str, Any]] = []
    try:
        wait_ready(f"http://127.0.0.1:{port}", proc, 120)
        deep = [e for ids in layer_ids[args.tiers :] for e in ids]
        for walk in args.walks:
            run_load(port, deep, args.tiers, args.warmup, 16, args.seed + 1, walk)
        # The engine's own background work (a JVM still compiling or collecting after the
        # load) counts in its CPU per request: say how much there is while nothing is asked.
        before, t = cpu_seconds(engine_pid), time.perf_counter()
        time.sleep(3)
        idle = per_request_ms(before, cpu_seconds(engine_pid), 1)
        if idle is not None:
            console.print(
                f"engine CPU while idle: {idle / (time.perf_counter() - t):.0f} ms/s",
                highlight=False,
            )
        runs = [(w, c) for w in args.walks for c in args.concurrency]
        for i, (walk, c) in enumerate(runs):
            cpu = (cpu_seconds(proc.pid), cpu_seconds(engine_pid))
            lat, errors, seconds, totals, own = run_load(
                port, deep, args.tiers, args.requests, c, args.seed + 2 + i, walk
            )
            after = (cpu_seconds(proc.pid), cpu_seconds(engine_pid))
            if len(lat) < 2:
                raise SystemExit(
                    f"{errors} of {args.requests} requests failed: is database {name!r} "
                    "one that an earlier run built and kept (--keep)?"
                )
            api = per_request_ms(cpu[0], after[0], args.requests)
            eng = per_request_ms(cpu[1], after[1], args.requests)
            gen = own * 1000 / args.requests
            results.append(
                {
                    "walk": walk,
                    "clients": c,
                    "req/s": len(lat) / seconds,
                    "p50": pct(lat, 50),
                    "p95": pct(lat, 95),
                    "p99": pct(lat, 99),
                    "hits": statistics.mean(totals),
                    "errors": errors,
                    "api": api,
                    "engine": eng,
                    "loadgen": gen,
                    "sum": None if api is None or eng is None else api + eng + gen,
                    "load": load_average(),
                }
            )
        return results, peak_mib(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def table_of(title: str, rows: list[dict[str, Any]]) -> Table:
    table = Table(
        title=title,
        caption="hits: suppliers found per lookup; cpu: CPU time per request of the API "
        "processes, the engine and this load generator; sum: the three (2 cores / sum = the "
        "quiet machine's ceiling); load avg: 1-minute load average after the row",
    )
    for col in COLUMNS:
        table.add_column(col, justify="right")
    for r in rows:
        table.add_row(
            r["walk"],
            str(r["clients"]),
            f"{r['req/s']:,.0f}",
            f"{r['p50']:.1f}",
            f"{r['p95']:.1f}",
            f"{r['p99']:.1f}",
            f"{r['hits']:.1f}",
            str(r["errors"]),
            ms(r["api"]),
            ms(r["engine"]),
            ms(r["loadgen"]),
            ms(r["sum"]),
            r["load"],
            "yes" if r["p95"] < 50 else "no",
        )
    return table


def ratio(big: float | None, small: float | None) -> str:
    return "-" if big is None or small is None or small == 0 else f"{big / small:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--enterprises", type=int, nargs="+", default=[100_000])
    parser.add_argument("--layers", type=int, default=8)
    parser.add_argument("--suppliers", type=int, default=3, help="suppliers per enterprise")
    parser.add_argument("--tiers", type=int, default=3)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--walks", nargs="+", default=["material", "any"], help="walks to time")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--workers", type=int, default=2, help="supplymap serve --workers")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument(
        "--database",
        nargs="+",
        help="use these already built databases (from --keep), one per --enterprises size",
    )
    parser.add_argument("--engine-pid", type=int, help="the Neo4j server's process (CPU column)")
    args = parser.parse_args()
    if args.tiers >= args.layers:
        raise SystemExit("--tiers must be below --layers")
    settings = Settings()
    if args.database and not settings.uses_local_engine:
        raise SystemExit("--database names databases of the local engine")
    if args.database and len(args.database) != len(args.enterprises):
        raise SystemExit("--database: one database per --enterprises size")
    if not settings.uses_local_engine and len(args.enterprises) > 1 and args.keep:
        raise SystemExit("on Neo4j the sizes share one database: run one size with --keep")
    keep = args.keep or bool(args.database)
    if not set(args.walks) <= {"material", "any"}:
        raise SystemExit("--walks: material and/or any")
    sizes: list[tuple[int, int, list[dict[str, Any]], float | None, float | None]] = []
    with Graph.from_settings(settings) as base_graph:
        engine = engine_label(base_graph, settings)
        console.print(f"engine: {engine}; load average {load_average()}", highlight=False)
        engine_pid = (
            local_engine(settings).status().pid if settings.uses_local_engine else args.engine_pid
        )
        for k, n in enumerate(args.enterprises):
            layer_ids = ids_by_layer(n, args.layers)
            links = (args.layers - 1) * len(layer_ids[0]) * args.suppliers
            with ExitStack() as stack:
                if args.database:
                    graph = Graph(base_graph.driver, args.database[k])
                else:
                    graph = stack.enter_context(
                        scratch_graph(settings, base_graph, "bench_api", keep=keep)
                    )
                    with tempfile.TemporaryDirectory() as tmp:
                        t = time.perf_counter()
                        files, _ = make_files(Path(tmp), n, args.layers, args.suppliers, args.seed)
                        for report in Loader(graph).load_files(files, LoadOptions()):
                            assert report.status == "completed", report.message
                        load_s = time.perf_counter() - t
                    console.print(
                        f"built {n:,} enterprises, {links:,} SUPPLIES links in {load_s:.0f} s "
                        f"through the loaders (database {graph.database})",
                        highlight=False,
                    )
                rows, api_peak = measure(args, settings, graph.database, layer_ids, engine_pid)
            engine_peak = peak_mib(engine_pid)
            sizes.append((n, links, rows, api_peak, engine_peak))
            console.print(
                table_of(
                    f"GET /enterprises/{{id}}/suppliers?tiers={args.tiers}&walk=W: {n:,} "
                    f"enterprises, {links:,} links, {args.workers} worker(s), "
                    f"{args.requests:,} requests per row; engine: {engine}",
                    rows,
                )
            )
            console.print(
                f"peak memory: API processes {ms(api_peak)} MiB, engine {ms(engine_peak)} MiB "
                "(the engine's over its whole life)",
                highlight=False,
            )
    if len(sizes) > 1:
        (n0, l0, small, _, m0), (n1, l1, big, _, m1) = sizes[0], sizes[-1]
        growth = Table(
            title=f"growth: {n1:,} against {n0:,} enterprises ({l1 / l0:.1f}x the links)",
            caption="ratios larger / smaller: near 1 means a lookup costs the same whatever the "
            "graph's size (it touches its own neighbourhood only)",
        )
        for col in ("walk", "clients", "req/s", "p95", "sum cpu", "engine cpu", "hits"):
            growth.add_column(col, justify="right")
        for a, b in zip(small, big, strict=True):
            growth.add_row(
                a["walk"],
                str(a["clients"]),
                ratio(b["req/s"], a["req/s"]),
                ratio(b["p95"], a["p95"]),
                ratio(b["sum"], a["sum"]),
                ratio(b["engine"], a["engine"]),
                ratio(b["hits"], a["hits"]),
            )
        console.print(growth)
        console.print(f"engine peak memory: {ms(m0)} then {ms(m1)} MiB", highlight=False)


if __name__ == "__main__":
    main()
