"""The README documents what the code does: the canonical formats are generated from the kinds."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from kg.cli import app
from kg.settings import Settings, get_settings
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
    assert "make test-neo4j" in readme and "make test-neo4j" in ci


def test_compose_requires_secrets_and_waits_for_bolt() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    neo4j = compose["services"]["neo4j"]
    assert neo4j["image"].startswith("neo4j:5")
    assert "cypher-shell" in " ".join(neo4j["healthcheck"]["test"])
    assert ":?" in neo4j["environment"]["NEO4J_AUTH"]


def _compose_default(value: str) -> str:
    """What `${VAR:-default}` in docker-compose.yml becomes when the user sets nothing."""
    match = re.fullmatch(r"\$\{\w+:-(.*)\}", value)
    return match.group(1) if match else value


def test_compose_defaults_let_an_api_user_read(tmp_path: Path) -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    env = compose["services"]["api"]["environment"]
    settings = Settings(
        environment=env["SUPPLYMAP_ENVIRONMENT"],
        neo4j_uri=env["SUPPLYMAP_NEO4J_URI"],
        neo4j_password="a-long-secret-for-the-test",
        api_keys=_compose_default(env["SUPPLYMAP_API_KEYS"]),
        api_read_open=_compose_default(env["SUPPLYMAP_API_READ_OPEN"]),
    )
    # with no key configured, reads must be open, or every read is refused
    assert settings.api_read_open or settings.api_keys
    # the API port is published on loopback only while reads are open by default
    assert all(p.startswith("127.0.0.1:") for p in compose["services"]["api"]["ports"])


def test_serve_refuses_keyed_reads_without_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("SUPPLYMAP_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("SUPPLYMAP_API_READ_OPEN", "false")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["serve", "--port", "1"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "SUPPLYMAP_API_KEYS is empty" in result.output
