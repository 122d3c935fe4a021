"""Contrastive coverage: the question's terms weighted by how few of the candidates hold them.

Why: the candidates of one question are mostly neighbouring Pasal of one regulation, and they
share its vocabulary ("PNS", "pindah", "instansi"); corpus idf rates those words as rare, so
plain coverage scores the neighbours alike. Weighting each question term by its inverse
document frequency *among the candidates* (the BM25 idf, Robertson & Spärck Jones, computed over
the candidate set instead of the corpus) puts the weight on the words that tell the candidates
apart: "melaporkan" among Pasal that all name the Direksi. A term held by half the candidates or
more weighs nothing. One ranker feature; mean held-out MRR@10 over the four tuning sets, each
left out in turn, 0.875 -> 0.890 (hit@1 0.818 -> 0.838).
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def candidate_weights(terms: frozenset[str], candidates: Sequence[frozenset[str]]) -> dict[str, float]:
    """Each question term's idf over ``candidates`` (each a unit's term set), floored at zero."""
    n = len(candidates)
    weights = {}
    for term in terms:
        df = sum(term in unit for unit in candidates)
        weights[term] = max(0.0, math.log((n - df + 0.5) / (df + 0.5)))
    return weights


def contrastive_coverage(unit: frozenset[str], weights: dict[str, float]) -> float:
    """The share of the candidate-weighted question terms ``unit`` holds; 0 when no term tells
    the candidates apart."""
    total = sum(weights.values())
    if not total:
        return 0.0
    return sum(w for term, w in weights.items() if term in unit) / total
