"""Run a command against a throw-away Neo4j 5 Community server (``make test-neo4j``).

    python .ci/neo4j/run.py [--scheme neo4j|bolt] [--settings] [--keep-log] -- COMMAND [ARG...]

1. Resolves the pinned ``org.neo4j:neo4j`` (pom.xml beside this file) from Maven Central with
   Maven; the jars stay in Maven's local repository (~/.m2) and the resolved classpath is
   cached under SUPPLYMAP_NEO4J_CACHE (default ~/.cache/supplymap/neo4j), keyed by the pom.
2. Starts Server.java (Java's single-file source launcher) in a temporary directory, with Bolt
   on a free 127.0.0.1 port and a generated password handed over in the environment.
3. Waits until Bolt answers (the driver's verify_connectivity), then runs COMMAND with
   SUPPLYMAP_TEST_URI, _USER, _PASSWORD and _DATABASE set, and returns its exit code. The URI
   is a routing one (neo4j://, as for a cluster or Aura: reads are routed to readers, writes to
   the leader; a single server is both) unless --scheme bolt asks for a direct connection.
   With --settings the project's own settings (SUPPLYMAP_NEO4J_URI, _USER, _PASSWORD,
   _DATABASE) name the server too, so a bench script or a `supplymap` command measures or
   works on this Neo4j instead of starting the local engine.
   SUPPLYMAP_TEST_NEO4J_ADMIN names a `neo4j-admin` for this server: a launcher written into
   the server's home (``<home>/bin/neo4j-admin``, as in an installed Neo4j) that runs the
   pinned AdminTool with the import tool (``neo4j-admin database import full``) on the
   server's own data directory; with --settings it is SUPPLYMAP_NEO4J_ADMIN too, so
   `supplymap load --bulk` imports through it (loaders/bulk_neo4j.py).
4. Always stops the server and removes its directory, whatever happened.

Needs Java 17+ and Maven 3.8+ on PATH, and the ``neo4j`` Python driver (the project's venv).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
POM = HERE / "pom.xml"
SERVER = HERE / "Server.java"
START_TIMEOUT = 240.0


def cache_dir() -> Path:
    default = Path.home() / ".cache" / "supplymap" / "neo4j"
    return Path(os.environ.get("SUPPLYMAP_NEO4J_CACHE", default))


def classpath() -> str:
    """The Neo4j classpath, resolved by Maven once per pom version."""
    digest = hashlib.sha256(POM.read_bytes()).hexdigest()[:16]
    target = cache_dir() / f"classpath-{digest}.txt"
    if target.is_file():
        jars = target.read_text().strip()
        if jars and all(Path(j).is_file() for j in jars.split(os.pathsep)):
            return jars
    if shutil.which("mvn") is None:
        sys.exit("run.py: Maven (mvn) is not on PATH; install it (apt-get install maven)")
    target.parent.mkdir(parents=True, exist_ok=True)
    print("run.py: resolving Neo4j from Maven Central (first run only) ...", flush=True)
    partial = target.with_suffix(".part")
    subprocess.run(
        [
            "mvn",
            "-B",
            "-q",
            "-f",
            str(POM),
            "dependency:build-classpath",
            f"-Dmdep.outputFile={partial}",
        ],
        check=True,
    )
    partial.replace(target)
    return target.read_text().strip()


ADMIN_HEAP = "2g"  # the import tool asks for about 1 GiB even for a small import


def write_admin_launcher(dbms_home: Path, jars: str) -> Path:
    """``<dbms_home>/bin/neo4j-admin``: the pinned AdminTool on this server's home (its
    data directory is ``<dbms_home>/data``, as the embedded server's)."""
    bin_dir = dbms_home / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    (dbms_home / "conf").mkdir(exist_ok=True)
    args = bin_dir / "neo4j-admin.args"  # a Java argument file: the classpath is long
    args.write_text(f"-cp\n{jars}\n")
    launcher = bin_dir / "neo4j-admin"
    launcher.write_text(
        "#!/bin/sh\n"
        "# neo4j-admin for the throw-away server of .ci/neo4j/run.py\n"
        f"NEO4J_HOME={shlex.quote(str(dbms_home))}\n"
        f"NEO4J_CONF={shlex.quote(str(dbms_home / 'conf'))}\n"
        "export NEO4J_HOME NEO4J_CONF\n"
        f"exec java -Xmx{ADMIN_HEAP} -XX:+UseG1GC "
        "--add-opens=java.base/java.nio=ALL-UNNAMED "
        "--add-opens=java.base/java.lang=ALL-UNNAMED "
        "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED "
        f'@{shlex.quote(str(args))} org.neo4j.cli.AdminTool "$@"\n'
    )
    launcher.chmod(0o755)
    # `neo4j stop` / `neo4j start`, as in an installed Neo4j: Server.java restarts its DBMS.
    run, state = dbms_home / "run", dbms_home / "run" / "state"
    control = bin_dir / "neo4j"
    control.write_text(
        "#!/bin/sh\n"
        "# neo4j stop|start for the throw-away server of .ci/neo4j/run.py\n"
        'case "$1" in stop) want=stopped ;; start) want=started ;; '
        '*) echo "usage: neo4j stop|start" >&2; exit 2 ;; esac\n'
        f"touch {shlex.quote(str(run))}/$1.request\n"
        "i=0\n"
        f'while [ "$(cat {shlex.quote(str(state))})" != "$want" ]; do\n'
        f"  i=$((i + 1)); if [ $i -gt {int(START_TIMEOUT * 10)} ]; then "
        'echo "neo4j: not $want in time" >&2; exit 1; fi\n'
        "  sleep 0.1\n"
        "done\n"
        'echo "neo4j: $want"\n'
    )
    control.chmod(0o755)
    return launcher


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerExitedError(RuntimeError):
    """The server stopped while starting (e.g. its port was taken in the meantime)."""


