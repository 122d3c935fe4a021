"""Metrics against small cases whose expected values are worked out by hand in each test."""

from __future__ import annotations

import math

import pytest

from kb_assistant.evaluation.dataset import GoldRef, QAItem
from kb_assistant.evaluation.metrics import (
    SystemOutput,
    citation_precision,
    ayat_matches,
    citation_recall,
    dedupe,
    hit_at,
    mrr_at,
    ndcg_at,
    recall_at,
    summarize,
    token_f1,
)

A1, A2, A3, B7, C9 = ("a", "1"), ("a", "2"), ("a", "3"), ("b", "7"), ("c", "9")


def qa(id: str, gold: list[tuple[str, str]], answerable: bool = True, type: str = "t", answer: str = "x") -> QAItem:
    return QAItem(
        id=id, question=f"q {id}", gold=[GoldRef(doc=d, pasal=p) for d, p in gold],
        answerable=answerable, answer=answer, type=type,
    )


def test_gold_at_rank_3():
    ranked = [A1, A2, B7]
    assert hit_at(ranked, [B7], 1) == 0.0
    assert hit_at(ranked, [B7], 5) == 1.0
    assert mrr_at(ranked, [B7], 10) == pytest.approx(1 / 3)
    # DCG = 1/log2(3+1) = 0.5, ideal DCG with one gold = 1/log2(2) = 1
    assert ndcg_at(ranked, [B7], 10) == pytest.approx(0.5)


def test_repeated_pasal_are_deduplicated_keeping_first():
    # ayat-level duplicates: distinct order is A1, A2, B7 -> gold at distinct rank 3, not 5
    ranked = [A1, A1, A2, A1, B7]
    assert [u.ident for u in dedupe(ranked)] == [A1, A2, B7]
    assert hit_at(ranked, [B7], 2) == 0.0
    assert hit_at(ranked, [B7], 3) == 1.0
    assert mrr_at(ranked, [B7]) == pytest.approx(1 / 3)
    assert ndcg_at(ranked, [B7]) == pytest.approx(0.5)


def test_recall_and_ndcg_with_two_gold():
    gold = [A1, B7]
    ranked = [A1, A2, A3, C9, ("d", "1"), B7]  # gold at ranks 1 and 6
    assert recall_at(ranked, gold, 5) == pytest.approx(0.5)
    assert recall_at(ranked, gold, 10) == pytest.approx(1.0)
    assert mrr_at(ranked, gold) == pytest.approx(1.0)
    # DCG = 1/log2(2) + 1/log2(7); ideal = 1/log2(2) + 1/log2(3)
    assert ndcg_at(ranked, gold) == pytest.approx((1 + 1 / math.log2(7)) / (1 + 1 / math.log2(3)))


def test_ndcg_ideal_uses_at_most_k_gold():
    gold = [("g", str(i)) for i in range(12)]
    ranked = gold[:10]  # 10 relevant in 10 slots is already ideal even though 12 are gold
    assert ndcg_at(ranked, gold, 10) == pytest.approx(1.0)
    assert recall_at(ranked, gold, 5) == pytest.approx(5 / 12)


def test_miss_scores_zero():
    assert hit_at([A1, A2], [B7], 10) == mrr_at([A1, A2], [B7]) == ndcg_at([A1, A2], [B7]) == 0.0
    assert hit_at([], [B7], 10) == recall_at([], [B7], 5) == 0.0


def test_citation_precision_and_recall():
    gold = [A1, B7]
    cited = [A1, A1, C9]  # distinct cited: A1 (gold), C9 (not gold)
    assert citation_precision(cited, gold) == pytest.approx(1 / 2)
    assert citation_recall(cited, gold) == pytest.approx(1 / 2)
    assert citation_precision([], gold) == 0.0  # an answer with no citation counts 0
    assert citation_recall([], gold) == 0.0


def test_token_f1():
    # pred tokens: ya menteri dalam negeri (4); ref: menteri dalam negeri (3); overlap 3
    # P = 3/4, R = 1 -> F1 = 2 * 3/4 / (7/4) = 6/7
    assert token_f1("Ya, Menteri Dalam Negeri.", "menteri dalam negeri") == pytest.approx(6 / 7)
    # repeated tokens count min(pred, ref): a:1 + b:1 = 2 of 3 each side -> 2/3
    assert token_f1("a a b", "a b b") == pytest.approx(2 / 3)
    assert token_f1("", "") == 1.0
    assert token_f1("sesuatu", "") == 0.0
    assert token_f1("x y", "z") == 0.0


