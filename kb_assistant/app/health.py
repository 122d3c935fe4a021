"""What ``GET /api/health`` reports: start-up state, the index store, the model and a running ingest.

status: "warming up" while the model and index load at start, "error" when that load failed
or the store cannot be read at all (with an error id for the log), "no_index" before the first
ingest, "degraded" when the index layer says the store is only partly usable (vector store
unreadable, BM25 answering), else "ok".
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from kb_assistant.app.jobs import JobRunner
from kb_assistant.app.warmup import WarmUp
from kb_assistant.settings import Settings

log = logging.getLogger(__name__)
INDEX_TTL_S = 5.0


def index_state(settings: Settings) -> dict:
    """The index layer's own health report when it has one, else what the current version's ledger says."""
    index_health = _index_health()
    if index_health is not None:
        return public_index_state(dict(index_health(settings)))
    from kb_assistant.indexing.store import current_version, read_json

    version = current_version(settings.index)
    state: dict = {"available": version is not None, "status": "ok" if version is not None else "no_index"}
    if version is not None:
        ledger = read_json(version.ledger_file, {})
        state |= {"version": version.name, "documents": len(ledger), "nodes": sum(len(v.get("nodes", [])) for v in ledger.values())}
    return state


def _index_health():
    """``index_health(settings)`` of the index layer (issue 12 item 8), where this version has it."""
    try:
        from kb_assistant.indexing.health import index_health
    except ImportError:
        return None
    return index_health


def public_index_state(state: dict) -> dict:
    """The index report without exception texts (paths, store internals): those go to the log under an id."""
    if state.get("status") == "broken":
        state["status"] = "error"
    details = [part for part in (state.get("bm25"), state.get("vector_store")) if isinstance(part, dict) and part.get("error")]
    if details or (state.get("message") and state.get("status") not in ("ok", "no_index")):
        from kb_assistant.app.errors import error_id

        ident = error_id()
        log.warning("index health %s: %s", ident, state)
        for part in details:
            part["error"] = f"tidak dapat dibaca (kode {ident})"
        if state.get("status") not in ("ok", "no_index"):
            state["message"] = f"indeks tidak lengkap dapat dipakai (kode {ident}); jalankan `kb ingest` untuk membangunnya ulang"
        state["error_id"] = ident
    state.setdefault("available", state.get("status") not in ("no_index", "error"))
    return state


class HealthService:
    def __init__(self, settings: Settings, warm_up: WarmUp, ingest_jobs: JobRunner, model_loaded: Callable[[], bool]) -> None:
        self.settings = settings
        self.warm_up = warm_up
        self.ingest_jobs = ingest_jobs
        self.model_loaded = model_loaded
        self._cache: tuple[float, dict] | None = None
        self._lock = threading.Lock()

    def report(self) -> dict:
        index = self._index()
        ingest = self.ingest_jobs.current
        body = {
            "status": self._status(index),
            "index": index,
            "model_loaded": self.model_loaded(),
            "warm_up": {"state": self.warm_up.state, "seconds": self.warm_up.seconds},
            "ingest": ingest.public(with_result=False) if ingest else None,
            "chat_requires_login": self.settings.app.chat_requires_login,
        }
        if self.warm_up.error_id:
            body["error_id"] = self.warm_up.error_id
        return body

    def _index(self) -> dict:
        """The index state, re-checked at most every INDEX_TTL_S: opening the store on every call
        would make the anonymous health endpoint a cheap way to load the server."""
        with self._lock:
            cached = self._cache
            if cached is not None and time.monotonic() - cached[0] < INDEX_TTL_S:
                return dict(cached[1])
            try:
                index = index_state(self.settings)
            except Exception as exc:  # noqa: BLE001 - health must answer even when the store cannot be read
                from kb_assistant.app.errors import log_unexpected

                index = {"available": False, "status": "error", "error_id": log_unexpected(exc, "health")}
            self._cache = (time.monotonic(), index)
            return dict(index)

    def _status(self, index: dict) -> str:
        if self.warm_up.state in ("pending", "warming up"):
            return "warming up"
        if self.warm_up.state == "error" or index.get("status") == "error":
            return "error"
        if not index.get("available", True) or index.get("status") == "no_index":
            return "no_index"
        if index.get("status") == "degraded" or index.get("degraded"):
            return "degraded"
        return "ok"
