"""`kb ingest`: corpus → nodes → embeddings → a new index version, touching only what changed.

A ledger (document id → content hash, node ids) decides what changed. Unchanged documents
have their vectors copied from the previous version, changed ones run through a llama-index
``IngestionPipeline`` (our embedder, Chroma vector store). The new version becomes CURRENT only
when it is complete. A change of embedding model or chunking settings forces a full rebuild.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from kb_assistant.corpus.manifest import DocumentEntry, load_manifest
from kb_assistant.corpus.sources import find_file
from kb_assistant.indexing.bm25 import BM25Index
from kb_assistant.indexing.chunk import Chunk, chunk_document
from kb_assistant.indexing.store import (
    IndexVersion,
    current_version,
    new_version,
    open_collection,
    prune_versions,
    read_json,
    switch_current,
    write_json,
)
from kb_assistant.settings import Settings

log = logging.getLogger(__name__)
PARSER_VERSION = "2"


class IndexWriteError(OSError):
    """The index folder cannot be written (read-only, full, missing); the previous index is untouched."""
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
    seconds: float = 0.0
    version: str = ""
    rebuilt: bool = False

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
            "version": self.version,
            "rebuilt": self.rebuilt,
            "documents": {"added": self.added, "updated": self.updated, "removed": self.removed, "unchanged": self.unchanged},
        }


def index_config(settings: Settings, model_fingerprint: str) -> dict:
    """What the vectors depend on; a difference from the stored config means a full rebuild."""
    return {
        "model": model_fingerprint,
        "passage_prompt": settings.embedding.passage_prompt,
        "chunk": settings.chunk.model_dump(),
        "parser": PARSER_VERSION,
    }


def document_hash(entry: DocumentEntry, path: Path) -> str:
    """Content hash of the file plus the manifest fields that end up in nodes."""
    digest = hashlib.sha256(path.read_bytes())
    digest.update(json.dumps(entry.model_dump(include={"id", "name", "title", "type", "status"}), sort_keys=True).encode())
    return digest.hexdigest()


def ingest(settings: Settings, force: bool = False, progress: Progress | None = None, embedder=None) -> IngestReport:
    """Bring the index in line with the manifest; returns what changed."""
    from kb_assistant.indexing.embed import Embedder  # torch is imported only when needed

    started = time.perf_counter()
    report = IngestReport()
    notify = progress or (lambda message, fraction: None)
    embedder = embedder or Embedder(settings.embedding)
    config = index_config(settings, embedder.model_fingerprint)

    manifest = load_manifest(settings.corpus.manifest)
    previous = current_version(settings.index)
    old_meta = read_json(previous.meta_file, {}) if previous else {}
    old_ledger: dict[str, dict] = read_json(previous.ledger_file, {}) if previous else {}
    rebuild = force or (previous is not None and old_meta.get("config") != config)
    report.rebuilt = rebuild and previous is not None

    wanted: dict[str, tuple[DocumentEntry, Path, str]] = {}
    for entry in manifest.documents:
        path = find_file(entry, settings.corpus.search_path)
        if path is None:
            report.missing.append(entry.id)
            continue
        wanted[entry.id] = (entry, path, document_hash(entry, path))

    to_embed: list[str] = []
    for doc_id, (_, _, digest) in wanted.items():
        old = old_ledger.get(doc_id)
        if old is None:
            report.added.append(doc_id)
            to_embed.append(doc_id)
        elif rebuild or old.get("hash") != digest:
            report.updated.append(doc_id)
            to_embed.append(doc_id)
        else:
            report.unchanged.append(doc_id)
    report.removed = [doc_id for doc_id in old_ledger if doc_id not in wanted]

    if previous is not None and not to_embed and not report.removed:
        report.nodes = sum(len(v.get("nodes", [])) for v in old_ledger.values())
        report.version = previous.name
        report.seconds = time.perf_counter() - started
        return report

    try:
        version = new_version(settings.index)
    except OSError as exc:
        raise IndexWriteError(f"cannot write the index under {settings.index.dir}: {exc.strerror or exc} (read-only or full?); the previous index is unchanged") from exc
    try:
        plan = _Plan(previous, old_ledger, wanted, to_embed, rebuild, config)
        _build_version(settings, version, plan, embedder, report, notify, show_progress=progress is None)
    except OSError as exc:
        shutil.rmtree(version.path, ignore_errors=True)
        raise IndexWriteError(f"cannot write the index under {settings.index.dir}: {exc.strerror or exc} (read-only or full?); the previous index is unchanged") from exc
    report.seconds = time.perf_counter() - started
    notify("done", 1.0)
    return report


@dataclass
class _Plan:
    """What an ingest run found to do, computed before anything is written."""

    previous: IndexVersion | None
    old_ledger: dict[str, dict]
    wanted: dict[str, tuple[DocumentEntry, Path, str]]
    to_embed: list[str]
    rebuild: bool
    config: dict


def _build_version(settings: Settings, version: IndexVersion, plan: _Plan, embedder, report: IngestReport, notify: Progress, show_progress: bool) -> None:
    """Fill a fresh version folder, then make it CURRENT."""
    previous, old_ledger, wanted, to_embed, rebuild = plan.previous, plan.old_ledger, plan.wanted, plan.to_embed, plan.rebuild
    old_chunks = _read_chunks(previous) if previous else {}
    collection = open_collection(settings.index, version, create=True)
    ledger: dict[str, dict] = {}
    chunks: list[Chunk] = []

    for doc_id in report.unchanged:
        kept = [old_chunks[i] for i in old_ledger[doc_id]["nodes"] if i in old_chunks]
        _copy_vectors(settings, previous, collection, doc_id)
        chunks.extend(kept)
        ledger[doc_id] = old_ledger[doc_id]

    for position, doc_id in enumerate(to_embed):
        entry, path, digest = wanted[doc_id]
        notify(f"{entry.name}: parsing", position / max(len(to_embed), 1))
        try:
            doc_chunks = _chunks_for(settings, entry, path)
            notify(f"{entry.name}: embedding {len(doc_chunks)} nodes", (position + 0.2) / max(len(to_embed), 1))
            _embed_into(collection, doc_chunks, embedder, show_progress=show_progress)
        except Exception as exc:  # one bad document fails alone; its previous nodes are kept
            report.failed[doc_id] = f"{entry.file}: {exc}"
            log.warning("%s failed: %s", doc_id, exc)
            _drop_from(report, doc_id)
            if doc_id in old_ledger and previous is not None and not rebuild:
                _copy_vectors(settings, previous, collection, doc_id)
                chunks.extend(old_chunks[i] for i in old_ledger[doc_id]["nodes"] if i in old_chunks)
                ledger[doc_id] = old_ledger[doc_id]
            continue
        report.embedded += len(doc_chunks)
        chunks.extend(doc_chunks)
        ledger[doc_id] = {
            "hash": digest,
            "file": str(path),
            "nodes": [c.id for c in doc_chunks],
            "pasal": len({c.pasal for c in doc_chunks if c.pasal}),
            "indexed_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }

    notify("BM25", 0.95)
    write_version_files(version, chunks, ledger, plan.config)
    switch_current(settings.index, version)
    prune_versions(settings.index)
    report.nodes = len(chunks)
    report.version = version.name


def write_version_files(version: IndexVersion, chunks: list[Chunk], ledger: dict, config: dict) -> None:
    """Node records, BM25 and ledger; meta.json last, since its presence marks a complete version."""
    with version.nodes_file.open("w", encoding="utf-8") as handle:
        for chunk in chunks:
            handle.write(json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n")
    BM25Index.from_chunks(chunks).save(version.bm25_dir)
    write_json(version.ledger_file, ledger)
    write_json(version.meta_file, {"config": config, "created": time.strftime("%Y-%m-%dT%H:%M:%S"), "nodes": len(chunks)})


def read_chunks(version: IndexVersion) -> list[Chunk]:
    with version.nodes_file.open(encoding="utf-8") as handle:
        return [Chunk(**json.loads(line)) for line in handle if line.strip()]


def _read_chunks(version: IndexVersion) -> dict[str, Chunk]:
    return {c.id: c for c in read_chunks(version)}


def _chunks_for(settings: Settings, entry: DocumentEntry, path: Path) -> list[Chunk]:
    from kb_assistant.parsing import parse_file

    parsed = parse_file(path, entry, int(settings.corpus.max_file_mb * 1024 * 1024))
    chunks = chunk_document(parsed, entry, settings.chunk.max_words, settings.chunk.split_definitions)
    if not chunks:
        raise ValueError("no Pasal or section found in the text")
    return chunks


def _embed_into(collection, chunks: list[Chunk], embedder, show_progress: bool) -> None:
    from llama_index.core.ingestion import IngestionPipeline
    from llama_index.core.schema import TextNode
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from kb_assistant.indexing.embed import LlamaIndexEmbedding

    nodes = [
        TextNode(
            id_=chunk.id,
            text=chunk.embed_text,
            metadata=_chroma_metadata(chunk),
            excluded_embed_metadata_keys=list(_chroma_metadata(chunk)),
            excluded_llm_metadata_keys=list(_chroma_metadata(chunk)),
        )
        for chunk in chunks
    ]
    pipeline = IngestionPipeline(
        transformations=[LlamaIndexEmbedding(embedder=embedder, embed_batch_size=embedder.batch_size)],
        vector_store=ChromaVectorStore(chroma_collection=collection),
    )
    pipeline.run(nodes=nodes, show_progress=show_progress)


def _chroma_metadata(chunk: Chunk) -> dict:
    return {
        "doc": chunk.doc,
        "pasal": chunk.pasal or "",
        "ayat": chunk.ayat or "",
        "kind": chunk.kind,
        "status": chunk.status,
    }


def _copy_vectors(settings: Settings, previous: IndexVersion, collection, doc_id: str) -> None:
    old = open_collection(settings.index, previous)
    data = old.get(where={"doc": doc_id}, include=["embeddings", "documents", "metadatas"])
    if data["ids"]:
        for start in range(0, len(data["ids"]), 2000):
            end = start + 2000
            collection.upsert(
                ids=data["ids"][start:end],
                embeddings=data["embeddings"][start:end],
                documents=data["documents"][start:end],
                metadatas=data["metadatas"][start:end],
            )


def _drop_from(report: IngestReport, doc_id: str) -> None:
    for bucket in (report.added, report.updated):
        if doc_id in bucket:
            bucket.remove(doc_id)
