"""Corpus edits with every check in one place, used by the web app, the REST API and `kb corpus`.

The catalog functions do the work; this service refuses what the catalog would accept but the
corpus must not hold (a document repealed by itself, an unknown repealing document, a duplicate
id) and keeps one edit at a time within a process.
"""

from __future__ import annotations

import threading
from pathlib import Path

from kb_assistant.curation import catalog
from kb_assistant.corpus.manifest import DocumentEntry, Manifest, ManifestError, load_manifest
from kb_assistant.settings import Settings

STATUSES = ("berlaku", "dicabut", "diubah")


class UnknownDocumentError(LookupError):
    """No manifest entry with this id."""


class DocumentExistsError(ManifestError):
    """The id is already taken by another document."""


class CorpusService:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()

    def manifest(self) -> Manifest:
        return load_manifest(self.settings.corpus.manifest)

    def known(self, doc_id: str, manifest: Manifest | None = None) -> DocumentEntry:
        manifest = manifest or self.manifest()
        if not manifest.has(doc_id):
            raise UnknownDocumentError(f"tidak ada dokumen dengan id '{doc_id}'")
        return manifest.get(doc_id)

    def preview(self, source: Path, metadata: dict) -> catalog.DocumentReport:
        """Parse a file as it would be added, changing nothing (ManifestError with the reason)."""
        self._refuse_duplicate(str(metadata.get("id", "")).strip())
        return catalog.add_document(self.settings, source, metadata, preview_only=True)

    def add(self, source: Path, metadata: dict) -> catalog.DocumentReport:
        """Parse, copy into corpus/files and list in the manifest; nothing changes on refusal."""
        with self._lock:
            self._refuse_duplicate(str(metadata.get("id", "")).strip())
            return catalog.add_document(self.settings, source, metadata, preview_only=False)

    def remove(self, doc_id: str) -> DocumentEntry:
        with self._lock:
            self.known(doc_id)
            return catalog.remove_document(self.settings, doc_id)

    def set_status(self, doc_id: str, status: str, by: list[str] | None = None) -> DocumentEntry:
        """Mark berlaku/dicabut/diubah; refuses unknown ids and a document repealing or amending itself."""
        by = [b for b in dict.fromkeys(by or []) if b]
        if status not in STATUSES:
            raise ManifestError(f"status harus salah satu dari {', '.join(STATUSES)}")
        with self._lock:
            manifest = self.manifest()
            self.known(doc_id, manifest)
            if doc_id in by:
                raise ManifestError("dokumen tidak dapat mencabut atau mengubah dirinya sendiri")
            unknown = [b for b in by if not manifest.has(b)]
            if unknown:
                raise ManifestError(f"dokumen pengganti tidak dikenal: {', '.join(unknown)}")
            return catalog.set_status(self.settings, doc_id, status, by)

    def _refuse_duplicate(self, doc_id: str) -> None:
        if doc_id and self.manifest().has(doc_id):
            raise DocumentExistsError(f"a document with id '{doc_id}' already exists; remove it first or choose another id")
