"""Retrieval, answer and refusal metrics at Pasal level.

Systems return passages at node level (one Pasal may appear once per ayat), but the gold and the
user-facing unit is the Pasal, so every ranking is first reduced to distinct (doc, pasal) pairs
keeping the first occurrence; ranks count those pairs.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from statistics import fmean

import numpy as np
from pydantic import BaseModel, Field, field_validator

from .dataset import QAItem

Key = tuple[str, str]
CURVE_K = 10


class SystemOutput(BaseModel):
    """What a configuration under test returns for one question.

    Defined here because the metrics are what read it; ``runner`` re-exports it.
    """

    ranked: list[Key] = Field(default_factory=list, description="(doc, pasal) in result order; repeats allowed.")
    cited: list[Key] = Field(default_factory=list, description="(doc, pasal) of the answer's citations.")
    refused: bool = False
    latency_ms: float | None = Field(None, description="None: the runner fills in the wall-clock time of the call.")
    answer: str = ""
    retrieved_labels: list[str] = Field(default_factory=list, description="Human-readable labels for the failure listing.")
    faithfulness: float | None = None
    citation_validity: float | None = None
    error: str | None = Field(None, description="Set by the runner when the configuration raised.")

    @field_validator("ranked", "cited", mode="before")
    @classmethod
    def _as_keys(cls, pairs: Iterable) -> list[Key]:
        # Passage.pasal / Citation.pasal may be None (preamble) or a number; never equal to gold then.
        return [(str(doc).strip(), "" if pasal is None else str(pasal).strip()) for doc, pasal in pairs]


def dedupe(pairs: Iterable[Key]) -> list[Key]:
    """Distinct pairs, first occurrence kept, order preserved."""
    return list(dict.fromkeys(pairs))


def hit_at(ranked: Sequence[Key], gold: Iterable[Key], k: int) -> float:
    gold_set = set(gold)
    return 1.0 if any(key in gold_set for key in dedupe(ranked)[:k]) else 0.0


def recall_at(ranked: Sequence[Key], gold: Iterable[Key], k: int) -> float:
    gold_set = set(gold)
    if not gold_set:
        return 0.0
    return len(gold_set.intersection(dedupe(ranked)[:k])) / len(gold_set)


def mrr_at(ranked: Sequence[Key], gold: Iterable[Key], k: int = 10) -> float:
    gold_set = set(gold)
    for rank, key in enumerate(dedupe(ranked)[:k], start=1):
        if key in gold_set:
            return 1.0 / rank
    return 0.0


def ndcg_at(ranked: Sequence[Key], gold: Iterable[Key], k: int = 10) -> float:
    """Binary relevance; the ideal ranking puts min(#gold, k) relevant Pasal first."""
    gold_set = set(gold)
    if not gold_set:
        return 0.0
    dcg = sum(1.0 / math.log2(rank + 1) for rank, key in enumerate(dedupe(ranked)[:k], start=1) if key in gold_set)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(gold_set), k) + 1))
    return dcg / ideal


def citation_precision(cited: Sequence[Key], gold: Iterable[Key]) -> float:
    """Share of distinct cited Pasal that are gold; an answer citing nothing scores 0."""
    distinct = dedupe(cited)
    if not distinct:
        return 0.0
    gold_set = set(gold)
    return sum(key in gold_set for key in distinct) / len(distinct)


def citation_recall(cited: Sequence[Key], gold: Iterable[Key]) -> float:
    gold_set = set(gold)
    if not gold_set:
        return 0.0
    return len(gold_set.intersection(cited)) / len(gold_set)


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


def _mean(values: Sequence[float]) -> float | None:
    return fmean(values) if values else None


def retrieval_metrics(items: Sequence[QAItem], outputs: Sequence[SystemOutput]) -> dict:
    """Averages over answerable questions (refused ones included: retrieval is judged on its own)."""
    pairs = [(it.gold_pasal(), out.ranked) for it, out in zip(items, outputs) if it.answerable]
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
    """Averages over answerable questions the system did not refuse."""
    answered = [(it, out) for it, out in zip(items, outputs) if it.answerable and not out.refused]
    return {
        "n": len(answered),
        "citation_precision": _mean([citation_precision(o.cited, it.gold_pasal()) for it, o in answered]),
        "citation_recall": _mean([citation_recall(o.cited, it.gold_pasal()) for it, o in answered]),
        "token_f1": _mean([token_f1(o.answer, it.answer) for it, o in answered]),
        "faithfulness": _mean([o.faithfulness for _, o in answered if o.faithfulness is not None]),
        "citation_validity": _mean([o.citation_validity for _, o in answered if o.citation_validity is not None]),
    }


def refusal_metrics(items: Sequence[QAItem], outputs: Sequence[SystemOutput]) -> dict:
    """Over all questions: refusing is right exactly when the question is unanswerable."""
    pairs = list(zip(items, outputs))
    return {
        "accuracy": _mean([float(out.refused != it.answerable) for it, out in pairs]),
        "false_refusals": sum(it.answerable and out.refused for it, out in pairs),
        "false_answers": sum(not it.answerable and not out.refused for it, out in pairs),
    }


def summarize(items: Sequence[QAItem], outputs: Sequence[SystemOutput]) -> dict:
    """All metrics of one configuration, overall and per question type."""
    latencies = [out.latency_ms for out in outputs if out.latency_ms is not None]
    by_type: dict[str, dict] = {}
    for qtype in dict.fromkeys(it.type for it in items):
        idx = [i for i, it in enumerate(items) if it.type == qtype]
        sub_items, sub_out = [items[i] for i in idx], [outputs[i] for i in idx]
        by_type[qtype] = {
            "n": len(idx),
            "retrieval": retrieval_metrics(sub_items, sub_out),
            "answer": answer_metrics(sub_items, sub_out),
            "refusal": refusal_metrics(sub_items, sub_out),
        }
    return {
        "retrieval": retrieval_metrics(items, outputs),
        "answer": answer_metrics(items, outputs),
        "refusal": refusal_metrics(items, outputs),
        # values kept so the report can draw the latency histogram
        "latency_ms": {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95), "values": latencies},
        "by_type": by_type,
    }
