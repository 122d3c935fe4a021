"""Which ayat of a Pasal to quote when the question shares no word with the text.

An English question ("how long do agencies have …") has no term in common with the Indonesian
ayat, so word overlap cannot choose among them and the first ayat would be quoted. The embedding
model that found the Pasal relates the languages: each quotable unit is embedded (with the
model's passage prompt and the unit's citation as title) and compared with the question's vector,
which the retrieval has already computed (the embedder's query cache). Units' vectors are kept
for the last few hundred Pasal, so a repeated or follow-up question pays the model only once.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict

import numpy as np

from kb_assistant.indexing.chunk import Chunk
from kb_assistant.indexing.labels import citation_label

log = logging.getLogger(__name__)
CACHED_CHUNKS = 256


class UnitSimilarity:
    """``similarity(question, chunk)`` → one cosine per unit of ``chunk.units(quote=True)``."""

    def __init__(self, embedder, cached_chunks: int = CACHED_CHUNKS) -> None:
        self.embedder = embedder
        self.cached_chunks = cached_chunks
        self._vectors: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, question: str, chunk: Chunk, adapted: bool = True) -> list[float]:
        """``adapted``: the question's vector passes the model's query adapter, as retrieval's did
        (``retrieval.query_adapter``; this is asked for English questions only)."""
        units = chunk.units(quote=True)
        if len(units) < 2:
            return [1.0] * len(units)
        try:
            query = self.embedder.embed_queries([question], adapted=adapted)[0]
            return [float(x) for x in self._unit_vectors(chunk, units) @ query]
        except Exception as exc:  # the choice of ayat must not fail the answer: the first unit is quoted
            log.warning("unit similarity failed for %s: %s: %s", chunk.id, exc.__class__.__name__, exc)
            return [0.0] * len(units)

    def clear(self) -> None:
        """Forget the units' vectors (a benchmark measuring a question never asked before)."""
        with self._lock:
            self._vectors.clear()

    def _unit_vectors(self, chunk: Chunk, units: list[tuple[str | None, str]]) -> np.ndarray:
        key = (chunk.id, chunk.text)
        with self._lock:
            if key in self._vectors:
                self._vectors.move_to_end(key)
                return self._vectors[key]
        texts = [text for _, text in units]
        titles = [citation_label(chunk.doc_name, chunk.pasal, ayat) if chunk.pasal else chunk.label for ayat, _ in units]
        vectors = self.embedder.embed_passages(texts, titles=titles)  # a model without a title prompt ignores them
        with self._lock:
            self._vectors[key] = vectors
            while len(self._vectors) > self.cached_chunks:
                self._vectors.popitem(last=False)
        return vectors
