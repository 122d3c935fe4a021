"""Retrieval, answer and refusal metrics over citable units (Pasal or Lampiran/guide section).

Systems return passages at node level (one Pasal may appear once per ayat, a long section once per
part), but the gold and the user-facing unit is the Pasal or section, so every ranking is first
reduced to distinct units keeping the first occurrence; ranks count those units. A unit is judged
against the three gold forms by :func:`.gold.matches`; each gold reference is credited once.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from statistics import fmean

import numpy as np
from pydantic import BaseModel, Field, field_validator

from .dataset import GoldRef, QAItem
from .gold import Unit, as_unit, dedupe, matches

__all__ = [
    "SystemOutput", "Unit", "dedupe", "hit_at", "recall_at", "mrr_at", "ndcg_at", "citation_precision",
    "citation_recall", "ayat_matches", "token_f1", "summarize",
]
CURVE_K = 10


class SystemOutput(BaseModel):
    """What a configuration under test returns for one question.

    Defined here because the metrics are what read it; ``runner`` re-exports it.
    """

    ranked: list[Unit] = Field(default_factory=list, description="Units in result order; (doc, pasal) pairs accepted; repeats allowed.")
    cited: list[Unit] = Field(default_factory=list, description="Units of the answer's citations.")
    cited_ayat: list[tuple[str, str, str]] = Field(default_factory=list, description="(doc, pasal, ayat) of the citations that name an ayat.")
    refused: bool = False
    latency_ms: float | None = Field(None, description="None: the runner fills in the wall-clock time of the call.")
    answer: str = ""
    retrieved_labels: list[str] = Field(default_factory=list, description="Human-readable labels for the failure listing.")
    faithfulness: float | None = None
    citation_validity: float | None = None
    error: str | None = Field(None, description="Set by the runner when the configuration raised: counted as an error, never as a refusal.")

    @field_validator("ranked", "cited", mode="before")
    @classmethod
    def _as_units(cls, values: Iterable) -> list[Unit]:
        return [as_unit(v) for v in values]


def _golds(gold: Iterable[GoldRef | tuple]) -> list[GoldRef]:
    """Gold references; (doc, pasal) pairs and (doc,) are accepted for brevity."""
    out: dict[tuple, GoldRef] = {}
    for g in gold:
        ref = g if isinstance(g, GoldRef) else GoldRef(doc=g[0], pasal=g[1] if len(g) > 1 else None)
        out.setdefault(ref.ident, ref)
    return list(out.values())


def _credited(units: Sequence[Unit], golds: Sequence[GoldRef]) -> list[bool]:
    """For each unit in rank order, whether it adds a gold reference to the credited set.

    Each gold is credited once and each unit credits at most one gold; the assignment is a maximum
    matching of every prefix (augmenting paths), so a unit matching both a document gold and a section
    gold does not use up the one a later unit could not satisfy.
    """
    owner: dict[int, int] = {}  # gold index -> unit index holding it

    def augment(u: int, seen: set[int]) -> bool:
        for g, ref in enumerate(golds):
            if g in seen or not matches(ref, units[u]):
                continue
            seen.add(g)
            if g not in owner or augment(owner[g], seen):
                owner[g] = u
                return True
        return False

    return [augment(u, set()) for u in range(len(units))]


def _relevant(unit: Unit, golds: Sequence[GoldRef]) -> bool:
    return any(matches(g, unit) for g in golds)


def hit_at(ranked: Sequence, gold: Iterable, k: int) -> float:
    golds = _golds(gold)
    return 1.0 if any(_relevant(u, golds) for u in dedupe(ranked)[:k]) else 0.0


def recall_at(ranked: Sequence, gold: Iterable, k: int) -> float:
    golds = _golds(gold)
    if not golds:
        return 0.0
    return sum(_credited(dedupe(ranked)[:k], golds)) / len(golds)


def mrr_at(ranked: Sequence, gold: Iterable, k: int = 10) -> float:
    golds = _golds(gold)
    for rank, unit in enumerate(dedupe(ranked)[:k], start=1):
        if _relevant(unit, golds):
            return 1.0 / rank
    return 0.0


def ndcg_at(ranked: Sequence, gold: Iterable, k: int = 10) -> float:
    """Binary relevance, each gold credited once; the ideal puts min(#gold, k) relevant units first."""
    golds = _golds(gold)
    if not golds:
        return 0.0
    credited = _credited(dedupe(ranked)[:k], golds)
    dcg = sum(1.0 / math.log2(rank + 1) for rank, gain in enumerate(credited, start=1) if gain)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(golds), k) + 1))
    return dcg / ideal


