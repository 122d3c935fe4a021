"""Find each document's file on the corpus search path (uploads first, then mirrors)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from kb_assistant.corpus.manifest import DocumentEntry


def find_file(entry: DocumentEntry, search_path: list[Path]) -> Path | None:
    """The first existing file named ``entry.file`` on the search path, or None when missing."""
    for folder in search_path:
        candidate = Path(folder) / entry.file
        if candidate.is_file():
            return candidate
    return None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
