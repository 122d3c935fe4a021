"""Checked writes into a version's vector store: bounded batches, free space, a watchdog.

On a full disk Chroma either raises ("database or disk is full", "Failed to apply logs") or
hangs inside ``_add``. Each batch is therefore checked for free space first, written in a
watchdog thread with a time limit, and verified by the collection's count; any failure is an
:class:`IndexWriteError` that aborts the build before the new version becomes CURRENT.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

MB = 1024 * 1024


class IndexWriteError(OSError):
    """The index folder cannot be written (read-only, full, missing); the previous index is untouched.

    ``report`` (an IngestReport, when known) says which documents were being written.
    """

    report = None


def free_bytes(path: Path) -> int:
    """Free bytes on the filesystem holding ``path`` (its nearest existing parent)."""
    path = Path(path)
    while not path.exists() and path != path.parent:
        path = path.parent
    return shutil.disk_usage(path).free


def folder_bytes(path: Path) -> int:
    """Total size of the files under ``path``."""
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


class CheckedWriter:
    """Adds records to a collection in batches, each checked; raises IndexWriteError on failure."""

    def __init__(self, collection, folder: Path, batch: int, timeout_s: float, min_free_bytes: int) -> None:
        self.collection = collection
        self.folder = Path(folder)
        self.batch = max(1, batch)
        self.timeout_s = timeout_s
        self.min_free_bytes = min_free_bytes
        self.written = 0

    def add(self, ids: list[str], embeddings, documents: list[str], metadatas: list[dict]) -> None:
        for start in range(0, len(ids), self.batch):
            end = start + self.batch
            self._add_batch(ids[start:end], embeddings[start:end], documents[start:end], metadatas[start:end])

    def _add_batch(self, ids, embeddings, documents, metadatas) -> None:
        free = free_bytes(self.folder)
        if free < self.min_free_bytes:
            raise IndexWriteError(f"only {free / MB:.1f} MB free under {self.folder} (need {self.min_free_bytes / MB:.1f} MB to keep writing); build stopped")
        self._with_watchdog(lambda: self.collection.add(ids=ids, embeddings=embeddings, documents=documents, metadatas=metadatas))
        self.written += len(ids)
        count = self._with_watchdog(self.collection.count)
        if count != self.written:
            raise IndexWriteError(f"the vector store holds {count} records after writing {self.written}; build stopped")

    def _with_watchdog(self, call):
        """Run ``call`` in a daemon thread; a hang beyond the time limit aborts the build."""
        result: dict = {}

        def run() -> None:
            try:
                result["value"] = call()
            except BaseException as exc:  # re-raised in the building thread
                result["error"] = exc

        worker = threading.Thread(target=run, name="kb-index-write", daemon=True)
        worker.start()
        worker.join(self.timeout_s)
        if worker.is_alive():
            raise IndexWriteError(f"a write to the vector store did not finish within {self.timeout_s:g} s (disk full?); build stopped")
        error = result.get("error")
        if error is not None:
            if isinstance(error, IndexWriteError):
                raise error
            raise IndexWriteError(f"writing the vector store failed: {error.__class__.__name__}: {error}") from error
        return result.get("value")
