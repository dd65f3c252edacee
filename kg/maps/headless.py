"""Headless Chromium, driven over the DevTools protocol on a pipe, with the network blocked.

Used by the browser tests and bench/maps.py to open a generated map the way an analyst would,
offline: Chromium runs with a fresh profile, every proxy pointed at a closed local port, host
names resolving nowhere, and each request the page makes recorded (a map must make none).
``--remote-debugging-pipe`` speaks the protocol on file descriptors 3 and 4 (NUL-separated
JSON), so no websocket library or open port is needed.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--disable-default-apps",
    "--mute-audio",
    "--hide-scrollbars",
)


class BrowserError(RuntimeError):
    """Chromium is missing, did not start, or a page did not do what was expected."""


def find_chromium() -> str | None:
    env = os.environ.get("SUPPLYMAP_CHROMIUM")
    if env:
        return env if Path(env).exists() else None
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


def _closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PageReport:
    """What happened while a page was open."""

    requests: list[str] = field(default_factory=list)  # every URL the page asked for
    console: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)  # alert/confirm/prompt messages


class Chromium:
    """One headless Chromium process with one page."""

    def __init__(self, width: int = 1600, height: int = 1000, binary: str | None = None) -> None:
        path = binary or find_chromium()
        if path is None:
            raise BrowserError(
                "Chromium is not installed: apt-get install -y chromium "
                "(or set SUPPLYMAP_CHROMIUM to a Chromium binary)"
            )
        self.width, self.height = width, height
        self._profile = tempfile.mkdtemp(prefix="supplymap-chromium-")
        port = _closed_port()
        args = [
            path,
            *FLAGS,
            f"--user-data-dir={self._profile}",
            f"--proxy-server=http://127.0.0.1:{port}",
            "--proxy-bypass-list=<-loopback>",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--window-size={width},{height}",
            "--remote-debugging-pipe",
            "about:blank",
        ]
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()

        def child_fds() -> None:  # runs in the child before exec: fds 3 and 4 for the pipe
            high_r = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
            high_w = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        self._proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(3, 4, to_chrome_r, from_chrome_w),
            preexec_fn=child_fds,
            close_fds=True,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._out = os.fdopen(to_chrome_w, "wb", buffering=0)
        self._in = os.fdopen(from_chrome_r, "rb", buffering=0)
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict[str, Any]] = []
        self.report = PageReport()
        self.session = self._attach()

    # ---- protocol --------------------------------------------------------------------------

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("Chromium did not answer in time")
            ready, _, _ = select.select([self._in], [], [], left)
            if not ready:
                continue
            chunk = self._in.read(1 << 20)
            if not chunk:
                raise BrowserError("Chromium closed the DevTools pipe (did it crash?)")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        return message

    def _note(self, message: dict[str, Any]) -> None:
        method = message.get("method")
        params = message.get("params", {})
        if method == "Network.requestWillBeSent":
            self.report.requests.append(str(params.get("request", {}).get("url", "")))
        elif method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            self.report.console.append(f"{params.get('type')}: {text}")
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            exc = details.get("exception", {}).get("description") or details.get("text", "")
            self.report.exceptions.append(str(exc))
        elif method == "Log.entryAdded":
            entry = params.get("entry", {})
            self.report.console.append(f"{entry.get('level')}: {entry.get('text')}")
        elif method == "Page.javascriptDialogOpening":
            self.report.dialogs.append(str(params.get("message", "")))
            self._send("Page.handleJavaScriptDialog", {"accept": True}, wait=False)

    def _send(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        session: bool = True,
        wait: bool = True,
        timeout: float = 30.0,
    ) -> dict[str, Any]:
        self._next_id += 1
        mid = self._next_id
        message: dict[str, Any] = {"id": mid, "method": method, "params": params or {}}
        if session and getattr(self, "session", None):
            message["sessionId"] = self.session
        self._out.write(json.dumps(message).encode("utf-8") + b"\0")
        if not wait:
            return {}
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == mid:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error'].get('message')}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            self._note(reply)

    def _attach(self) -> str:
        deadline = time.monotonic() + 30
        while True:
            targets = self._send("Target.getTargets", session=False)["targetInfos"]
            pages = [t for t in targets if t.get("type") == "page"]
            if pages:
                break
            if time.monotonic() > deadline:
                raise BrowserError("Chromium started without a page")
            time.sleep(0.1)
        session = self._send(
            "Target.attachToTarget",
            {"targetId": pages[0]["targetId"], "flatten": True},
            session=False,
        )["sessionId"]
        self.session = str(session)
        for domain in ("Page", "Runtime", "Network", "Log"):
            self._send(f"{domain}.enable")
        self._send(
            "Emulation.setDeviceMetricsOverride",
            {"width": self.width, "height": self.height, "deviceScaleFactor": 1, "mobile": False},
        )
        # Record any dialog a page script opens, even one that replaced window.alert's target.
        self._send(
            "Page.addScriptToEvaluateOnNewDocument",
            {
                "source": "window.__dialogs = [];"
                "for (const f of ['alert', 'confirm', 'prompt']) {"
                "  window[f] = function (m) { window.__dialogs.push(f + ': ' + String(m)); };"
                "}"
            },
        )
        return self.session

    # ---- pages -----------------------------------------------------------------------------

    def open(self, path: Path) -> None:
        self.report = PageReport()
        self._send("Page.navigate", {"url": path.resolve().as_uri()})

    def evaluate(self, expression: str, timeout: float = 30.0) -> Any:
        result = self._send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            timeout=timeout,
        )
        if "exceptionDetails" in result:
            raise BrowserError(f"page script failed: {result['exceptionDetails'].get('text')}")
        return result.get("result", {}).get("value")

    def wait_for(self, expression: str, timeout: float = 60.0, poll: float = 0.02) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(BrowserError):
                value = self.evaluate(expression)
                if value:
                    return value
            if time.monotonic() > deadline:
                raise BrowserError(f"timed out waiting for {expression}")
            time.sleep(poll)

    def pump(self, seconds: float = 0.2) -> None:
        """Read pending events for a while (requests, console, dialogs)."""
        deadline = time.monotonic() + seconds
        with contextlib.suppress(BrowserError):
            while time.monotonic() < deadline:
                self._note(self._read_message(deadline))

    def send_mouse(self, x: float, y: float) -> None:
        """Move the mouse to page coordinates (CSS pixels), as a person would."""
        self._send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y})

    def click(self, x: float, y: float) -> None:
        """Press and release the left button at page coordinates (CSS pixels)."""
        for kind in ("mousePressed", "mouseReleased"):
            self._send(
                "Input.dispatchMouseEvent",
                {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1},
            )

    def screenshot(self, path: Path) -> Path:
        data = self._send("Page.captureScreenshot", {"format": "png"})["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._send("Browser.close", session=False, wait=False)
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(timeout=10)
        for f in (self._out, self._in):
            with contextlib.suppress(OSError):
                f.close()
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> Chromium:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
