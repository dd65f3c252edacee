"""The local engine manager: start, reuse, status, stop, on its own home directory."""

from __future__ import annotations

import json
import os
import socket
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.engine import HTTP_BODY_LIMIT, JVM_OPTIONS, EngineError, LocalEngine, _cmdline
from kg.settings import Settings, get_settings

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> LocalEngine:
    # The local engine manager is tested on its own home directory, whatever server the rest
    # of the suite runs against (with SUPPLYMAP_TEST_URI too).
    eng = LocalEngine(
        tmp_path_factory.mktemp("engine-home"), database="lifecycle", heap="512m", start_timeout=120
    )
    yield eng
    eng.stop()


def test_start_status_reuse_and_stop(engine: LocalEngine) -> None:
    assert not engine.status().running
    first = engine.start()
    assert first.running and first.uri and first.uri.startswith("bolt://127.0.0.1:")
    again = engine.start()
    assert again.pid == first.pid and again.uri == first.uri  # reused, not a second server
    # Started to take a bulk load's links in one import request (loaders/bulk.py).
    assert engine.http_body_limit() == HTTP_BODY_LIMIT > 100 * 1024 * 1024
    # Started with the JVM options chosen for a 2-core machine (a JVM refusing one of them
    # would not have started at all).
    assert first.pid is not None
    args = _cmdline(first.pid) or []
    assert all(option in args for option in JVM_OPTIONS)
    mode = stat.S_IMODE(Path(first.password_file).stat().st_mode)
    assert mode == 0o600
    assert engine.stop() is True
    assert not engine.status().running
    assert engine.stop() is False


def test_data_survives_a_restart(engine: LocalEngine) -> None:
    from kg.connection import Graph

    status = engine.start()
    assert status.uri
    with Graph.connect(status.uri, "root", engine.password(), engine.database) as g:
        g.write("MERGE (c:Chain {id: $id}) SET c.name = $name", {"id": "persist", "name": "P"})
    engine.stop()
    status = engine.start()
    assert status.uri
    with Graph.connect(status.uri, "root", engine.password(), engine.database) as g:
        assert g.query("MATCH (c:Chain {id: 'persist'}) RETURN c.name AS n") == [{"n": "P"}]


def test_a_busy_configured_port_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        eng = LocalEngine(tmp_path, bolt_port=port)
        with pytest.raises(EngineError, match=f"port {port} is already in use"):
            eng.start()


def test_db_status_json_for_scripts(engine: LocalEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    engine.start()
    for key in list(os.environ):
        if key.startswith("SUPPLYMAP_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("SUPPLYMAP_HOME", str(engine.home))
    monkeypatch.setenv("SUPPLYMAP_ENGINE_DATABASE", engine.database)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["db", "status", "--json"])
        assert result.exit_code == 0, result.output
        info = json.loads(result.stdout)
        assert set(info) == {"running", "uri", "user", "database", "password_file", "databases"}
        assert info["running"] is True and info["database"] == "lifecycle"
        listed = {(d["name"], d["current"]) for d in info["databases"]}
        assert ("lifecycle", True) in listed
        assert all(d["nodes"] >= 0 and d["links"] >= 0 for d in info["databases"])
        assert info["password_file"] == str(engine.password_file)
        text = CliRunner().invoke(app, ["db", "status"])
        assert info["uri"] in text.output and "cypher-shell" in text.output
    finally:
        get_settings.cache_clear()


def test_settings_refuse_placeholder_secrets_in_production() -> None:
    with pytest.raises(ValueError, match="placeholder"):
        Settings(environment="production", neo4j_uri="bolt://db:7687")
    keys = Settings(api_keys="k1-0123456789abcdef, k2-0123456789abcdef")  # type: ignore[arg-type]
    assert [k.get_secret_value() for k in keys.api_keys] == [
        "k1-0123456789abcdef",
        "k2-0123456789abcdef",
    ]


def test_a_configured_database_is_made_on_the_running_engine(engine: LocalEngine) -> None:
    """Another database name on the same home reuses the server and creates the database."""
    from kg.connection import Graph

    first = engine.start()
    other = LocalEngine(engine.home, database="second_db", start_timeout=30)
    assert other.status().running  # the server answers whatever its databases
    assert not other.database_exists("second_db")
    status = other.ensure_running()
    assert status.pid == first.pid and other.database_exists("second_db")
    assert status.uri
    with Graph.connect(status.uri, "root", other.password(), "second_db") as g:
        assert g.query("RETURN 1 AS one") == [{"one": 1}]
    with pytest.raises(EngineError, match="not a valid database name"):
        other.create_database("bad name; drop")
