"""A graph server frozen mid-work (its process suspended with SIGSTOP) is found out within
seconds, not at the statement timeout: the work is abandoned, nothing of it committed, and the
error says what happened and what to do. Runs on both engines: the local engine's process, or
the Neo4j test server of .ci/neo4j/run.py (SUPPLYMAP_TEST_SERVER_PID)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import Server
from helpers import BASE_FILES, CANONICAL

from kg import liveness
from kg.connection import Graph
from kg.watchdog import PROBE_AFTER, GraphFrozenError

pytestmark = pytest.mark.integration

# Seconds the server gets to answer a handshake here (SUPPLYMAP_UNREACHABLE_TIMEOUT).
ANSWER_WITHIN = 3.0
# The work must end this soon after the server froze: the first probe after PROBE_AFTER
# seconds, its ANSWER_WITHIN, and room for a slow machine (the statement timeout is 300 s).
FROZEN_EXIT_SECONDS = 45.0


def _server_pid(server: Server) -> int:
    if server.engine is not None:
        pid = server.engine.status().pid
        assert pid is not None
        return pid
    pid = os.environ.get("SUPPLYMAP_TEST_SERVER_PID")
    if not pid:
        pytest.skip("the external server's process is not known (SUPPLYMAP_TEST_SERVER_PID)")
    return int(pid)


@contextmanager
def _frozen(pid: int) -> Iterator[None]:
    """The server's process suspended for the block, resumed whatever happens."""
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


def _address(graph: Graph) -> tuple[str, int]:
    host_port = graph.uri.split("://", 1)[1].split("/", 1)[0]
    host, port = host_port.rsplit(":", 1)
    return host, int(port)


def test_the_probe_tells_a_frozen_server_from_a_live_one(server: Server, graph: Graph) -> None:
    address = _address(graph)
    assert not liveness.silent(address, 5.0)
    with _frozen(_server_pid(server)):
        started = time.monotonic()
        assert liveness.silent(address, 1.0)
        assert time.monotonic() - started < 3.0
    assert not liveness.silent(address, 10.0)
    # Nothing listening: gone, not frozen (a lost server's own handling covers it).
    assert not liveness.silent(("127.0.0.1", 9), 1.0)


def test_a_write_to_a_frozen_server_is_abandoned_within_seconds(
    server: Server, graph: Graph
) -> None:
    code = f"FROZEN-{os.getpid()}"
    frozen_graph = Graph.connect(
        graph.uri,
        server.user,
        server.password,
        graph.database,
        unreachable_timeout=ANSWER_WITHIN,
    )
    try:
        frozen_graph.query("RETURN 1 AS ok")  # a pooled connection, as in a running load
        with _frozen(_server_pid(server)):
            started = time.monotonic()
            with pytest.raises(GraphFrozenError) as caught:
                frozen_graph.write("CREATE (r:Region {code: $code})", {"code": code})
            seconds = time.monotonic() - started
        assert PROBE_AFTER <= seconds < FROZEN_EXIT_SECONDS, seconds
        message = str(caught.value)
        assert "a write was abandoned" in message
        assert "did not answer a new connection" in message and "frozen or suspended" in message
        assert "Nothing of this transaction was committed" in message
        assert "supplymap db start" in message and "run the same command again" in message
    finally:
        frozen_graph.close()
    # The server is back, and the abandoned write left nothing.
    rows = graph.query("MATCH (r:Region {code: $code}) RETURN count(r) AS n", {"code": code})
    assert rows[0]["n"] == 0


def _cli_env(server: Server, graph: Graph) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPLYMAP_")}
    if server.engine is None:
        env.update(
            SUPPLYMAP_NEO4J_URI=server.uri,
            SUPPLYMAP_NEO4J_USER=server.user,
            SUPPLYMAP_NEO4J_PASSWORD=server.password,
            SUPPLYMAP_NEO4J_DATABASE=graph.database,
        )
    else:
        env.update(SUPPLYMAP_HOME=str(server.engine.home), SUPPLYMAP_ENGINE_DATABASE=graph.database)
    env.update(SUPPLYMAP_BATCH_SIZE="50", SUPPLYMAP_UNREACHABLE_TIMEOUT=str(ANSWER_WITHIN))
    return env


def _supplymap() -> str:
    return str(Path(sys.executable).parent / "supplymap")


@pytest.mark.slow
def test_a_load_on_a_frozen_server_ends_with_what_to_do_then_resumes_exactly(
    server: Server, graph: Graph, tmp_path: Path
) -> None:
    env = _cli_env(server, graph)
    base = subprocess.run(
        [_supplymap(), "load", *(str(CANONICAL / f) for f in BASE_FILES)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert base.returncode == 0, base.stdout + base.stderr
    n, prefix = 3000, "FROZEN-LOAD-"
    path = tmp_path / "enterprises.csv"
    rows = [f"{prefix}{i:06d},Company {i},330100," for i in range(n)]
    path.write_text("id,name,region,parent_id\n" + "\n".join(rows) + "\n", encoding="utf-8")

    def count() -> int:
        found = graph.query(
            "MATCH (e:Enterprise) WHERE e.id STARTS WITH $p RETURN count(e) AS n", {"p": prefix}
        )
        return int(found[0]["n"])

    proc = subprocess.Popen(
        [_supplymap(), "load", str(path), "--force"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while count() <= 200 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert proc.poll() is None, "the load ended before it could be frozen"
        with _frozen(_server_pid(server)):
            started = time.monotonic()
            _, stderr = proc.communicate(timeout=FROZEN_EXIT_SECONDS + 30)
            seconds = time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode != 0
    assert seconds < FROZEN_EXIT_SECONDS, (seconds, stderr)
    assert "frozen or suspended" in stderr and "supplymap db start" in stderr, stderr
    assert "Traceback" not in stderr, stderr
    assert 0 < count() < n
    env.pop("SUPPLYMAP_BATCH_SIZE")
    resumed = subprocess.run(
        [_supplymap(), "load", str(path)], env=env, capture_output=True, text=True, timeout=300
    )
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert count() == n
