"""Rescore fused units on evidence: BM25 strength, term coverage, structural match, best ayat.

RRF ranks well but ties at the top; adding the max-normalised BM25 score, the share of the
question's idf-weighted terms the unit holds, and a bonus for a structural match (the
definition asked for, the clause a status/time question needs) breaks the ties on evidence.
Then the head is reordered by how well a single ayat or sentence covers the question.
"""

from __future__ import annotations

from collections.abc import Callable

from kb_assistant.indexing.chunk import unit_lead
from kb_assistant.indexing.text import analyse
from kb_assistant.retrieval.analysis import QueryAnalysis
from kb_assistant.retrieval.fusion import ranking_key
from kb_assistant.retrieval.units import PasalHit
from kb_assistant.settings import RetrievalSettings

BONUS = {"definition": 1.0, "time": 1.0, "status": 0.6, "status-named": 1.0}
# the settings only this rescoring and its rank fusion read: inert when a learned ranker ranks
RESCORING_SETTINGS = ("rrf_k", "dense_weight", "bm25_weight", "bm25_score_weight", "dense_score_weight", "coverage_weight",
                      "intent_weight", "definition_penalty", "rerank_depth", "unit_weight")


def hit_terms(hit: PasalHit, loaded) -> frozenset[str]:
    """The terms a hit offers as evidence: the whole unit, except for a list of definitions
    (Ketentuan Umum), where only the matched definitions count — the union of fifty unrelated
    definitions would cover any question."""
    if is_definition(hit, loaded):
        return frozenset().union(*(loaded.node_terms(n) for n in hit.node_ids if n in loaded.chunks))
    return loaded.terms.get(hit.key, frozenset())


def term_coverage(hits: list[PasalHit], loaded, terms: frozenset[str]) -> float:
    """Share of the question's idf-weighted terms found in these hits."""
    return loaded.coverage_of_terms(set(terms), frozenset().union(*(hit_terms(h, loaded) for h in hits)))


def unit_coverage(hit: PasalHit, loaded, terms: frozenset[str]) -> float:
    """The best share of the question's terms within one ayat or sentence of the unit."""
    if hit.unit_coverage is None:
        hit.unit_coverage = max(
            (loaded.coverage_of_terms(set(terms), unit_terms) for node_id in unit_nodes(hit, loaded)
             for unit_terms in loaded.unit_terms(node_id)),
            default=0.0,
        )
    return hit.unit_coverage


def lead_coverage(hit: PasalHit, loaded, terms: frozenset[str]) -> float:
    """The best share of the question's terms in the lead of one ayat or sentence of the unit
    (a list's lead, else the first sentence: :func:`~kb_assistant.indexing.chunk.unit_lead`)."""
    cache = loaded.cache.setdefault("lead_terms", {})
    best = 0.0
    for node_id in unit_nodes(hit, loaded):
        if node_id not in cache:
            cache[node_id] = [frozenset(analyse(unit_lead(text))) for _, text in loaded.chunks[node_id].units()]
        best = max([best, *(loaded.coverage_of_terms(set(terms), lead) for lead in cache[node_id])])
    return best


def rescore(hits: list[PasalHit], analysis: QueryAnalysis, loaded, settings: RetrievalSettings) -> list[PasalHit]:
    if not hits:
        return hits
    top_rrf = max(h.score for h in hits) or 1.0
    top_bm25 = max(h.bm25 for h in hits) or 1.0
    scaled_dense = dense_scale(hits)
    penalty = 0.0 if analysis.definition_term else settings.definition_penalty
    for hit in hits:
        bonus = max((BONUS.get(source, 0.0) for source in hit.sources), default=0.0)
        hit.score = (
            hit.score / top_rrf
            + settings.bm25_score_weight * hit.bm25 / top_bm25
            + settings.dense_score_weight * scaled_dense(hit)
            + settings.coverage_weight * term_coverage([hit], loaded, analysis.terms)
            + settings.intent_weight * bonus
            - (penalty if is_definition(hit, loaded) else 0.0)
        )
    hits.sort(key=ranking_key)
    return rerank_head(hits, analysis, loaded, settings)


def is_definition(hit: PasalHit, loaded) -> bool:
    """Whether the hit is a Ketentuan Umum definition (its best node is one)."""
    first = loaded.chunks.get(hit.node_ids[0]) if hit.node_ids else None
    return first is not None and first.kind == "definition"


def dense_scale(hits: list[PasalHit]) -> Callable[[PasalHit], float]:
    """A hit's cosine rescaled to 0-1 over the dense candidates among ``hits`` (0 for a hit the
    dense channel did not find): the spread, not the model's absolute cosine level, carries the
    signal (E5 crowds in 0.80-0.95, Gemma spreads over 0.2-0.7)."""
    found = [h.dense for h in hits if "dense" in h.sources]
    low, high = (min(found), max(found)) if found else (0.0, 0.0)
    span = high - low
    return lambda hit: (hit.dense - low) / span if span > 0 and "dense" in hit.sources else 0.0


def rerank_head(hits: list[PasalHit], analysis: QueryAnalysis, loaded, settings: RetrievalSettings) -> list[PasalHit]:
    """Reorder the first few units by how well their best ayat or sentence covers the question.

    A whole Pasal can match a question's words spread over unrelated ayat; the Pasal whose
    single ayat holds them is the one to cite.
    """
    head = hits[: settings.rerank_depth]
    if len(head) < 2 or settings.unit_weight <= 0:
        return hits
    top = head[0].score or 1.0
    for hit in head:
        hit.score = hit.score + top * settings.unit_weight * unit_coverage(hit, loaded, analysis.terms)
    head.sort(key=ranking_key)
    return head + hits[len(head):]


def unit_nodes(hit: PasalHit, loaded) -> list[str]:
    """The nodes a unit is judged by: all of a split Pasal's, only the matched entries of a
    Ketentuan Umum (a definition is evidence for its own term, not for every term defined)."""
    if is_definition(hit, loaded):
        return hit.node_ids
    return loaded.by_unit.get(hit.key) or hit.node_ids
