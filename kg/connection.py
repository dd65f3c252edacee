"""One way to talk to the graph: the official neo4j driver over Bolt, for every engine.

Reads go through ``driver.execute_query``; writes through ``session.execute_write`` (managed
transactions, retried by the driver on transient errors). On ArcadeDB an auto-commit statement
commits row by row, so nothing here ever writes outside a managed transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, LiteralString

from neo4j import (
    Driver,
    GraphDatabase,
    ManagedTransaction,
    NotificationMinimumSeverity,
    RoutingControl,
)
from neo4j.exceptions import AuthError, ClientError, ServiceUnavailable

from kg.engine import ENGINE_USER, LocalEngine
from kg.settings import Settings

Row = dict[str, Any]
NOTIFICATIONS = NotificationMinimumSeverity.OFF


class GraphConnectionError(RuntimeError):
    """The graph database could not be reached; the message says what to do next."""


def _chunks(rows: Sequence[Row], size: int) -> Iterator[Sequence[Row]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


class Graph:
    """A driver bound to one database."""

    def __init__(self, driver: Driver, database: str, *, uri: str = "") -> None:
        self.driver = driver
        self.database = database
        self.uri = uri

    # ---- construction --------------------------------------------------------------------

    @classmethod
    def connect(cls, uri: str, user: str, password: str, database: str) -> Graph:
        # Neo4j tells about every label, type or property a query names that the graph does
        # not hold yet (a sparse or new graph), which the driver logs as warnings on stderr:
        # our queries name them on purpose, so the server is asked not to send them.
        driver = GraphDatabase.driver(
            uri, auth=(user, password), notifications_min_severity=NOTIFICATIONS
        )
        try:
            driver.verify_connectivity()
        except ServiceUnavailable as exc:
            driver.close()
            raise GraphConnectionError(
                f"cannot reach the graph database at {uri}: {exc}. Is the server running? "
                "(`supplymap db status` for the local engine, `docker compose ps` for Neo4j)"
            ) from exc
        except AuthError as exc:
            driver.close()
            raise GraphConnectionError(
                f"the graph database at {uri} refused user {user!r}: check "
                "SUPPLYMAP_NEO4J_USER and SUPPLYMAP_NEO4J_PASSWORD"
            ) from exc
        return cls(driver, database, uri=uri)

    @classmethod
    def from_settings(cls, settings: Settings) -> Graph:
        """Connect to the configured Neo4j, or start (or reuse) the local engine."""
        if settings.neo4j_uri:
            graph = cls.connect(
                settings.neo4j_uri,
                settings.neo4j_user,
                settings.neo4j_password.get_secret_value(),
                settings.neo4j_database,
            )
            try:
                graph.query("RETURN 1 AS ok")  # the configured database exists
            except ClientError as exc:
                graph.close()
                if exc.code != "Neo.ClientError.Database.DatabaseNotFound":
                    raise
                raise GraphConnectionError(
                    f"the Neo4j server at {settings.neo4j_uri} has no database "
                    f"{settings.neo4j_database!r}: set SUPPLYMAP_NEO4J_DATABASE to one it has "
                    "(Neo4j Community has the one database 'neo4j'; `SHOW DATABASES` lists them)"
                ) from exc
            return graph
        engine = local_engine(settings)
        status = engine.ensure_running()
        assert status.uri is not None
        return cls.connect(status.uri, ENGINE_USER, engine.password(), engine.database)

    def close(self) -> None:
        self.driver.close()

    def __enter__(self) -> Graph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- reads ---------------------------------------------------------------------------

    def query(self, cypher: LiteralString, params: Mapping[str, Any] | None = None) -> list[Row]:
        """Run a read query and return its rows as dicts."""
        records, _, _ = self.driver.execute_query(
            cypher,
            parameters_=dict(params or {}),
            routing_=RoutingControl.READ,
            database_=self.database,
        )
        return [r.data() for r in records]

    def stream(
        self, cypher: LiteralString, params: Mapping[str, Any] | None = None
    ) -> Iterator[Row]:
        """Read rows one by one in a read transaction, for results too big to hold twice."""
        with (
            self.driver.session(database=self.database, default_access_mode="READ") as s,
            s.begin_transaction() as tx,
        ):
            for record in tx.run(cypher, dict(params or {})):
                yield record.data()

    # ---- writes --------------------------------------------------------------------------

    def write(self, cypher: LiteralString, params: Mapping[str, Any] | None = None) -> list[Row]:
        """Run one write statement in a managed transaction; returns its rows."""

        def work(tx: ManagedTransaction) -> list[Row]:
            return [r.data() for r in tx.run(cypher, dict(params or {}))]

        with self.driver.session(database=self.database) as session:
            return session.execute_write(work)

    def write_batches(
        self,
        cypher: LiteralString,
        rows: Sequence[Row],
        *,
        batch_size: int,
        params: Mapping[str, Any] | None = None,
        on_batch: Callable[[int], None] | None = None,
        count_field: str | None = None,
    ) -> int:
        """Write ``rows`` as ``$rows`` in batches, one managed transaction per batch.

        Returns the number of rows written: the sum of ``count_field`` over the statement's
        result when given (e.g. ``written`` from ``RETURN count(*) AS written``, which tells
        rows whose MATCH found nothing), else the number of rows sent. ``on_batch`` gets the
        batch size after each commit. A failure raises after the committed batches; callers
        report how far the write got (re-running is safe: every statement MERGEs on keys).
        """
        extra = dict(params or {})
        written = 0

        def work(tx: ManagedTransaction, batch: Sequence[Row]) -> int:
            result = tx.run(cypher, {**extra, "rows": list(batch)})
            if count_field is None:
                result.consume()
                return len(batch)
            return sum(int(record[count_field]) for record in result)

        with self.driver.session(database=self.database) as session:
            for batch in _chunks(rows, batch_size):
                written += session.execute_write(work, batch)
                if on_batch is not None:
                    on_batch(len(batch))
        return written

    def run_schema(self, statements: Iterable[LiteralString]) -> None:
        """Run schema statements (constraints, indexes), each in its own transaction."""
        with self.driver.session(database=self.database) as session:
            for statement in statements:
                session.run(statement).consume()


def local_engine(settings: Settings) -> LocalEngine:
    return LocalEngine(
        settings.home,
        database=settings.engine_database,
        bolt_port=settings.engine_bolt_port,
        http_port=settings.engine_http_port,
        heap=settings.engine_heap,
        start_timeout=settings.engine_start_timeout,
    )
