"""One way to talk to the graph: the official neo4j driver over Bolt, for every engine.

Reads go through ``session.execute_read``; writes through ``session.execute_write`` (managed
transactions, retried by the driver on transient errors). On ArcadeDB an auto-commit statement
commits row by row, so nothing here ever writes outside a managed transaction.

Every transaction is bounded: the server gets SUPPLYMAP_STATEMENT_TIMEOUT as its timeout, and a
client-side watchdog (kg/watchdog.py) cuts a connection that stops answering. Write batches
are split so no message nears the local engine's 16 MiB Bolt limit. A graph on the local
engine re-resolves its address after the engine restarted on new ports (``reconnect``).

Retries are ours, not the driver's (its sessions get no retry time): a transient error (a
deadlock) is tried again for up to 30 s, a MERGE that lost a race a few times, and a server
that cannot be reached for up to SUPPLYMAP_UNREACHABLE_TIMEOUT (15 s) counted from the first
failure, after which every transaction gets one more try and fails with
``GraphUnreachableError``. On the local engine a failure to connect asks whether the engine's
process is still there, and fails at once when it is gone: a load whose engine was killed
stops within a second or two, not after the driver's minute of retries per transaction.
"""

from __future__ import annotations

import functools
import logging
import random
import threading
import time
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import accumulate
from typing import Any, LiteralString, TypeVar
from urllib.parse import urlsplit

from neo4j import (
    Driver,
    GraphDatabase,
    ManagedTransaction,
    NotificationMinimumSeverity,
    Query,
    Session,
    unit_of_work,
)
from neo4j.exceptions import (
    AuthError,
    ClientError,
    DriverError,
    IncompleteCommit,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
)

from kg.engine import ENGINE_USER, LocalEngine
from kg.settings import Settings
from kg.watchdog import GraphTimeoutError, Probe, Watchdog

Row = dict[str, Any]
# Where to connect: (uri, user, password); called again to reconnect.
Resolver = Callable[[], tuple[str, str, str]]
# Why the server at a URI is gone for good (its process ended), or None when it may answer.
GoneCheck = Callable[[str], str | None]
DEFAULT_TIMEOUT = 300.0
DEFAULT_BATCH_BYTES = 8 << 20
DEFAULT_UNREACHABLE_TIMEOUT = 15.0
CONFLICT_RETRIES = 6
# Transient errors (deadlocks, a leader switch) are tried again this long, as the driver did.
TRANSIENT_RETRY_SECONDS = 30.0
RETRY_DELAY, RETRY_MULTIPLIER, RETRY_JITTER = 1.0, 2.0, 0.2  # the driver's own back-off
T = TypeVar("T")


def _merge_conflict(cypher: str, exc: Neo4jError | DriverError) -> bool:
    """A MERGE that lost a race with another writer (the local engine's MERGE is not atomic
    under concurrency: two transactions both create the node and the second commit fails on
    the key's uniqueness constraint, or on a page another commit changed). The transaction
    was rolled back whole; run again, the MERGE finds the node."""
    if "MERGE" not in cypher or not isinstance(exc, Neo4jError):
        return False
    text = f"{exc.code} {exc.message}"
    return any(
        sign in text
        for sign in (
            "Neo.ClientError.Schema.ConstraintValidationFailed",
            "BrokenChunkChain",
            "ConcurrentModification",
        )
    )


def _backoff() -> Iterator[float]:
    delay = RETRY_DELAY
    while True:
        yield delay * (1 + RETRY_JITTER * (2 * random.random() - 1))
        delay *= RETRY_MULTIPLIER


def _unreachable(exc: BaseException) -> bool:
    """The connection failed or was lost before the transaction's outcome was sent (a lost
    commit, IncompleteCommit, is not tried again: it may have been applied), or the server
    answers but its database is stopping or starting."""
    if isinstance(exc, Neo4jError):
        return exc.code == "Neo.TransientError.General.DatabaseUnavailable"
    return isinstance(exc, ServiceUnavailable | SessionExpired) and not isinstance(
        exc, IncompleteCommit | GraphUnreachableError
    )


NOTIFICATIONS = NotificationMinimumSeverity.OFF
# The driver logs each failed connection; where no logging is set up, Python would print
# them on stderr beside the one clear error a command gives. A handler of its own keeps them
# off the terminal; logging that an application sets up (the API's) still gets them.
logging.getLogger("neo4j").addHandler(logging.NullHandler())


