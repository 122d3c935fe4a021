"""Read side of the index: the CURRENT version's nodes, BM25 and Chroma collection.

A reader re-checks the CURRENT pointer before each search and swaps to a new version only
once it is fully loaded, so answers always come from the last complete index, even while an
ingest runs in another thread or process.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kb_assistant.indexing.bm25 import BM25CorruptError, BM25Index
from kb_assistant.indexing.chunk import Chunk
from kb_assistant.indexing.pipeline import read_chunks
from kb_assistant.retrieval.lexicon import Lexicon, build_lexicon
from kb_assistant.retrieval.text import analyse, words
from kb_assistant.retrieval.units import unit_key
from kb_assistant.indexing.store import (
    CURRENT_FILE,
    IndexUnavailableError,
    IndexVersion,
    current_version,
    open_collection,
)
from kb_assistant.settings import IndexSettings

log = logging.getLogger(__name__)


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
    cache: dict = field(default_factory=dict)  # per-version caches of the stages (structure maps)
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

    def idf_of(self, term: str) -> float:
        """Unseen terms weigh as much as the rarest ones: they are what the corpus lacks."""
        return self.idf.get(term, self._max_idf)

    @property
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

    def node_terms(self, node_id: str) -> frozenset[str]:
        """Analysed terms of one node (text, headings, Penjelasan), computed once per version."""
        key = ("node", node_id)
        cached = self.cache.get(key)
        if cached is None:
            chunk = self.chunks[node_id]
            cached = self.cache[key] = frozenset(analyse(f"{chunk.embed_text}\n{chunk.penjelasan}"))
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
            return loaded
        with self._lock:
            version = current_version(self.settings)
            if version is None:
                if self._loaded is not None:
                    return self._loaded
                raise IndexUnavailableError("No index has been built yet: run `kb ingest` (or `make run`).")
            if self._loaded is None or self._loaded.version.name != version.name:
                self._loaded = load_version(self.settings, version)
            self._pointer_mtime = mtime
            return self._loaded

    def dense(self, query_vector: np.ndarray, k: int, docs: set[str] | None) -> list[tuple[str, float]]:
        """(node id, cosine similarity) of the nearest nodes, within ``docs`` when given."""
        loaded = self.get()
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
            raise IndexUnavailableError(f"Vector store query failed ({exc.__class__.__name__}: {exc})") from exc
        ids = result["ids"][0]
        distances = result["distances"][0]
        return [(node_id, 1.0 - float(d)) for node_id, d in zip(ids, distances)]

    def lexical(self, query: str, k: int, docs: set[str] | None, weights: dict[str, float] | None = None) -> list[tuple[str, float]]:
        loaded = self.get()
        allowed = None
        if docs is not None:
            allowed = loaded.nodes_of(docs)
        return loaded.bm25.search(query, k, allowed, weights)


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
    try:
        collection = open_collection(settings, version)
    except IndexUnavailableError:
        raise
    except Exception as exc:
        raise IndexUnavailableError(f"Cannot open the vector store of index {version.name} ({exc.__class__.__name__}: {exc})") from exc
    return assemble(version, chunk_list, bm25, collection)


def assemble(version, chunk_list: list[Chunk], bm25: BM25Index | None = None, collection=None) -> LoadedVersion:
    """The in-memory maps of one version: units, term sets, idf, corpus lexicon and vocabulary."""
    chunks = {c.id: c for c in chunk_list}
    bm25 = bm25 or BM25Index.from_chunks(chunk_list)
    by_unit: dict[tuple[str, str], list[str]] = {}
    terms: dict[tuple[str, str], set[str]] = {}
    df: Counter[str] = Counter()
    vocabulary: set[str] = set()
    doc_nodes: dict[str, list[str]] = {}
    for chunk in chunk_list:
        key = (chunk.doc, unit_key(chunk))
        by_unit.setdefault(key, []).append(chunk.id)
        doc_nodes.setdefault(chunk.doc, []).append(chunk.id)
        chunk_terms = set(analyse(f"{chunk.embed_text}\n{chunk.penjelasan}"))
        df.update(chunk_terms)
        terms.setdefault(key, set()).update(chunk_terms)
        vocabulary.update(words(f"{chunk.embed_text} {chunk.penjelasan}"))
    n = len(chunk_list)
    idf = {term: math.log((n + 1) / (count + 0.5)) for term, count in df.items()}
    frozen = {key: frozenset(value) for key, value in terms.items()}
    return LoadedVersion(
        version, chunks, bm25, collection, by_unit, set(doc_nodes), frozen, idf, doc_nodes,
        lexicon=build_lexicon(chunk_list), vocabulary=frozenset(vocabulary),
    )
