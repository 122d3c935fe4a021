"""The lexical index: bm25s over the same nodes as Chroma, persisted beside it.

A checksum of the saved files is kept so a corrupt or half-written BM25 index is detected on
load and rebuilt from the node records instead of silently returning wrong results.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import bm25s
import numpy as np

from kb_assistant.retrieval.text import analyse

log = logging.getLogger(__name__)
CHECKSUM_FILE = "checksum.json"
IDS_FILE = "ids.json"


class BM25CorruptError(RuntimeError):
    """The saved BM25 files do not match their checksum or cannot be read."""


class BM25Index:
    def __init__(self, ids: list[str], retriever: bm25s.BM25) -> None:
        self.ids = ids
        self._retriever = retriever
        self._vocab: dict[str, int] = retriever.vocab_dict or {}
        self._position = {node_id: i for i, node_id in enumerate(ids)}

    @classmethod
    def build(cls, ids: list[str], texts: list[str]) -> "BM25Index":
        retriever = bm25s.BM25()
        tokens = [analyse(text) or ["_empty_"] for text in texts]
        if not tokens:
            tokens = [["_empty_"]]
        retriever.index(tokens, show_progress=False)
        return cls(list(ids), retriever)

    def search(self, query: str, k: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        """Top ``k`` (node id, score) for the query, restricted to ``allowed`` ids when given."""
        tokens = [t for t in analyse(query, drop_question_words=True) if t in self._vocab]
        if not tokens or not self.ids:
            return []
        scores = np.asarray(self._retriever.get_scores(tokens), dtype=np.float32)[: len(self.ids)]
        if allowed is not None:
            mask = np.fromiter((node_id in allowed for node_id in self.ids), dtype=bool, count=len(self.ids))
            scores = np.where(mask, scores, 0.0)
        top = np.argsort(-scores)[:k]
        return [(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._retriever.save(str(folder), show_progress=False)
        (folder / IDS_FILE).write_text(json.dumps(self.ids), encoding="utf-8")
        (folder / CHECKSUM_FILE).write_text(json.dumps(_checksums(folder)), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "BM25Index":
        try:
            expected = json.loads((folder / CHECKSUM_FILE).read_text(encoding="utf-8"))
            if expected != _checksums(folder):
                raise BM25CorruptError(f"{folder}: BM25 files do not match their checksum")
            ids = json.loads((folder / IDS_FILE).read_text(encoding="utf-8"))
            retriever = bm25s.BM25.load(str(folder), show_progress=False)
        except BM25CorruptError:
            raise
        except Exception as exc:  # any unreadable file means the index must be rebuilt
            raise BM25CorruptError(f"{folder}: BM25 index unreadable ({exc.__class__.__name__}: {exc})") from exc
        return cls(ids, retriever)


def _checksums(folder: Path) -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.iterdir())
        if path.is_file() and path.name != CHECKSUM_FILE
    }
