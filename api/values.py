"""Plain Python values from driver values (neo4j.time types become datetime objects)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from neo4j.time import Date, DateTime, Duration, Time


def plain(value: Any) -> Any:
    """``value`` with every neo4j temporal value turned into its Python equivalent.

    Durations become ISO 8601 strings (Python has no calendar-aware duration); infinite and
    NaN floats become None (JSON has no such numbers).
    """
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, DateTime):
        native = value.to_native()
        # Every datetime supplymap writes is in UTC; an engine that drops the zone (the local
        # engine) gets it back, so the answer is an RFC 3339 date-time as OpenAPI promises.
        return native if native.tzinfo is not None else native.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    if isinstance(value, Date | Time):
        return value.to_native()
    if isinstance(value, Duration):
        return value.iso_format()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def plain_row(row: dict[str, Any]) -> dict[str, Any]:
    return {k: plain(v) for k, v in row.items()}
