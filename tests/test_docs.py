"""The README documents what the code does: the canonical formats are generated from the kinds."""

from __future__ import annotations

from pathlib import Path

import yaml

from loaders.kinds import KINDS, column_reference

ROOT = Path(__file__).parent.parent


def test_readme_carries_the_canonical_formats() -> None:
    readme = (ROOT / "README.md").read_text()
    assert column_reference() in readme, (
        "README's canonical formats are out of date: paste loaders.kinds.column_reference()"
    )
    for kind in KINDS:
        assert f"`{kind}`" in readme


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and "make test" in ci


def test_compose_requires_secrets_and_waits_for_bolt() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    neo4j = compose["services"]["neo4j"]
    assert neo4j["image"].startswith("neo4j:5")
    assert "cypher-shell" in " ".join(neo4j["healthcheck"]["test"])
    assert ":?" in neo4j["environment"]["NEO4J_AUTH"]