def wait_for_bolt(uri: str, password: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    from neo4j import GraphDatabase
    from neo4j.exceptions import AuthError, ServiceUnavailable

    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if proc.poll() is not None:
            raise ServerExitedError(f"Neo4j exited with code {proc.returncode} while starting")
        if "READY" in log.read_text(errors="replace"):
            try:
                with GraphDatabase.driver(uri, auth=("neo4j", password)) as driver:
                    driver.verify_connectivity()
                return
            except (ServiceUnavailable, AuthError, OSError):
                pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"Neo4j did not answer on {uri} within {START_TIMEOUT:.0f} s")
        time.sleep(0.5)


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def start_server(
    home: Path, jars: str, password: str, scheme: str, log: Path
) -> tuple[subprocess.Popen[bytes], str, Path]:
    """Start the server on a free port and wait for Bolt; another port if it exits early.
    Returns the process, the URI and the server's home directory."""
    env = {**os.environ, "CLASSPATH": jars, "NEO4J_TEST_PASSWORD": password}
    for attempt in range(1, 4):
        port = free_port()
        uri = f"{scheme}://127.0.0.1:{port}"
        dbms_home = home / f"dbms-{attempt}"
        java = [
            "java",
            "-Xms512m",
            "-Xmx1g",
            "-XX:+UseG1GC",
            "-XX:+ExitOnOutOfMemoryError",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            str(SERVER),
            str(dbms_home),
            str(port),
        ]
        with log.open("ab") as out:
            proc = subprocess.Popen(
                java, env=env, stdin=subprocess.PIPE, stdout=out, stderr=subprocess.STDOUT
            )
        try:
            wait_for_bolt(uri, password, proc, log)
            return proc, uri, dbms_home
        except ServerExitedError:
            if attempt == 3:
                raise
            print(f"run.py: Neo4j exited while starting; trying port {attempt + 1}", flush=True)
        except BaseException:
            stop(proc)
            raise
    raise AssertionError("unreachable")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep-log", action="store_true", help="print the server log at the end")
    parser.add_argument(
        "--scheme",
        choices=("neo4j", "bolt"),
        default="neo4j",
        help="the URI scheme handed to the tests: neo4j (routing, the default) or bolt (direct)",
    )
    parser.add_argument(
        "--settings",
        action="store_true",
        help="also set SUPPLYMAP_NEO4J_* so bench scripts and supplymap commands use this server",
    )
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give a command to run after --")

    if shutil.which("java") is None:
        sys.exit(
            "run.py: Java 17+ (java) is not on PATH; install it (apt-get install "
            "openjdk-17-jdk-headless)"
        )
    jars = classpath()
    password = secrets.token_urlsafe(24)
    home = Path(tempfile.mkdtemp(prefix="supplymap-neo4j-"))
    log = home / "server.log"
    proc: subprocess.Popen[bytes] | None = None
    # SIGTERM to us still stops the server (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        started = time.monotonic()
        proc, uri, dbms_home = start_server(home, jars, password, args.scheme, log)
        admin = write_admin_launcher(dbms_home, jars)
        print(f"run.py: Neo4j is up on {uri} after {time.monotonic() - started:.1f} s", flush=True)
        child_env = {
            **os.environ,
            "SUPPLYMAP_TEST_URI": uri,
            "SUPPLYMAP_TEST_USER": "neo4j",
            "SUPPLYMAP_TEST_PASSWORD": password,
            "SUPPLYMAP_TEST_DATABASE": "neo4j",
            "SUPPLYMAP_TEST_SERVER_PID": str(proc.pid),  # for bench/api.py --engine-pid
            "SUPPLYMAP_TEST_NEO4J_ADMIN": str(admin),
        }
        if args.settings:
            child_env |= {
                "SUPPLYMAP_NEO4J_URI": uri,
                "SUPPLYMAP_NEO4J_USER": "neo4j",
                "SUPPLYMAP_NEO4J_PASSWORD": password,
                "SUPPLYMAP_NEO4J_DATABASE": "neo4j",
                "SUPPLYMAP_NEO4J_ADMIN": str(admin),
            }
        status = subprocess.run(command, env=child_env).returncode
    except Exception as exc:  # report, show the log; the finally stops the server
        print(f"run.py: {exc}", file=sys.stderr)
        if log.exists():
            print(log.read_text(errors="replace")[-6000:], file=sys.stderr)
        status = 1
    finally:
        if proc is not None:
            stop(proc)
        if args.keep_log and log.exists():
            print(log.read_text(errors="replace"), file=sys.stderr)
        shutil.rmtree(home, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
