"""Read side of the index: the CURRENT version's nodes, BM25 and Chroma collection.

A reader re-checks the CURRENT pointer before each search and swaps to a new version only
once it is fully loaded, so answers always come from the last complete index, even while an
ingest runs in another thread or process. A request takes one :class:`IndexSnapshot` and reads
only that version, even if CURRENT moves meanwhile. A replaced version's Chroma client is
closed at the next swap (no files of pruned versions kept open). When the vector store cannot
be opened or queried, the version is served BM25-only and marked ``degraded``.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from kb_assistant.indexing.bm25 import BM25CorruptError, BM25Index
from kb_assistant.indexing.chunk import Chunk
from kb_assistant.indexing.pipeline import read_chunks
from kb_assistant.retrieval.abbreviations import Abbreviations
from kb_assistant.retrieval.lexicon import Lexicon, build_lexicon
from kb_assistant.retrieval.spelling import Speller
from kb_assistant.indexing.text import analyse, stop_words, words
from kb_assistant.retrieval.units import unit_key
from kb_assistant.indexing.store import (
    CURRENT_FILE,
    IndexUnavailableError,
    IndexVersion,
    StoreHandle,
    current_version,
    open_store,
)
from kb_assistant.settings import IndexSettings

log = logging.getLogger(__name__)
REOPEN_AFTER_S = 10.0  # how often a version whose vector store failed to open tries again


@dataclass
class LoadedVersion:
    version: IndexVersion
    chunks: dict[str, Chunk]
    bm25: BM25Index
    collection: object
    by_unit: dict[tuple[str, str], list[str]]  # (doc, unit_key) -> node ids in order
    docs: set[str]
    terms: dict[tuple[str, str], frozenset[str]]  # (doc, unit_key) -> its analysed terms (text, headings, Penjelasan)
    idf: dict[str, float]
    doc_nodes: dict[str, list[str]] = field(default_factory=dict)  # doc id -> its node ids
    lexicon: Lexicon = field(default_factory=Lexicon)  # terms and acronyms the corpus defines
    vocabulary: frozenset[str] = frozenset()  # every lowercase word of the corpus
    speller: Speller | None = None  # misspelt question words → the corpus word meant
    abbreviations: Abbreviations | None = None  # syllabic abbreviations → the corpus phrase ("hukdis")
    cache: dict = field(default_factory=dict)  # per-version caches of the stages (structure maps)
    store: StoreHandle | None = None  # owner of ``collection``; closed when the version is retired
    degraded: str = ""  # why dense search is unavailable ("" when the vector store works)
    retry_at: float = 0.0  # monotonic time of the next attempt to open a store that failed to open
    _unit_terms: dict[str, list[frozenset[str]]] = field(default_factory=dict)

    @property
    def by_pasal(self) -> dict[tuple[str, str], list[str]]:
        return self.by_unit

    def unit_text(self, key: tuple[str, str]) -> str:
        """The whole unit's text with its headings and Penjelasan (what evidence is checked in)."""
        parts: list[str] = []
        for node_id in self.by_unit.get(key, ()):
            chunk = self.chunks[node_id]
            parts.extend([chunk.prefix, chunk.text, chunk.penjelasan])
        return "\n".join(dict.fromkeys(p for p in parts if p))

    def node_terms(self, node_id: str) -> frozenset[str]:
        """Analysed terms of one node (text, headings, Penjelasan), computed once per version."""
        key = ("node", node_id)
        cached = self.cache.get(key)
        if cached is None:
            chunk = self.chunks[node_id]
            cached = self.cache[key] = frozenset(analyse(f"{chunk.embed_text}\n{chunk.penjelasan}"))
        return cached

    def idf_of(self, term: str) -> float:
        """Unseen terms weigh as much as the rarest ones: they are what the corpus lacks."""
        return self.idf.get(term, self._max_idf)

    @cached_property
    def _max_idf(self) -> float:
        return max(self.idf.values(), default=1.0)

    def coverage_of_terms(self, query_terms: set[str], terms: frozenset[str]) -> float:
        total = sum(self.idf_of(t) for t in query_terms)
        if not total:
            return 0.0
        return sum(self.idf_of(t) for t in query_terms & terms) / total

    def unit_terms(self, node_id: str) -> list[frozenset[str]]:
        """Analysed terms of each ayat/sentence of a node, computed once per loaded version."""
        cached = self._unit_terms.get(node_id)
        if cached is None:
            cached = [frozenset(analyse(text)) for _, text in self.chunks[node_id].units()]
            self._unit_terms[node_id] = cached
        return cached

    def nodes_of(self, docs: set[str]) -> set[str]:
        return {node_id for doc in docs for node_id in self.doc_nodes.get(doc, ())}

    def coverage(self, query_terms: set[str], keys: list[tuple[str, str]]) -> float:
        """Share of the query's idf weight found in the text of these Pasal."""
        total = sum(self.idf_of(t) for t in query_terms)
        if not total:
            return 0.0
        found: set[str] = set()
        for key in keys:
            found |= self.terms.get(key, frozenset())
        return sum(self.idf_of(t) for t in query_terms & found) / total


