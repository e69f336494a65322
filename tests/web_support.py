"""Helpers for the web app's tests: an app over a temporary workspace, uploads, waiting on job state
(never on time), a live server for the browser, and letters built from the synthetic samples."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from tests.conftest import SAMPLES

DEADLINE_S = 180.0  # a generous bound on one letter (OCR of a fax is ~10 s); reached only on a hang


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def wait_until(check: Callable[[], Any], what: str, deadline_s: float = DEADLINE_S) -> Any:
    """Poll `check` (a job's status, read from the app) until it returns something truthy."""
    end = time.monotonic() + deadline_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def hostile_text() -> str:
    """The synthetic 2016 letter with markup, a script and Markdown links planted where values are read."""
    text = (SAMPLES / "synth-2016-basic.txt").read_text(encoding="utf-8")
    request = "MRI of the right shoulder without contrast"
    assert request in text
    text = text.replace(
        request, 'MRI <script>alert("x")</script> <img src=x onerror=alert(1)> [click](javascript:alert(2)) shoulder'
    )
    history = "included rest, ice and ibuprofen."
    assert history in text
    return text.replace(history, "included rest, ice <b>bold</b> [site](http://evil.example/) and ibuprofen.")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def live_server(app: Any, port: int) -> Iterator[str]:
    """Run `app` under uvicorn on 127.0.0.1:port in a thread; yields its base URL."""
    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    wait_until(lambda: server.started, "the server to start", 30)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


class Gate:
    """A step hook that holds a letter when it reaches a stage until the test releases it."""

    def __init__(self, hold_at: str) -> None:
        self.hold_at = hold_at
        self.reached = threading.Event()
        self.release = threading.Event()
        self.stages: list[str] = []

    def __call__(self, letter_id: int, stage: str, page: int) -> None:
        self.stages.append(stage)
        if stage.startswith(self.hold_at):
            self.reached.set()
            self.release.wait(DEADLINE_S)
