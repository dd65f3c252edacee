"""`supplymap serve` as a real uvicorn process on a free 127.0.0.1 port, for the tests that need
the command itself (not the app in-process)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(server: Any, **extra: str) -> dict[str, str]:
    """This environment without SUPPLYMAP_*, pointed at the test server, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPLYMAP_")}
    if server.engine is None:
        env.update(
            SUPPLYMAP_NEO4J_URI=server.uri,
            SUPPLYMAP_NEO4J_USER=server.user,
            SUPPLYMAP_NEO4J_PASSWORD=server.password,
        )
    else:
        env.update(SUPPLYMAP_HOME=str(server.engine.home))
    env.update(extra)
    return env


@contextmanager
def serve(args: list[str], env: dict[str, str], timeout: float = 60) -> Iterator[str]:
    """Run `supplymap ARGS... serve --port P` until the block ends; yields its base URL once
    /health answers 200."""
    port = _free_port()
    exe = Path(sys.executable).with_name("supplymap")
    proc = subprocess.Popen(
        [str(exe), *args, "serve", "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
            try:
                if httpx.get(base + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, f"supplymap serve did not answer within {timeout} s"
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)
