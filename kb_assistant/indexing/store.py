"""Where an index version lives: its folder, its Chroma collection, and the CURRENT pointer.

Every ingest that changes something writes a complete new version and then switches the
CURRENT pointer with an atomic rename. Readers always open the version CURRENT names, so a
killed ingest leaves the previous index fully usable, and a reader never sees a half-built one.
Embedded mode gives each version its own Chroma folder (one writer per folder); server mode
gives each version its own collection on the ``chroma run`` server.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import chromadb
from chromadb.config import Settings as ChromaSettings

from kb_assistant.settings import IndexSettings

CURRENT_FILE = "CURRENT"
VERSIONS_DIR = "versions"


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
    return IndexVersion(name, path)


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
        if path.name in keep_names or not path.is_dir():
            continue
        if settings.chroma_url:
            drop_collection(settings, IndexVersion(path.name, path))
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path.name)
    return removed


def collection_name(settings: IndexSettings, version: IndexVersion) -> str:
    name = f"{settings.collection}-{version.name}"
    return name[:512]


def client_for(settings: IndexSettings, version: IndexVersion) -> chromadb.api.ClientAPI:
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        try:
            return chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or 8000,
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as exc:
            raise IndexUnavailableError(f"Chroma server {settings.chroma_url} is unreachable ({exc.__class__.__name__}); start it with `chroma run` or unset KB_INDEX__CHROMA_URL") from exc
    return chromadb.PersistentClient(path=str(version.chroma_dir), settings=chroma_settings)


def open_collection(settings: IndexSettings, version: IndexVersion, create: bool = False):
    client = client_for(settings, version)
    name = collection_name(settings, version)
    if create:
        return client.get_or_create_collection(name, configuration={"hnsw": {"space": "cosine"}}, embedding_function=None)
    return client.get_collection(name, embedding_function=None)


def drop_collection(settings: IndexSettings, version: IndexVersion) -> None:
    try:
        client_for(settings, version).delete_collection(collection_name(settings, version))
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
