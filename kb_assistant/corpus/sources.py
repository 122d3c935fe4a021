"""Find each document's file on the corpus search path (uploads first, then mirrors).

A document is bound to its file by name and, once recorded in the manifest, by sha256: among
the files of that name on the search path, the one with the recorded hash is the document's,
so a stray file of the same name (an upload, an edited copy) can neither shadow it nor be
indexed in its place. When no file of that name has the recorded hash, the change is reported
(:func:`binding_problem`) and the document is not indexed until a trainer re-binds it.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from kb_assistant.corpus.manifest import DocumentEntry

_hash_cache: dict[tuple[str, int, int], str] = {}
_hash_lock = threading.Lock()


def candidates(entry: DocumentEntry, search_path: list[Path]) -> list[Path]:
    """Every existing file named ``entry.file`` on the search path, in search order."""
    return [Path(folder) / entry.file for folder in search_path if (Path(folder) / entry.file).is_file()]


def find_file(entry: DocumentEntry, search_path: list[Path]) -> Path | None:
    """The entry's file: the first on the search path with its recorded sha256 (the first of its
    name when unbound or when none matches, so the mismatch can be reported), or None when missing."""
    found = candidates(entry, search_path)
    if entry.sha256:
        for path in found:
            if sha256_of(path) == entry.sha256:
                return path
    return found[0] if found else None


def binding_problem(entry: DocumentEntry, path: Path | None) -> str:
    """Why ``path`` may not be indexed as ``entry`` ("" when it is the bound file or unbound)."""
    if path is None or not entry.sha256:
        return ""
    actual = sha256_of(path)
    if actual == entry.sha256:
        return ""
    return (f"{path.name}: file changed since it was bound (sha256 {actual[:12]}…, manifest {entry.sha256[:12]}…); "
            f"not indexed: check the file, then run `kb corpus bind {entry.id}`")


def sha256_of(path: Path) -> str:
    """The file's sha256, cached by (path, size, mtime) so listings do not re-read unchanged files."""
    path = Path(path)
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    with _hash_lock:
        cached = _hash_cache.get(key)
    if cached is not None:
        return cached
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    value = digest.hexdigest()
    with _hash_lock:
        _hash_cache[key] = value
    return value
