"""The Cypher catalogue: named, parameterised queries, one .cypher file each.

from queries import catalogue, get
rows = get("producers").run(graph, {"id": "MB-FABRIC"})
"""

from queries.registry import Param, Query, QueryError, catalogue, get

__all__ = ["Param", "Query", "QueryError", "catalogue", "get"]
