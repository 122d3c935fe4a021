"""Lexical candidates: field-weighted BM25 over the question with its corpus expansions."""

from __future__ import annotations

from kb_assistant.retrieval.analysis import QueryAnalysis
from kb_assistant.settings import RetrievalSettings


def lexical_candidates(reader, analysis: QueryAnalysis, k: int, settings: RetrievalSettings) -> list[tuple[str, float]]:
    """(node id, BM25 score) of the best ``k`` nodes in scope."""
    weights = {"text": 1.0, "heading": settings.heading_weight, "penjelasan": settings.penjelasan_weight}
    return reader.lexical(analysis.lexical_text, k, analysis.scope.docs, weights)
