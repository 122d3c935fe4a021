"""`kb ingest`: corpus → nodes → embeddings → a new index version, touching only what changed.

A ledger (document id → content hash, node ids) decides what changed. Unchanged documents
have their vectors copied from the previous version; changed ones are parsed, embedded and
written in bounded, checked batches (indexing/writer.py). One writer per index folder (a file
lock). The new version becomes CURRENT only when every document in it is complete: a document
that fails keeps its previous nodes, a write error aborts the whole build, and a build that
cannot keep a failed document's nodes (new model or chunking, damaged store) does not switch.
A change of embedding model, chunking, parser or vector store forces a full rebuild; so does a
previous version whose vector store no longer opens or holds fewer records than its nodes.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from kb_assistant.corpus.manifest import DocumentEntry, load_manifest
from kb_assistant.parsing.cached import parser_digest
from kb_assistant.corpus.sources import binding_problem, find_file
from kb_assistant.indexing.bm25 import BM25Index
from kb_assistant.indexing.chunk import HEADING_SEP, Chunk, chunk_document
from kb_assistant.indexing.store import (
    LOCK_FILE,
    IndexVersion,
    StoreHandle,
    current_version,
    finish_building,
    new_version,
    open_store,
    prune_versions,
    read_json,
    store_location,
    switch_current,
    write_json,
)
from kb_assistant.indexing.writer import MB, CheckedWriter, IndexWriteError, folder_bytes, free_bytes
from kb_assistant.locks import LockBusyError, LockUnavailableError, file_lock
from kb_assistant.models.profiles import resolve_profile
from kb_assistant.settings import Settings

log = logging.getLogger(__name__)
PARSER_VERSION = "2"

__all__ = ["IndexWriteError", "IncompleteIndexError", "IngestBusyError", "IngestReport", "ingest", "read_chunks"]


class IngestBusyError(LockBusyError):
    """Another process (pid in the message) is building this index; nothing was done."""


class IncompleteIndexError(RuntimeError):
    """The new version would lose indexed documents (listed in ``report.failed``); CURRENT was kept."""

    def __init__(self, message: str, report: "IngestReport") -> None:
        super().__init__(message)
        self.report = report


Progress = Callable[[str, float], None]  # (message, fraction done)


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    nodes: int = 0
    embedded: int = 0
    reused: int = 0  # nodes of changed documents whose text and title were unchanged: vector copied
    seconds: float = 0.0
    version: str = ""
    rebuilt: bool = False
    repaired: str = ""  # why the previous version's store was not usable, when it was rebuilt for that
    runtime: str = ""  # what embedded the nodes: "torch float32", "onnx" ("" when nothing was embedded)

    def summary(self) -> dict:
        return {
            "added": len(self.added),
            "updated": len(self.updated),
            "removed": len(self.removed),
            "unchanged": len(self.unchanged),
            "nodes": self.nodes,
            "seconds": round(self.seconds, 2),
        }

    def details(self) -> dict:
        return self.summary() | {
            "failed": self.failed,
            "missing": self.missing,
            "embedded": self.embedded,
            "reused": self.reused,
            "version": self.version,
            "rebuilt": self.rebuilt,
            "repaired": self.repaired,
            "runtime": self.runtime,
            "documents": {"added": self.added, "updated": self.updated, "removed": self.removed, "unchanged": self.unchanged},
        }


def index_config(settings: Settings, model_fingerprint: str) -> dict:
    """What the vectors depend on; a difference from the stored config means a full rebuild."""
    profile = resolve_profile(settings.embedding)
    config = {
        "model": model_fingerprint,
        "passage_prompt": profile.document_prompt,
        "chunk": settings.chunk.model_dump(),
        "parser": PARSER_VERSION,
        "store": store_location(settings.index),
    }
    if not profile.passage_headings:  # recorded only when off, so indexes built before the setting stay valid
        config["passage_headings"] = False
    return config


@functools.cache
def node_code_digest() -> str:
    """Digest of the code that turns a file into nodes (parser and chunker).

    Part of every document's hash, so an upgraded parser re-indexes the documents on the next
    ingest instead of leaving nodes built by the old one in the index.
    """
    chunker = Path(__file__).with_name("chunk.py").read_bytes()
    return hashlib.sha256(parser_digest().encode() + chunker).hexdigest()[:16]


def document_hash(entry: DocumentEntry, path: Path) -> str:
    """Content hash of the file, the manifest fields that end up in nodes, and the node-making code."""
    digest = hashlib.sha256(path.read_bytes())
    digest.update(node_code_digest().encode())
    digest.update(json.dumps(entry.model_dump(include={"id", "name", "title", "type", "status"}), sort_keys=True).encode())
    return digest.hexdigest()


def ingest(settings: Settings, force: bool = False, progress: Progress | None = None, embedder=None) -> IngestReport:
    """Bring the index in line with the manifest; returns what changed.

    Raises IngestBusyError (another writer), IndexWriteError (read-only, full or failing storage;
    ``.report`` lists what was not written) or IncompleteIndexError; CURRENT is unchanged then.
    """
    try:
        with file_lock(Path(settings.index.dir) / LOCK_FILE, "ingest"):
            return _ingest_locked(settings, force, progress, embedder)
    except LockBusyError as exc:
        raise IngestBusyError(f"{exc} (index {settings.index.dir})", exc.pid) from None
    except LockUnavailableError as exc:
        raise IndexWriteError(f"cannot write the index under {settings.index.dir}: {exc.strerror or exc}; the previous index is unchanged") from exc


def _ingest_locked(settings: Settings, force: bool, progress: Progress | None, embedder) -> IngestReport:
    from kb_assistant.models.embed import Embedder  # torch is imported only when needed

    started = time.perf_counter()
    report = IngestReport()
    notify = progress or (lambda message, fraction: None)
    embedder = embedder or Embedder(settings.embedding)
    plan = _plan(settings, embedder, force, report)
    if plan.previous is not None and not plan.to_embed and not report.removed:
        report.nodes = sum(len(v.get("nodes", [])) for v in plan.old_ledger.values())
        report.version = plan.previous.name
        report.seconds = time.perf_counter() - started
        return report
    _check_free_space(settings, plan.previous)
    try:
        version = new_version(settings.index)
    except OSError as exc:
        raise _write_error(settings, exc, report) from exc
    try:
        _build_version(settings, version, plan, embedder, report, notify, show_progress=progress is None)
    except BaseException as exc:
        shutil.rmtree(version.path, ignore_errors=True)
        if isinstance(exc, OSError):
            raise _write_error(settings, exc, report) from exc
        raise
    report.seconds = time.perf_counter() - started
    if report.embedded:
        report.runtime = _runtime(embedder)
    notify("done", 1.0)
    return report


def _runtime(embedder) -> str:
    """"onnx" or "torch <dtype>" for a real Embedder; "" for a test's stand-in."""
    runtime = getattr(embedder, "runtime", "")
    return f"{runtime} {embedder.dtype}" if runtime == "torch" else runtime


