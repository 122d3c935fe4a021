"""A folder for a session fixture's index that the next pytest session of the same code reuses.

`.ci/run` runs the quick suite and then the slow suite in two pytest sessions; both need the small
index of three documents (~50 s to build on 2 cores). Its folder is keyed by a digest of the package
(code and data files) and the corpus manifest, so any code change starts a fresh build; within one
key, `ingest` itself checks the source files, the model and the settings and re-embeds only what
changed (a no-change ingest embeds nothing). ``KB_TEST_FIXTURE_CACHE=0`` builds in a session
temporary folder instead. Folders of other keys are pruned once they are an hour old.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import time
from pathlib import Path

from kb_assistant.settings import PROJECT_ROOT

CACHE_ROOT = PROJECT_ROOT / ".test-fixtures"
STALE_AFTER_S = 3600


@functools.cache
def code_digest() -> str:
    """The package's files (code, data tables, profiles) and the corpus manifest."""
    digest = hashlib.sha256()
    package = PROJECT_ROOT / "kb_assistant"
    files = [p for p in sorted(package.rglob("*")) if p.is_file() and "__pycache__" not in p.parts]
    for path in [*files, PROJECT_ROOT / "corpus" / "manifest.toml"]:
        digest.update(path.relative_to(PROJECT_ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cache_enabled() -> bool:
    return os.environ.get("KB_TEST_FIXTURE_CACHE", "1") != "0"


def fixture_folder(name: str) -> Path:
    """``.test-fixtures/<name>-<digest>``, created; older folders of the same name pruned."""
    folder = CACHE_ROOT / f"{name}-{code_digest()}"
    _prune(name, keep=folder)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _prune(name: str, keep: Path) -> None:
    if not CACHE_ROOT.is_dir():
        return
    now = time.time()
    for old in CACHE_ROOT.glob(f"{name}-*"):
        if old != keep and old.is_dir() and now - old.stat().st_mtime > STALE_AFTER_S:
            shutil.rmtree(old, ignore_errors=True)