def test_system_output_normalises_pairs():
    out = SystemOutput(ranked=[("uu-1-2000", 5), ("uu-1-2000", None)], cited=[(" uu-1-2000 ", "5 ")])
    assert [u.ident for u in out.ranked] == [("uu-1-2000", "5"), ("uu-1-2000", "")]
    assert [u.ident for u in out.cited] == [("uu-1-2000", "5")]


def test_refusal_counts_and_answer_metrics_only_over_answered():
    items = [
        qa("ans-refused", [A1]),
        qa("ans-answered", [A1, B7], answer="menteri dalam negeri"),
        qa("un-refused", [], answerable=False),
        qa("un-answered", [], answerable=False),
    ]
    outputs = [
        SystemOutput(ranked=[A1], refused=True, latency_ms=10),
        SystemOutput(ranked=[C9, B7], cited=[B7, C9], answer="Ya, Menteri Dalam Negeri.", latency_ms=20),
        SystemOutput(refused=True, latency_ms=30),
        SystemOutput(ranked=[C9], cited=[C9], answer="ngawur", latency_ms=40),
    ]
    s = summarize(items, outputs)
    # right decisions: ans-answered and un-refused -> 2 of 4
    assert s["refusal"] == {"accuracy": 0.5, "false_refusals": 1, "false_answers": 1}
    assert s["errors"] == {"count": 0, "questions": []}
    # retrieval over the 2 answerable (refused ones included): hit@1 = (1 + 0)/2; mrr = (1 + 1/2)/2
    r = s["retrieval"]
    assert r["n"] == 2
    assert r["hit@1"] == pytest.approx(0.5)
    assert r["hit@5"] == pytest.approx(1.0)
    assert r["mrr@10"] == pytest.approx(0.75)
    # recall@5: ans-refused 1/1, ans-answered 1/2 -> 0.75
    assert r["recall@5"] == pytest.approx(0.75)
    assert r["hit_curve"] == pytest.approx([0.5] + [1.0] * 9)
    # answer metrics: only ans-answered (cited B7 gold, C9 not; 1 of 2 gold cited)
    a = s["answer"]
    assert a["n"] == 1
    assert a["citation_precision"] == pytest.approx(0.5)
    assert a["citation_recall"] == pytest.approx(0.5)
    assert a["token_f1"] == pytest.approx(6 / 7)
    assert a["faithfulness"] is None and a["citation_validity"] is None
    # numpy linear percentiles of 10, 20, 30, 40: p50 = 25; p95 at position 2.85 -> 30 + 0.85 * 10
    assert s["latency_ms"]["p50"] == pytest.approx(25.0)
    assert s["latency_ms"]["p95"] == pytest.approx(38.5)


def test_token_f1_skips_questions_without_a_reference_answer():
    items = [qa("with", [A1], answer="menteri dalam negeri"), qa("without", [A1], answer="")]
    outputs = [SystemOutput(ranked=[A1], cited=[A1], answer="Ya, Menteri Dalam Negeri."),
               SystemOutput(ranked=[A1], cited=[A1], answer="apa saja")]
    answer = summarize(items, outputs)["answer"]
    assert answer["n"] == 2 and answer["citation_precision"] == 1.0
    assert answer["token_f1"] == pytest.approx(6 / 7)  # not halved by the question that has no reference
    assert summarize(items[1:], outputs[1:])["answer"]["token_f1"] is None


def test_answered_with_no_citation_counts_zero_precision():
    items = [qa("q1", [A1]), qa("q2", [B7])]
    outputs = [
        SystemOutput(ranked=[A1], cited=[A1], latency_ms=1),
        SystemOutput(ranked=[B7], cited=[], latency_ms=1),
    ]
    a = summarize(items, outputs)["answer"]
    assert a["citation_precision"] == pytest.approx(0.5)  # (1 + 0) / 2
    assert a["citation_recall"] == pytest.approx(0.5)