def _write_error(settings: Settings, exc: OSError, report: IngestReport) -> IndexWriteError:
    message = exc.strerror or str(exc)
    error = IndexWriteError(f"cannot write the index under {settings.index.dir}: {message} (read-only or full?); the previous index is unchanged")
    for doc_id in report.added + report.updated:
        report.failed.setdefault(doc_id, f"not written: {message}")
    error.report = report
    return error


@dataclass
class _Plan:
    """What an ingest run found to do, computed before anything is written."""

    previous: IndexVersion | None
    old_ledger: dict[str, dict]
    wanted: dict[str, tuple[DocumentEntry, Path, str]]
    to_embed: list[str]
    rebuild: bool
    config: dict
    reusable: bool  # the previous version's vectors can be copied (same config, intact store)


def _plan(settings: Settings, embedder, force: bool, report: IngestReport) -> _Plan:
    """Compare the manifest, the files and the previous version; decide what to embed."""
    config = index_config(settings, embedder.model_fingerprint)
    manifest = load_manifest(settings.corpus.manifest)
    previous = current_version(settings.index)
    old_meta = read_json(previous.meta_file, {}) if previous else {}
    old_ledger: dict[str, dict] = read_json(previous.ledger_file, {}) if previous else {}
    damage = _store_damage(settings, previous, old_ledger) if previous else ""
    report.repaired = damage
    reusable = previous is not None and old_meta.get("config") == config and not damage
    rebuild = force or (previous is not None and not reusable)
    report.rebuilt = rebuild and previous is not None

    wanted: dict[str, tuple[DocumentEntry, Path, str]] = {}
    for entry in manifest.documents:
        path = find_file(entry, settings.corpus.search_path)
        if path is None:
            report.missing.append(entry.id)
            continue
        problem = binding_problem(entry, path)
        if problem:
            report.failed[entry.id] = problem  # refused, not indexed: its previous nodes are kept
            wanted[entry.id] = (entry, path, "")
            continue
        wanted[entry.id] = (entry, path, document_hash(entry, path))

    to_embed: list[str] = []
    for doc_id, (_, _, digest) in wanted.items():
        old = old_ledger.get(doc_id)
        if doc_id in report.failed:
            continue
        if old is None:
            report.added.append(doc_id)
            to_embed.append(doc_id)
        elif rebuild or old.get("hash") != digest:
            report.updated.append(doc_id)
            to_embed.append(doc_id)
        else:
            report.unchanged.append(doc_id)
    report.removed = [doc_id for doc_id in old_ledger if doc_id not in wanted]
    return _Plan(previous, old_ledger, wanted, to_embed, rebuild, config, reusable)