class GraphConnectionError(RuntimeError):
    """The graph database could not be reached; the message says what to do next."""


class GraphUnreachableError(ServiceUnavailable, GraphConnectionError):
    """The graph database stopped answering (or the local engine's process ended) and did not
    come back within SUPPLYMAP_UNREACHABLE_TIMEOUT; the message says what to do next. A
    ServiceUnavailable, so whatever handles an unavailable server handles it; not retried."""

    def is_retryable(self) -> bool:
        return False


def _bolt_address(uri: str) -> tuple[tuple[str, int], bool] | None:
    """The (host, port) a Bolt URI names and whether it uses TLS; None if it names none."""
    parts = urlsplit(uri)
    if not parts.hostname:
        return None
    try:
        port = parts.port or 7687
    except ValueError:
        return None
    return (parts.hostname, port), parts.scheme.endswith(("+s", "+ssc"))


def _value_bytes(value: Any) -> int:
    """A generous estimate of a value's size in a Bolt message."""
    if isinstance(value, str):
        return 8 + 4 * len(value) if not value.isascii() else 8 + len(value)
    if isinstance(value, (list, tuple)):
        return 8 + sum(_value_bytes(v) for v in value)
    if isinstance(value, dict):
        return 8 + sum(_value_bytes(k) + _value_bytes(v) for k, v in value.items())
    return 16


_SCALARS = frozenset({int, float, bool, type(None)})


def _columns(rows: Sequence[Any]) -> Iterator[list[Any]]:
    """The columns of rows that are lists of one length (the loader's rows); none else."""
    widths = set(map(len, rows)) if set(map(type, rows)) == {list} else set()
    if len(widths) == 1:
        for i in range(widths.pop()):
            yield [row[i] for row in rows]


def _row_bound(rows: Sequence[Any]) -> int | None:
    """An upper bound of _value_bytes over rows that are lists of one length, from each
    column's largest value (a few passes in C per column); None for other rows."""
    bound = 8
    for column in _columns(rows):
        types = set(map(type, column))
        if types <= _SCALARS:
            bound += 16
        elif types == {str}:
            bound += 8 + 4 * max(map(len, column))  # UTF-8: at most 4 bytes a character
        else:
            bound += max(map(_value_bytes, column))
    return bound if bound > 8 else None


def _chunks(rows: Sequence[Any], size: int, max_bytes: int) -> Iterator[Sequence[Any]]:
    """Batches of at most ``size`` rows and (estimated) ``max_bytes`` bytes."""
    bound = _row_bound(rows)
    if bound is not None and bound * size <= max_bytes:  # the usual case: no row is large
        for start in range(0, len(rows), size):
            yield rows[start : start + size]
        return
    total = list(accumulate(map(_value_bytes, rows), initial=0))
    start = 0
    while start < len(rows):
        end = min(start + size, len(rows))
        limit = total[start] + max_bytes
        if total[end] > limit:
            # The longest run from start that fits (bisect: the first end past the limit).
            end = bisect_right(total, limit, start + 1, end + 1) - 1
            if end == start:
                raise ValueError(
                    f"one row is about {(total[start + 1] - total[start]) >> 20} MiB, more "
                    f"than a write batch may carry ({max_bytes >> 20} MiB, "
                    "SUPPLYMAP_MAX_BATCH_MB); bound the cells of the input"
                )
        yield rows[start:end]
        start = end


