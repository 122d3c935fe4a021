"""A real uvicorn server in a thread (real sockets, real streaming) and raw Gradio event calls."""

from __future__ import annotations

import json
import socket
import threading
import time
from contextlib import contextmanager
from typing import Iterator

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(app) -> Iterator[str]:
    """Serve ``app`` on a free loopback port; yields the base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def gradio_fn_index(base: str, button_elem_id: str) -> tuple[int, list[int]]:
    """(fn index, input component ids) of the click handler of the button with this elem_id."""
    config = httpx.get(f"{base}/config", timeout=30).json()
    ids = [c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == button_elem_id]
    assert ids, f"no component {button_elem_id}"
    for index, dep in enumerate(config["dependencies"]):
        if any(t[0] == ids[0] and t[1] == "click" for t in dep["targets"]):
            return dep.get("id", index), dep["inputs"]
    raise AssertionError(f"no click handler on {button_elem_id}")


def gradio_call(base: str, fn_index: int, data: list, session: str, timeout: float = 60) -> dict:
    """Run one Gradio event through /gradio_api/queue/join + /queue/data; the final SSE message."""
    joined = httpx.post(f"{base}/gradio_api/queue/join", json={"data": data, "fn_index": fn_index, "session_hash": session,
                                                             "event_data": None, "trigger_id": None}, timeout=timeout)
    assert joined.status_code == 200, joined.text
    event_id = joined.json()["event_id"]
    with httpx.stream("GET", f"{base}/gradio_api/queue/data", params={"session_hash": session}, timeout=timeout) as stream:
        for line in stream.iter_lines():
            if not line.startswith("data:"):
                continue
            message = json.loads(line[5:])
            if message.get("event_id") == event_id and message.get("msg") == "process_completed":
                return message
    raise AssertionError("no process_completed message")
