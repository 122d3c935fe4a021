"""The model benchmark's ranking and scoring: per unit, max over a unit's nodes, fusion by RRF."""

from __future__ import annotations

import numpy as np

from kb_assistant.bench.models_bench import quality, rank_units, rrf
from kb_assistant.evaluation.dataset import QAItem


def test_units_rank_by_their_best_node_and_appear_once():
    passages = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.8, 0.2]])
    keys = [("a", "1"), ("a", "2"), ("b", "7"), ("a", "1")]
    assert rank_units(np.array([1.0, 0.0]), passages, keys) == [("a", "1"), ("a", "2"), ("b", "7")]
    assert rank_units(np.array([0.0, 1.0]), passages, keys, k=2) == [("b", "7"), ("a", "1")]


def test_rrf_rewards_agreement():
    fused = rrf([[("a", "1"), ("a", "2")], [("a", "2"), ("b", "3")]])
    assert fused[0] == ("a", "2") and set(fused) == {("a", "1"), ("a", "2"), ("b", "3")}


def test_quality_counts_answerable_items_and_the_english_subset():
    def item(i, gold, kind="definition", answerable=True):
        return QAItem(id=i, question="q", gold=[{"doc": d, "pasal": p} for d, p in gold], answerable=answerable,
                      answer="", type=kind)

    items = [item("1", [("a", "1")]), item("2", [("a", "2")], "english"), item("3", [], "unanswerable", False)]
    rankings = [[("a", "1")], [("b", "9"), ("a", "2")], [("a", "1")]]
    q = quality(items, rankings)
    assert q["n"] == 2 and q["mrr@10"] == 0.75 and q["hit@1"] == 0.5 and q["recall@5"] == 1.0
    assert q["english_hit@5"] == "1/1"
