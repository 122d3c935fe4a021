"""Parse a corpus file once: cached by file hash and parser code, run in a worker with a time limit.

Listing documents (`GET /api/documents`, `kb corpus list/validate`) and ingest all need the
parsed tree; parsing a large PDF takes seconds to minutes, so results are cached under the
index folder, keyed by the file's sha256, the entry fields parsing depends on and a digest of
the parser's source (a parser change invalidates the cache by itself). Parsing runs in a
worker process, so a pathological file is stopped after ``corpus.parse_timeout_s``
with a clear error instead of hanging a request or an ingest.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable

from kb_assistant.corpus.manifest import DocumentEntry
from kb_assistant.corpus.sources import sha256_of
from kb_assistant.parsing.tree import ParsedDocument
from kb_assistant.settings import PROJECT_ROOT, Settings

log = logging.getLogger(__name__)
CACHE_DIR = "parse-cache"
MAX_CACHED = 256


class ParseTimeoutError(RuntimeError):
    """Parsing a file took longer than the limit; the worker was stopped."""


@functools.cache
def parser_digest() -> str:
    """Digest of the parsing code: cached parses are reused only by the same parser."""
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parent
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".toml", ".json", ".txt"}:
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def parse_document(settings: Settings, entry: DocumentEntry, path: Path, target: Callable | None = None) -> ParsedDocument:
    """The parsed document for ``path`` as ``entry``: from the cache, else parsed in the worker.

    Raises what the parser raises (ExtractionError, …) or ParseTimeoutError.
    """
    from kb_assistant.parsing import parse_file

    target = target or parse_file
    max_bytes = int(settings.corpus.max_file_mb * 1024 * 1024)
    key = _cache_key(entry, Path(path), target)
    cache_file = Path(settings.index.dir) / CACHE_DIR / f"{key}.pickle"
    cached = _read_cache(cache_file)
    if cached is not None:
        return cached
    parsed = _run_in_worker(target, (Path(path), entry, max_bytes), settings.corpus.parse_timeout_s, Path(path).name)
    _write_cache(cache_file, parsed)
    return parsed


def _cache_key(entry: DocumentEntry, path: Path, target: Callable) -> str:
    fields = entry.model_dump_json(include={"id", "type"})
    name = f"{target.__module__}.{target.__qualname__}"
    raw = "|".join([sha256_of(path), parser_digest(), fields, name, path.suffix.lower()])
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def _read_cache(cache_file: Path) -> ParsedDocument | None:
    try:
        with cache_file.open("rb") as handle:
            parsed = pickle.load(handle)
    except FileNotFoundError:
        return None
    except Exception as exc:  # a truncated or stale cache file is parsed again
        log.warning("ignoring parse cache %s: %s", cache_file.name, exc)
        return None
    return parsed if isinstance(parsed, ParsedDocument) else None


def _write_cache(cache_file: Path, parsed: ParsedDocument) -> None:
    """Best effort: a read-only or full index folder only costs a re-parse next time."""
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache_file.parent, suffix=".part")
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(parsed, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, cache_file)
        _trim(cache_file.parent)
    except OSError as exc:
        log.info("parse cache not written (%s)", exc)


def _trim(folder: Path) -> None:
    files = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime)
    for old in files[:-MAX_CACHED]:
        old.unlink(missing_ok=True)


class ParseError(ValueError):
    """A parser error raised in the worker that could not be sent back as itself."""


def _rebuild(module: str, qualname: str, args: list, state: dict, message: str) -> Exception:
    """The worker's exception as its own class (e.g. ExtractionError), else a ParseError."""
    try:
        import importlib

        cls = importlib.import_module(module)
        for part in qualname.split("."):
            cls = getattr(cls, part)
        exc = cls.__new__(cls)
        exc.args = tuple(args)
        exc.__dict__.update(state)
        if str(exc) == message:
            return exc
    except Exception:
        pass
    return ParseError(message)


def _run_in_worker(target: Callable, args: tuple, timeout_s: float, name: str):
    """Run ``target(*args)`` in a fresh worker process, killed when it exceeds the limit.

    A plain child process (``python -m kb_assistant.parsing.worker``), not multiprocessing:
    spawn would re-run the parent's ``__main__`` (a script, stdin), which can loop or crash.
    """
    request = pickle.dumps((target.__module__, target.__qualname__, args), protocol=pickle.HIGHEST_PROTOCOL)
    paths = [p for p in sys.path if p and Path(p).is_dir()]
    env = os.environ | {"PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), *paths])}
    try:
        done = subprocess.run([sys.executable, "-m", "kb_assistant.parsing.worker"], input=request,
                              capture_output=True, timeout=timeout_s, env=env, check=False)
    except subprocess.TimeoutExpired:
        raise ParseTimeoutError(f"{name}: parsing took longer than {timeout_s:g} s and was stopped (pathological file?); not indexed") from None
    try:
        status, value = pickle.loads(done.stdout)
    except Exception:
        detail = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or [f"exit code {done.returncode}"]
        raise ParseError(f"{name}: the parser process failed ({detail[0]})") from None
    if status == "error":
        raise _rebuild(*value)
    return value
