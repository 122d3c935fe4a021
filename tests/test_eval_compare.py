"""`kb compare`: two saved runs of one QA set, paired question by question."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from kb_assistant.evaluation.compare import CompareError, compare_runs, load_run
from kb_assistant.evaluation.dataset import GoldRef, QAItem
from kb_assistant.evaluation.metrics import SystemOutput
from kb_assistant.evaluation.runner import run_eval

GOLD = ("uu-1-2000", "5")
OTHER = ("uu-1-2000", "6")


def items(n: int) -> list[QAItem]:
    return [QAItem(id=f"q{i}", question=f"q{i}", gold=[GoldRef(doc=GOLD[0], pasal=GOLD[1])], answerable=True, answer="", type="t")
            for i in range(n)]


def run(qa: list[QAItem], right: set[str], name: str = "set.jsonl") -> dict:
    """A real `run_eval` result of a system that ranks the gold first exactly for the ids in ``right``."""
    def system(item: QAItem) -> SystemOutput:
        top = [GOLD, OTHER] if item.id in right else [OTHER, GOLD]
        return SystemOutput(ranked=top, cited=top[:1], answer="-")
    return run_eval(qa, {"hybrid": system}, name, progress=False)


def test_paired_difference_and_the_questions_that_moved():
    qa = items(20)
    first = run(qa, {f"q{i}" for i in range(10)})
    second = run(qa, {f"q{i}" for i in range(2, 14)})  # gains q10-q13, loses q0-q1
    result = compare_runs(first, second)
    assert result.n == 20 and result.gained == ["q10", "q11", "q12", "q13"] and result.lost == ["q0", "q1"]
    hit = result.metrics["hit@1"]
    assert hit.first[0] == pytest.approx(0.5) and hit.second[0] == pytest.approx(0.6)
    assert hit.difference[0] == pytest.approx(0.1) and hit.difference[1] < 0.1 < hit.difference[2]
    mrr = result.metrics["mrr@10"]  # rank 2 is worth 0.5: the difference is half hit@1's
    assert mrr.difference[0] == pytest.approx(0.05)


def test_questions_are_matched_by_id_not_position():
    qa = items(10)
    first = run(qa, {"q0", "q1"})
    second = run(list(reversed(qa[:8])), {"q0", "q1"})  # another order (q7 … q0), q0 and q1 still right; q8, q9 missing
    result = compare_runs(first, second)
    assert result.n == 8 and result.only_first == 2 and result.only_second == 0
    assert result.gained == [] and result.lost == [] and result.metrics["hit@1"].difference[0] == pytest.approx(0.0)
    assert result.metrics["hit@1"].first[0] == pytest.approx(np.mean([1, 1] + [0] * 6))


def test_runs_that_cannot_be_compared_say_why(tmp_path):
    qa = items(4)
    first, second = run(qa, {"q0"}), run(qa, {"q1"})
    with pytest.raises(CompareError, match="no configuration 'dense'"):
        compare_runs(first, second, "dense")
    with pytest.raises(CompareError, match="no question in common"):
        compare_runs(first, run([q.model_copy(update={"id": "x" + q.id}) for q in qa], set()))
    legacy = {k: v for k, v in first.items() if k != "ids"}
    with pytest.raises(CompareError, match="one run has question ids"):
        compare_runs(legacy, second)
    other_set = {k: v for k, v in run(items(3), set(), "other.jsonl").items() if k != "ids"}
    with pytest.raises(CompareError, match="same QA set"):
        compare_runs(legacy, other_set)
    assert compare_runs(legacy, {k: v for k, v in second.items() if k != "ids"}).n == 4  # older runs: by position
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(CompareError, match="not a readable evaluation result"):
        load_run(tmp_path / "bad.json")


def test_cli_prints_the_paired_table(tmp_path):
    from kb_assistant import cli

    qa = items(12)
    paths = []
    for name, right in (("fp32", {f"q{i}" for i in range(6)}), ("int8", {f"q{i}" for i in range(1, 9)})):
        paths.append(tmp_path / f"{name}.json")
        paths[-1].write_text(json.dumps(run(qa, right)), encoding="utf-8")
    result = CliRunner().invoke(cli.app, ["compare", *map(str, paths)])
    assert result.exit_code == 0, result.output
    assert "| Metrik (metric) | fp32 | int8 | int8 − fp32 |" in result.output
    assert "| hit@1 | 0.500 [" in result.output and "| 0.667 [" in result.output and "+0.167 [" in result.output
    assert "gained hit@1): q6, q7, q8" in result.output and "lost hit@1): q0" in result.output
    missing = CliRunner().invoke(cli.app, ["compare", str(paths[0]), str(tmp_path / "none.json")])
    assert missing.exit_code == 1 and "not a readable evaluation result" in missing.output
