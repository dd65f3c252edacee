"""A graph that can only read: every statement runs in a transaction that is rolled back.

ArcadeDB accepts (and commits) writes inside a read transaction, which Neo4j refuses, so
"read-only" cannot be left to the access mode. Every read of the API runs here in an explicit
READ transaction that is always rolled back; if the statement changed anything (the summary's
counters, or a query type other than read) the rows are thrown away and the call fails. On
Neo4j the server itself refuses the write (Neo.ClientError.Statement.AccessMode); that refusal
becomes the same WriteRefusedError. On a cluster (neo4j:// URIs) READ transactions go to a
reader.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, LiteralString, NoReturn

from neo4j import READ_ACCESS, Driver, Record, ResultSummary, Session, Transaction
from neo4j.exceptions import (
    ClientError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)
from neo4j.graph import Node, Path, Relationship

from kg.connection import Graph, Row
from kg.watchdog import Watchdog

RETRIES = 3


_ENTITIES = (Node, Relationship, Path)


def _has_entity(value: object) -> bool:
    if isinstance(value, _ENTITIES):
        return True
    if isinstance(value, list):
        return any(_has_entity(v) for v in value)
    if isinstance(value, dict):
        return any(_has_entity(v) for v in value.values())
    return False


def _row(keys: Sequence[str], record: Record) -> Row:
    """The record as a dict; nodes, relationships and paths become plain values as in
    Record.data(), which is several times slower and only needed when they are present."""
    if any(_has_entity(v) for v in record):
        return record.data()
    return dict(zip(keys, record, strict=True))


class WriteRefusedError(PermissionError):
    """A statement run through the read-only graph tried to change the graph."""


ACCESS_MODE = "Neo.ClientError.Statement.AccessMode"


@contextlib.contextmanager
def _server_refusal() -> Iterator[None]:
    """Neo4j refuses a write in a READ transaction itself: say so as our own refusal."""
    try:
        yield
    except ClientError as exc:
        if exc.code == ACCESS_MODE:
            raise WriteRefusedError(
                "a read-only statement tried to change the graph; the server refused it"
            ) from exc
        raise


def _check(summary: ResultSummary) -> None:
    changed = summary.counters.contains_updates or summary.counters.contains_system_updates
    if changed or summary.query_type not in (None, "r"):
        raise WriteRefusedError(
            "a read-only statement tried to change the graph; it was rolled back"
        )


class ReadOnlyGraph(Graph):
    """The same driver as the service's graph, for reads only."""

    def __init__(
        self, driver: Driver, database: str, *, uri: str = "", timeout: float | None = None
    ) -> None:
        super().__init__(driver, database, uri=uri)
        if timeout is not None:
            self.timeout = timeout

    @classmethod
    def over(cls, graph: Graph, timeout: float | None = None) -> ReadOnlyGraph:
        return cls(graph.driver, graph.database, uri=graph.uri, timeout=timeout)

    def close(self) -> None:
        """The driver belongs to the service's graph; closing this view does nothing."""

    def query(self, cypher: LiteralString, params: Mapping[str, Any] | None = None) -> list[Row]:
        for attempt in range(RETRIES):
            try:
                return self._query_once(cypher, params)
            except (TransientError, SessionExpired, ServiceUnavailable):
                if attempt == RETRIES - 1:
                    raise
                time.sleep(0.05 * 2**attempt)
        raise AssertionError("unreachable")

    def _query_once(self, cypher: LiteralString, params: Mapping[str, Any] | None) -> list[Row]:
        with (
            self.driver.session(database=self.database, default_access_mode=READ_ACCESS) as s,
            Watchdog(s, self.timeout, "a read", probe=self._probe()),
        ):
            # Send BEGIN together with the statement, as driver.execute_query does, rather
            # than waiting for BEGIN's answer first (one network round trip less).
            with getattr(s, "_pipelined_begin", contextlib.nullcontext()):
                tx = s.begin_transaction(timeout=self.timeout)
            try:
                with _server_refusal():
                    result = tx.run(cypher, dict(params or {}))
                    keys = result.keys()
                    rows = [_row(keys, record) for record in result]
                    summary = result.consume()
            finally:
                if not tx.closed():
                    tx.rollback()
        _check(summary)
        return rows

    def stream(
        self, cypher: LiteralString, params: Mapping[str, Any] | None = None
    ) -> Iterator[Row]:
        yield from self.query(cypher, params)

    def write(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise WriteRefusedError("this graph is read-only")

    def write_batches(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise WriteRefusedError("this graph is read-only")

    def run_schema(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise WriteRefusedError("this graph is read-only")


class RequestGraph(ReadOnlyGraph):
    """One READ transaction for all the statements of one request, opened on first use and
    always rolled back by ``close()``: one BEGIN and one ROLLBACK per request instead of one
    per statement. The same guard applies to each statement."""

    def __init__(
        self, driver: Driver, database: str, *, uri: str = "", timeout: float | None = None
    ) -> None:
        super().__init__(driver, database, uri=uri, timeout=timeout)
        self._session: Session | None = None
        self._tx: Transaction | None = None

    def _open(self) -> Transaction:
        if self._tx is None or self._tx.closed():
            self.close()
            self._session = self.driver.session(
                database=self.database, default_access_mode=READ_ACCESS
            )
            with getattr(self._session, "_pipelined_begin", contextlib.nullcontext()):
                self._tx = self._session.begin_transaction(timeout=self.timeout)
        return self._tx

    def _query_once(self, cypher: LiteralString, params: Mapping[str, Any] | None) -> list[Row]:
        try:
            tx = self._open()
            assert self._session is not None
            with (
                Watchdog(self._session, self.timeout, "a read", probe=self._probe()),
                _server_refusal(),
            ):
                result = tx.run(cypher, dict(params or {}))
                keys = result.keys()
                rows = [_row(keys, record) for record in result]
                summary = result.consume()
        except BaseException:
            self.close()  # a failed statement leaves the transaction unusable
            raise
        try:
            _check(summary)
        except WriteRefusedError:
            self.close()
            raise
        return rows

    def close(self) -> None:
        """Roll back and release the connection; a connection already lost is no error here
        (the server drops a transaction whose connection is gone)."""
        tx, session = self._tx, self._session
        self._tx = self._session = None
        with contextlib.suppress(DriverError, Neo4jError, OSError):
            if tx is not None and not tx.closed():
                tx.rollback()
        with contextlib.suppress(DriverError, Neo4jError, OSError):
            if session is not None:
                session.close()
