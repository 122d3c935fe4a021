"""Where an index version lives: its folder, its Chroma collection, and the CURRENT pointer.

Every ingest that changes something writes a complete new version and then switches the
CURRENT pointer with an atomic rename. Readers always open the version CURRENT names, so a
killed ingest leaves the previous index fully usable, and a reader never sees a half-built one.
Embedded mode gives each version its own Chroma folder (one writer per folder); server mode
gives each version its own collection on the ``chroma run`` server. A version folder being built
holds a ``BUILDING`` file with the builder's pid, so pruning never deletes another live build.
Every client opened through :func:`open_store` is closed by its owner (no file handles of
pruned versions kept open); a read-only embedded store is opened from a private copy.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import shutil
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import chromadb
from chromadb.config import Settings as ChromaSettings

from kb_assistant.locks import pid_alive
from kb_assistant.settings import IndexSettings

log = logging.getLogger(__name__)

CURRENT_FILE = "CURRENT"
VERSIONS_DIR = "versions"
BUILDING_FILE = "BUILDING"
LOCK_FILE = ".ingest.lock"  # the one-writer lock of an index folder (indexing/pipeline.py)
PRIVATE_COPY_PREFIX = "kb-chroma-ro-"  # + pid: a read-only store's private copy (open_store)


class IndexUnavailableError(RuntimeError):
    """No built index, or its store cannot be reached; the message tells the user what to do."""


@dataclass(frozen=True)
class IndexVersion:
    name: str
    path: Path

    @property
    def nodes_file(self) -> Path:
        return self.path / "nodes.jsonl"

    @property
    def ledger_file(self) -> Path:
        return self.path / "ledger.json"

    @property
    def meta_file(self) -> Path:
        return self.path / "meta.json"

    @property
    def bm25_dir(self) -> Path:
        return self.path / "bm25"

    @property
    def chroma_dir(self) -> Path:
        return self.path / "chroma"

    @property
    def building_file(self) -> Path:
        return self.path / BUILDING_FILE

    @property
    def store_url(self) -> str | None:
        """The Chroma server URL the version was built into ("" = embedded), None when unrecorded."""
        config = read_json(self.meta_file, {}).get("config", {})
        store = config.get("store")
        return None if store is None else ("" if store == EMBEDDED else store)


EMBEDDED = "embedded"


def store_location(settings: IndexSettings) -> str:
    """Where vectors go: part of the index config, so moving the store forces a build into it."""
    return settings.chroma_url or EMBEDDED


def versions_root(settings: IndexSettings) -> Path:
    return Path(settings.dir) / VERSIONS_DIR


def current_version(settings: IndexSettings) -> IndexVersion | None:
    pointer = Path(settings.dir) / CURRENT_FILE
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    path = versions_root(settings) / name
    if not name or not (path / "meta.json").exists():
        return None
    return IndexVersion(name, path)


def new_version(settings: IndexSettings) -> IndexVersion:
    root = versions_root(settings)
    root.mkdir(parents=True, exist_ok=True)
    name = time.strftime("v%Y%m%d-%H%M%S") + f"-{os.getpid()}-{time.monotonic_ns() % 100000:05d}"
    path = root / name
    path.mkdir()
    version = IndexVersion(name, path)
    version.building_file.write_text(str(os.getpid()), encoding="utf-8")
    return version


def finish_building(version: IndexVersion) -> None:
    """Remove the BUILDING marker once the version is complete (meta.json written)."""
    version.building_file.unlink(missing_ok=True)


def _built_by_live_process(path: Path) -> bool:
    """True while the process named in the folder's BUILDING file is alive (not this one)."""
    try:
        pid = int((path / BUILDING_FILE).read_text(encoding="utf-8").strip())
    except (FileNotFoundError, ValueError, OSError):
        return False
    return pid != os.getpid() and pid_alive(pid)


def switch_current(settings: IndexSettings, version: IndexVersion) -> None:
    """Atomically make ``version`` the one readers open."""
    pointer = Path(settings.dir) / CURRENT_FILE
    tmp = pointer.with_name(f".{CURRENT_FILE}.{os.getpid()}.tmp")
    tmp.write_text(version.name + "\n", encoding="utf-8")
    with tmp.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, pointer)


def prune_versions(settings: IndexSettings, keep: int = 2) -> list[str]:
    """Delete old and abandoned versions, keeping CURRENT and the newest ``keep`` complete ones.

    The previous complete version is kept so a reader that opened it just before the switch can
    finish its query.
    """
    current = current_version(settings)
    root = versions_root(settings)
    if not root.exists():
        return []
    complete = sorted((p for p in root.iterdir() if (p / "meta.json").exists()), key=lambda p: p.name)
    keep_names = {p.name for p in complete[-keep:]}
    if current:
        keep_names.add(current.name)
    removed = []
    for path in root.iterdir():
        if path.name in keep_names or not path.is_dir() or _built_by_live_process(path):
            continue
        version = IndexVersion(path.name, path)
        if version.store_url or (version.store_url is None and settings.chroma_url):
            drop_collection(settings, version)
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path.name)
    return removed


def collection_name(settings: IndexSettings, version: IndexVersion) -> str:
    name = f"{settings.collection}-{version.name}"
    return name[:512]


