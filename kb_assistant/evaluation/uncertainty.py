"""How far an evaluation figure could move by chance: bootstrap intervals over the questions.

Why: a QA split has ~70-130 questions, so one question moves citation precision by ~0.01-0.015,
and a configuration or model that scores 0.02 higher may only have been luckier (measured here:
int8 weights lowered the tuning splits' citation precision and raised the test split's by 0.05). Each
figure gets a percentile bootstrap interval (``scipy.stats.bootstrap``: questions resampled with
replacement); differences between configurations are paired (the same resampled questions for both),
which is what decides whether one configuration beats another.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

CONFIDENCE = 0.95
RESAMPLES = 2000
SEED = 0  # the same data gives the same interval in every report
# (summary key of the per-question scores, label)
METRICS = (
    ("hit@1", "hit@1"),
    ("mrr@10", "MRR@10"),
    ("citation_precision", "Presisi sitasi (citation precision)"),
    ("refusal", "Akurasi penolakan (refusal accuracy)"),
)


def interval(values: Sequence[float | None]) -> tuple[float, float] | None:
    """The CONFIDENCE interval of the mean of ``values`` (None entries are questions the metric does
    not count); None with fewer than two values."""
    scores = np.asarray([v for v in values if v is not None], dtype=float)
    if scores.size < 2:
        return None
    if np.ptp(scores) == 0:  # every resample has the same mean
        return float(scores[0]), float(scores[0])
    from scipy.stats import bootstrap

    result = bootstrap((scores,), np.mean, confidence_level=CONFIDENCE, n_resamples=RESAMPLES,
                       method="percentile", rng=np.random.default_rng(SEED))
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def paired_difference(first: Sequence[float | None], second: Sequence[float | None]) -> tuple[float, float, float] | None:
    """Mean of ``first - second`` over the questions both count, and its interval; None with fewer
    than two such questions."""
    return estimate([a - b for a, b in zip(first, second, strict=True) if a is not None and b is not None])


def estimate(values: Sequence[float | None]) -> tuple[float, float, float] | None:
    """Mean of the counted ``values`` and its interval; None with fewer than two."""
    counted = [v for v in values if v is not None]
    bounds = interval(counted)
    return None if bounds is None else (float(np.mean(counted)), *bounds)


def config_intervals(result: dict) -> dict[str, dict[str, tuple[float, float, float] | None]]:
    """Per configuration and metric: figure and interval (from ``summarize``'s per-question scores)."""
    return {name: {key: estimate(cfg.get("per_question", {}).get(key, [])) for key, _ in METRICS}
            for name, cfg in result["configs"].items()}


def differences(result: dict, baseline: str) -> dict[str, dict[str, tuple[float, float, float] | None]]:
    """Per other configuration and metric: ``baseline`` minus it, paired over the questions."""
    configs = result["configs"]
    if baseline not in configs:
        return {}
    base = configs[baseline].get("per_question", {})
    return {name: {key: paired_difference(base.get(key, []), cfg.get("per_question", {}).get(key, []))
                   if len(base.get(key, [])) == len(cfg.get("per_question", {}).get(key, [])) else None
                   for key, _ in METRICS}
            for name, cfg in configs.items() if name != baseline}
