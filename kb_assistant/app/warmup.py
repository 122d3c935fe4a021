"""Load the model and the index when the server starts, so the first question is as fast as the rest.

The server listens at once (``GET /api/health`` says "warming up"), but every other request waits
for the warm-up to finish, so no user ever pays the model load (≈ 10 s) inside an answer.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Callable

log = logging.getLogger(__name__)

OPEN_PATHS = ("/api/health",)
WARM_QUESTION = "Apa yang diatur dalam Pasal 1?"  # any question: it only runs the whole answer path once


class WarmUp:
    """State of the start-up load: pending → warming up → ready | error."""

    def __init__(self, load: Callable[[], None]) -> None:
        self._load = load
        self.state = "pending"
        self.error_id = ""
        self.seconds: float | None = None
        self._done = threading.Event()
        self._lock = threading.Lock()

    @property
    def finished(self) -> bool:
        return self._done.is_set()

    def start(self) -> None:
        """Begin loading in a background thread (once)."""
        with self._lock:
            if self.state != "pending":
                return
            self.state = "warming up"
        threading.Thread(target=self._run, name="kb-warm-up", daemon=True).start()

    def _run(self) -> None:
        started = time.perf_counter()
        try:
            self._load()
            self.state = "ready"
        except Exception as exc:  # noqa: BLE001 - reported by health with an id; requests then fail on their own
            from kb_assistant.app.errors import log_unexpected

            self.error_id = log_unexpected(exc, "warm-up")
            self.state = "error"
        finally:
            self.seconds = round(time.perf_counter() - started, 2)
            self._done.set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)


def warm_assistant(get_assistant: Callable[[], object]) -> Callable[[], None]:
    """The load step: build the assistant (model + index reader) and answer one question end to end."""

    def load() -> None:
        assistant = get_assistant()
        try:
            assistant.ask(WARM_QUESTION, backend="extractive")  # type: ignore[attr-defined]  # no LLM call at start
        except Exception as exc:  # noqa: BLE001 - no index yet is fine: health reports it
            log.warning("warm-up question failed: %s: %s", type(exc).__name__, exc)

    return load


class WarmUpGate:
    """ASGI middleware: requests other than health wait (asynchronously) until the warm-up finished."""

    def __init__(self, app, warm_up: WarmUp, timeout_s: float, poll_s: float = 0.05) -> None:
        self.app = app
        self.warm_up = warm_up
        self.timeout_s = timeout_s
        self.poll_s = poll_s

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and not self.warm_up.finished and scope.get("path") not in OPEN_PATHS:
            self.warm_up.start()
            deadline = time.monotonic() + self.timeout_s
            while not self.warm_up.finished and time.monotonic() < deadline:
                await asyncio.sleep(self.poll_s)
            if not self.warm_up.finished:
                from kb_assistant.app.limits import send_json

                await send_json(send, 503, {"error": "server masih memuat model dan indeks; coba lagi sebentar lagi"}, {"retry-after": "5"})
                return
        await self.app(scope, receive, send)
