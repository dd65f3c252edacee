"""How long `supplymap load` takes to end after its graph server goes away mid-load.

    python bench/engine_loss.py                # the local engine, kill -9 (a throw-away home)
    python .ci/neo4j/run.py --settings -- python bench/engine_loss.py   # Neo4j: stop, kill -9

Loads 6,000 enterprises (12,000 records) in batches of 50, and once 200 are in, loses the
server: first suspends it (SIGSTOP, resumed once the CLI has ended: a frozen server), then
kills it (local engine: kill -9; Neo4j: `neo4j stop`, then kill -9 of the whole server, which
ends the run). Prints, for each: seconds from the kill to the CLI's exit, the CLI's CPU
seconds, its exit code, the driver retries it logged and the first words of its error, with
the load average. Before the project's own retries (2026-12-03): 90-125 s; after: 1-2 s on
the local engine, SUPPLYMAP_UNREACHABLE_TIMEOUT (15 s) and a little on Neo4j. A suspended
server waited for the statement timeout (300 s) before the watchdog's probe; now the first
probe (after 5 s) and its SUPPLYMAP_UNREACHABLE_TIMEOUT.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from kg.connection import Graph
from kg.engine import ENGINE_USER, LocalEngine

CANONICAL = Path(__file__).resolve().parent.parent / "tests" / "data" / "canonical"
BASE_FILES = ("regions.csv", "chains.csv", "enterprises.csv", "products.csv")
SUPPLYMAP = str(Path(sys.executable).parent / "supplymap")
N = 6000


def _count(graph: Graph, prefix: str) -> int:
    rows = graph.query(
        "MATCH (n:Enterprise) WHERE n.id STARTS WITH $p RETURN count(n) AS c", {"p": prefix}
    )
    return int(rows[0]["c"])


def run(
    env: dict[str, str],
    connect: Callable[[], Graph],
    case: str,
    kill: Callable[[], None],
    after: Callable[[], None] | None = None,
) -> None:
    folder = Path(tempfile.mkdtemp(prefix=f"engine-loss-{case}-"))
    prefix = f"LOSS-{case.upper()}-"
    path = folder / "enterprises.csv"
    lines = "".join(f"{prefix}{i:06d},Company {i},330100,\n" for i in range(N))
    path.write_text("id,name,region,parent_id\n" + lines, encoding="utf-8")
    proc = subprocess.Popen(
        [SUPPLYMAP, "load", str(path), "--force"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with connect() as graph:
        while _count(graph, prefix) < 200 and proc.poll() is None:
            time.sleep(0.2)
    kill()
    killed = time.monotonic()
    try:
        _, stderr = proc.communicate(timeout=600)
    finally:
        if after is not None:
            after()
    seconds = time.monotonic() - killed
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    error = next((ln for ln in stderr.splitlines() if ln.startswith("error:")), "")
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(
        f"| {case} | {seconds:.1f} | {cpu.ru_utime + cpu.ru_stime:.1f} | {proc.returncode} | "
        f"{stderr.count('will be retried')} | {load} | {error[:110]} |",
        flush=True,
    )


def suspend(
    env: dict[str, str], connect: Callable[[], Graph], case: str, pid: int
) -> tuple[dict[str, str], Callable[[], Graph], str, Callable[[], None], Callable[[], None]]:
    """run()'s arguments for a server suspended with SIGSTOP and resumed after the CLI ends."""
    return (
        env,
        connect,
        case,
        lambda: os.kill(pid, signal.SIGSTOP),
        lambda: os.kill(pid, signal.SIGCONT),
    )


def main() -> None:
    env = dict(os.environ, SUPPLYMAP_BATCH_SIZE="50")
    print("| server lost | s to exit | CPU s (all children) | exit | retries | load | error |")
    print("|---|---|---|---|---|---|---|")
    if os.environ.get("SUPPLYMAP_NEO4J_URI"):
        uri = os.environ["SUPPLYMAP_NEO4J_URI"]
        auth = (os.environ["SUPPLYMAP_NEO4J_USER"], os.environ["SUPPLYMAP_NEO4J_PASSWORD"])
        database = os.environ.get("SUPPLYMAP_NEO4J_DATABASE", "neo4j")
        control = Path(os.environ["SUPPLYMAP_TEST_NEO4J_ADMIN"]).parent / "neo4j"
        subprocess.run(
            [SUPPLYMAP, "load", *(str(CANONICAL / f) for f in BASE_FILES)],
            env=env,
            check=True,
            capture_output=True,
        )

        def connect() -> Graph:
            return Graph.connect(uri, auth[0], auth[1], database)

        def stop() -> None:
            subprocess.run([str(control), "stop"], check=True, capture_output=True)

        pid = int(os.environ["SUPPLYMAP_TEST_SERVER_PID"])
        run(*suspend(env, connect, "neo4j-sigstop", pid))
        run(env, connect, "neo4j-stop", stop)
        subprocess.run([str(control), "start"], check=True, capture_output=True)
        pid = int(os.environ["SUPPLYMAP_TEST_SERVER_PID"])
        run(env, connect, "neo4j-kill9", lambda: os.kill(pid, signal.SIGKILL))
        return
    home = Path(tempfile.mkdtemp(prefix="engine-loss-home-"))
    engine = LocalEngine(home, database="loss", heap="512m", start_timeout=120)
    engine.start()
    env = {k: v for k, v in env.items() if not k.startswith("SUPPLYMAP_NEO4J")}
    env.update(SUPPLYMAP_HOME=str(home), SUPPLYMAP_ENGINE_DATABASE="loss")
    try:
        subprocess.run(
            [SUPPLYMAP, "load", *(str(CANONICAL / f) for f in BASE_FILES)],
            env=env,
            check=True,
            capture_output=True,
        )

        def connect() -> Graph:
            status = engine.start()
            assert status.uri is not None
            return Graph.connect(status.uri, ENGINE_USER, engine.password(), engine.database)

        def kill9() -> None:
            pid = engine.status().pid
            assert pid is not None
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)

        engine_pid = engine.status().pid
        assert engine_pid is not None
        run(*suspend(env, connect, "local-sigstop", engine_pid))
        run(env, connect, "local-kill9", kill9)
    finally:
        engine.stop()


if __name__ == "__main__":
    main()
