"""The quality gate's rule on fake runs: every bar, hybrid vs single signals, and any error fails."""

from __future__ import annotations

from kb_assistant.evaluation.dataset import GoldRef, QAItem
from kb_assistant.evaluation.gate import gate_failures, gate_summary
from kb_assistant.evaluation.runner import SystemOutput, run_eval

ITEMS = [
    QAItem(id="a", question="q", gold=[GoldRef(doc="x", pasal="1")], answerable=True, answer="-", type="definition"),
    QAItem(id="b", question="q", gold=[GoldRef(doc="x", section="Visi")], answerable=True, answer="-", type="english"),
    QAItem(id="u", question="q", gold=[], answerable=False, answer="-", type="unanswerable"),
]
VISI = ("x", "section:l-4", ("Lampiran", "2.4 Visi Piket"))


def perfect(item: QAItem) -> SystemOutput:
    units = [("x", "1")] if item.id == "a" else [VISI]
    return SystemOutput(ranked=units, cited=units, refused=not item.answerable)


def second(item: QAItem) -> SystemOutput:
    """Gold at rank 2: MRR 0.5, hit@5 1."""
    out = perfect(item)
    return out.model_copy(update={"ranked": [("x", "99")] + list(out.ranked)})


def run(**configs):
    return run_eval(ITEMS, configs, "fake", progress=False)


def test_a_perfect_hybrid_passes():
    assert gate_failures(run(hybrid=perfect, bm25=second, dense=second)) == []


def test_every_unmet_bar_is_reported_at_once():
    def weak(item: QAItem) -> SystemOutput:
        out = second(item)
        return out.model_copy(update={"cited": [("x", "99")], "refused": False})

    failed = gate_failures(run(hybrid=weak, bm25=perfect))
    assert failed == [
        "hybrid MRR@10 0.500 < 0.85",
        "hybrid citation precision 0.000 < 0.85",
        "hybrid refusal accuracy 0.667 < 0.95",
        "hybrid MRR@10 0.500 < best single signal 1.000",
    ]


def test_any_error_fails_the_gate_even_when_figures_pass():
    def flaky(item: QAItem) -> SystemOutput:
        if item.id == "u":
            raise RuntimeError("store gone")
        return perfect(item)

    result = run(hybrid=perfect, dense=flaky)
    failed = gate_failures(result)
    assert failed == ["dense: 1 question(s) raised an error (u)"]
    summary = gate_summary(result)
    assert "hybrid: hit@5 1.000 MRR@10 1.000 citation precision 1.000 refusal accuracy 1.000 errors 0" in summary
    assert "dense:" in summary and "errors 1" in summary
    assert "hybrid/english (n=1): hit@5 1.000" in summary



def third(item: QAItem) -> SystemOutput:
    """Gold at rank 3: MRR 1/3."""
    out = perfect(item)
    return out.model_copy(update={"ranked": [("x", "98"), ("x", "99")] + list(out.ranked)})


def test_a_regression_floor_uses_its_own_values_and_still_compares_with_single_signals():
    from kb_assistant.evaluation.gate import floor_bars

    result = run(hybrid=second, bm25=third, dense=third)
    assert gate_failures(result) == ["hybrid MRR@10 0.500 < 0.85"]  # issue 11's bars
    assert gate_failures(result, floor_bars({"MRR@10": 0.45, "hit@5": 0.9})) == []
    assert gate_failures(result, floor_bars({"MRR@10": 0.6})) == ["hybrid MRR@10 0.500 < 0.6"]
    worse_than_bm25 = run(hybrid=third, bm25=second, dense=third)
    assert gate_failures(worse_than_bm25, floor_bars({"MRR@10": 0.3})) == ["hybrid MRR@10 0.333 < best single signal 0.500"]