def citation_precision(cited: Sequence, gold: Iterable) -> float:
    """Share of distinct cited units that match a gold reference; an answer citing nothing scores 0."""
    distinct = dedupe(cited)
    if not distinct:
        return 0.0
    golds = _golds(gold)
    return sum(_relevant(u, golds) for u in distinct) / len(distinct)


def ayat_matches(cited: Sequence, cited_ayat: Sequence[tuple[str, str, str]], gold: Iterable) -> tuple[int, int]:
    """(gold ayat quoted, gold ayat whose Pasal the answer cites): whether the answer quotes the
    ayat that answers, not only its Pasal. Golds without an ayat are not counted."""
    cited_pasal = {as_unit(u).ident for u in cited}
    quoted = {(doc, pasal, ayat) for doc, pasal, ayat in cited_ayat}
    cases = [g for g in gold if isinstance(g, GoldRef) and g.pasal and g.ayat and (g.doc, g.pasal) in cited_pasal]
    return sum((g.doc, g.pasal, g.ayat) in quoted for g in cases), len(cases)


def citation_recall(cited: Sequence, gold: Iterable) -> float:
    golds = _golds(gold)
    if not golds:
        return 0.0
    return sum(any(matches(g, u) for u in dedupe(cited)) for g in golds) / len(golds)


def tokens(text: str) -> list[str]:
    """Lowercased word tokens; punctuation dropped (no English article removal: the corpus is Indonesian)."""
    return re.findall(r"\w+", text.lower())


def token_f1(prediction: str, reference: str) -> float:
    """SQuAD-style bag-of-tokens F1."""
    pred, ref = tokens(prediction), tokens(reference)
    if not pred or not ref:
        return float(pred == ref)
    overlap = sum((Counter(pred) & Counter(ref)).values())
    if overlap == 0:
        return 0.0
    precision, recall = overlap / len(pred), overlap / len(ref)
    return 2 * precision * recall / (precision + recall)