def _store_damage(settings: Settings, previous: IndexVersion, ledger: dict[str, dict]) -> str:
    """Why the previous version's vector store cannot be used ("" when it opens and is complete)."""
    expected = sum(len(v.get("nodes", [])) for v in ledger.values())
    try:
        handle = open_store(settings.index, previous)
    except Exception as exc:
        return f"vector store of {previous.name} cannot be opened ({exc.__class__.__name__}: {exc})"
    try:
        count = handle.collection.count()
    except Exception as exc:
        return f"vector store of {previous.name} cannot be read ({exc.__class__.__name__}: {exc})"
    finally:
        handle.close()
    if count != expected:
        return f"vector store of {previous.name} holds {count} of {expected} nodes"
    return ""


def _check_free_space(settings: Settings, previous: IndexVersion | None) -> None:
    """Refuse a build the disk cannot hold: the last build's size plus the reserve."""
    last = 0
    if previous is not None:
        last = int(read_json(previous.meta_file, {}).get("bytes") or 0) or folder_bytes(previous.path)
    needed = int(last * 1.1 + settings.index.min_free_mb * MB)
    free = free_bytes(Path(settings.index.dir))
    if free < needed:
        raise IndexWriteError(
            f"not enough free space for a new index under {settings.index.dir}: {free / MB:.1f} MB free, "
            f"about {needed / MB:.1f} MB needed (last build {last / MB:.1f} MB + reserve {settings.index.min_free_mb:g} MB); "
            "free some space; the previous index is unchanged"
        )


