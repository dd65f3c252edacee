"""A client-side bound on every transaction: a server that stops answering is cut off.

The neo4j driver has no read timeout of its own (only the server's hint sets one), and a
transaction timeout is enforced by the server, which the local engine ignores. When the
local engine drops a Bolt message (over 16 MiB) it never answers, and a client waiting for
the answer would wait forever. A ``Watchdog`` started around a transaction shuts down the
session's socket once the deadline passes (the blocked read then fails), and keeps doing so
until the work ends; the work function checks ``expired`` before each attempt, so the
driver's retry loop stops with ``GraphTimeoutError`` instead of sending the batch again.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType

from neo4j import Session
from neo4j.exceptions import DriverError, Neo4jError

# After the deadline, cut whatever connection the session holds this often until it returns.
RECUT_SECONDS = 1.0


class GraphTimeoutError(DriverError):
    """A transaction did not finish within SUPPLYMAP_STATEMENT_TIMEOUT; it was abandoned."""

    def is_retryable(self) -> bool:
        return False


def _raw_socket(session: Session) -> socket.socket | None:
    """The socket under the session's current connection, if it holds one (driver 5 and 6)."""
    connection = getattr(session, "_connection", None)
    bolt_socket = getattr(connection, "socket", None)
    raw = getattr(bolt_socket, "_socket", None)
    return raw if isinstance(raw, socket.socket) else None


class Watchdog:
    """``with Watchdog(session, seconds, what): ...`` bounds the work done in the block."""

    def __init__(self, session: Session, seconds: float, what: str = "the transaction") -> None:
        self.session = session
        self.seconds = seconds
        self.what = what
        self.expired = False
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True, name="graph-watchdog")

    def _watch(self) -> None:
        if self._done.wait(self.seconds):
            return
        self.expired = True
        while not self._done.is_set():
            raw = _raw_socket(self.session)
            if raw is not None:
                with contextlib.suppress(OSError):
                    raw.shutdown(socket.SHUT_RDWR)
            self._done.wait(RECUT_SECONDS)

    def check(self) -> None:
        """Raise instead of starting another attempt once the deadline has passed."""
        if self.expired:
            raise self.error()

    def error(self) -> GraphTimeoutError:
        return GraphTimeoutError(
            f"{self.what} did not finish within {self.seconds:g} s and was abandoned (nothing "
            "of it was committed). The graph database may be overloaded or may have dropped an "
            "oversized message; raise SUPPLYMAP_STATEMENT_TIMEOUT for very large work"
        )

    def __enter__(self) -> Watchdog:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._done.set()
        self._thread.join()
        if isinstance(exc, GraphTimeoutError):
            return
        if (self.expired and isinstance(exc, Exception)) or _server_timeout(exc):
            raise self.error() from exc


def _server_timeout(exc: BaseException | None) -> bool:
    """Neo4j enforces the transaction timeout itself and says so with a client error
    (Neo.ClientError.Transaction.TransactionTimedOut*): the same outcome as the watchdog's."""
    return isinstance(exc, Neo4jError) and "TransactionTimedOut" in (exc.code or "")