def percentile(values: Sequence[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


def _ratio(pairs: Sequence[tuple[int, int]]) -> float | None:
    """Σ hits / Σ cases; None when nothing was counted."""
    cases = sum(n for _, n in pairs)
    return sum(k for k, _ in pairs) / cases if cases else None


def _mean(values: Sequence[float]) -> float | None:
    return fmean(values) if values else None


def retrieval_metrics(items: Sequence[QAItem], outputs: Sequence[SystemOutput]) -> dict:
    """Averages over answerable questions (refused ones included: retrieval is judged on its own;
    a question whose call raised retrieved nothing and scores 0)."""
    pairs = [(it.gold_targets(), out.ranked) for it, out in zip(items, outputs) if it.answerable]
    curve = [_mean([hit_at(r, g, k) for g, r in pairs]) for k in range(1, CURVE_K + 1)]
    return {
        "n": len(pairs),
        "hit@1": curve[0],
        "hit@5": curve[4],
        "hit@10": curve[9],
        "recall@5": _mean([recall_at(r, g, 5) for g, r in pairs]),
        "mrr@10": _mean([mrr_at(r, g, 10) for g, r in pairs]),
        "ndcg@10": _mean([ndcg_at(r, g, 10) for g, r in pairs]),
        "hit_curve": curve if pairs else [],
    }


def answer_metrics(items: Sequence[QAItem], outputs: Sequence[SystemOutput]) -> dict:
    """Averages over answerable questions the system answered (not refused, no error)."""
    answered = [(it, out) for it, out in zip(items, outputs) if it.answerable and not out.refused and not out.error]
    return {
        "n": len(answered),
        "citation_precision": _mean([citation_precision(o.cited, it.gold_targets()) for it, o in answered]),
        "citation_recall": _mean([citation_recall(o.cited, it.gold_targets()) for it, o in answered]),
        "ayat_accuracy": _ratio([ayat_matches(o.cited, o.cited_ayat, it.gold) for it, o in answered]),
        "token_f1": _mean([token_f1(o.answer, it.answer) for it, o in answered if it.answer]),
        "faithfulness": _mean([o.faithfulness for _, o in answered if o.faithfulness is not None]),
        "citation_validity": _mean([o.citation_validity for _, o in answered if o.citation_validity is not None]),
    }


def refusal_metrics(items: Sequence[QAItem], outputs: Sequence[SystemOutput]) -> dict:
    """Over all questions: refusing is right exactly when the question is unanswerable.

    A question whose call raised is wrong whatever it was: an error is not a refusal.
    """
    pairs = [(it, out) for it, out in zip(items, outputs)]
    ok = [(it, out) for it, out in pairs if not out.error]
    return {
        "accuracy": _mean([float(not out.error and out.refused != it.answerable) for it, out in pairs]),
        "false_refusals": sum(it.answerable and out.refused for it, out in ok),
        "false_answers": sum(not it.answerable and not out.refused for it, out in ok),
    }


def error_metrics(items: Sequence[QAItem], outputs: Sequence[SystemOutput]) -> dict:
    """Questions whose call raised: how many, and which (id and message)."""
    listed = [{"id": it.id, "error": out.error} for it, out in zip(items, outputs) if out.error]
    return {"count": len(listed), "questions": listed}


def per_question_scores(items: Sequence[QAItem], outputs: Sequence[SystemOutput]) -> dict[str, list[float | None]]:
    """Each question's own score, in item order, for the figures that get bootstrap intervals
    (``uncertainty``); None where the figure does not count the question. Their means are the
    figures above: hit@1 and MRR@10 over answerable questions, citation precision over those
    answered, refusal correctness over all."""
    scores: dict[str, list[float | None]] = {"hit@1": [], "mrr@10": [], "citation_precision": [], "refusal": []}
    for it, out in zip(items, outputs):
        gold = it.gold_targets() if it.answerable else None
        answered = gold is not None and not out.refused and not out.error
        scores["hit@1"].append(None if gold is None else hit_at(out.ranked, gold, 1))
        scores["mrr@10"].append(None if gold is None else mrr_at(out.ranked, gold, 10))
        scores["citation_precision"].append(citation_precision(out.cited, gold) if answered else None)
        scores["refusal"].append(float(not out.error and out.refused != it.answerable))
    return scores


def _section(items: Sequence[QAItem], outputs: Sequence[SystemOutput]) -> dict:
    return {
        "retrieval": retrieval_metrics(items, outputs),
        "answer": answer_metrics(items, outputs),
        "refusal": refusal_metrics(items, outputs),
        "errors": error_metrics(items, outputs),
    }


def summarize(items: Sequence[QAItem], outputs: Sequence[SystemOutput]) -> dict:
    """All metrics of one configuration, overall and per question type."""
    latencies = [out.latency_ms for out in outputs if out.latency_ms is not None]
    by_type: dict[str, dict] = {}
    for qtype in dict.fromkeys(it.type for it in items):
        idx = [i for i, it in enumerate(items) if it.type == qtype]
        by_type[qtype] = {"n": len(idx)} | _section([items[i] for i in idx], [outputs[i] for i in idx])
    return _section(items, outputs) | {
        # values kept so the report can draw the latency histogram
        "latency_ms": {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95), "values": latencies},
        "by_type": by_type,
        "per_question": per_question_scores(items, outputs),
    }
