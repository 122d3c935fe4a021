"""`index_health(settings)`: what the index can serve right now, for /api/health and operators.

Each part is actually opened and counted (not just found on disk), so a corrupted Chroma store,
a missing BM25 file or a store moved to a server the index was not built into are reported.
"""

from __future__ import annotations

import os
from pathlib import Path

from kb_assistant.indexing.bm25 import BM25Index
from kb_assistant.indexing.store import LOCK_FILE, current_version, open_store, read_json, store_location
from kb_assistant.locks import holder_pid, pid_alive
from kb_assistant.settings import Settings



def index_health(settings: Settings) -> dict:
    """Status of the CURRENT index.

    ``status``: ``ok``; ``degraded`` (BM25 answers work, the vector store does not: rebuild with
    `kb ingest`); ``broken`` (nothing can be served); ``no_index``. Also the version, node and
    document counts, each store's state, whether the folder is writable, the settings' store
    versus the one the index was built into, and the pid of a running ingest.
    """
    version = current_version(settings.index)
    result: dict = {"status": "no_index", "version": None, "writable": _writable(Path(settings.index.dir)),
                    "ingest_pid": _ingest_pid(Path(settings.index.dir))}
    if version is None:
        result["message"] = "No index has been built yet: run `kb ingest`."
        return result
    meta = read_json(version.meta_file, {})
    ledger = read_json(version.ledger_file, {})
    nodes = sum(len(v.get("nodes", [])) for v in ledger.values())
    built_into = meta.get("config", {}).get("store", "embedded")
    result |= {"version": version.name, "documents": len(ledger), "nodes": nodes, "created": meta.get("created"),
               "store": {"built_into": built_into, "settings": store_location(settings.index),
                         "matches_settings": built_into == store_location(settings.index)}}
    result["bm25"] = _bm25_state(version, nodes)
    result["vector_store"] = _vector_state(settings, version, nodes)
    bm25_ok, vectors_ok = result["bm25"]["ok"], result["vector_store"]["ok"]
    result["status"] = "ok" if bm25_ok and vectors_ok else ("degraded" if bm25_ok else "broken")
    if not vectors_ok:
        result["message"] = f"{result['vector_store']['error']}; answers use BM25 only until `kb ingest` rebuilds the index"
    elif not result["store"]["matches_settings"]:
        result["message"] = f"the index was built into {built_into}; run `kb ingest` to build it into {store_location(settings.index)}"
    return result


def _bm25_state(version, nodes: int) -> dict:
    try:
        ids = BM25Index.load(version.bm25_dir).ids
    except Exception as exc:  # a reader rebuilds BM25 from nodes.jsonl, so this alone is not fatal
        return {"ok": version.nodes_file.is_file(), "error": f"{exc.__class__.__name__}: {exc}", "rebuildable": True}
    return {"ok": len(ids) == nodes, "count": len(ids)}


def _vector_state(settings: Settings, version, nodes: int) -> dict:
    try:
        store = open_store(settings.index, version)
    except Exception as exc:
        return {"ok": False, "error": f"vector store cannot be opened ({exc.__class__.__name__}: {exc})"}
    try:
        count = store.collection.count()
    except Exception as exc:
        return {"ok": False, "error": f"vector store cannot be read ({exc.__class__.__name__}: {exc})"}
    finally:
        store.close()
    if count != nodes:
        return {"ok": False, "count": count, "error": f"vector store holds {count} of {nodes} nodes"}
    return {"ok": True, "count": count, "read_only": store.read_only}


def _writable(folder: Path) -> bool:
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return os.access(folder, os.W_OK)


def _ingest_pid(folder: Path) -> int | None:
    """The pid of a live ingest holding the writer lock, if any."""
    pid = holder_pid(folder / LOCK_FILE)
    return pid if pid and pid_alive(pid) else None
