"""Headless Chromium for the map tests and bench/maps.py: Playwright for Python driving the
system's Chromium (Debian's package; `playwright install` needs a download this project does
without), with the network blocked.

A page is opened the way an analyst would open a map file, offline: a fresh context, every
proxy pointed at a closed local port, host names resolving nowhere, every request that is not
the file itself aborted, and each request the page makes recorded (a map must make none), with
its console messages, uncaught exceptions and dialogs.
"""

from __future__ import annotations

import os
import shutil
import socket
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from playwright.sync_api import ConsoleMessage, Dialog, Request, Route, sync_playwright

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
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
# Every dialog a page script opens is recorded (and none blocks), even one that replaced
# window.alert's target.
DIALOG_TRAP = (
    "window.__dialogs = [];"
    "for (const f of ['alert', 'confirm', 'prompt']) {"
    "  window[f] = function (m) { window.__dialogs.push(f + ': ' + String(m)); };"
    "}"
)


class BrowserError(RuntimeError):
    """Chromium is missing, did not start, or a page did not do what was expected."""


def find_chromium() -> str | None:
    """SUPPLYMAP_CHROMIUM if set, else the first Chromium on the PATH."""
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
    console: list[str] = field(default_factory=list)  # "type: text"
    exceptions: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)  # alert/confirm/prompt messages


class Chromium:
    """One headless Chromium with one page, offline."""

    def __init__(
        self,
        width: int = 1600,
        height: int = 1000,
        binary: str | None = None,
        allow: tuple[str, ...] = (),
    ) -> None:
        """``allow``: URL prefixes on 127.0.0.1 the page may reach (a served page such as the
        API docs); every other request is still aborted and recorded."""
        self.allow = allow
        path = binary or find_chromium()
        if path is None:
            raise BrowserError(
                "Chromium is not installed: apt-get install -y chromium "
                "(or set SUPPLYMAP_CHROMIUM to a Chromium binary)"
            )
        self.report = PageReport()
        self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(
                executable_path=path,
                headless=True,
                args=[
                    *FLAGS,
                    f"--proxy-server=http://127.0.0.1:{_closed_port()}",
                    "--proxy-bypass-list=127.0.0.1" if allow else "--proxy-bypass-list=<-loopback>",
                    "--host-resolver-rules=MAP * ~NOTFOUND"
                    + (", EXCLUDE 127.0.0.1" if allow else ""),
                ],
            )
            self._context = self._browser.new_context(
                viewport={"width": width, "height": height},
                device_scale_factor=1,
                service_workers="block",
                accept_downloads=False,
            )
        except Exception as exc:
            self._playwright.stop()
            raise BrowserError(f"Chromium at {path} did not start: {exc}") from exc
        self._context.route("**/*", self._route)
        self._context.add_init_script(DIALOG_TRAP)
        self.page = self._context.new_page()
        self.page.on("request", self._request)
        self.page.on("console", self._console)
        self.page.on("pageerror", self._exception)
        self.page.on("dialog", self._dialog)

    # ---- what the page does ----------------------------------------------------------------

    def _route(self, route: Route) -> None:
        if route.request.url.startswith(("file:", "data:", "blob:", *self.allow)):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    def _request(self, request: Request) -> None:
        self.report.requests.append(request.url)

    def _console(self, message: ConsoleMessage) -> None:
        self.report.console.append(f"{message.type}: {message.text}")

    def _exception(self, error: Exception) -> None:
        self.report.exceptions.append(str(error))

    def _dialog(self, dialog: Dialog) -> None:
        self.report.dialogs.append(dialog.message)
        dialog.dismiss()

    # ---- pages -----------------------------------------------------------------------------

    def open(self, path: Path) -> None:
        """Open a file, with a fresh report."""
        self.report = PageReport()
        self.page.goto(path.resolve().as_uri(), wait_until="commit")

    def open_url(self, url: str) -> None:
        """Open a URL (one of ``allow``, or any other to see it refused), with a fresh report."""
        self.report = PageReport()
        try:
            self.page.goto(url, wait_until="commit")
        except Exception as exc:  # a refused navigation: the report has the request
            if not self.report.requests:
                raise BrowserError(f"{url} did not open: {exc}") from exc

    def evaluate(self, expression: str, timeout: float = 30.0) -> Any:
        """The value of a JavaScript expression (awaited when it is a promise)."""
        try:
            # always a function: Playwright would take any text with "=>" in it for one
            return self.page.evaluate(f"() => ({expression})")
        except Exception as exc:
            raise BrowserError(f"page script failed: {exc}") from exc

    def wait_for(self, expression: str, timeout: float = 60.0, poll: float = 0.02) -> Any:
        """Wait until the expression is truthy; its value."""
        try:
            handle = self.page.wait_for_function(
                f"() => ({expression})", timeout=timeout * 1000, polling=max(int(poll * 1000), 1)
            )
        except Exception as exc:
            raise BrowserError(f"timed out waiting for {expression}") from exc
        return handle.json_value()

    def pump(self, seconds: float = 0.2) -> None:
        """Let the page run for a while (events are recorded as they come)."""
        self.page.wait_for_timeout(seconds * 1000)

    def send_mouse(self, x: float, y: float) -> None:
        """Move the mouse to page coordinates (CSS pixels), as a person would."""
        self.page.mouse.move(x, y)

    def click(self, x: float, y: float) -> None:
        """Press and release the left button at page coordinates (CSS pixels)."""
        self.page.mouse.click(x, y)

    def screenshot(self, path: Path) -> Path:
        self.page.screenshot(path=str(path))
        return path

    def close(self) -> None:
        try:
            self._context.close()
            self._browser.close()
        finally:
            self._playwright.stop()

    def __enter__(self) -> Chromium:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
