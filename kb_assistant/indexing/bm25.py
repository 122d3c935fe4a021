"""The lexical index: bm25s over the same nodes as Chroma, one BM25 per field, persisted beside it.

Fields: ``text`` (the passage), ``heading`` (document topic, BAB/Bagian/Paragraf titles, Pasal
number) and ``penjelasan`` (the official elucidation of the Pasal). Keeping them apart lets a
heading match count without a long heading drowning the passage's own words. A checksum of
the saved files is kept so a corrupt, half-written or outdated index is detected on load and
rebuilt from the node records instead of silently returning wrong results.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Iterable

import bm25s
import numpy as np

from kb_assistant.indexing.text import ANALYSER_VERSION, analyse

log = logging.getLogger(__name__)
CHECKSUM_FILE = "checksum.json"
IDS_FILE = "ids.json"
FORMAT_FILE = "format.json"
FIELDS = ("text", "heading", "penjelasan")
FORMAT = {"fields": list(FIELDS), "analyser": ANALYSER_VERSION}
EMPTY_PENJELASAN = {"cukup jelas", "cukup jelas."}


class BM25CorruptError(RuntimeError):
    """The saved BM25 files do not match their checksum, their format, or cannot be read."""


def field_texts(chunk) -> dict[str, str]:
    """What each field indexes for one node."""
    penjelasan = chunk.penjelasan if chunk.penjelasan.strip().lower() not in EMPTY_PENJELASAN else ""
    return {"text": chunk.text, "heading": chunk.prefix, "penjelasan": penjelasan}


class BM25Index:
    def __init__(self, ids: list[str], retrievers: dict[str, bm25s.BM25]) -> None:
        self.ids = ids
        self._retrievers = retrievers
        self._vocab = {name: r.vocab_dict or {} for name, r in retrievers.items()}

    @classmethod
    def build(cls, ids: list[str], texts: list[str] | dict[str, list[str]]) -> "BM25Index":
        """One BM25 per field; plain ``texts`` index a single ``text`` field."""
        fields = texts if isinstance(texts, dict) else {"text": texts}
        retrievers = {}
        for name, values in fields.items():
            tokens = [analyse(value) or ["_empty_"] for value in values] or [["_empty_"]]
            retriever = bm25s.BM25()
            retriever.index(tokens, show_progress=False)
            retrievers[name] = retriever
        return cls(list(ids), retrievers)

    @classmethod
    def from_chunks(cls, chunks: Iterable) -> "BM25Index":
        chunks = list(chunks)
        fields: dict[str, list[str]] = {name: [] for name in FIELDS}
        for chunk in chunks:
            for name, value in field_texts(chunk).items():
                fields[name].append(value)
        return cls.build([c.id for c in chunks], fields)

    @property
    def fields(self) -> list[str]:
        return list(self._retrievers)

    def search(self, query: str, k: int, allowed: set[str] | None = None, weights: dict[str, float] | None = None) -> list[tuple[str, float]]:
        """Top ``k`` (node id, weighted field score sum), restricted to ``allowed`` ids when given."""
        tokens = analyse(query, drop_question_words=True)
        if not tokens or not self.ids:
            return []
        scores = np.zeros(len(self.ids), dtype=np.float32)
        for name, retriever in self._retrievers.items():
            weight = (weights or {}).get(name, 1.0)
            known = [t for t in tokens if t in self._vocab[name]]
            if weight and known:
                scores += weight * np.asarray(retriever.get_scores(known), dtype=np.float32)[: len(self.ids)]
        if allowed is not None:
            mask = np.fromiter((node_id in allowed for node_id in self.ids), dtype=bool, count=len(self.ids))
            scores = np.where(mask, scores, 0.0)
        top = np.argsort(-scores)[:k]
        return [(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name, retriever in self._retrievers.items():
            retriever.save(str(folder / name), show_progress=False)
        (folder / IDS_FILE).write_text(json.dumps(self.ids), encoding="utf-8")
        (folder / FORMAT_FILE).write_text(json.dumps(FORMAT | {"fields": self.fields}), encoding="utf-8")
        (folder / CHECKSUM_FILE).write_text(json.dumps(_checksums(folder)), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "BM25Index":
        try:
            expected = json.loads((folder / CHECKSUM_FILE).read_text(encoding="utf-8"))
            if expected != _checksums(folder):
                raise BM25CorruptError(f"{folder}: BM25 files do not match their checksum")
            saved = json.loads((folder / FORMAT_FILE).read_text(encoding="utf-8"))
            if saved.get("analyser") != ANALYSER_VERSION:
                raise BM25CorruptError(f"{folder}: BM25 index built with another analyser")
            ids = json.loads((folder / IDS_FILE).read_text(encoding="utf-8"))
            retrievers = {name: bm25s.BM25.load(str(folder / name), show_progress=False) for name in saved["fields"]}
        except BM25CorruptError:
            raise
        except Exception as exc:  # any unreadable file means the index must be rebuilt
            raise BM25CorruptError(f"{folder}: BM25 index unreadable ({exc.__class__.__name__}: {exc})") from exc
        return cls(ids, retrievers)


def _checksums(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != CHECKSUM_FILE
    }