def _build_version(settings: Settings, version: IndexVersion, plan: _Plan, embedder, report: IngestReport, notify: Progress, show_progress: bool) -> None:
    """Fill a fresh version folder, check it is complete, then make it CURRENT."""
    store = open_store(settings.index, version, create=True)
    source: StoreHandle | None = None
    try:
        writer = CheckedWriter(store.collection, version.path, settings.index.write_batch, settings.index.write_timeout_s,
                               int(settings.index.min_free_mb * MB / 2))
        if plan.reusable and plan.previous is not None:
            source = open_store(settings.index, plan.previous)
        chunks, ledger = _fill(settings, plan, source, writer, embedder, report, notify)
        lost = [d for d in report.failed if d in plan.old_ledger and d not in ledger]
        if lost:
            raise IncompleteIndexError(
                f"not switching to the new index: {', '.join(lost)} failed and their indexed nodes cannot be kept "
                "(new model, chunking or store, or a damaged store); fix the files and run `kb ingest` again", report)
        count = writer._with_watchdog(store.collection.count)
        if count != len(chunks):
            raise IndexWriteError(f"the new vector store holds {count} of {len(chunks)} nodes; build stopped")
    finally:
        store.close()
        if source is not None:
            source.close()
    notify("BM25", 0.95)
    write_version_files(version, chunks, ledger, plan.config)
    finish_building(version)
    switch_current(settings.index, version)
    prune_versions(settings.index)
    report.nodes = len(chunks)
    report.version = version.name