class _Rows(list[Any]):
    """A batch as sent: a list whose repr is short. The driver (6.4) formats every RUN's
    parameters for its debug log before it looks at the log level: for thousands of rows
    that costs about what packing them does."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<{len(self)} rows>"


class Graph:
    """A driver bound to one database."""

    def __init__(
        self,
        driver: Driver,
        database: str,
        *,
        uri: str = "",
        timeout: float = DEFAULT_TIMEOUT,
        batch_bytes: int = DEFAULT_BATCH_BYTES,
        resolver: Resolver | None = None,
        connect_timeout: float = 10.0,
        unreachable_timeout: float = DEFAULT_UNREACHABLE_TIMEOUT,
        gone: GoneCheck | None = None,
    ) -> None:
        self.driver = driver
        self.database = database
        self.uri = uri
        self.timeout = timeout
        self.batch_bytes = batch_bytes
        self.resolver = resolver
        self.connect_timeout = connect_timeout
        self.unreachable_timeout = unreachable_timeout
        self.gone = gone
        self.created = False  # the local engine created the database for this graph
        # When the server first failed to answer, None while it answers (shared by threads).
        self._unreachable_since: float | None = None
        self._reconnect_lock = threading.Lock()

    # ---- construction --------------------------------------------------------------------

    @staticmethod
    def _driver(uri: str, user: str, password: str, connect_timeout: float) -> Driver:
        return GraphDatabase.driver(
            uri,
            auth=(user, password),
            # Neo4j tells about every label, type or property a query names that the graph
            # does not hold yet (a sparse or new graph), which the driver logs as warnings on
            # stderr: our queries name them on purpose, so the server is asked not to send them.
            notifications_min_severity=NOTIFICATIONS,
            connection_timeout=connect_timeout,
            connection_acquisition_timeout=connect_timeout * 3,
            max_transaction_retry_time=30.0,
            keep_alive=True,
        )

    @classmethod
    def connect(
        cls,
        uri: str,
        user: str,
        password: str,
        database: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        batch_bytes: int = DEFAULT_BATCH_BYTES,
        resolver: Resolver | None = None,
        connect_timeout: float = 10.0,
        unreachable_timeout: float = DEFAULT_UNREACHABLE_TIMEOUT,
        gone: GoneCheck | None = None,
    ) -> Graph:
        driver = cls._driver(uri, user, password, connect_timeout)
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
        return cls(
            driver,
            database,
            uri=uri,
            timeout=timeout,
            batch_bytes=batch_bytes,
            resolver=resolver,
            connect_timeout=connect_timeout,
            unreachable_timeout=unreachable_timeout,
            gone=gone,
        )

    @classmethod
    def from_settings(cls, settings: Settings, *, create: bool = True) -> Graph:
        """Connect to the configured Neo4j, or start (or reuse) the local engine.

        On the local engine a database named by SUPPLYMAP_DATABASE (or --database) that does
        not exist is created when ``create``, else refused with the list of those there are
        (the engine's own default database is always created). ``created`` on the graph
        says whether this call created it."""
        bounds: dict[str, Any] = {
            "timeout": settings.statement_timeout,
            "batch_bytes": settings.max_batch_mb << 20,
            "connect_timeout": settings.connect_timeout,
            "unreachable_timeout": settings.unreachable_timeout,
        }
        if settings.neo4j_uri:
            uri, user = settings.neo4j_uri, settings.neo4j_user
            password = settings.neo4j_password.get_secret_value()
            graph = cls.connect(
                uri,
                user,
                password,
                settings.graph_database,
                resolver=lambda: (uri, user, password),
                **bounds,
            )
            try:
                graph.query("RETURN 1 AS ok")  # the configured database exists
            except ClientError as exc:
                graph.close()
                if exc.code != "Neo.ClientError.Database.DatabaseNotFound":
                    raise
                raise GraphConnectionError(
                    f"the Neo4j server at {settings.neo4j_uri} has no database "
                    f"{settings.graph_database!r}: set SUPPLYMAP_NEO4J_DATABASE to one it has "
                    "(Neo4j Community has the one database 'neo4j'; `SHOW DATABASES` lists them)"
                ) from exc
            return graph
        engine = local_engine(settings)
        named = settings.database not in (None, settings.engine_database)

        def resolve() -> tuple[str, str, str]:
            """The engine's current address (its ports change when it restarts)."""
            status = engine.ensure_running(create=create or not named)
            assert status.uri is not None
            return status.uri, ENGINE_USER, engine.password()

        uri, user, password = resolve()
        graph = cls.connect(
            uri,
            user,
            password,
            engine.database,
            resolver=resolve,
            gone=engine_gone(engine),
            **bounds,
        )
        graph.created = engine.created
        return graph

    def reconnect(self) -> bool:
        """Rebuild the driver when the server's address changed (the local engine restarted
        on new ports) or the old driver cannot reach it. Returns True when a new driver took
        over. Safe to call from several threads; a no-op without a resolver."""
        if self.resolver is None:
            return False
        with self._reconnect_lock:
            try:
                self.driver.verify_connectivity()
                return False
            except Exception:  # any failure: resolve the address again
                pass
            uri, user, password = self.resolver()
            driver = self._driver(uri, user, password, self.connect_timeout)
            try:
                driver.verify_connectivity()
            except Exception:
                driver.close()
                raise
            old, self.driver, self.uri = self.driver, driver, uri
            old.close()
            return True

    def close(self) -> None:
        self.driver.close()

    def __enter__(self) -> Graph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _probe(self) -> Probe:
        """A Watchdog's probing: how long the server gets to answer a handshake, and the
        address to ask while the session holds no connection yet (the URI's)."""
        return Probe(self.unreachable_timeout, _bolt_address(self.uri))

    # ---- reads ---------------------------------------------------------------------------

    def query(self, cypher: LiteralString, params: Mapping[str, Any] | None = None) -> list[Row]:
        """Run a read query in a managed read transaction and return its rows as dicts."""
        values = dict(params or {})
        with (
            self._read_session() as session,
            Watchdog(session, self.timeout, "a read", probe=self._probe()) as dog,
        ):

            @unit_of_work(timeout=self.timeout)
            def work(tx: ManagedTransaction) -> list[Row]:
                dog.check()
                return [r.data() for r in tx.run(cypher, values)]

            return self._retrying(cypher, dog, functools.partial(session.execute_read, work))

    def value(self, cypher: LiteralString, params: Mapping[str, Any] | None = None) -> Any:
        """The first column of a read's first record, as the driver decodes it: for one large
        list (``RETURN collect(...)``) without turning every element into a dict."""
        values = dict(params or {})
        with (
            self._read_session() as session,
            Watchdog(session, self.timeout, "a read", probe=self._probe()) as dog,
        ):

            @unit_of_work(timeout=self.timeout)
            def work(tx: ManagedTransaction) -> Any:
                dog.check()
                record = tx.run(cypher, values).single()
                return None if record is None else record[0]

            return self._retrying(cypher, dog, functools.partial(session.execute_read, work))

    def stream(
        self, cypher: LiteralString, params: Mapping[str, Any] | None = None
    ) -> Iterator[Row]:
        """Read rows one by one in a read transaction, for results too big to hold twice."""
        with (
            self._read_session() as s,
            Watchdog(s, self.timeout, "a streamed read", probe=self._probe()),
            s.begin_transaction(timeout=self.timeout) as tx,
        ):
            for record in tx.run(cypher, dict(params or {})):
                yield record.data()

    # ---- writes --------------------------------------------------------------------------

    def write(self, cypher: LiteralString, params: Mapping[str, Any] | None = None) -> list[Row]:
        """Run one write statement in a managed transaction; returns its rows."""
        values = dict(params or {})
        with (
            self._write_session() as session,
            Watchdog(session, self.timeout, "a write", probe=self._probe()) as dog,
        ):

            @unit_of_work(timeout=self.timeout)
            def work(tx: ManagedTransaction) -> list[Row]:
                dog.check()
                return [r.data() for r in tx.run(cypher, values)]

            return self._retrying(cypher, dog, functools.partial(session.execute_write, work))

    def _write_session(self) -> Session:
        return self.driver.session(database=self.database, max_transaction_retry_time=0.0)

    def _read_session(self) -> Session:
        return self.driver.session(
            database=self.database, default_access_mode="READ", max_transaction_retry_time=0.0
        )

    def write_batches(
        self,
        cypher: LiteralString,
        rows: Sequence[Row] | Sequence[list[Any]],
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
        max_bytes = self.batch_bytes - _value_bytes(extra)

        with self._write_session() as session:
            for batch in _chunks(rows, batch_size, max_bytes):
                with Watchdog(
                    session,
                    self.timeout,
                    f"a write batch of {len(batch)} rows",
                    probe=self._probe(),
                ) as dog:

                    @unit_of_work(timeout=self.timeout)
                    def work(tx: ManagedTransaction, batch: Sequence[Any]) -> int:
                        dog.check()
                        result = tx.run(cypher, {**extra, "rows": _Rows(batch)})
                        if count_field is None:
                            result.consume()
                            return len(batch)
                        return sum(int(record[count_field]) for record in result)

                    written += self._retrying(
                        cypher, dog, functools.partial(session.execute_write, work, batch)
                    )
                if on_batch is not None:
                    on_batch(len(batch))
        return written

    # ---- retries -------------------------------------------------------------------------

    def _retrying(self, cypher: str, dog: Watchdog, attempt: Callable[[], T]) -> T:
        """Run one managed transaction (``attempt``, which the driver tries once), and again
        after a failure that allows it: a MERGE that lost a race (at once, CONFLICT_RETRIES
        times), a transient error (for TRANSIENT_RETRY_SECONDS), a server that cannot be
        reached (``_wait_for_server``). Never past the watchdog's deadline."""
        started = time.monotonic()
        delays = _backoff()
        conflicts = tries = 0
        while True:
            try:
                result = attempt()
            except (DriverError, Neo4jError) as exc:
                if dog.expired or isinstance(exc, GraphTimeoutError):
                    raise
                if _merge_conflict(cypher, exc) and conflicts < CONFLICT_RETRIES - 1:
                    wait = 0.05 * 2**conflicts * (1 + random.random())
                    conflicts += 1
                elif isinstance(exc, IncompleteCommit):
                    raise self._lost_commit(exc) from exc
                elif _unreachable(exc):
                    tries += 1
                    wait = self._wait_for_server(exc, next(delays), first=tries == 1)
                elif exc.is_retryable() and time.monotonic() - started < TRANSIENT_RETRY_SECONDS:
                    wait = next(delays)
                else:
                    raise
                time.sleep(wait)
                continue
            self._unreachable_since = None
            return result

    def _lost_commit(self, exc: IncompleteCommit) -> GraphUnreachableError:
        """The connection broke while a commit was on its way: not tried again (it may have
        been applied), but said as what it most likely is, a server that went away."""
        if self._unreachable_since is None:
            self._unreachable_since = time.monotonic()
        why = self.gone(self.uri) if self.gone is not None else None
        return GraphUnreachableError(
            f"the connection to the graph database at {self.uri} broke while a transaction "
            "was committing (it may or may not have been applied): "
            + (why or f"{exc}. Check that the server is running, then run the same command again")
        )

    def _wait_for_server(self, exc: Exception, delay: float, *, first: bool) -> float:
        """How long to wait before trying a server that did not answer again; raises
        GraphUnreachableError when the local engine's process is gone, or when the server has
        not answered for SUPPLYMAP_UNREACHABLE_TIMEOUT (every transaction gets one retry:
        the first failure of one may be a connection the server closed while idle)."""
        now = time.monotonic()
        since = self._unreachable_since
        if since is None:
            since = self._unreachable_since = now
        why = self.gone(self.uri) if self.gone is not None else None
        if why is not None:
            raise GraphUnreachableError(why) from exc
        left = since + self.unreachable_timeout - now
        if left > 0:
            return min(delay, left)
        if first:
            return min(delay, RETRY_DELAY)
        raise GraphUnreachableError(
            f"the graph database at {self.uri} has not answered for "
            f"{self.unreachable_timeout:g} s ({exc}). Check that the server is running, then "
            "run the same command again (SUPPLYMAP_UNREACHABLE_TIMEOUT sets how long to wait)"
        ) from exc

    def run_schema(self, statements: Iterable[LiteralString], *, together: bool = False) -> None:
        """Run schema statements (constraints, indexes), each in its own transaction, or with
        ``together`` all in one (Neo4j then fills a label's new indexes in one scan of its
        nodes instead of one scan per index)."""
        with (
            self._write_session() as session,
            Watchdog(session, self.timeout, "a schema change", probe=self._probe()) as dog,
        ):
            if not together:
                for statement in statements:
                    session.run(Query(statement, timeout=self.timeout)).consume()
                return
            listed = list(statements)

            @unit_of_work(timeout=self.timeout)
            def work(tx: ManagedTransaction) -> None:
                dog.check()
                for statement in listed:
                    tx.run(statement).consume()

            session.execute_write(work)


def engine_gone(engine: LocalEngine) -> GoneCheck:
    """For a graph on the local engine: whether the engine at a URI has gone (its process
    ended, or another one took its place on other ports): then there is nothing to wait for."""

    def gone(uri: str) -> str | None:
        if engine.serves(uri):
            return None
        return (
            f"the local engine at {uri} has stopped (it was stopped, killed or crashed; its "
            f"log is {engine.log_file}). Start it with `supplymap db start`, then run the same "
            "command again"
        )

    return gone


def local_engine(settings: Settings) -> LocalEngine:
    return LocalEngine(
        settings.home,
        database=settings.graph_database,
        bolt_port=settings.engine_bolt_port,
        http_port=settings.engine_http_port,
        heap=settings.engine_heap,
        start_timeout=settings.engine_start_timeout,
    )
