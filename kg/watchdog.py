"""A client-side bound on every transaction: a server that stops answering is cut off.

The neo4j driver has no read timeout of its own (only the server's hint sets one), and a
transaction timeout is enforced by the server, which the local engine ignores. When the
local engine drops a Bolt message (over 16 MiB) it never answers, and a client waiting for
the answer would wait forever. A ``Watchdog`` started around a transaction shuts down the
session's socket once the deadline passes (the blocked read then fails), and keeps doing so
until the work ends; the work function checks ``expired`` before each attempt, so the
driver's retry loop stops with ``GraphTimeoutError`` instead of sending the batch again. One
thread per process watches every open block.

A deadline of minutes does not tell a long statement from a server that froze (its process
suspended by SIGSTOP or Ctrl-Z): a Watchdog given a ``Probe`` is also probed. Once its
block has run PROBE_AFTER seconds, and every PROBE_EVERY seconds after that, a second thread
opens a new connection to the server the session talks to and asks for a Bolt handshake
(kg/liveness.py), which a busy server answers at once; no answer within ``Probe.answer_within``
seconds cuts the block as the deadline would, with ``GraphFrozenError``. A server found
frozen is probed at once by the next block that talks to it (a failed load marking its
record, say), for FROZEN_MEMORY seconds.
"""

from __future__ import annotations

import contextlib
import os
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from types import TracebackType

from neo4j import Session
from neo4j.exceptions import DriverError, Neo4jError

from kg import liveness

# After the deadline, cut whatever connection the session holds this often until it returns.
RECUT_SECONDS = 1.0
# A block is first probed after this many seconds, then this often.
PROBE_AFTER = 5.0
PROBE_EVERY = 5.0
# A server found frozen is probed at once by later blocks for this long.
FROZEN_MEMORY = 120.0
# ... with this bound on the wait for its answer.
FROZEN_RECHECK = 5.0


Peer = tuple[liveness.Address, bool]  # a server's address, and whether it speaks TLS


@dataclass(frozen=True)
class Probe:
    """How a Watchdog asks whether its server still answers: within ``answer_within``
    seconds, at the session's own server, or at ``fallback`` while the session holds no
    connection (it is opening one, which a frozen server never completes)."""

    answer_within: float
    fallback: Peer | None = None


class GraphTimeoutError(DriverError):
    """A transaction did not finish within SUPPLYMAP_STATEMENT_TIMEOUT; it was abandoned."""

    def is_retryable(self) -> bool:
        return False


class GraphFrozenError(GraphTimeoutError):
    """The server stopped answering new connections while a transaction ran (its process
    suspended or frozen); the transaction was abandoned."""


def _peer(raw: socket.socket) -> Peer | None:
    """The server address a connected socket talks to, and whether it is TLS."""
    try:
        host, port = raw.getpeername()[:2]
    except OSError:
        return None
    return (str(host), int(port)), isinstance(raw, ssl.SSLSocket)


def _raw_socket(session: Session) -> socket.socket | None:
    """The socket under the session's current connection, if it holds one (driver 5 and 6)."""
    connection = getattr(session, "_connection", None)
    bolt_socket = getattr(connection, "socket", None)
    raw = getattr(bolt_socket, "_socket", None)
    return raw if isinstance(raw, socket.socket) else None


