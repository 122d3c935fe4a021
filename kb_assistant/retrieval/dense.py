"""Dense candidates: the embedder's query vector against the node vectors in scope."""

from __future__ import annotations

from kb_assistant.retrieval.analysis import QueryAnalysis


def dense_candidates(reader, embedder, analysis: QueryAnalysis, k: int) -> list[tuple[str, float]]:
    """(node id, cosine similarity) of the nearest ``k`` nodes in scope.

    The normalised question is embedded (the corpus expansions are for BM25: a multilingual
    model already relates an acronym to its name).
    """
    vector = embedder.embed_queries([analysis.normalised])[0]
    return reader.dense(vector, k, analysis.scope.docs)
