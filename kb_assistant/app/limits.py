"""Request body limits per route, enforced before anything parses the body (pure ASGI middleware).

A declared Content-Length over the route's limit is refused at once without reading the body;
a body without one (chunked) is counted while the application reads it and cut off at the limit.
Gradio's own upload endpoint is anonymous, so it gets the REST upload's limits: the corpus file
size and a small number of files per request (multipart parts are counted as they stream in).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from kb_assistant.settings import Settings

FORM_OVERHEAD = 64 * 1024  # multipart headers and the metadata fields around one file
GRADIO_UPLOAD = "/gradio_api/upload"


@dataclass(frozen=True)
class Limit:
    max_bytes: int
    max_files: int | None = None  # multipart parts allowed (None: not counted)


class BodyTooLarge(Exception):
    """Raised into the application when the streamed body passes the route's limit."""


def route_limits(settings: Settings) -> dict[tuple[str, str], Limit]:
    """(method, path) → limit; every other request gets ``app.max_body_kb``."""
    app = settings.app
    file_bytes = int(settings.corpus.max_file_mb * 1024 * 1024) + FORM_OVERHEAD
    from kb_assistant.app.uploads import MAX_DATASET_BYTES

    return {
        ("POST", "/api/login"): Limit(app.login_body_kb * 1024),
        ("POST", "/api/ask"): Limit(app.ask_body_kb * 1024),
        ("POST", "/api/feedback"): Limit(64 * 1024),
        ("POST", "/api/documents"): Limit(file_bytes),
        ("POST", "/api/eval/upload"): Limit(MAX_DATASET_BYTES + FORM_OVERHEAD),
        ("POST", GRADIO_UPLOAD): Limit(file_bytes, max_files=app.upload_max_files),
    }


async def send_json(send, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()), (b"connection", b"close")]
    raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": data})


class PartCounter:
    """Counts multipart parts in a streamed body by their boundary lines (split across chunks too)."""

    def __init__(self, content_type: str) -> None:
        boundary = ""
        for piece in content_type.split(";")[1:]:
            key, _, value = piece.strip().partition("=")
            if key.lower() == "boundary":
                boundary = value.strip('"')
        self.marker = b"--" + boundary.encode("latin-1") if boundary else b""
        self._tail = b""
        self.seen = 0

    def feed(self, chunk: bytes) -> int:
        if self.marker:
            data = self._tail + chunk
            self.seen += data.count(self.marker)
            self._tail = data[-(len(self.marker) - 1):] if len(self.marker) > 1 else b""
        return max(self.seen - 1, 0) if self.seen else 0  # the closing delimiter is not a part


class BodyLimits:
    """ASGI middleware applying :func:`route_limits` (413 JSON refusals, nothing parsed)."""

    def __init__(self, app, settings: Settings) -> None:
        self.app = app
        self.limits = route_limits(settings)
        self.default = Limit(settings.app.max_body_kb * 1024)

    def limit_for(self, method: str, path: str) -> Limit:
        return self.limits.get((method, path.rstrip("/") or "/"), self.default)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["method"], scope["path"])
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        declared = headers.get("content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                await send_json(send, 400, {"error": "Content-Length tidak sah"})
                return
            if int(declared) > limit.max_bytes:
                await send_json(send, 413, {"error": _too_large(limit)})
                return
        counter = PartCounter(headers.get("content-type", "")) if limit.max_files is not None else None
        state = {"read": 0, "refused": "", "started": False}

        async def limited_receive():
            message = await receive()
            if message["type"] == "http.request" and not state["refused"]:
                body = message.get("body", b"")
                state["read"] += len(body)
                if state["read"] > limit.max_bytes:
                    state["refused"] = _too_large(limit)
                elif counter is not None and counter.feed(body) > (limit.max_files or 0):
                    state["refused"] = f"terlalu banyak berkas dalam satu unggahan (batas {limit.max_files})"
                if state["refused"]:
                    raise BodyTooLarge(state["refused"])
            return message

        async def guarded_send(message):
            if state["refused"]:  # the application's own reaction to the cut-off body is replaced by the 413
                if message["type"] == "http.response.start" and not state["started"]:
                    state["started"] = True
                    await send_json(send, 413, {"error": state["refused"]})
                return
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not state["refused"]:
                raise
        if state["refused"] and not state["started"]:
            state["started"] = True
            await send_json(send, 413, {"error": state["refused"]})


def _too_large(limit: Limit) -> str:
    size = limit.max_bytes
    shown = f"{size / (1024 * 1024):.0f} MB" if size >= 1024 * 1024 else f"{max(size // 1024, 1)} KB"
    return f"isi permintaan lebih besar dari batas {shown}"
