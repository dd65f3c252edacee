"""Uploads: a size limit enforced while the body streams in, and safe file names on disk."""

from __future__ import annotations

import contextlib
import re
import shutil
from pathlib import Path, PurePosixPath, PureWindowsPath

from fastapi import UploadFile
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import PROBLEM_JSON, TYPE_PREFIX, ProblemError

_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")
MAX_NAME = 150
CHUNK = 1 << 20


def _too_large(limit: int, upload: bool = True) -> ProblemError:
    if not upload:
        return ProblemError(
            413,
            "body-too-large",
            f"the request body is larger than {limit >> 10} KiB (SUPPLYMAP_API_MAX_BODY_KB); "
            "send fewer or shorter parameters",
        )
    return ProblemError(
        413,
        "upload-too-large",
        f"the upload is larger than {limit // (1 << 20)} MB (SUPPLYMAP_API_MAX_UPLOAD_MB); "
        "split the file, or load it on the server with `supplymap load`",
    )


class _TooLarge(Exception):
    pass


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes on the given path prefixes, as they arrive.

    A declared Content-Length over the limit is answered with 413 before anything is read; a
    body sent without one (chunked) is counted and cut off at the limit, and whatever the
    application would have answered to the cut body is replaced by the 413.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        limit: int,
        prefixes: tuple[str, ...],
        exclude: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.limit = limit
        self.prefixes = prefixes
        self.exclude = exclude
        self.upload = not exclude

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if (
            scope["type"] != "http"
            or not path.startswith(self.prefixes)
            or (self.exclude and path.startswith(self.exclude))
        ):
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.limit:
                await self._refuse(scope, receive, send)
                return
        seen = 0
        exceeded = False
        started = False

        async def limited() -> Message:
            nonlocal seen, exceeded
            if exceeded:
                raise _TooLarge
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    exceeded = True
                    raise _TooLarge
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if exceeded:
                return  # the application's answer to a cut body is replaced below
            started = True
            await send(message)

        with contextlib.suppress(_TooLarge):
            await self.app(scope, limited, guarded)
        if exceeded and not started:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = _too_large(self.limit, self.upload)
        body = {
            "type": TYPE_PREFIX + error.kind,
            "title": error.title,
            "status": error.status,
            "detail": error.detail,
            "instance": scope.get("path", ""),
        }
        response = JSONResponse(
            body, status_code=413, media_type=PROBLEM_JSON, headers={"Connection": "close"}
        )
        await response(scope, receive, send)


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
