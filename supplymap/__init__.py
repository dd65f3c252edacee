"""supplymap for notebooks: one connection, pandas DataFrames back.

    from supplymap import connect

    sm = connect(database="demo")          # the configured graph (SUPPLYMAP_*), or another
    sm.suppliers("91321100MAHJ8KNG01", tiers=3)
    sm.bottlenecks().head()
    impact = sm.disrupt(regions=["330000"]); impact.attrs["headline"]
    sm.query("producers", id="MB-FABRIC")
    sm.cypher("MATCH (c:Chain) RETURN c.id AS id")

Every method returns a DataFrame in the order the command line prints (see the README); the
analyses share one read of the graph, made on first use (``refresh()`` reads it again). Reads
only: nothing here writes to the graph.
"""

from __future__ import annotations

from supplymap.facade import Supplymap, connect

__all__ = ["Supplymap", "connect"]
