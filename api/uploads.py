"""Uploads: a size limit enforced while the body streams in, and safe file names on disk."""

from __future__ import annotations

import re
import shutil
from pathlib import Path, PurePosixPath, PureWindowsPath

from fastapi import UploadFile
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import ProblemError

_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")
MAX_NAME = 150
CHUNK = 1 << 20


def _too_large(limit: int) -> ProblemError:
    return ProblemError(
        413,
        "upload-too-large",
        f"the upload is larger than {limit // (1 << 20)} MB (SUPPLYMAP_API_MAX_UPLOAD_MB); "
        "split the file, or load it on the server with `supplymap load`",
    )


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes on the given path prefixes, as they arrive.

    A declared Content-Length over the limit is refused before anything is read; a body sent
    without one (chunked) is counted and cut off at the limit.
    """

    def __init__(self, app: ASGIApp, *, limit: int, prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.limit = limit
        self.prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(self.prefixes):
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.limit:
                    scope.setdefault("state", {})["body_too_large"] = True
        seen = 0
        limit = self.limit

        async def limited() -> Message:
            nonlocal seen
            if scope.get("state", {}).get("body_too_large"):
                raise _too_large(limit)
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _too_large(limit)
            return message

        await self.app(scope, limited, send)


def safe_name(filename: str | None, what: str = "file") -> str:
    """The base name of an uploaded file, if it is safe to use as a file name on disk."""
    if not filename:
        raise ProblemError(
            422, "invalid-parameters", f"the {what} has no file name; send it with one"
        )
    name = PureWindowsPath(PurePosixPath(filename).name).name
    if (
        not name
        or name.startswith(".")
        or len(name) > MAX_NAME
        or _UNSAFE.search(name)
        or name != name.strip()
    ):
        raise ProblemError(
            422,
            "invalid-parameters",
            f"the {what} name {filename[:200]!r} is not usable: give a plain name of up to "
            f"{MAX_NAME} characters, not starting with '.', without / \\ : * ? \" < > | or "
            "control characters",
        )
    return name


def save(upload: UploadFile, target: Path, limit: int) -> int:
    """Copy an upload to ``target``; returns its size. Refuses uploads over ``limit``."""
    size = 0
    upload.file.seek(0)
    with open(target, "wb") as out:
        while chunk := upload.file.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise _too_large(limit)
            out.write(chunk)
    return size


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
