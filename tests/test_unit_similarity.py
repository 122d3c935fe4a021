"""Choosing the ayat to quote for a question that shares no word with the text (English)."""

from __future__ import annotations

import numpy as np

from kb_assistant.answer.extractive import best_units
from kb_assistant.answer.unit_similarity import UnitSimilarity
from kb_assistant.indexing.chunk import Chunk
from kb_assistant.indexing.text import analyse

TEXT = (
    "(1) Pengurus Taman Baca dipilih oleh warga desa.\n"
    "(2) Masa jabatan Pengurus Taman Baca paling lama 3 (tiga) tahun.\n"
    "(3) Pengurus Taman Baca melapor kepada Kepala Desa setiap tahun."
)


def _chunk(text: str = TEXT) -> Chunk:
    return Chunk(id="perdes-contoh:pasal-6", doc="perdes-contoh", doc_name="Perdes 1/2031", text=text, prefix="", pasal="6")


def test_without_shared_words_the_most_similar_unit_is_quoted() -> None:
    terms = set(analyse("How long is the term of office of the reading garden board?", drop_question_words=True))
    assert best_units(terms, _chunk())[0][0] == "1"  # no similarity: the units' order decides
    [(ayat, text, _)] = best_units(terms, _chunk(), similarity=lambda chunk: [0.2, 0.7, 0.4])
    assert ayat == "2" and text.startswith("(2) Masa jabatan")


def test_shared_words_decide_before_similarity() -> None:
    terms = set(analyse("Kepada siapa pengurus taman baca melapor?", drop_question_words=True))
    quoted = best_units(terms, _chunk(), limit=1, similarity=lambda chunk: [0.9, 0.1, 0.1])
    assert [ayat for ayat, _, _ in quoted] == ["3"]


class _FakeEmbedder:
    """Unit vectors by keyword; counts passage calls (the cache must spare the model)."""

    def __init__(self) -> None:
        self.passage_calls: list[tuple[list[str], list[str]]] = []
        self.adapted: list[bool] = []

    def embed_queries(self, texts: list[str], adapted: bool = True) -> np.ndarray:
        self.adapted.append(adapted)
        return np.array([[0.0, 1.0, 0.0]])

    def embed_passages(self, texts: list[str], titles: list[str] | None = None) -> np.ndarray:
        self.passage_calls.append((texts, titles or []))
        return np.array([[0.0, 1.0, 0.0] if "Masa jabatan" in t else [1.0, 0.0, 0.0] for t in texts])


def test_unit_vectors_carry_their_citation_as_title_and_are_cached() -> None:
    embedder = _FakeEmbedder()
    similarity = UnitSimilarity(embedder)
    assert similarity("how long is the term?", _chunk()) == [0.0, 1.0, 0.0]
    assert similarity("how long is the term?", _chunk()) == [0.0, 1.0, 0.0]
    assert len(embedder.passage_calls) == 1
    texts, titles = embedder.passage_calls[0]
    assert titles == ["Perdes 1/2031 Pasal 6 ayat (1)", "Perdes 1/2031 Pasal 6 ayat (2)", "Perdes 1/2031 Pasal 6 ayat (3)"]
    assert texts[1].startswith("(2) Masa jabatan")


def test_a_failing_model_leaves_the_first_unit_not_an_error() -> None:
    class Broken(_FakeEmbedder):
        def embed_queries(self, texts, adapted=True):
            raise RuntimeError("model unavailable")

    scores = UnitSimilarity(Broken())("how long?", _chunk())
    assert scores == [0.0, 0.0, 0.0]
    assert best_units(set(), _chunk(), similarity=lambda chunk: scores)[0][0] == "1"


def test_the_question_vector_follows_the_query_adapter_setting() -> None:
    embedder = _FakeEmbedder()
    similarity = UnitSimilarity(embedder)
    similarity("how long is the term?", _chunk())
    similarity("how long is the term?", _chunk(), adapted=False)  # retrieval.query_adapter = off
    assert embedder.adapted == [True, False]


def test_clear_forgets_the_units_vectors() -> None:
    embedder = _FakeEmbedder()
    similarity = UnitSimilarity(embedder)
    similarity("q", _chunk())
    similarity.clear()
    similarity("q", _chunk())
    assert len(embedder.passage_calls) == 2
