"""Run named configurations over a QA dataset and collect metrics and failures.

A configuration is any ``Callable[[QAItem], SystemOutput]``, so the runner knows nothing about
how retrieval or generation is built; the CLI and the web UI assemble the callables.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence

from tqdm import tqdm

from ..indexing.labels import citation_label
from .dataset import QAItem
from .gold import Unit, dedupe
from .metrics import SystemOutput, hit_at, summarize

__all__ = ["Config", "SystemOutput", "run_eval", "run_config", "failures", "unit_label"]

log = logging.getLogger(__name__)

Config = Callable[[QAItem], SystemOutput]
FAILURE_TOP = 5


def _call(config: Config, item: QAItem) -> SystemOutput:
    """One question; an exception becomes an empty output marked ``error`` (counted as an error, never as
    a refusal) so one bad question cannot sink a run but cannot hide either."""
    start = time.perf_counter()
    try:
        out = config(item)
        out = out if isinstance(out, SystemOutput) else SystemOutput.model_validate(out)
    except Exception as exc:  # noqa: BLE001 - any failure of the system under test is a result, not a crash
        log.warning("question %s failed: %s: %s", item.id, type(exc).__name__, exc)
        return SystemOutput(
            refused=False,
            error=f"{type(exc).__name__}: {exc}",
            latency_ms=(time.perf_counter() - start) * 1000,
        )
    if out.latency_ms is None:
        out = out.model_copy(update={"latency_ms": (time.perf_counter() - start) * 1000})
    return out


def run_config(config: Config, items: Sequence[QAItem]) -> list[SystemOutput]:
    """One configuration over the items, quietly (fitting calls it many times)."""
    return [_call(config, item) for item in items]


def unit_label(unit: Unit) -> str:
    """'uu-20-2023 Pasal 4', or 'doc › last heading' for a section unit."""
    if unit.path:
        return f"{unit.doc} › {unit.path[-1]}"
    return citation_label(unit.doc, unit.key or None)


def _retrieved(out: SystemOutput) -> list[str]:
    if out.retrieved_labels:
        return out.retrieved_labels[:FAILURE_TOP]
    return [unit_label(u) for u in dedupe(out.ranked)[:FAILURE_TOP]]


def failures(items: Sequence[QAItem], outputs: Sequence[SystemOutput]) -> list[dict]:
    """Questions worth reading: answerable with no gold in the top 5, wrong refusal decisions, errors."""
    listed = []
    for item, out in zip(items, outputs):
        reasons = []
        if out.error:
            reasons.append(f"error: {out.error}")
        if item.answerable and not out.error and hit_at(out.ranked, item.gold_targets(), FAILURE_TOP) == 0:
            reasons.append("no gold unit in top 5")
        if item.answerable and out.refused and not out.error:
            reasons.append("refused an answerable question")
        if not item.answerable and not out.refused and not out.error:
            reasons.append("answered an unanswerable question")
        if reasons:
            listed.append({
                "id": item.id,
                "question": item.question,
                "type": item.type,
                "gold": [g.model_dump(exclude_none=True) for g in item.gold],
                "retrieved": _retrieved(out),
                "refused": out.refused,
                "answerable": item.answerable,
                "reason": "; ".join(reasons),
            })
    return listed


def run_eval(
    items: Sequence[QAItem],
    configs: Mapping[str, Config],
    dataset_name: str,
    progress: bool = True,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Every configuration on every question; ``on_progress(done, total)`` counts question-config calls."""
    total, done = len(items) * len(configs), 0
    # ids: the order of every per-question score list, so two saved runs can be compared (`kb compare`)
    result: dict = {"dataset": dataset_name, "n": len(items), "ids": [item.id for item in items], "configs": {}, "failures": {}}
    with tqdm(total=total, disable=not progress, desc="eval", unit="q") as bar:
        for name, config in configs.items():
            bar.set_postfix_str(name)
            outputs = []
            for item in items:
                outputs.append(_call(config, item))
                done += 1
                bar.update(1)
                if on_progress is not None:
                    on_progress(done, total)
            result["configs"][name] = summarize(items, outputs)
            result["failures"][name] = failures(items, outputs)
    return result
