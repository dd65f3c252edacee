"""API keys: writes always need one; reads need one unless SUPPLYMAP_API_READ_OPEN is true.

Keys come from SUPPLYMAP_API_KEYS (comma-separated) and arrive in the X-API-Key header. Every
configured key is compared in constant time (hmac.compare_digest), and all of them are always
compared, so timing tells nothing about which key, or how much of one, matched.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

from api.problems import ProblemError
from kg.settings import Settings

HEADER = "X-API-Key"
MAX_KEY_LENGTH = 512

api_key_header = APIKeyHeader(
    name=HEADER,
    scheme_name="ApiKey",
    auto_error=False,
    description="one of the keys in SUPPLYMAP_API_KEYS; required for writes, and for reads "
    "unless SUPPLYMAP_API_READ_OPEN is true",
)
KeyHeader = Annotated[str | None, Depends(api_key_header)]

_CHALLENGE = {"WWW-Authenticate": f'ApiKey header="{HEADER}"'}


def key_matches(given: str, settings: Settings) -> bool:
    """True when ``given`` equals one of the configured keys (constant time per key)."""
    candidate = given.encode("utf-8", "surrogatepass")
    matched = False
    for key in settings.api_keys:
        matched |= hmac.compare_digest(candidate, key.get_secret_value().encode("utf-8"))
    return matched


def _check(given: str | None, settings: Settings, *, required: bool) -> None:
    if given is None or given == "":
        if required:
            raise ProblemError(
                401,
                "api-key-required",
                f"this endpoint needs an API key in the {HEADER} header",
                headers=_CHALLENGE,
            )
        return
    if len(given) > MAX_KEY_LENGTH or not key_matches(given, settings):
        raise ProblemError(
            401,
            "api-key-invalid",
            f"the {HEADER} header does not hold a valid API key",
            headers=_CHALLENGE,
        )


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def require_read(request: Request, key: KeyHeader) -> None:
    """Reads: open when SUPPLYMAP_API_READ_OPEN is true, else keyed. A wrong key always fails."""
    settings = _settings(request)
    _check(key, settings, required=not settings.api_read_open)


def require_write(request: Request, key: KeyHeader) -> None:
    """Writes: always keyed; refused outright when no keys are configured."""
    settings = _settings(request)
    if not settings.api_keys:
        raise ProblemError(
            403,
            "writes-disabled",
            "writes are disabled on this server: no API keys are configured "
            "(set SUPPLYMAP_API_KEYS and restart `supplymap serve`)",
        )
    _check(key, settings, required=True)


ReadAccess = Depends(require_read)
WriteAccess = Depends(require_write)
