"""Dense candidates: the embedder's query vector against the node vectors in scope."""

from __future__ import annotations

from kb_assistant.retrieval.analysis import QueryAnalysis


def dense_candidates(reader, embedder, analysis: QueryAnalysis, k: int, broader: bool = False, adapter: str = "off") -> list[tuple[str, float]]:
    """(node id, cosine similarity) of the nearest ``k`` nodes in scope.

    The normalised question is embedded (the corpus expansions are for BM25: a multilingual
    model already relates an acronym to its name). With ``broader``, the question in its broader
    defined terms is embedded too (a model does not know that the rights of a "Pegawai ASN" are
    those of a PPPK); each node keeps its better cosine. ``adapter`` (``retrieval.query_adapter``)
    says whether the model's query adapter applies to this question: english, all or off.
    """
    texts = [analysis.normalised] + ([analysis.generalised] if broader and analysis.generalised else [])
    vectors = embedder.embed_queries(texts, adapted=adapter_applies(adapter, analysis.english))
    best: dict[str, float] = {}
    for vector in vectors:
        for node_id, score in reader.dense(vector, k, analysis.scope.docs):
            best[node_id] = max(score, best.get(node_id, score))
    return sorted(best.items(), key=lambda item: -item[1])[:k]


def adapter_applies(setting: str, english: bool) -> bool:
    """Whether ``retrieval.query_adapter`` (english | all | off) applies the model's query adapter to
    a question; the one rule for every stage that embeds the question."""
    return setting == "all" or (setting == "english" and english)
