"""Content digests of model folders, cheap enough to check on every start.

Why: the index must notice when the embedding model changes, without loading the model. Hashing
the ~470 MB folder takes ~0.3 s; it is done at most once per file version per process, and skipped
entirely when ``verification.json`` recorded the same file (same size and mtime) at install time.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

VERIFICATION_FILE = "verification.json"
_cache: dict[tuple[str, int, int], str] = {}


def file_sha256(path: Path) -> str:
    """sha256 of one file, memoised on (path, size, mtime)."""
    st = os.stat(path)
    key = (str(Path(path).resolve()), st.st_size, st.st_mtime_ns)
    if key not in _cache:
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            while block := fh.read(1 << 22):
                digest.update(block)
        _cache[key] = digest.hexdigest()
    return _cache[key]


def folder_files(folder: Path) -> list[Path]:
    """Files that define the model (everything but the verification record), sorted."""
    folder = Path(folder)
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.relative_to(folder).as_posix() != VERIFICATION_FILE)


def file_manifest(folder: Path) -> dict[str, dict]:
    """relative path -> sha256, size, mtime_ns; stored in verification.json to skip re-hashing."""
    out = {}
    for path in folder_files(folder):
        st = path.stat()
        out[path.relative_to(folder).as_posix()] = {
            "sha256": file_sha256(path), "size": st.st_size, "mtime_ns": st.st_mtime_ns,
        }
    return out


def folder_digest(folder: Path) -> str:
    """sha256 over (relative path, file sha256) of every model file in ``folder``."""
    folder = Path(folder)
    known: dict[str, dict] = {}
    try:
        known = json.loads((folder / VERIFICATION_FILE).read_text(encoding="utf-8")).get("files", {})
    except (OSError, ValueError, AttributeError):
        pass
    digest = hashlib.sha256()
    for path in folder_files(folder):
        rel = path.relative_to(folder).as_posix()
        st = path.stat()
        rec = known.get(rel) or {}
        same = rec.get("size") == st.st_size and rec.get("mtime_ns") == st.st_mtime_ns
        digest.update(f"{rel}\0{rec['sha256'] if same else file_sha256(path)}\n".encode())
    return digest.hexdigest()