def client_for(settings: IndexSettings, version: IndexVersion, path: Path | None = None) -> chromadb.api.ClientAPI:
    """A client of the store the version was built into (its meta.json), else of the settings' store."""
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    recorded = version.store_url
    chroma_url = settings.chroma_url if recorded is None else recorded
    if chroma_url:
        url = urlparse(chroma_url)
        try:
            return chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or 8000,
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as exc:
            raise IndexUnavailableError(f"Chroma server {chroma_url} is unreachable ({exc.__class__.__name__}); start it with `chroma run` or unset KB_INDEX__CHROMA_URL") from exc
    return chromadb.PersistentClient(path=str(path or version.chroma_dir), settings=chroma_settings)


@dataclass
class StoreHandle:
    """An open Chroma client and collection of one version; ``close()`` releases its files."""

    client: object
    collection: object
    private_copy: Path | None = None
    read_only: bool = False
    closed: bool = field(default=False, init=False)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            self.client.close()
        except Exception as exc:  # closing must never break a reader or a build
            log.debug("closing a Chroma client: %s", exc)
        self.client = self.collection = None
        # Chroma's HNSW segment files are released when its segment objects are collected, and they
        # sit in reference cycles: collect now, or a pruned version's *.bin files stay open (deleted)
        # until some later collection.
        gc.collect()
        if self.private_copy is not None:
            shutil.rmtree(self.private_copy, ignore_errors=True)


def private_copy_folder() -> Path:
    """A new folder for a read-only store's private copy, named after this process; copies left by
    processes that died without closing their store (kill -9, a crash) are removed first, so
    restarts of a server on a read-only index do not fill the temp folder."""
    remove_orphaned_copies(Path(tempfile.gettempdir()))
    return Path(tempfile.mkdtemp(prefix=f"{PRIVATE_COPY_PREFIX}{os.getpid()}-"))


def remove_orphaned_copies(root: Path) -> list[Path]:
    """Private copies under ``root`` whose process is gone, removed; returns them."""
    removed = []
    for folder in root.glob(f"{PRIVATE_COPY_PREFIX}*"):
        pid = folder.name[len(PRIVATE_COPY_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and not pid_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def open_store(settings: IndexSettings, version: IndexVersion, create: bool = False) -> StoreHandle:
    """Open the version's collection; an unwritable embedded store is read from a private copy.

    Chroma's embedded store writes to its sqlite file even to read, so on a read-only folder it
    fails with "attempt to write a readonly database"; queries are then served from a copy.
    """
    embedded = not (settings.chroma_url if version.store_url is None else version.store_url)
    copy: Path | None = None
    path = version.chroma_dir
    if embedded and not create and version.chroma_dir.is_dir() and not _writable(version.chroma_dir):
        copy = private_copy_folder()
        shutil.copytree(version.chroma_dir, copy / "chroma")
        path = copy / "chroma"
        log.info("index %s is read-only: serving queries from a private copy", version.name)
    client = client_for(settings, version, path if embedded else None)
    name = collection_name(settings, version)
    try:
        if create:
            collection = client.get_or_create_collection(name, configuration=_configuration(settings), embedding_function=None)
        else:
            collection = client.get_collection(name, embedding_function=None)
            _set_search_breadth(collection, settings.hnsw_ef_search)
    except BaseException:
        StoreHandle(client, None, copy).close()
        raise
    return StoreHandle(client, collection, copy, read_only=copy is not None)


def _writable(path: Path) -> bool:
    """Whether files under ``path`` can be written (false on a read-only mount, even for root)."""
    if not os.access(path, os.W_OK):
        return False
    return all(os.access(p, os.W_OK) for p in path.rglob("*.sqlite3"))


def open_collection(settings: IndexSettings, version: IndexVersion, create: bool = False):
    """The collection alone, for short scripts and tests; long-lived callers use :func:`open_store`."""
    client = client_for(settings, version)
    name = collection_name(settings, version)
    if create:
        return client.get_or_create_collection(name, configuration=_configuration(settings), embedding_function=None)
    collection = client.get_collection(name, embedding_function=None)
    _set_search_breadth(collection, settings.hnsw_ef_search)
    return collection


def _configuration(settings: IndexSettings) -> dict:
    return {"hnsw": {"space": "cosine", "ef_search": settings.hnsw_ef_search}}


def _set_search_breadth(collection, ef_search: int) -> None:
    """Give an existing collection the configured HNSW search breadth (a query-time setting Chroma
    stores with the collection); a store that refuses keeps its own and says so in the log."""
    try:
        with warnings.catch_warnings():  # Chroma warns about the (absent) embedding-function entry when the configuration is read
            warnings.simplefilter("ignore", DeprecationWarning)
            current = (collection.configuration or {}).get("hnsw") or {}
        if current.get("ef_search") != ef_search:
            collection.modify(configuration={"hnsw": {"ef_search": ef_search}})
    except Exception as exc:  # an old server or a read-only store: searching still works
        log.warning("could not set the HNSW search breadth to %s: %s", ef_search, exc)


def drop_collection(settings: IndexSettings, version: IndexVersion) -> None:
    try:
        client = client_for(settings, version)
        client.delete_collection(collection_name(settings, version))
        client.close()
    except Exception:  # already gone, or server down: nothing to free
        pass


def read_json(path: Path, default):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return default


def write_json(path: Path, data) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)
