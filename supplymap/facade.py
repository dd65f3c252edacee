"""The notebook facade: ``connect()`` and the ``Supplymap`` object behind it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, LiteralString

import pandas as pd

from kg.connection import Graph
from kg.settings import Settings, get_settings
from kg.tiers import MAX_TIERS, Direction, tiers

if TYPE_CHECKING:
    from kg.analysis import Context


def _frame(rows: Iterable[Mapping[str, Any]], columns: Sequence[str] | None = None) -> pd.DataFrame:
    data = list(rows)
    if columns is None:
        return pd.DataFrame(data)
    return pd.DataFrame(data, columns=list(columns))


class Supplymap:
    """One graph connection and one analysis context, for a notebook session."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._ctx: Context | None = None

    # ---- life --------------------------------------------------------------------------------

    def close(self) -> None:
        self.graph.close()

    def __enter__(self) -> Supplymap:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Supplymap(database={self.graph.database!r}, uri={self.graph.uri!r})"

    @property
    def context(self) -> Context:
        """The analysis context (the graph read once), made on first use."""
        if self._ctx is None:
            from kg.analysis import Context, project

            self._ctx = Context(project(self.graph))
        return self._ctx

    def refresh(self) -> None:
        """Forget the analysis context: the next analysis reads the graph again."""
        self._ctx = None

    # ---- lookups ----------------------------------------------------------------------------

    def chains(self) -> pd.DataFrame:
        from queries import get

        return _frame(get("chains").run(self.graph, {}))

    def suppliers(self, node_id: str, tiers: int = 3) -> pd.DataFrame:
        """Suppliers of an enterprise (or inputs of a product), tier by tier."""
        return self._tiers(node_id, "upstream", tiers)

    def customers(self, node_id: str, tiers: int = 3) -> pd.DataFrame:
        """Customers of an enterprise (or products an input goes into), tier by tier."""
        return self._tiers(node_id, "downstream", tiers)

    def _tiers(self, node_id: str, direction: Direction, n: int) -> pd.DataFrame:
        if not 1 <= n <= MAX_TIERS:
            raise ValueError(f"tiers must be between 1 and {MAX_TIERS}, got {n}")
        hits = tiers(self.graph, node_id, direction, n)
        return _frame((h.as_dict() for h in hits), ["tier", "id", "name", "product", "path"])

    def query(self, name: str, **params: Any) -> pd.DataFrame:
        """A named query of the Cypher catalogue (`supplymap query --list`)."""
        from queries import get

        q = get(name)
        return _frame(q.run(self.graph, params))

    def cypher(self, statement: str, **params: Any) -> pd.DataFrame:
        """Any read-only Cypher statement (as `supplymap cypher`), values as parameters."""
        from api.readonly import ReadOnlyGraph

        text: LiteralString = statement
        return _frame(ReadOnlyGraph.over(self.graph).query(text, params))

    # ---- analyses ---------------------------------------------------------------------------

    def bottlenecks(self, chain: str | None = None, region_level: str = "province") -> pd.DataFrame:
        """The bottleneck ranking (`supplymap analyze bottlenecks`), rank 1 first."""
        from kg.analysis import rank_bottlenecks

        rows = rank_bottlenecks(self.context, chain=chain, region_level=region_level)
        return _frame(r.as_dict() for r in rows).set_index("rank") if rows else _frame([])

    def spof(self, product: str | None = None, chain: str | None = None) -> pd.DataFrame:
        """Single points of failure, the ones that matter first (column ``leads``)."""
        from kg.analysis import spof
        from kg.analysis.leading import order_spof

        pairs = order_spof(self.context, spof(self.context, product=product, chain=chain))
        return _frame({**link.as_dict(), "leads": leads} for link, leads in pairs)

    def single_sources(
        self, chain: str | None = None, region_level: str = "province"
    ) -> pd.DataFrame:
        """Every product's sourcing: sole, regional and group single sources, HHI."""
        from kg.analysis import single_sources

        report = single_sources(self.context, chain=chain, region_level=region_level)
        return _frame(s.as_dict() for s in report.products)

    def capacity(self) -> pd.DataFrame:
        """Achievable output of every product, the binding ones first (column ``leads``)."""
        from kg.analysis import capacities
        from kg.analysis.leading import order_capacity

        pairs = order_capacity(self.context, capacities(self.context))
        return _frame({**row.as_dict(), "leads": leads} for row, leads in pairs)

    def key_enterprises(self, chain: str | None = None) -> pd.DataFrame:
        from kg.analysis import key_enterprises

        return _frame(k.as_dict() for k in key_enterprises(self.context, chain=chain))

    # ---- scenarios and monitoring -------------------------------------------------------------

    def disrupt(
        self,
        enterprises: Sequence[str] = (),
        regions: Sequence[str] = (),
        products: Sequence[str] = (),
    ) -> pd.DataFrame:
        """A disruption scenario: products lost and reduced, in the CLI's order; the headline
        and the totals are in ``.attrs["headline"]`` and ``.attrs["summary"]``."""
        from kg.analysis import disrupt

        impact = disrupt(self.context, enterprises, regions, products)
        frame = _frame(impact.rows())
        frame.attrs["headline"] = impact.headline()
        frame.attrs["summary"] = impact.summary()
        return frame

    def warnings(self, as_of: dt.date | None = None, stale: bool = False) -> pd.DataFrame:
        """Early warnings as of the data's latest snapshot (or ``as_of``), most severe first;
        read-only. ``.attrs["as_of"]`` says which day was judged."""
        from kg.monitor import evaluate_warnings, resolve_as_of

        at, basis = resolve_as_of(self.graph, as_of)
        report = evaluate_warnings(self.graph, at=at)
        rows = [w.as_dict() for w in report.warnings if stale or not w.rule.startswith("stale")]
        frame = _frame(rows)
        frame.attrs["as_of"] = report.at
        frame.attrs["as_of_basis"] = basis
        return frame


def connect(database: str | None = None, **settings: Any) -> Supplymap:
    """Connect to the configured graph (SUPPLYMAP_* settings, starting the local engine when
    no Neo4j URI is set). ``database`` picks another database, as ``--database`` does;
    keyword arguments override other settings (e.g. ``home=...``, ``neo4j_uri=...``)."""
    if database:
        settings = {**settings, "database": database}
    chosen = Settings(**settings) if settings else get_settings()
    return Supplymap(Graph.from_settings(chosen))
