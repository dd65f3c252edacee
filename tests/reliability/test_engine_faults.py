"""The local engine under fault: its secret and files, a lost state file, a restart on new
ports under a running API, and kill -9 of the engine and of the CLI in the middle of a load."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import Server
from helpers import BASE_FILES, CANONICAL, local_only

from kg.connection import Graph
from kg.engine import ENGINE_USER, LocalEngine
from kg.settings import Settings

pytestmark = pytest.mark.integration


def test_the_password_is_not_on_the_command_line_and_files_are_private(server: Server) -> None:
    local_only()
    engine = server.engine
    assert engine is not None
    pid = engine.status().pid
    assert pid is not None
    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode()
    assert engine.password() not in cmdline
    assert "rootPassword=" not in cmdline
    assert stat.S_IMODE(engine.dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(engine.data_dir.stat().st_mode) == 0o700
    loose = [
        (str(p), oct(stat.S_IMODE(p.stat().st_mode)))
        for p in engine.dir.rglob("*")
        if p.exists() and stat.S_IMODE(p.stat().st_mode) & 0o077
    ]
    assert loose == []


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalEngine]:
    local_only()
    eng = LocalEngine(
        tmp_path_factory.mktemp("faults-home"), database="faults", heap="512m", start_timeout=120
    )
    eng.start()
    yield eng
    eng.stop()


def _env(engine: LocalEngine) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPLYMAP_")}
    env.update(
        SUPPLYMAP_HOME=str(engine.home),
        SUPPLYMAP_ENGINE_DATABASE=engine.database,
        SUPPLYMAP_BATCH_SIZE="50",
    )
    return env


def _cli(engine: LocalEngine, *args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_supplymap(), *args],
        env=_env(engine),
        capture_output=True,
        text=True,
        timeout=300,
        **kw,
    )


def _supplymap() -> str:
    return str(Path(sys.executable).parent / "supplymap")


def test_a_lost_or_corrupt_state_file_does_not_orphan_the_server(engine: LocalEngine) -> None:
    first = engine.start()
    engine.state_file.unlink()
    found = engine.status()
    assert (found.running, found.pid, found.uri) == (True, first.pid, first.uri)
    engine.state_file.write_text("{not json")
    again = _cli(engine, "db", "start")
    assert again.returncode == 0, again.stderr
    assert "already running" in again.stdout and str(first.pid) in again.stdout
    engine.state_file.write_text(json.dumps({"pid": 1, "bolt_port": 1, "http_port": 2}))
    stopped = _cli(engine, "db", "stop")
    assert stopped.returncode == 0 and "stopped" in stopped.stdout, stopped.stdout
    assert first.pid is not None
    time.sleep(0.2)
    assert (
        not Path(f"/proc/{first.pid}").exists()
        or b"ArcadeDB" not in Path(f"/proc/{first.pid}/cmdline").read_bytes()
    )


def test_the_api_reconnects_after_the_engine_restarts_on_new_ports(engine: LocalEngine) -> None:
    from apiclient import TestClient

    from api import create_app

    engine.start()
    settings = Settings(home=engine.home, engine_database=engine.database)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        assert client.get("/health").status_code == 200
        before = engine.status().uri
        engine.stop()
        down = client.get("/chains")
        assert down.status_code == 503
        engine.start()
        assert engine.status().uri != before  # port 0: a new free port each start
        health = client.get("/health")
        assert health.status_code == 200, health.text
        assert client.get("/chains").status_code == 200


def _counts(graph: Graph, prefix: str) -> tuple[int, int]:
    nodes = graph.query(
        "MATCH (n:Enterprise) WHERE n.id STARTS WITH $p RETURN count(n) AS c", {"p": prefix}
    )
    rels = graph.query(
        "MATCH (e:Enterprise)-[r:LOCATED_IN]->(:Region) WHERE e.id STARTS WITH $p "
        "RETURN count(r) AS c",
        {"p": prefix},
    )
    return nodes[0]["c"], rels[0]["c"]


def _engine_graph(engine: LocalEngine) -> Graph:
    status = engine.start()
    assert status.uri
    return Graph.connect(status.uri, ENGINE_USER, engine.password(), engine.database)


def _big_file(tmp: Path, n: int, prefix: str) -> Path:
    path = tmp / "enterprises.csv"
    lines = ["id,name,region,parent_id"]
    lines += [f"{prefix}{i:06d},Company {i},330100," for i in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _wait_until_loading(graph: Graph, proc: subprocess.Popen[str], prefix: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        rows = graph.query(
            "MATCH (n:Enterprise) WHERE n.id STARTS WITH $p RETURN count(n) AS c", {"p": prefix}
        )
        if rows[0]["c"] > 200:
            return
        time.sleep(0.2)
    raise AssertionError("the load never got going")


def _loads(env: dict[str, str]) -> list[dict[str, Any]]:
    out = subprocess.run(
        [_supplymap(), "loads", "--format", "json"], env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    rows: list[dict[str, Any]] = json.loads(out.stdout)
    return rows


# A load whose server went away must end this soon (it takes a second or two on the local
# engine, whose process is seen to be gone, and SUPPLYMAP_UNREACHABLE_TIMEOUT, set to 5 s
# here, on Neo4j); the test allows for a slow machine.
GONE_EXIT_SECONDS = 60


def _load_then_lose_the_server(
    env: dict[str, str],
    connect: Callable[[], Graph],
    path: Path,
    prefix: str,
    kill: Callable[[subprocess.Popen[str]], None],
) -> tuple[subprocess.Popen[str], float, str]:
    """Start `supplymap load path --force`, call kill(proc) once it wrote 200 rows; returns
    the ended process, the seconds it took to end after kill, and its stderr."""
    proc = subprocess.Popen(
        [_supplymap(), "load", str(path), "--force"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        with connect() as graph:
            _wait_until_loading(graph, proc, prefix)
        kill(proc)
        killed = time.monotonic()
        _, stderr = proc.communicate(timeout=GONE_EXIT_SECONDS)
        return proc, time.monotonic() - killed, stderr
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def _resumes_exactly(
    env: dict[str, str], connect: Callable[[], Graph], path: Path, prefix: str, n: int
) -> None:
    """After a load that died part-way: part of it is in, its record is not `running`, and
    the same load run again completes it exactly."""
    with connect() as graph:
        nodes, _ = _counts(graph, prefix)
    assert 0 < nodes < n
    loads = [r for r in _loads(env) if r["file"] == str(path.resolve())]
    assert loads and loads[0]["status"] in ("interrupted", "failed"), loads
    if loads[0]["status"] == "interrupted":
        message = loads[0]["message"]
        assert f"of {2 * n} rows" in message  # n nodes and n LOCATED_IN links
        got = int(message.split("ended after about ")[1].split(" ")[0])
        assert 0 < got < 2 * n, message
    assert not [r for r in _loads(env) if r["status"] == "running"]
    resumed = subprocess.run(
        [_supplymap(), "load", str(path)], env=env, capture_output=True, text=True, timeout=300
    )
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    with connect() as graph:
        assert _counts(graph, prefix) == (n, n)


@pytest.mark.slow
@pytest.mark.parametrize("victim", ["cli", "engine"])
def test_kill_9_mid_load_then_resume_gives_exact_counts(
    engine: LocalEngine, tmp_path: Path, victim: str
) -> None:
    engine.start()
    base = _cli(engine, "load", *(str(CANONICAL / f) for f in BASE_FILES))
    assert base.returncode == 0, base.stdout + base.stderr
    n = 6000
    prefix = f"KILL-{victim.upper()}-"
    path = _big_file(tmp_path, n, prefix)

    def kill(proc: subprocess.Popen[str]) -> None:
        if victim == "cli":
            proc.send_signal(signal.SIGKILL)
            return
        pid = engine.status().pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)  # our child: reap it

    proc, seconds, stderr = _load_then_lose_the_server(
        _env(engine), lambda: _engine_graph(engine), path, prefix, kill
    )
    assert proc.returncode != 0
    if victim == "engine":
        # Ended at once, saying what happened and what to do (not after minutes of retries).
        assert seconds < GONE_EXIT_SECONDS, seconds
        assert "the local engine at bolt://" in stderr and "has stopped" in stderr, stderr
        assert "supplymap db start" in stderr and "the same load run again resumes" in stderr
        assert "Traceback" not in stderr and "Transaction failed" not in stderr, stderr
    # engine.start(): a new engine after kill -9 of the old one; the same one otherwise
    _resumes_exactly(_env(engine), lambda: _engine_graph(engine), path, prefix, n)


NEO4J_ADMIN = os.environ.get("SUPPLYMAP_TEST_NEO4J_ADMIN", "")


@pytest.mark.slow
@pytest.mark.skipif(
    not (NEO4J_ADMIN and os.environ.get("SUPPLYMAP_TEST_URI")),
    reason="stops and starts the throw-away Neo4j of .ci/neo4j/run.py (its `neo4j stop|start`)",
)
def test_neo4j_stopped_mid_load_fails_within_the_bound_then_resume_gives_exact_counts(
    tmp_path: Path,
) -> None:
    control = Path(NEO4J_ADMIN).parent / "neo4j"  # beside neo4j-admin, as in an installation
    uri = os.environ["SUPPLYMAP_TEST_URI"]
    user = os.environ.get("SUPPLYMAP_TEST_USER", "neo4j")
    password = os.environ.get("SUPPLYMAP_TEST_PASSWORD", "")
    database = os.environ.get("SUPPLYMAP_TEST_DATABASE", "neo4j")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPLYMAP_")}
    env.update(
        SUPPLYMAP_NEO4J_URI=uri,
        SUPPLYMAP_NEO4J_USER=user,
        SUPPLYMAP_NEO4J_PASSWORD=password,
        SUPPLYMAP_NEO4J_DATABASE=database,
        SUPPLYMAP_BATCH_SIZE="50",
        SUPPLYMAP_UNREACHABLE_TIMEOUT="5",
    )

    def connect() -> Graph:
        return Graph.connect(uri, user, password, database)

    def control_server(action: str) -> None:
        done = subprocess.run([str(control), action], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr

    base = subprocess.run(
        [_supplymap(), "load", *(str(CANONICAL / f) for f in BASE_FILES)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert base.returncode == 0, base.stdout + base.stderr
    n, prefix = 6000, "STOP-NEO4J-"
    path = _big_file(tmp_path, n, prefix)
    try:
        proc, seconds, stderr = _load_then_lose_the_server(
            env, connect, path, prefix, lambda _: control_server("stop")
        )
    finally:
        control_server("start")
    assert proc.returncode != 0
    assert seconds < GONE_EXIT_SECONDS, seconds
    # Stopped while a batch was on its way, or between two: both say what to check.
    assert "Check that the server is running" in stderr, stderr
    assert "the same load run again resumes" in stderr, stderr
    assert "Traceback" not in stderr and "Transaction failed" not in stderr, stderr
    _resumes_exactly(env, connect, path, prefix, n)