def _fill(settings: Settings, plan: _Plan, source: StoreHandle | None, writer: CheckedWriter, embedder,
          report: IngestReport, notify: Progress) -> tuple[list[Chunk], dict[str, dict]]:
    """Copy unchanged documents, embed changed ones; failed ones keep their previous nodes when possible."""
    old_chunks = _read_chunks(plan.previous) if plan.previous else {}
    with_headings = resolve_profile(settings.embedding).passage_headings
    ledger: dict[str, dict] = {}
    chunks: list[Chunk] = []

    def keep_previous(doc_id: str) -> None:
        if source is None or doc_id not in plan.old_ledger:
            return
        _copy_vectors(source, writer, doc_id)
        chunks.extend(old_chunks[i] for i in plan.old_ledger[doc_id]["nodes"] if i in old_chunks)
        ledger[doc_id] = plan.old_ledger[doc_id]

    for doc_id in report.unchanged + [d for d in report.failed if d not in plan.to_embed]:
        keep_previous(doc_id)
    total = max(len(plan.to_embed), 1)
    for position, doc_id in enumerate(plan.to_embed):
        entry, path, digest = plan.wanted[doc_id]
        notify(f"{entry.name}: parsing", position / total)
        try:
            doc_chunks = _chunks_for(settings, entry, path)
        except Exception as exc:  # one bad document fails alone; its previous nodes are kept
            report.failed[doc_id] = f"{entry.file}: {exc}"
            log.warning("%s failed: %s", doc_id, exc)
            _drop_from(report, doc_id)
            keep_previous(doc_id)
            continue
        previous = {} if plan.rebuild else _previous_vectors(source, doc_id, old_chunks)
        notify(f"{entry.name}: embedding {len(doc_chunks)} nodes", (position + 0.2) / total)
        embedded = _embed_into(writer, doc_chunks, embedder, settings.index.write_batch, previous, settings.chunk.include_penjelasan,
                                with_headings)
        report.embedded += embedded
        report.reused += len(doc_chunks) - embedded
        chunks.extend(doc_chunks)
        ledger[doc_id] = {
            "hash": digest,
            "file": str(path),
            "nodes": [c.id for c in doc_chunks],
            "pasal": len({c.pasal for c in doc_chunks if c.pasal}),
            "indexed_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }
    return chunks, ledger


def write_version_files(version: IndexVersion, chunks: list[Chunk], ledger: dict, config: dict) -> None:
    """Node records, BM25 and ledger; meta.json last, since its presence marks a complete version."""
    with version.nodes_file.open("w", encoding="utf-8") as handle:
        for chunk in chunks:
            handle.write(json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n")
    BM25Index.from_chunks(chunks).save(version.bm25_dir)
    write_json(version.ledger_file, ledger)
    write_json(version.meta_file, {"config": config, "created": time.strftime("%Y-%m-%dT%H:%M:%S"), "nodes": len(chunks),
                                   "bytes": folder_bytes(version.path)})


def read_chunks(version: IndexVersion) -> list[Chunk]:
    with version.nodes_file.open(encoding="utf-8") as handle:
        return [Chunk(**json.loads(line)) for line in handle if line.strip()]


def _read_chunks(version: IndexVersion) -> dict[str, Chunk]:
    return {c.id: c for c in read_chunks(version)}


def _chunks_for(settings: Settings, entry: DocumentEntry, path: Path) -> list[Chunk]:
    from kb_assistant.parsing.cached import parse_document

    parsed = parse_document(settings, entry, path)
    chunks = chunk_document(parsed, entry, settings.chunk.max_words, settings.chunk.split_definitions)
    if not chunks:
        raise ValueError("no Pasal or section found in the text")
    return chunks


def _embed_into(writer: CheckedWriter, chunks: list[Chunk], embedder, batch: int,
                previous: dict[str, tuple[str, str | None, list[float]]] | None = None, with_penjelasan: bool = False,
                with_headings: bool = True) -> int:
    """Embed and write in bounded batches, so a storage failure stops the build within one batch.

    A node whose embedded text and title equal its previous version's keeps that vector (same
    model and prompt: the index config is unchanged), so a parser fix that touches a few Pasal
    re-embeds those, not the document. Returns how many nodes were embedded.
    """
    titled = getattr(embedder, "uses_titles", False)  # EmbeddingGemma: the citation label is the title
    previous = previous or {}
    embedded = 0
    for start in range(0, len(chunks), batch):
        part = chunks[start:start + batch]
        texts = [c.passage_text(with_penjelasan, with_headings) for c in part]
        vectors: list[list[float] | None] = [_same_node(previous.get(c.id), c, text) for c, text in zip(part, texts)]
        fresh = [i for i, vector in enumerate(vectors) if vector is None]
        if fresh:
            new_texts = [texts[i] for i in fresh]
            made = embedder.embed_passages(new_texts, titles=[part[i].label for i in fresh]) if titled else embedder.embed_passages(new_texts)
            for i, vector in zip(fresh, made.tolist()):
                vectors[i] = vector
            embedded += len(fresh)
        writer.add([c.id for c in part], vectors, texts, [_chroma_metadata(c) for c in part])
    return embedded


def _previous_vectors(source: StoreHandle | None, doc_id: str, old_chunks: dict[str, Chunk]) -> dict[str, tuple[str, str | None, list[float]]]:
    """node id -> (embedded text, title, vector) of the document in the previous version."""
    if source is None:
        return {}
    data = source.collection.get(where={"doc": doc_id}, include=["embeddings", "documents"])
    return {
        node_id: (text, old_chunks[node_id].label if node_id in old_chunks else None, [float(x) for x in vector])
        for node_id, text, vector in zip(data["ids"], data["documents"], data["embeddings"])
    }


def _same_node(previous: tuple[str, str | None, list[float]] | None, chunk: Chunk, text: str) -> list[float] | None:
    if previous is None:
        return None
    old_text, title, vector = previous
    return vector if old_text == text and title == chunk.label else None


def _chroma_metadata(chunk: Chunk) -> dict:
    return {
        "doc": chunk.doc,
        "pasal": chunk.pasal or "",
        "ayat": chunk.ayat or "",
        "kind": chunk.kind,
        "status": chunk.status,
        "section_path": HEADING_SEP.join(chunk.section_path),
        "section_id": chunk.section_id,
    }


def _copy_vectors(source: StoreHandle, writer: CheckedWriter, doc_id: str) -> None:
    data = source.collection.get(where={"doc": doc_id}, include=["embeddings", "documents", "metadatas"])
    if data["ids"]:
        writer.add(list(data["ids"]), list(data["embeddings"]), list(data["documents"]), list(data["metadatas"]))


def _drop_from(report: IngestReport, doc_id: str) -> None:
    for bucket in (report.added, report.updated):
        if doc_id in bucket:
            bucket.remove(doc_id)
