"""Bootstrap intervals of evaluation figures (kb_assistant/evaluation/uncertainty.py), against a
plain numpy bootstrap and the normal approximation, and paired differences between configurations."""

from __future__ import annotations

import numpy as np
import pytest

from kb_assistant.evaluation import uncertainty
from kb_assistant.evaluation.dataset import GoldRef, QAItem
from kb_assistant.evaluation.metrics import SystemOutput, summarize


def numpy_bootstrap(values: list[float], resamples: int = 20000, seed: int = 7) -> tuple[float, float]:
    """Reference: resample questions with replacement, take the 2.5th and 97.5th percentile of the means."""
    rng = np.random.default_rng(seed)
    data = np.asarray(values)
    means = data[rng.integers(0, len(data), size=(resamples, len(data)))].mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


@pytest.mark.parametrize("values", [
    [1.0] * 80 + [0.0] * 20,  # a hit@1 of 0.8 on 100 questions
    [1.0, 0.5, 0.333, 0.0, 1.0, 0.25, 1.0, 0.0, 0.5, 1.0] * 7,  # reciprocal ranks
])
def test_the_interval_agrees_with_a_plain_numpy_bootstrap(values):
    low, high = uncertainty.interval(values)
    ref_low, ref_high = numpy_bootstrap(values)
    assert low == pytest.approx(ref_low, abs=0.015) and high == pytest.approx(ref_high, abs=0.015)
    assert low < float(np.mean(values)) < high


def test_a_proportion_on_400_questions_is_near_the_normal_approximation():
    low, high = uncertainty.interval([1.0] * 320 + [0.0] * 80)
    half = 1.96 * (0.8 * 0.2 / 400) ** 0.5  # 0.039
    assert low == pytest.approx(0.8 - half, abs=0.01) and high == pytest.approx(0.8 + half, abs=0.01)
    narrow, wide = high - low, np.subtract(*reversed(uncertainty.interval([1.0] * 80 + [0.0] * 20)))
    assert wide == pytest.approx(2 * narrow, rel=0.2)  # four times the questions, half the width


def test_uncounted_questions_constant_scores_and_tiny_sets():
    assert uncertainty.interval([1.0, None, 0.0, None] * 10) == uncertainty.interval([1.0, 0.0] * 10)
    assert uncertainty.interval([1.0] * 30) == (1.0, 1.0)
    assert uncertainty.interval([0.5]) is None and uncertainty.interval([None, None]) is None
    assert uncertainty.interval([1.0, 0.0] * 20) == uncertainty.interval([1.0, 0.0] * 20)  # seeded


def test_a_difference_on_the_same_questions_is_decided_by_pairing():
    """Two configurations that differ on 8 of 100 questions (both get the other 92 alike): their own
    intervals overlap, but the paired difference is clearly above zero."""
    rng = np.random.default_rng(3)
    second = [float(x) for x in rng.random(100) < 0.7]
    first = list(second)
    for i in [i for i, v in enumerate(second) if v == 0.0][:8]:
        first[i] = 1.0
    (_, low_a, high_a), (_, low_b, high_b) = uncertainty.estimate(first), uncertainty.estimate(second)
    assert low_a < high_b  # unpaired: overlapping
    mean, low, high = uncertainty.paired_difference(first, second)
    assert mean == pytest.approx(0.08) and low > 0.0 and high < 0.2
    assert uncertainty.paired_difference(first, first) == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError):
        uncertainty.paired_difference(first, second[:-1])


def _qa(i: int, answerable: bool) -> QAItem:
    gold = [GoldRef(doc="a", pasal=str(i))] if answerable else []
    return QAItem(id=f"q{i}", question=f"q{i}", gold=gold, answerable=answerable, answer="x", type="t")


def test_the_per_question_scores_average_to_the_reported_figures():
    rng = np.random.default_rng(5)
    items = [_qa(i, answerable=i % 5 != 0) for i in range(60)]
    outputs = []
    for i, item in enumerate(items):
        ranked = [("a", str(j)) for j in rng.permutation([i, 100, 101, 102])]
        refused = bool(rng.random() < 0.2)
        outputs.append(SystemOutput(ranked=ranked, cited=ranked[: 1 + i % 2], refused=refused, answer="x"))
    summary = summarize(items, outputs)
    scores = summary["per_question"]
    mean = lambda key: float(np.mean([v for v in scores[key] if v is not None]))  # noqa: E731
    assert mean("hit@1") == pytest.approx(summary["retrieval"]["hit@1"])
    assert mean("mrr@10") == pytest.approx(summary["retrieval"]["mrr@10"])
    assert mean("citation_precision") == pytest.approx(summary["answer"]["citation_precision"])
    assert mean("refusal") == pytest.approx(summary["refusal"]["accuracy"])
    assert sum(v is not None for v in scores["citation_precision"]) == summary["answer"]["n"]


def test_differences_pair_each_configuration_with_the_baseline():
    result = {"configs": {
        "hybrid": {"per_question": {"hit@1": [1.0, 1.0, 0.0, 1.0], "mrr@10": [1.0, 1.0, 0.5, 1.0], "citation_precision": [1.0, None, 0.0, 1.0], "refusal": [1.0] * 4}},
        "bm25": {"per_question": {"hit@1": [0.0, 1.0, 0.0, 1.0], "mrr@10": [0.5, 1.0, 0.5, 1.0], "citation_precision": [0.0, 1.0, None, 1.0], "refusal": [1.0] * 4}},
    }}
    deltas = uncertainty.differences(result, "hybrid")
    assert list(deltas) == ["bm25"]
    assert deltas["bm25"]["hit@1"][0] == pytest.approx(0.25) and deltas["bm25"]["mrr@10"][0] == pytest.approx(0.125)
    assert deltas["bm25"]["citation_precision"][0] == pytest.approx(0.5)  # only questions 1 and 4 count in both
    assert deltas["bm25"]["refusal"] == (0.0, 0.0, 0.0)
    assert uncertainty.differences(result, "dense") == {}
