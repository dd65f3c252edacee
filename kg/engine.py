"""The local graph engine: an ArcadeDB server with its Bolt plugin, run as a child process.

ArcadeDB comes from the ``arcadedb-embedded`` wheel, which bundles a Java runtime, so nothing
else needs installing. The server binds to 127.0.0.1 only, keeps its data under
``<home>/engine/server`` and its state (pid, ports), generated password and log beside it.
A running server is found through its state file, its process and a Bolt probe, and reused:
two servers on one data directory would fail on ArcadeDB's lock.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import importlib.util
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, Neo4jError, ServiceUnavailable

ENGINE_USER = "root"
# The largest HTTP request body the engine accepts (its default is 100 MB). A bulk load sends
# all its links in one batch-import request when they fit: each request is one GraphBatch, and
# closing one rewrites every vertex it touched (loaders/bulk.py). Bound to 127.0.0.1 and
# password-protected, so a larger bound costs no exposure; the body is streamed, not buffered.
HTTP_BODY_LIMIT = 2**31 - 1
DEFAULT_HTTP_BODY_LIMIT = 100 * 1024 * 1024
_BODY_LIMIT_FLAG = "-Darcadedb.server.httpBodyContentMaxSize="
# The JVM's options (issue 17), chosen for a 2-core machine: each measured on a freshly started
# engine, its CPU seconds over the whole run (2026-12-04, a shared machine, load average 7-25;
# the same variant varied by up to 20% in total, 40% in one step, so only larger gaps count).
# - Smaller methods inlined by the JIT: a fresh engine's C1/C2 threads compiled for about as
#   long as the engine worked (bulk load: JIT 20-22 s of 58-62 s; analyses: 48-55 s of
#   178-217 s). With these the JIT takes 11-12 s and 27-28 s, and the compiled code is no slower
#   (the bulk import's own work 19.5-20.7 s against 22.2-24.4 s).
# - The parallel collector instead of G1: on 2 cores G1's concurrent refinement and marking
#   cost more than they save with a 1 GB heap (GC 7-8 s against 11-13 s in the bulk load).
# Engine CPU, main's options -> these:
#   bulk first load of 1M rows (bench/load.py --bulk):    58.5, 62.0 s -> 42.7, 42.8 s
#   analyze all at 1M (bench/analyze.py, three runs):     178, 217 s -> 184, 189 s; per run:
#       first 58.0, 81.6 -> 53.0, 56.7 s; rerun 10.4, 14.7 -> 10.0, 13.3 s; 1% changed 15.8,
#       15.4 -> 16.2, 19.9 s (within the noise: main's own rerun 10.4 against 14.7)
#   API, tier-3 lookups on 100k enterprises (bench/api.py): per request 1.2-2.0 ms -> 1.0-1.3
#       ms at 4 and 16 clients; the whole bench (its load included) 99.7, 101.6 -> 70.6, 75.1 s
# Not taken: AppCDS/AOT cache (JDK 25's -XX:AOTCache halves the start's 3 s of CPU, but the
# cache is written when a training run stops, 12-19 s of extra stop, in every new home).
JVM_OPTIONS = (
    "-XX:FreqInlineSize=100",
    "-XX:InlineSmallCode=1000",
    "-XX:+UseParallelGC",
)


class EngineError(RuntimeError):
    """The local engine could not be started, reached or stopped; the message says what to do."""


@dataclass(frozen=True)
class EngineStatus:
    running: bool
    uri: str | None
    user: str
    database: str
    password_file: str
    pid: int | None
    log_file: str
    data_dir: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _package_dir() -> Path:
    spec = importlib.util.find_spec("arcadedb_embedded")
    if spec is None or not spec.submodule_search_locations:
        raise EngineError(
            "the local engine needs the 'arcadedb-embedded' package; install the project with "
            "`pip install -e .` (or set SUPPLYMAP_NEO4J_URI to use a Neo4j server)"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _cmdline(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return [a.decode(errors="replace") for a in raw.split(b"\0")]


def _is_our_server(pid: int, data_dir: Path) -> bool:
    """True when pid is an ArcadeDB server on this data directory (guards against pid reuse)."""
    args = _cmdline(pid)
    if args is None:
        return _pid_alive(pid)
    return (
        "com.arcadedb.server.ArcadeDBServer" in args
        and f"-Darcadedb.server.rootPath={data_dir}" in args
    )


def find_server(data_dir: Path) -> dict[str, int] | None:
    """The pid and ports of an ArcadeDB server running on ``data_dir``, found by its process.

    Used when the state file is lost or corrupt: the server's command line names its data
    directory and both ports, so a running server is never orphaned (nor started twice).
    """
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    wanted = f"-Darcadedb.server.rootPath={data_dir}"
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        args = _cmdline(int(entry.name))
        if not args or wanted not in args or "com.arcadedb.server.ArcadeDBServer" not in args:
            continue
        ports = {}
        for arg in args:
            for key, prop in (
                ("bolt_port", "-Darcadedb.bolt.port="),
                ("http_port", "-Darcadedb.server.httpIncomingPort="),
            ):
                if arg.startswith(prop) and arg[len(prop) :].isdigit():
                    ports[key] = int(arg[len(prop) :])
        if len(ports) == 2:
            return {"pid": int(entry.name), **ports}
    return None


def _database_name(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,62}", name):
        raise EngineError(
            f"not a valid database name: {name!r} (a letter, then letters, digits or '_')"
        )
    return name


class LocalEngine:
    """Start, stop and find the local ArcadeDB Bolt server kept under ``home``."""

    def __init__(
        self,
        home: Path,
        *,
        database: str = "supplymap",
        bolt_port: int = 0,
        http_port: int = 0,
        heap: str = "1g",
        start_timeout: float = 60.0,
    ) -> None:
        self.home = Path(home).expanduser().resolve()
        self.database = database
        self.bolt_port = bolt_port
        self.http_port = http_port
        self.heap = heap
        self.start_timeout = start_timeout
        self.dir = self.home / "engine"
        self.data_dir = self.dir / "server"
        self.state_file = self.dir / "state.json"
        self.password_file = self.dir / "password"
        self.log_file = self.dir / "server.log"
        self.lock_file = self.dir / "lock"
        self.created = False  # ensure_running created the database

    # ---- state ---------------------------------------------------------------------------

    def _read_state(self) -> dict[str, int] | None:
        """The running server's pid and ports: from the state file, else from its process.

        A lost, corrupt or stale state file does not orphan a running server: it is found by
        its command line (which names this data directory) and the state file is rewritten.
        """
        state = self._state_from_file()
        if (
            state is not None
            and _pid_alive(state["pid"])
            and _is_our_server(state["pid"], self.data_dir)
        ):
            return state
        found = find_server(self.data_dir)
        if found is not None:
            with contextlib.suppress(OSError):
                self._write_state(found)
            return found
        return state

    def _state_from_file(self) -> dict[str, int] | None:
        try:
            state = json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return None
        if not isinstance(state, dict) or not {"pid", "bolt_port", "http_port"} <= state.keys():
            return None
        try:
            return {k: int(state[k]) for k in ("pid", "bolt_port", "http_port")}
        except (TypeError, ValueError):
            return None

    def _write_state(self, state: dict[str, int]) -> None:
        """Write the state file whole (a temporary file renamed over it), owner-only."""
        tmp = self.state_file.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(json.dumps(state))
        os.replace(tmp, self.state_file)

    def _private_dir(self) -> None:
        """The engine directory (data, password, state, log) readable by its owner only."""
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.dir, 0o700)

    def password(self) -> str:
        """The root password, generated on first use and kept in a 0600 file."""
        self._private_dir()
        if not self.password_file.exists():
            fd = os.open(self.password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(24))
        return self.password_file.read_text().strip()

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        """Serialise start and stop between processes (two CLIs, the API and a test run)."""
        self._private_dir()
        fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o600)
        with os.fdopen(fd, "r+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _probe(self, bolt_port: int, timeout: float = 3.0) -> bool:
        """True when the server accepts our credentials over Bolt (whatever its databases)."""
        uri = f"bolt://127.0.0.1:{bolt_port}"
        try:
            with GraphDatabase.driver(
                uri, auth=(ENGINE_USER, self.password()), connection_timeout=timeout
            ) as driver:
                driver.verify_connectivity()
            return True
        except AuthError as exc:
            raise EngineError(
                f"the local engine at {uri} refused the password in {self.password_file}; "
                f"the file no longer matches the server's data in {self.data_dir}. Restore the "
                "file, or stop the engine and move that data directory away to start afresh"
            ) from exc
        except (ServiceUnavailable, Neo4jError, OSError):
            return False

    def status(self) -> EngineStatus:
        state = self._read_state()
        running = False
        pid = None
        uri = None
        if state and _pid_alive(state["pid"]) and _is_our_server(state["pid"], self.data_dir):
            pid = state["pid"]
            uri = f"bolt://127.0.0.1:{state['bolt_port']}"
            running = self._probe(state["bolt_port"])
        return EngineStatus(
            running=running,
            uri=uri,
            user=ENGINE_USER,
            database=self.database,
            password_file=str(self.password_file),
            pid=pid,
            log_file=str(self.log_file),
            data_dir=str(self.data_dir),
        )

    def serves(self, uri: str) -> bool:
        """True when a server of ours runs on this data directory with Bolt at ``uri``: its
        process and command line only, no probe (asked when a connection failed)."""
        state = self._read_state()
        return (
            state is not None
            and _is_our_server(state["pid"], self.data_dir)
            and uri == f"bolt://127.0.0.1:{state['bolt_port']}"
        )

    @property
    def http_url(self) -> str:
        state = self._read_state()
        if state is None:
            raise EngineError("the local engine is not running; start it with `supplymap db start`")
        return f"http://127.0.0.1:{state['http_port']}"

    def http_body_limit(self) -> int:
        """The largest request body the running server accepts: as it was started (a server
        started by an earlier supplymap keeps the engine's default until restarted)."""
        state = self._read_state()
        args = _cmdline(state["pid"]) if state else None
        for arg in args or []:
            if arg.startswith(_BODY_LIMIT_FLAG) and arg[len(_BODY_LIMIT_FLAG) :].isdigit():
                return int(arg[len(_BODY_LIMIT_FLAG) :])
        return DEFAULT_HTTP_BODY_LIMIT

    # ---- start and stop ------------------------------------------------------------------

    def _command(self, bolt_port: int, http_port: int) -> list[str]:
        pkg = _package_dir()
        java = pkg / "jre" / "bin" / "java"
        jars = pkg / "jars"
        if not java.exists() or not jars.is_dir():
            raise EngineError(
                f"the arcadedb-embedded package at {pkg} has no bundled Java runtime or jars; "
                "reinstall it with `pip install --force-reinstall arcadedb-embedded`"
            )
        self.password()  # make sure the file exists before the server reads it
        return [
            str(java),
            f"-Xmx{self.heap}",
            *JVM_OPTIONS,
            "-Djava.awt.headless=true",
            "-Dfile.encoding=UTF8",
            "-Dpolyglot.engine.WarnInterpreterOnly=false",
            f"-XX:ErrorFile={self.dir / 'hs_err_pid%p.log'}",
            f"-Darcadedb.server.rootPath={self.data_dir}",
            # The password is read from its 0600 file, never put on the command line (which
            # every local user can read in /proc/<pid>/cmdline).
            f"-Darcadedb.server.rootPasswordPath={self.password_file}",
            "-Darcadedb.server.httpIncomingHost=127.0.0.1",
            f"-Darcadedb.server.httpIncomingPort={http_port}",
            "-Darcadedb.bolt.host=127.0.0.1",
            f"-Darcadedb.bolt.port={bolt_port}",
            f"{_BODY_LIMIT_FLAG}{HTTP_BODY_LIMIT}",
            "-Darcadedb.server.plugins=Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
            f"-Darcadedb.server.defaultDatabases={self.database}[{ENGINE_USER}]",
            "-cp",
            f"{jars}/*",
            "com.arcadedb.server.ArcadeDBServer",
        ]

    def _pick_port(self, configured: int, what: str) -> int:
        if configured == 0:
            return _free_port()
        if _port_in_use(configured):
            raise EngineError(
                f"the configured {what} port {configured} is already in use on 127.0.0.1; "
                f"free it or choose another with SUPPLYMAP_ENGINE_{what.upper()}_PORT"
            )
        return configured

    def _disable_mcp(self) -> None:
        """ArcadeDB registers an MCP endpoint on its HTTP port; keep it switched off."""
        config = self.data_dir / "config"
        config.mkdir(parents=True, exist_ok=True, mode=0o700)
        mcp = config / "mcp-config.json"
        if not mcp.exists():
            fd = os.open(mcp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(json.dumps({"enabled": False, "allowedUsers": []}, indent=2))

    def start(self) -> EngineStatus:
        """Start the server unless one already runs on this home; wait until it answers."""
        with self._lock():
            current = self.status()
            if current.running:
                return current
            if current.pid is not None:
                # Our process exists but does not answer yet (another start in progress).
                return self._wait_ready(current.pid, self._read_state() or {}, started=False)
            self._private_dir()
            self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.chmod(self.data_dir, 0o700)
            self._disable_mcp()
            bolt_port = self._pick_port(self.bolt_port, "bolt")
            http_port = self._pick_port(self.http_port, "http")
            fd = os.open(self.log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(fd, "ab") as log:
                log.write(f"\n---- supplymap: starting engine at {time.ctime()}\n".encode())
                log.flush()
                proc = subprocess.Popen(
                    self._command(bolt_port, http_port),
                    cwd=self.dir,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    umask=0o077,  # every file the server creates: owner only
                )
            state = {"pid": proc.pid, "bolt_port": bolt_port, "http_port": http_port}
            self._write_state(state)
            return self._wait_ready(proc.pid, state, started=True, proc=proc)

    def _wait_ready(
        self,
        pid: int,
        state: dict[str, int],
        *,
        started: bool,
        proc: subprocess.Popen[bytes] | None = None,
    ) -> EngineStatus:
        deadline = time.monotonic() + self.start_timeout
        delay = 0.2
        while time.monotonic() < deadline:
            exited = proc.poll() is not None if proc is not None else not _pid_alive(pid)
            if exited:
                raise EngineError(
                    "the local engine exited during start-up; its log says:\n"
                    f"{self._log_tail()}\n(full log: {self.log_file})"
                )
            if (
                state.get("bolt_port")
                and self._probe(state["bolt_port"], timeout=2.0)
                # Bolt answers before the server has created its default database.
                and (not started or self.database_exists(self.database))
            ):
                return self.status()
            time.sleep(delay)
            delay = min(delay * 1.5, 1.0)
        if started:
            self._terminate(pid, timeout=10)
        raise EngineError(
            f"the local engine did not answer on Bolt within {self.start_timeout:.0f} s; "
            f"see {self.log_file}, or raise SUPPLYMAP_ENGINE_START_TIMEOUT on a slow machine"
        )

    def _log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_file.read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return "\n".join(text[-lines:])

    def _terminate(self, pid: int, timeout: float) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _pid_alive(pid):
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
            time.sleep(0.1)
        if _pid_alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)

    def stop(self, timeout: float = 30.0) -> bool:
        """Stop the server gracefully (SIGTERM, then SIGKILL after ``timeout``).

        Returns False when no server was running.
        """
        with self._lock():
            state = self._read_state()
            if not state or not _pid_alive(state["pid"]):
                self.state_file.unlink(missing_ok=True)
                return False
            if not _is_our_server(state["pid"], self.data_dir):
                self.state_file.unlink(missing_ok=True)
                return False
            self._terminate(state["pid"], timeout)
            self.state_file.unlink(missing_ok=True)
            return True

    # ---- databases -----------------------------------------------------------------------

    def _http(self, path: str, command: str | None = None) -> object:
        """Call the engine's local HTTP API (GET, or POST a server command); return its result."""
        request = urllib.request.Request(
            f"{self.http_url}/api/v1/{path}",
            data=json.dumps({"command": command}).encode() if command is not None else None,
            headers={
                "Authorization": "Basic "
                + base64.b64encode(f"{ENGINE_USER}:{self.password()}".encode()).decode(),
                "Content-Type": "application/json",
            },
            method="POST" if command is not None else "GET",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                body = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")
            raise EngineError(f"the local engine refused {command or path!r}: {detail}") from exc
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise EngineError(f"the local engine's HTTP API did not answer: {exc}") from exc
        return body.get("result") if isinstance(body, dict) else None

    def _server_command(self, command: str) -> None:
        """Run an ArcadeDB server command (create/drop database)."""
        self._http("server", command)

    def database_exists(self, name: str) -> bool:
        try:
            return self._http(f"exists/{_database_name(name)}") is True
        except EngineError:
            return False

    def databases(self) -> list[str]:
        """The names of the running engine's databases (its HTTP API: no database needed)."""
        names = self._http("databases")
        return [str(n) for n in names] if isinstance(names, list) else []

    def create_database(self, name: str) -> None:
        """Create a database on the running engine (used to isolate test modules)."""
        self._server_command(f"create database {_database_name(name)}")

    def drop_database(self, name: str) -> None:
        self._server_command(f"drop database {_database_name(name)}")

    def ensure_running(self, *, create: bool = True) -> EngineStatus:
        """A running server with our database: started if needed, the database made if new
        (``create``; else a missing database is an EngineError that lists those there are)."""
        current = self.status()
        if not current.running:
            current = self.start()
        if not self.database_exists(self.database):
            if not create:
                there = ", ".join(repr(n) for n in sorted(self.databases())) or "none"
                raise EngineError(
                    f"the local engine has no database {self.database!r} (its databases: "
                    f"{there}). Name one of those with --database or SUPPLYMAP_DATABASE; "
                    f"`supplymap --database {self.database} load FILE...` creates a new one"
                )
            try:
                self.create_database(self.database)
                self.created = True
            except EngineError:
                if not self.database_exists(self.database):  # not a race with another creator
                    raise
        return current
