"""Warning rules as configuration: the shipped defaults, a user's file, overrides, bad files."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

import pytest

from kg.model import PRODUCT_CATEGORIES
from kg.monitor.rules import (
    Category,
    RulesError,
    Thresholds,
    load_rules,
    rules_from_mapping,
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_defaults_are_the_documented_ones() -> None:
    rules = load_rules()
    assert rules.origin == "shipped defaults"
    assert rules.classes.parts == ("component", "equipment", "final")
    assert rules.classes.raw_materials == ("raw material", "material")
    assert rules.classes.uncategorised == "parts"
    assert rules.parts.red_below_days == 3
    cover = rules.raw_materials.days_of_cover
    gap = rules.raw_materials.supply_gap
    assert (cover.red, cover.yellow, cover.blue) == (7, 15, 30)
    assert (gap.red, gap.yellow, gap.blue) == (-0.2, -0.05, 0.1)
    assert rules.raw_materials.supply == "capacity"
    assert rules.stale.level == "blue"
    assert rules.stale.max_age_days.model_dump() == {
        "inventory": 14,
        "capacity": 180,
        "stockpiles": 30,
        "demand": 30,
    }
    assert rules.cascade.levels == ("red", "yellow", "blue")
    assert rules.overrides == ()


def test_categories_match_the_model() -> None:
    assert set(get_args(Category)) == set(PRODUCT_CATEGORIES)
    rules = load_rules()
    classes = {c: rules.classes.of(c) for c in PRODUCT_CATEGORIES}
    assert classes == {
        "raw material": "raw_materials",
        "material": "raw_materials",
        "component": "parts",
        "equipment": "parts",
        "final": "parts",
    }
    assert rules.classes.of(None) == "parts"


@pytest.mark.parametrize(
    ("value", "level"),
    [
        (-1.0, "red"),
        (6.99, "red"),
        (7.0, "yellow"),
        (14.9, "yellow"),
        (15.0, "blue"),
        (29.99, "blue"),
        (30.0, None),
        (400.0, None),
    ],
)
def test_a_level_applies_below_its_threshold(value: float, level: str | None) -> None:
    assert Thresholds(red=7, yellow=15, blue=30).level(value) == level


def test_a_users_file_is_laid_over_the_defaults(tmp_path: Path) -> None:
    rules = load_rules(
        write(tmp_path, "parts:\n  red_below_days: 5\nraw_materials:\n  days_of_cover: {red: 3}\n")
    )
    assert rules.parts.red_below_days == 5
    cover = rules.raw_materials.days_of_cover
    assert (cover.red, cover.yellow, cover.blue) == (3, 15, 30)  # the rest stays default
    assert rules.raw_materials.supply_gap.red == -0.2
    assert rules.origin == str(tmp_path / "rules.yaml")


def test_an_empty_file_means_the_defaults(tmp_path: Path) -> None:
    assert load_rules(write(tmp_path, "# nothing\n")).parts.red_below_days == 3


def test_overrides_by_chain_and_category_later_entries_win() -> None:
    rules = rules_from_mapping(
        {
            "overrides": [
                {"chain": "medical", "parts": {"red_below_days": 7}},
                {"category": "final", "parts": {"red_below_days": 10}},
                {
                    "chain": "medical",
                    "category": "raw material",
                    "raw_materials": {"days_of_cover": {"red": 10, "yellow": 20}},
                },
                {"chain": "auto", "stale": {"max_age_days": {"inventory": 3}, "level": "red"}},
            ]
        }
    )
    assert rules.for_product("component", ["medical"]).parts.red_below_days == 7
    assert rules.for_product("final", ["medical"]).parts.red_below_days == 10  # later wins
    assert rules.for_product("final", []).parts.red_below_days == 10
    assert rules.for_product("component", ["hardware"]).parts.red_below_days == 3
    raw = rules.for_product("raw material", ["medical", "other"]).raw_materials.days_of_cover
    assert (raw.red, raw.yellow, raw.blue) == (10, 20, 30)
    assert rules.for_product("raw material", ["other"]).raw_materials.days_of_cover.red == 7
    auto = rules.for_product("component", ["auto"])
    assert (auto.stale.level, auto.stale.max_age_days.inventory) == ("red", 3)
    assert auto.stale.max_age_days.capacity == 180
    assert rules.for_product("final", ["medical"]).overrides == ("chain medical", "final")
    assert rules.for_product("material", []).product_class == "raw_materials"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("parts:\n  red_below_day: 5\n", "parts.red_below_day: Extra inputs are not permitted"),
        ("parts: {red_below_days: 0}\n", "parts.red_below_days: Input should be greater than 0"),
        ("parts: {red_below_days: soon}\n", "parts.red_below_days: Input should be a valid number"),
        (
            "raw_materials:\n  days_of_cover: {red: 20}\n",
            "thresholds must nest: red (20) <= yellow (15) <= blue (30)",
        ),
        (
            "raw_materials: {supply: stock}\n",
            "raw_materials.supply: Input should be 'capacity' or 'output'",
        ),
        ("stale: {level: orange}\n", "stale.level: Input should be 'red', 'yellow' or 'blue'"),
        (
            "classes: {parts: [component, material]}\n",
            "material is listed both as parts and as raw_materials",
        ),
        ("classes: {parts: [widget]}\n", "classes.parts.0: Input should be 'raw material'"),
        (
            "overrides:\n  - parts: {red_below_days: 4}\n",
            "an override needs a chain, a category or both",
        ),
        ("overrides:\n  - category: gadgets\n", "overrides.0.category: Input should be"),
        (
            "overrides:\n  - chain: medical\n    parts: {red_below: 4}\n",
            "overrides.0.parts.red_below: Extra inputs are not permitted",
        ),
        (
            "overrides:\n  - chain: medical\n    raw_materials: {days_of_cover: {blue: 5}}\n",
            "override 1 (chain medical) gives invalid settings: raw_materials.days_of_cover",
        ),
        ("version: 2\n", "version: Input should be 1"),
        ("- parts\n", "the top level must be a mapping"),
        ("parts: [1\n", "not valid YAML at line 2"),
    ],
)
def test_a_bad_rules_file_is_reported_clearly(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(RulesError) as info:
        load_rules(path)
    message = str(info.value)
    assert message.startswith(f"rules file {path}: ")
    assert expected in message


def test_a_missing_rules_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match=r"rules file .*nope\.yaml: no such file"):
        load_rules(tmp_path / "nope.yaml")


def test_overrides_that_clash_together_are_reported_for_the_product() -> None:
    rules = rules_from_mapping(
        {
            "overrides": [
                {"chain": "a", "raw_materials": {"days_of_cover": {"red": 14}}},
                {"category": "material", "raw_materials": {"days_of_cover": {"yellow": 10}}},
            ]
        }
    )
    assert rules.for_product("material", ["b"]).raw_materials.days_of_cover.yellow == 10
    pattern = r"together give invalid settings for products of category material in a: .*"
    with pytest.raises(RulesError, match=pattern + re.escape("red (14) <= yellow (10)")):
        rules.for_product("material", ["a"])
