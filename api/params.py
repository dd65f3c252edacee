"""Every id and parameter the service accepts, validated before it reaches the graph.

Ids follow the loaders' own rules (loaders/kinds.py), so anything the loaders accept can be
looked up and anything else is refused with 422 before a query runs. Values only ever reach
Cypher as $parameters; these checks bound their size and shape.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Literal, cast

from fastapi import Path, Query
from pydantic import AfterValidator

from kg.tiers import MAX_TIERS  # one range for `supplymap suppliers --tiers` and ?tiers=
from loaders.kinds import CODE_HINT, CODE_PATTERN, ID_HINT, ID_PATTERN, SLUG_HINT, SLUG_PATTERN

__all__ = ["MAX_TIERS"]
DEFAULT_TIERS = 3
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
MAX_OFFSET = 1_000_000
MAX_ID_LENGTH = 200

_ID = re.compile(ID_PATTERN)
_SLUG = re.compile(SLUG_PATTERN)
_CODE = re.compile(CODE_PATTERN)


def _checker(pattern: re.Pattern[str], hint: str, max_length: int) -> AfterValidator:
    def check(value: str | None) -> str | None:
        if value is None:
            return None
        if len(value) > max_length:
            raise ValueError(f"too long ({len(value)} characters); {hint}")
        if not pattern.match(value):
            raise ValueError(hint)
        return value

    return AfterValidator(check)


check_id = _checker(_ID, ID_HINT, MAX_ID_LENGTH)
check_slug = _checker(_SLUG, SLUG_HINT, 100)
check_code = _checker(_CODE, CODE_HINT, 40)


def check_each(check: AfterValidator, values: list[str]) -> list[str]:
    """Every value of a list through one of the checks above (for body models' validators)."""
    validate = cast(Callable[[str], str], check.func)  # our checks take the value alone
    for v in values:
        validate(v)
    return values


EnterpriseId = Annotated[
    str,
    Path(
        description="the enterprise's id (e.g. a unified social credit code)",
        examples=["91440300MA5D34567E"],
    ),
    check_id,
]
ProductId = Annotated[
    str, Path(description="the product's id (internal code or HS code)", examples=["N95"]), check_id
]
ChainId = Annotated[
    str, Path(description="the chain's id", examples=["medical-supplies"]), check_slug
]

Tiers = Annotated[
    int,
    Query(ge=1, le=MAX_TIERS, description=f"how many tiers to follow (1-{MAX_TIERS})"),
]
Walk = Annotated[
    Literal["material", "any"],
    Query(
        description="material (the default): a tier-2 supplier supplies the tier-1 supplier an "
        "input of what that one supplies (any product where its bill of materials is unknown); "
        "any: every SUPPLIES link whatever it carries"
    ),
]
Inferred = Annotated[
    bool | None,
    Query(
        description="true: count inferred links too (an enterprise producing an input of what "
        "another produces); false: never; unset: only when the graph has no declared links"
    ),
]
Limit = Annotated[
    int,
    Query(ge=1, le=MAX_PAGE_SIZE, description=f"page size (1-{MAX_PAGE_SIZE})"),
]
Offset = Annotated[
    int,
    Query(ge=0, le=MAX_OFFSET, description="items to skip (0 for the first page)"),
]

Stage = Literal["upstream", "midstream", "downstream"]  # kg.model.CHAIN_STAGES