def test_optional_scores_are_averaged_when_given():
    items = [qa("q1", [A1]), qa("q2", [A1]), qa("q3", [A1])]
    outputs = [
        SystemOutput(ranked=[A1], faithfulness=1.0, citation_validity=0.5, latency_ms=1),
        SystemOutput(ranked=[A1], faithfulness=0.5, latency_ms=1),
        SystemOutput(ranked=[A1], faithfulness=0.9, refused=True, latency_ms=1),  # refused: not averaged
    ]
    a = summarize(items, outputs)["answer"]
    assert a["faithfulness"] == pytest.approx(0.75)
    assert a["citation_validity"] == pytest.approx(0.5)


def test_by_type_split():
    items = [
        qa("d1", [A1], type="definition"),
        qa("d2", [B7], type="definition"),
        qa("p1", [C9], type="procedure"),
        qa("u1", [], answerable=False, type="unanswerable"),
    ]
    outputs = [
        SystemOutput(ranked=[A1], cited=[A1], latency_ms=1),
        SystemOutput(ranked=[A1, A2, A3, C9, B7], cited=[A1], latency_ms=1),  # B7 at rank 5
        SystemOutput(ranked=[A1], refused=True, latency_ms=1),
        SystemOutput(refused=True, latency_ms=1),
    ]
    bt = summarize(items, outputs)["by_type"]
    assert list(bt) == ["definition", "procedure", "unanswerable"]
    assert set(bt["definition"]) == {"n", "retrieval", "answer", "refusal", "errors"}
    d = bt["definition"]
    assert d["n"] == 2
    assert d["retrieval"]["hit@1"] == pytest.approx(0.5)
    assert d["retrieval"]["hit@5"] == pytest.approx(1.0)
    assert d["retrieval"]["mrr@10"] == pytest.approx((1 + 1 / 5) / 2)
    assert d["answer"]["citation_precision"] == pytest.approx(0.5)  # (1 + 0) / 2
    p = bt["procedure"]
    assert p["retrieval"]["hit@10"] == 0.0
    assert p["answer"]["n"] == 0 and p["answer"]["token_f1"] is None
    assert p["refusal"] == {"accuracy": 0.0, "false_refusals": 1, "false_answers": 0}
    u = bt["unanswerable"]
    assert u["retrieval"]["n"] == 0 and u["retrieval"]["hit@5"] is None and u["retrieval"]["hit_curve"] == []
    assert u["refusal"] == {"accuracy": 1.0, "false_refusals": 0, "false_answers": 0}


def test_ayat_accuracy_counts_gold_ayat_of_cited_pasal_only():
    """Whether the quoted ayat is the one that answers: golds without an ayat, and golds whose
    Pasal the answer does not cite (citation precision's business), are not counted."""
    gold_two_ayat = [GoldRef(doc="a", pasal="1", ayat="2"), GoldRef(doc="a", pasal="1", ayat="3"), GoldRef(doc="b", pasal="7", ayat="1")]
    assert ayat_matches([A1], [("a", "1", "2")], gold_two_ayat) == (1, 2)  # b 7 not cited: not counted
    assert ayat_matches([A1], [("a", "1", "1")], gold_two_ayat) == (0, 2)
    assert ayat_matches([A1], [], [GoldRef(doc="a", pasal="1")]) == (0, 0)
    items = [
        QAItem(id="q1", question="q1", gold=gold_two_ayat[:2], answerable=True, type="t", answer="x"),
        QAItem(id="q2", question="q2", gold=[GoldRef(doc="a", pasal="2", ayat="1")], answerable=True, type="t", answer="x"),
        QAItem(id="q3", question="q3", gold=[GoldRef(doc="a", pasal="3")], answerable=True, type="t", answer="x"),
    ]
    outputs = [
        SystemOutput(ranked=[A1], cited=[A1], cited_ayat=[("a", "1", "2"), ("a", "1", "3")], latency_ms=1),
        SystemOutput(ranked=[A2], cited=[A2], cited_ayat=[("a", "2", "2")], latency_ms=1),
        SystemOutput(ranked=[A3], cited=[A3], latency_ms=1),
    ]
    assert summarize(items, outputs)["answer"]["ayat_accuracy"] == pytest.approx(2 / 3)
    assert summarize(items[2:], outputs[2:])["answer"]["ayat_accuracy"] is None