class IndexReader:
    def __init__(self, settings: IndexSettings) -> None:
        self.settings = settings
        self._loaded: LoadedVersion | None = None
        self._retired: LoadedVersion | None = None
        self._lock = threading.Lock()
        self._pointer_mtime: float | None = None

    def get(self) -> LoadedVersion:
        """The current complete version, reloading when CURRENT has moved."""
        pointer = Path(self.settings.dir) / CURRENT_FILE
        try:
            mtime = pointer.stat().st_mtime_ns
        except FileNotFoundError:
            mtime = None
        loaded = self._loaded
        if loaded is not None and mtime == self._pointer_mtime:
            if loaded.store is None and time.monotonic() >= loaded.retry_at:
                self._reopen(loaded)
            return loaded
        with self._lock:
            version = current_version(self.settings)
            if version is None:
                if self._loaded is not None:
                    return self._loaded
                raise IndexUnavailableError("No index has been built yet: run `kb ingest` (or `make run`).")
            if self._loaded is None or self._loaded.version.name != version.name:
                self._swap(load_version(self.settings, version))
            self._pointer_mtime = mtime
            return self._loaded

    def _swap(self, new: LoadedVersion) -> None:
        """Make ``new`` current; the one before the replaced version is closed now (requests that
        took a snapshot of the replaced one may still be reading it)."""
        if self._retired is not None:
            close_version(self._retired)
        self._retired, self._loaded = self._loaded, new

    def _reopen(self, loaded: LoadedVersion) -> None:
        """Try again to open a vector store that failed (a Chroma server back up)."""
        with self._lock:
            if loaded.store is not None or time.monotonic() < loaded.retry_at:
                return
            store, degraded = _open_vectors(self.settings, loaded.version, len(loaded.chunks))
            loaded.retry_at = time.monotonic() + REOPEN_AFTER_S
            if store is not None:
                loaded.store, loaded.collection, loaded.degraded = store, store.collection, degraded

    def snapshot(self) -> IndexSnapshot:
        """One version for a whole request: pass it where the reader would go."""
        return IndexSnapshot(self.get())

    def close(self) -> None:
        """Release every open store (a server shutting down, a test)."""
        with self._lock:
            for loaded in (self._retired, self._loaded):
                if loaded is not None:
                    close_version(loaded)
            self._retired = self._loaded = None
            self._pointer_mtime = None

    def dense(self, query_vector: np.ndarray, k: int, docs: set[str] | None) -> list[tuple[str, float]]:
        """(node id, cosine similarity) of the nearest nodes, within ``docs`` when given."""
        return dense_search(self.get(), query_vector, k, docs)

    def lexical(self, query: str, k: int, docs: set[str] | None, weights: dict[str, float] | None = None) -> list[tuple[str, float]]:
        return lexical_search(self.get(), query, k, docs, weights)


class IndexSnapshot:
    """The reader interface (get, dense, lexical) bound to one loaded version."""

    def __init__(self, loaded: LoadedVersion) -> None:
        self.loaded = loaded

    def get(self) -> LoadedVersion:
        return self.loaded

    def dense(self, query_vector: np.ndarray, k: int, docs: set[str] | None) -> list[tuple[str, float]]:
        return dense_search(self.loaded, query_vector, k, docs)

    def lexical(self, query: str, k: int, docs: set[str] | None, weights: dict[str, float] | None = None) -> list[tuple[str, float]]:
        return lexical_search(self.loaded, query, k, docs, weights)


def dense_search(loaded: LoadedVersion, query_vector: np.ndarray, k: int, docs: set[str] | None) -> list[tuple[str, float]]:
    """Nearest nodes by cosine; [] (and the version marked degraded) when the vector store fails."""
    if loaded.collection is None:
        return []
    where = None
    if docs is not None:
        if not docs:
            return []
        where = {"doc": {"$in": sorted(docs)}} if len(docs) > 1 else {"doc": next(iter(docs))}
    try:
        result = loaded.collection.query(
            query_embeddings=[query_vector.tolist()], n_results=k, where=where, include=["distances"]
        )
    except Exception as exc:
        loaded.degraded = f"vector store query failed ({exc.__class__.__name__}: {exc})"
        log.error("index %s: %s; answering from BM25 only", loaded.version.name, loaded.degraded)
        return []
    if loaded.degraded.startswith("vector store query failed"):
        loaded.degraded = ""  # the store answers again (a server restarted)
    ids = result["ids"][0]
    distances = result["distances"][0]
    return [(node_id, 1.0 - float(d)) for node_id, d in zip(ids, distances)]


