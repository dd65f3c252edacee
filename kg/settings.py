"""One settings class for the whole project, read from SUPPLYMAP_* environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_HOME = Path.home() / ".supplymap"
DEFAULT_PASSWORD = "change-me"


class Settings(BaseSettings):
    """Connection, engine and service settings.

    With no ``neo4j_uri`` the project starts (or reuses) its local engine under ``home``.
    """

    model_config = SettingsConfigDict(env_prefix="SUPPLYMAP_", env_file=None, extra="ignore")

    environment: Literal["development", "production"] = "development"

    # A Neo4j 5 server (production). Empty: use the local engine.
    neo4j_uri: str | None = None
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr = SecretStr(DEFAULT_PASSWORD)
    neo4j_database: str = "neo4j"
    # `neo4j-admin` of that server, for `supplymap load --bulk` (loaders/bulk_neo4j.py): the
    # offline import, with the server stopped and started by the `neo4j` script beside it.
    # Only on the Neo4j host. Empty: --bulk on Neo4j creates the records online.
    neo4j_admin: Path | None = None
    neo4j_import_seconds_per_mb: float = Field(
        default=10.0,
        gt=0,
        le=3600,
        description="seconds neo4j-admin's import may take per MiB of its CSV files (at least "
        "600 s) before it is stopped as hung",
    )

    # The database every command, the API and the demo's next steps use; empty: the engine's
    # own default (neo4j_database on Neo4j, engine_database on the local engine). The CLI's
    # global --database option sets it for one run.
    database: str | None = Field(default=None, min_length=1, max_length=63)

    # The local engine (ArcadeDB over Bolt), used when neo4j_uri is empty.
    home: Path = DEFAULT_HOME
    engine_database: str = "supplymap"
    engine_bolt_port: int = Field(default=0, ge=0, le=65535, description="0: pick a free port")
    engine_http_port: int = Field(default=0, ge=0, le=65535, description="0: pick a free port")
    engine_heap: str = Field(default="1g", pattern=r"^\d+[mMgG]$")
    engine_start_timeout: float = Field(default=60.0, gt=0)

    # Loads.
    batch_size: int = Field(default=2000, ge=1, le=100_000)
    max_cell_kb: int = Field(
        default=1024,
        ge=1,
        le=8192,
        description="largest cell a load accepts, in KiB (the local engine drops Bolt messages "
        "over 16 MiB)",
    )
    max_columns: int = Field(default=1000, ge=1, le=100_000, description="widest header")
    max_unzipped_mb: int = Field(
        default=512,
        ge=1,
        le=100_000,
        description="largest uncompressed size of an Excel workbook (a zip), in MiB",
    )
    max_batch_mb: int = Field(
        default=8, ge=1, le=15, description="largest payload of one write batch, in MiB"
    )

    # Every statement and transaction.
    statement_timeout: float = Field(
        default=300.0,
        gt=0,
        le=86400,
        description="seconds one transaction may take: sent to the server as its timeout, and "
        "enforced by the client (a server that stops answering is cut off)",
    )
    connect_timeout: float = Field(default=10.0, gt=0, le=600, description="seconds to connect")
    unreachable_timeout: float = Field(
        default=15.0,
        gt=0,
        le=600,
        description="seconds a command keeps trying a graph database that stopped answering "
        "before it fails (the local engine: at once when its process has ended), and how long "
        "a server gets to answer the handshake that tells a frozen one from a busy one",
    )

    # The API (issue 4 adds its use).
    api_keys: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    api_read_open: bool = True
    api_host: str = Field(default="127.0.0.1", description="`supplymap serve` binds here")
    api_port: int = Field(default=8000, ge=1, le=65535)
    api_max_upload_mb: int = Field(default=100, ge=1, le=10_000, description="POST /loads limit")
    api_max_body_kb: int = Field(
        default=1024, ge=1, le=1_048_576, description="limit on every other request body, in KiB"
    )
    api_query_timeout: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="seconds the reads of one API request may run (one statement, for the "
        "whole-graph reads of analyses and warnings)",
    )
    api_cache_seconds: float = Field(
        default=300.0, ge=0, le=86400, description="reuse whole-graph results this long (0: never)"
    )
    api_rules_file: Path | None = Field(
        default=None, description="warning rules laid over the shipped ones, for GET /warnings"
    )

    @model_validator(mode="before")
    @classmethod
    def _split_api_keys(cls, data: object) -> object:
        if isinstance(data, dict):
            keys = data.get("api_keys")
            if isinstance(keys, str):
                data = {**data, "api_keys": [k.strip() for k in keys.split(",") if k.strip()]}
        return data

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Settings:
        if self.environment == "production":
            if self.neo4j_uri and self.neo4j_password.get_secret_value() == DEFAULT_PASSWORD:
                raise ValueError(
                    "SUPPLYMAP_NEO4J_PASSWORD is the placeholder 'change-me'; set a real "
                    "password when SUPPLYMAP_ENVIRONMENT=production"
                )
            if any(len(k.get_secret_value()) < 16 for k in self.api_keys):
                raise ValueError(
                    "every SUPPLYMAP_API_KEYS entry must be at least 16 characters in production"
                )
        return self

    @property
    def uses_local_engine(self) -> bool:
        return not self.neo4j_uri

    @property
    def graph_database(self) -> str:
        """The database to use: SUPPLYMAP_DATABASE (or --database), else the engine's default."""
        if self.database:
            return self.database
        return self.engine_database if self.uses_local_engine else self.neo4j_database


_database_override: str | None = None


def use_database(name: str | None) -> None:
    """Point this process's settings at database ``name`` (None: back to the environment).

    The command line's global ``--database`` option calls this; every command, ``serve`` and
    the demo then read it through :func:`get_settings`.
    """
    global _database_override
    _database_override = name
    get_settings.cache_clear()


def database_override() -> str | None:
    return _database_override


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached; tests build their own Settings instead)."""
    if _database_override:
        return Settings(database=_database_override)
    return Settings()
