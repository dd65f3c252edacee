"""Plain Python values from driver values (neo4j.time types become datetime objects)."""

from __future__ import annotations

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
    if isinstance(value, Date | DateTime | Time):
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