def lexical_search(loaded: LoadedVersion, query: str, k: int, docs: set[str] | None, weights: dict[str, float] | None = None) -> list[tuple[str, float]]:
    allowed = loaded.nodes_of(docs) if docs is not None else None
    return loaded.bm25.search(query, k, allowed, weights)


def close_version(loaded: LoadedVersion) -> None:
    if loaded.store is not None:
        loaded.store.close()
    loaded.collection = None


def load_version(settings: IndexSettings, version: IndexVersion) -> LoadedVersion:
    chunk_list = read_chunks(version)
    try:
        bm25 = BM25Index.load(version.bm25_dir)
        if bm25.ids != [c.id for c in chunk_list]:
            raise BM25CorruptError("BM25 ids differ from the node records")
    except BM25CorruptError as exc:
        log.warning("%s; rebuilding BM25 from the node records", exc)
        bm25 = BM25Index.from_chunks(chunk_list)
        try:
            bm25.save(version.bm25_dir)
        except OSError as save_exc:  # read-only index: serve the rebuilt index from memory
            log.warning("could not save the rebuilt BM25 index: %s", save_exc)
    store, degraded = _open_vectors(settings, version, len(chunk_list))
    collection = store.collection if store is not None else None
    loaded = assemble(version, chunk_list, bm25, collection)
    loaded.store, loaded.degraded, loaded.retry_at = store, degraded, time.monotonic() + REOPEN_AFTER_S
    return loaded


def assemble(version, chunk_list: list[Chunk], bm25: BM25Index | None = None, collection=None) -> LoadedVersion:
    """The in-memory maps of one version: units, term sets, idf, corpus lexicon and vocabulary."""
    chunks = {c.id: c for c in chunk_list}
    bm25 = bm25 or BM25Index.from_chunks(chunk_list)
    by_unit: dict[tuple[str, str], list[str]] = {}
    terms: dict[tuple[str, str], set[str]] = {}
    df: Counter[str] = Counter()
    word_counts: Counter[str] = Counter()
    doc_nodes: dict[str, list[str]] = {}
    for chunk in chunk_list:
        key = (chunk.doc, unit_key(chunk))
        by_unit.setdefault(key, []).append(chunk.id)
        doc_nodes.setdefault(chunk.doc, []).append(chunk.id)
        chunk_terms = set(analyse(f"{chunk.embed_text}\n{chunk.penjelasan}"))
        df.update(chunk_terms)
        terms.setdefault(key, set()).update(chunk_terms)
        word_counts.update(words(f"{chunk.embed_text} {chunk.penjelasan}"))
    n = len(chunk_list)
    idf = {term: math.log((n + 1) / (count + 0.5)) for term, count in df.items()}
    frozen = {key: frozenset(value) for key, value in terms.items()}
    corpus_words = frozenset(word_counts)
    speller = Speller(word_counts)
    abbreviations = Abbreviations.from_texts((f"{c.text}\n{c.penjelasan or ''}" for c in chunk_list), speller.recognises, stop_words())
    return LoadedVersion(
        version, chunks, bm25, collection, by_unit, set(doc_nodes), frozen, idf, doc_nodes,
        lexicon=build_lexicon(chunk_list, corpus_words), vocabulary=corpus_words, speller=speller, abbreviations=abbreviations,
    )


def _open_vectors(settings: IndexSettings, version: IndexVersion, nodes: int) -> tuple[StoreHandle | None, str]:
    """The version's vector store, or None and why: a store that fails to open or to count
    leaves the version usable BM25-only (``degraded``)."""
    try:
        store = open_store(settings, version)
    except Exception as exc:
        reason = f"vector store of index {version.name} cannot be opened ({exc.__class__.__name__}: {exc})"
        log.error("%s; answering from BM25 only until `kb ingest` rebuilds it", reason)
        return None, reason
    try:
        count = store.collection.count()
    except Exception as exc:
        store.close()
        reason = f"vector store of index {version.name} cannot be read ({exc.__class__.__name__}: {exc})"
        log.error("%s; answering from BM25 only until `kb ingest` rebuilds it", reason)
        return None, reason
    if count != nodes:
        log.warning("vector store of index %s holds %d of %d nodes; run `kb ingest`", version.name, count, nodes)
        return store, f"vector store holds {count} of {nodes} nodes"
    return store, ""
