"""Identifiers and invented names for the sample's enterprises.

Chinese enterprises get unified social credit codes shaped as GB 32100 prescribes: the
registration authority and type (91 for a company, 12 for a public institution), the
six-digit administrative code of the place, a nine-character organisation code whose last
character is its GB 11714 check character, and the GB 32100 check character. They are drawn
at random (seeded per enterprise key), so they look real but belong to no one. Foreign
enterprises get plain ids: F-<country>-<key>.
"""

from __future__ import annotations

import random

from loaders.sample.regions import BY_CODE, ancestors, country_of
from loaders.uscc import CHARSET, check_character

# GB 11714 organisation code: weights of the first eight characters; the ninth checks them.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
# Characters allowed in the eight body characters: the USCC alphabet (no I, O, S, V, Z).
_ORG_BODY = CHARSET


def _org_value(c: str) -> int:
    return int(c) if c.isdigit() else ord(c) - ord("A") + 10


def org_check(body8: str) -> str:
    """The GB 11714 check character of an eight-character organisation code body."""
    total = sum(_org_value(c) * w for c, w in zip(body8, _ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return "X" if value == 10 else ("0" if value == 11 else str(value))


def division_code(region: str) -> str:
    """The six-digit administrative code a Chinese enterprise registers under."""
    for code in ancestors(region):
        if code.isdigit() and len(code) == 6:
            return code
    raise ValueError(f"{region} is not a Chinese region")


def uscc(rng: random.Random, region: str, authority: str = "91") -> str:
    """A unified social credit code with correct GB 11714 and GB 32100 check characters."""
    while True:
        body = "MA" + "".join(rng.choice(_ORG_BODY) for _ in range(6))
        check = org_check(body)
        if check in CHARSET:  # always true ('X' and digits are in the alphabet)
            break
    first17 = authority + division_code(region) + body + check
    return first17 + check_character(first17)


def enterprise_id(seed: int, key: str, region: str, role: str) -> str:
    """A stable id for an enterprise: the same key and seed give the same id at any scale."""
    country = country_of(region)
    if country != "CN":
        return f"F-{country}-{key.upper()}"
    rng = random.Random(f"{seed}:id:{key}")
    return uscc(rng, region, "12" if role == "reserve" else "91")


_FIRST = (
    "Amber", "Ash", "Azure", "Birch", "Bright", "Cedar", "Cloud", "Copper", "Coral", "Dawn",
    "Ember", "Fern", "Frost", "Glen", "Gold", "Granite", "Harbor", "Hazel", "Iron", "Jade",
    "Juniper", "Larch", "Maple", "Mist", "Moon", "Oak", "Pearl", "Pine", "Quartz", "Rain",
    "Reed", "River", "Rowan", "Sage", "Silver", "Slate", "Snow", "Spruce", "Stone", "Tide",
    "Umber", "Vale", "Willow", "Wren", "Yarrow",
)  # fmt: skip
_SECOND = (
    "bay", "brook", "crest", "dale", "field", "ford", "gate", "grove", "haven", "hill",
    "lake", "lea", "mere", "moor", "peak", "reach", "ridge", "shore", "side", "stone", "vale",
    "wood",
)  # fmt: skip


def brand(rng: random.Random) -> str:
    """An invented two-part brand word: Cedarbrook, Slatemere..."""
    while True:
        first, second = rng.choice(_FIRST), rng.choice(_SECOND)
        if not first.lower().endswith(second[0]):
            return first + second


def filler_name(city: str, brand_word: str, trade: str) -> str:
    return f"{BY_CODE[city].name.split(' (')[0]} {brand_word} {trade} Co., Ltd."
