"""Unified social credit codes (统一社会信用代码, GB 32100-2015): shape and check character."""

from __future__ import annotations

import re

# The 31 characters of the code, in value order: digits and capitals without I, O, S, V, Z.
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(CHARSET)}
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# Registration authority (1-9, A-G, N, Y), then organisation type, then a 6-digit
# administrative division code, the 9-character organisation code and the check character.
_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def looks_like_uscc(value: str) -> bool:
    """True for 18 characters of the code's alphabet with digits where the region code sits."""
    return len(value) == 18 and bool(_SHAPE.match(value))


def check_character(first17: str) -> str:
    """The 18th character GB 32100 computes from the first 17."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def uscc_error(value: str) -> str | None:
    """None if ``value`` is not a USCC or is a valid one; else the reason it is wrong."""
    value = value.upper()
    if not looks_like_uscc(value):
        return None
    expected = check_character(value[:17])
    if value[17] != expected:
        return (
            f"unified social credit code fails its GB 32100 check: the 18th character "
            f"should be {expected!r}, not {value[17]!r}"
        )
    return None
