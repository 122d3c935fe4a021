"""`kb models fit-ranker`: fit the learned ranker's weights on the tuning QA sets.

Why listwise and cross-validated: per question the model puts a softmax over its candidate units
and maximises the probability of the gold ones (ListNet with the gold as target), so it learns
what ranks an answer first, not a per-unit relevance score. The L2 strength is chosen by leaving
one QA set (one author) out at a time: a weighting that only fits one author's wording scores
badly on the set it did not see. The final weights are fitted on all sets with that strength.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from kb_assistant.evaluation.configs import chunk_unit
from kb_assistant.evaluation.dataset import QAItem
from kb_assistant.evaluation.fit import toml_value
from kb_assistant.evaluation.metrics import hit_at
from kb_assistant.retrieval.ranker import FEATURE_NAMES, feature_rows

L2_CHOICES = (0.03, 0.1, 0.3, 1.0)
MRR_DEPTH = 10


@dataclass
class RankingQuery:
    """One answerable tuning question: its candidates' features and which are gold."""

    rows: np.ndarray  # candidates × features
    gold: np.ndarray  # bool per candidate
    keys: list[tuple[str, str]]  # (doc, unit) per candidate: the tie-break of a ranking
    part: str  # the QA set it came from


@dataclass
class RankerFit:
    weights: dict[str, float]
    l2: float
    cross_validation: dict[float, dict[str, tuple[float, float]]]  # l2 → held-out set → (MRR@10, hit@1)
    fitted: dict[str, tuple[float, float]]  # set → (MRR@10, hit@1) of the final weights (seen data)


def collect_queries(retriever, sets: dict[str, Sequence[QAItem]], progress: Callable[[], None] = lambda: None) -> list[RankingQuery]:
    """Each answerable question's hybrid candidates (before ranking) as a feature matrix."""
    queries = []
    repealing = retriever.manifest.repealing()
    for part, items in sets.items():
        for item in items:
            progress()
            if not item.answerable:
                continue
            found = retriever.candidates(item.question)
            targets = item.gold_targets()
            gold = [hit_at([chunk_unit(found.loaded.chunks[hit.node_ids[0]])], targets, 1) == 1.0 for hit in found.hits]
            rows = feature_rows(found.hits, found.analysis, found.loaded, repealing)
            queries.append(RankingQuery(np.array(rows, dtype=float).reshape(len(rows), len(FEATURE_NAMES)),
                                        np.array(gold, dtype=bool), [hit.key for hit in found.hits], part))
    return queries


def listwise_loss(weights: np.ndarray, queries: Iterable[RankingQuery], l2: float) -> tuple[float, np.ndarray]:
    """−Σ log P(gold | question) under a softmax over each question's candidates, plus l2·|w|²;
    and its gradient. A question whose candidates hold no gold unit teaches nothing and is skipped."""
    loss, gradient = l2 * float(weights @ weights), 2 * l2 * weights
    for query in queries:
        if not query.gold.any():
            continue
        scores = query.rows @ weights
        probabilities = np.exp(scores - scores.max())
        probabilities /= probabilities.sum()
        gold_mass = probabilities[query.gold].sum()
        loss -= float(np.log(gold_mass))
        posterior = np.where(query.gold, probabilities, 0.0) / gold_mass  # P(candidate | it is gold)
        gradient = gradient - query.rows.T @ (posterior - probabilities)
    return loss, gradient


def fit_weights(queries: Sequence[RankingQuery], l2: float) -> np.ndarray:
    """The weights minimising :func:`listwise_loss` (convex: L-BFGS from zero finds the optimum)."""
    start = np.zeros(len(FEATURE_NAMES))
    return minimize(listwise_loss, start, args=(queries, l2), jac=True, method="L-BFGS-B").x


def ranking_quality(weights: np.ndarray, queries: Sequence[RankingQuery]) -> tuple[float, float]:
    """(MRR@10, hit@1) of the weights' rankings; ties broken by unit key as the retriever does."""
    reciprocal, first = [], []
    for query in queries:
        scores = query.rows @ weights
        order = sorted(range(len(scores)), key=lambda i: (-scores[i], query.keys[i]))
        rank = next((n for n, i in enumerate(order[:MRR_DEPTH], start=1) if query.gold[i]), None)
        reciprocal.append(1.0 / rank if rank else 0.0)
        first.append(rank == 1)
    return (float(np.mean(reciprocal)), float(np.mean(first))) if queries else (0.0, 0.0)


def cross_validate(queries: Sequence[RankingQuery], l2_choices: Sequence[float] = L2_CHOICES) -> dict[float, dict[str, tuple[float, float]]]:
    """For each L2 strength, the quality on each QA set of weights fitted on the other sets."""
    parts = sorted({q.part for q in queries})
    if len(parts) < 2:
        raise ValueError("cross-validation needs at least two QA sets with answerable questions (one held out at a time)")
    result: dict[float, dict[str, tuple[float, float]]] = {}
    for l2 in l2_choices:
        result[l2] = {}
        for held in parts:
            weights = fit_weights([q for q in queries if q.part != held], l2)
            result[l2][held] = ranking_quality(weights, [q for q in queries if q.part == held])
    return result


def fit_ranker(queries: Sequence[RankingQuery], l2_choices: Sequence[float] = L2_CHOICES) -> RankerFit:
    """Choose L2 by the mean held-out MRR@10 (ties: the stronger regularisation), fit on all sets."""
    cv = cross_validate(queries, l2_choices)
    l2 = max(l2_choices, key=lambda c: (round(float(np.mean([m for m, _ in cv[c].values()])), 6), c))
    weights = fit_weights(queries, l2)
    fitted = {part: ranking_quality(weights, [q for q in queries if q.part == part]) for part in sorted({q.part for q in queries})}
    return RankerFit({name: round(float(w), 3) for name, w in zip(FEATURE_NAMES, weights)}, l2, cv, fitted)


def ranker_toml(model: str, fit: RankerFit, datasets: Sequence[str]) -> str:
    """The profile lines to paste into profiles.toml (`[<model>.tuning]`), with how they were fitted."""
    held = ", ".join(f"{part} {mrr:.3f}" for part, (mrr, _) in fit.cross_validation[fit.l2].items())
    lines = [
        f"[{model}.tuning]",
        f"# ranker fitted by `kb models fit-ranker` on {', '.join(datasets)} (listwise softmax, L2 {fit.l2} chosen by",
        f"# leaving one set out: held-out MRR@10 {held})",
        f'"retrieval.ranker_weights" = {toml_value(fit.weights)}',
    ]
    return "\n".join(lines)
