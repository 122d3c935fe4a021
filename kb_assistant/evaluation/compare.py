"""Two saved evaluation runs of one QA set, compared question by question (`kb compare`).

Why: configurations side by side in one `kb eval` share one index and one model; two models, two
runtimes (float32 against int8), two index builds or the code before and after a change are two runs
in two processes. Their difference is only worth reading paired over the same questions, with an
interval, and with the questions that changed listed: that is how a gain on one split is told from
one lucky question.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from kb_assistant.evaluation.uncertainty import METRICS, estimate, paired_difference


class CompareError(ValueError):
    """The runs cannot be compared (message says why)."""


@dataclass
class MetricComparison:
    first: tuple[float, float, float] | None  # figure and interval
    second: tuple[float, float, float] | None
    difference: tuple[float, float, float] | None  # second − first, paired


@dataclass
class RunComparison:
    config: str
    n: int  # questions in both runs
    metrics: dict[str, MetricComparison]
    gained: list[str] = field(default_factory=list)  # ids at rank 1 only in the second run
    lost: list[str] = field(default_factory=list)  # ids at rank 1 only in the first run
    only_first: int = 0  # questions of one run the other lacks (left out)
    only_second: int = 0


def load_run(path: Path) -> dict:
    """A `kb eval --json` file or a report's result.json."""
    try:
        result = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise CompareError(f"{path}: not a readable evaluation result ({exc})") from exc
    if not isinstance(result, dict) or not isinstance(result.get("configs"), dict):
        raise CompareError(f"{path}: not an evaluation result (no 'configs')")
    return result


def _scores(result: dict, config: str, label: str) -> dict[str, list[float | None]]:
    cfg = result["configs"].get(config)
    if cfg is None:
        raise CompareError(f"{label} has no configuration {config!r} (it has {', '.join(result['configs'])})")
    scores = cfg.get("per_question")
    if not scores:
        raise CompareError(f"{label} was saved without per-question scores (run it again with this version of kb eval)")
    return scores


def _ids(result: dict, scores: dict[str, list], label: str) -> list[str]:
    """Question ids in score order; runs saved before ids were kept are aligned by position."""
    size = len(next(iter(scores.values())))
    ids = result.get("ids") or [f"#{i + 1}" for i in range(size)]
    if len(ids) != size or len(set(ids)) != len(ids):
        raise CompareError(f"{label}: its question ids do not match its scores")
    return list(ids)


def compare_runs(first: dict, second: dict, config: str = "hybrid") -> RunComparison:
    """``second`` against ``first`` on ``config``, over the questions both ran (matched by id)."""
    a, b = _scores(first, config, "the first run"), _scores(second, config, "the second run")
    ids_a, ids_b = _ids(first, a, "the first run"), _ids(second, b, "the second run")
    if (first.get("ids") is None) != (second.get("ids") is None):
        raise CompareError("one run has question ids and the other not: run both with this version of kb eval")
    if first.get("ids") is None and (len(ids_a) != len(ids_b) or first.get("dataset") != second.get("dataset")):
        raise CompareError("runs saved without question ids are matched by position: they must be of the same QA set")
    position_b = {qid: i for i, qid in enumerate(ids_b)}
    shared = [(i, position_b[qid]) for i, qid in enumerate(ids_a) if qid in position_b]
    if not shared:
        raise CompareError("the runs have no question in common: compare runs of the same QA set")
    metrics = {}
    for key, _ in METRICS:
        first_scores = [a[key][i] for i, _ in shared]
        second_scores = [b[key][j] for _, j in shared]
        metrics[key] = MetricComparison(estimate(first_scores), estimate(second_scores), paired_difference(second_scores, first_scores))
    hits = [(ids_a[i], a["hit@1"][i], b["hit@1"][j]) for i, j in shared]
    return RunComparison(
        config=config, n=len(shared), metrics=metrics,
        gained=[qid for qid, x, y in hits if x == 0.0 and y == 1.0],
        lost=[qid for qid, x, y in hits if x == 1.0 and y == 0.0],
        only_first=len(ids_a) - len(shared), only_second=len(ids_b) - len(shared),
    )