class _Watcher:
    """One thread per process watches every open Watchdog (a thread started and joined per
    transaction cost more than a short read itself). It sleeps until the earliest deadline;
    a cut happens under the lock that ``leave`` takes, so none happens after a block ends.
    A second thread probes the servers of the blocks given a ``Probe``;
    its probes run outside the lock."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._active: set[Watchdog] = set()
        self._wake_at = float("inf")
        self._pid = 0  # the process whose threads run (a forked child starts its own)
        self._probing = threading.Event()  # set while a block wants probing
        self._frozen: dict[liveness.Address, float] = {}  # server -> when found frozen

    def enter(self, dog: Watchdog) -> None:
        with self._cond:
            if self._pid != os.getpid():
                self._pid = os.getpid()
                self._wake_at = float("inf")
                self._probing = threading.Event()
                threading.Thread(target=self._run, daemon=True, name="graph-watchdog").start()
                threading.Thread(target=self._probe, daemon=True, name="graph-prober").start()
            self._active.add(dog)
            if dog.next_at < self._wake_at:
                self._cond.notify()
            if dog.probe is not None:
                if self._frozen:
                    dog.probe_at = dog.started  # a server found frozen lately: at once
                self._probing.set()

    def leave(self, dog: Watchdog) -> None:
        with self._cond:
            self._active.discard(dog)

    def _cut(self, dog: Watchdog, now: float) -> None:
        """Mark the block abandoned and shut its connection (under the lock)."""
        dog.expired = True
        dog.next_at = now + RECUT_SECONDS
        raw = _raw_socket(dog.session)
        if raw is not None:
            with contextlib.suppress(OSError):
                raw.shutdown(socket.SHUT_RDWR)

    def _run(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                for dog in [d for d in self._active if d.next_at <= now]:
                    self._cut(dog, now)
                self._wake_at = min((d.next_at for d in self._active), default=float("inf"))
                wait = self._wake_at - now
                self._cond.wait(None if wait == float("inf") else max(wait, 0.0))

    def _due(self, now: float) -> dict[Peer, list[Watchdog]]:
        """The blocks due for a probe, by the server they talk to (under the lock)."""
        due: dict[Peer, list[Watchdog]] = {}
        for dog in self._active:
            if dog.expired or dog.probe is None or dog.probe_at > now:
                continue
            raw = _raw_socket(dog.session)
            peer = None if raw is None else _peer(raw)
            peer = peer or dog.probe.fallback
            if peer is not None:
                due.setdefault(peer, []).append(dog)
        return due

    def _probe(self) -> None:
        while True:
            self._probing.wait()
            now = time.monotonic()
            with self._cond:
                if not any(d.probe is not None for d in self._active):
                    self._probing.clear()
                    continue
                due = self._due(now)
                for address in [a for a, t in self._frozen.items() if now - t > FROZEN_MEMORY]:
                    del self._frozen[address]
            for (address, tls), dogs in due.items():
                within = min(d.probe.answer_within for d in dogs if d.probe is not None)
                if address in self._frozen:  # frozen a moment ago: a live one answers at once
                    within = min(within, FROZEN_RECHECK)
                started = time.monotonic()
                alive = not liveness.silent(address, within, tls=tls)
                now = time.monotonic()
                with self._cond:
                    if alive:
                        self._frozen.pop(address, None)
                    else:
                        self._frozen[address] = now
                    for dog in dogs:
                        if dog not in self._active or dog.expired:
                            continue
                        if alive:
                            dog.probe_at = now + PROBE_EVERY
                        else:
                            dog.frozen = (address, now - started)
                            self._cut(dog, now)
            time.sleep(min(1.0, PROBE_EVERY))


_WATCHER = _Watcher()


class Watchdog:
    """``with Watchdog(session, seconds, what): ...`` bounds the work done in the block.

    With a ``probe``, the server is also asked (on a new connection) whether it still
    answers, once the block has run PROBE_AFTER seconds and every PROBE_EVERY seconds after;
    no answer within ``probe.answer_within`` seconds abandons the block (``GraphFrozenError``)."""

    def __init__(
        self,
        session: Session,
        seconds: float,
        what: str = "the transaction",
        *,
        probe: Probe | None = None,
    ) -> None:
        self.session = session
        self.seconds = seconds
        self.what = what
        self.probe = probe
        self.expired = False
        self.next_at = float("inf")  # when the watcher next cuts the session's connection
        self.started = 0.0
        self.probe_at = float("inf")  # when the prober next asks the server
        self.frozen: tuple[liveness.Address, float] | None = None  # server, seconds waited

    def check(self) -> None:
        """Raise instead of starting another attempt once the deadline has passed."""
        if self.expired:
            raise self.error()

    def error(self) -> GraphTimeoutError:
        if self.frozen is not None:
            (host, port), waited = self.frozen
            return GraphFrozenError(
                f"{self.what} was abandoned after {time.monotonic() - self.started:.0f} s: the "
                f"graph database at {host}:{port} did not answer a new connection within "
                f"{waited:.0f} s, so it is frozen or suspended (a process stopped by SIGSTOP or "
                "Ctrl-Z, or out of memory) or cut off by the network. Nothing of this "
                "transaction was committed. Resume "
                "or restart the server (the local engine: `supplymap db stop`, then `supplymap "
                "db start`), then run the same command again (a load resumes where it "
                "stopped); SUPPLYMAP_UNREACHABLE_TIMEOUT sets how long to wait for an answer"
            )
        return GraphTimeoutError(
            f"{self.what} did not finish within {self.seconds:g} s and was abandoned (nothing "
            "of it was committed). The graph database may be overloaded or may have dropped an "
            "oversized message; raise SUPPLYMAP_STATEMENT_TIMEOUT for very large work"
        )

    def __enter__(self) -> Watchdog:
        self.started = time.monotonic()
        self.next_at = self.started + self.seconds
        self.probe_at = self.started + PROBE_AFTER
        _WATCHER.enter(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        _WATCHER.leave(self)
        if isinstance(exc, GraphTimeoutError):
            return
        if (self.expired and isinstance(exc, Exception)) or _server_timeout(exc):
            raise self.error() from exc


def _server_timeout(exc: BaseException | None) -> bool:
    """Neo4j enforces the transaction timeout itself and says so with a client error
    (Neo.ClientError.Transaction.TransactionTimedOut*): the same outcome as the watchdog's."""
    return isinstance(exc, Neo4jError) and "TransactionTimedOut" in (exc.code or "")
