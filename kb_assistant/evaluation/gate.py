"""The quality gate of issue 11: the bars a run must meet, and a message that shows every figure.

Kept apart from the slow test that runs it so the rule itself (including "any error fails") is
tested quickly on fake results, and so a failing gate prints all figures at once, not the first.
"""

from __future__ import annotations

BASELINE = "hybrid"
SINGLE_SIGNALS = ("bm25", "dense")
# (section, key, label, bar): the hybrid must reach each bar.
BARS = [
    ("retrieval", "hit@5", "hit@5", 0.92),
    ("retrieval", "mrr@10", "MRR@10", 0.85),
    ("answer", "citation_precision", "citation precision", 0.85),
    ("refusal", "accuracy", "refusal accuracy", 0.95),
]


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def floor_bars(floors: dict[str, float]) -> list[tuple[str, str, str, float]]:
    """The gate's metrics with other values (a regression floor keyed by label, e.g. "MRR@10")."""
    return [(section, key, label, floors[label]) for section, key, label, _ in BARS if label in floors]


def gate_failures(result: dict, bars: list[tuple[str, str, str, float]] | None = None, compare_singles: bool = True) -> list[str]:
    """Every unmet condition of the gate (issue 11's bars unless ``bars`` is given); empty when the run passes.

    ``compare_singles``: the hybrid must also reach the better of bm25 and dense on MRR@10.
    """
    configs = result["configs"]
    hybrid = configs[BASELINE]
    failed = []
    for section, key, label, bar in BARS if bars is None else bars:
        value = hybrid[section].get(key)
        if value is None or value < bar:
            failed.append(f"hybrid {label} {_fmt(value)} < {bar}")
    singles = {n: configs[n]["retrieval"].get("mrr@10") for n in SINGLE_SIGNALS if n in configs}
    best = max((v for v in singles.values() if v is not None), default=None)
    mrr = hybrid["retrieval"].get("mrr@10")
    if compare_singles and best is not None and (mrr is None or mrr < best):
        failed.append(f"hybrid MRR@10 {_fmt(mrr)} < best single signal {_fmt(best)}")
    for name, cfg in configs.items():
        errors = cfg.get("errors", {})
        if errors.get("count"):
            ids = ", ".join(e["id"] for e in errors["questions"][:10])
            failed.append(f"{name}: {errors['count']} question(s) raised an error ({ids})")
    return failed


def gate_summary(result: dict) -> str:
    """All gate figures of every configuration, and the hybrid's per type, for the assertion message."""
    lines = [f"{result['dataset']} ({result['n']} questions)"]
    for name, cfg in result["configs"].items():
        figures = " ".join(f"{label} {_fmt(cfg[section].get(key))}" for section, key, label, _ in BARS)
        lines.append(f"  {name}: {figures} errors {cfg.get('errors', {}).get('count', 0)}")
    for qtype, sub in result["configs"][BASELINE]["by_type"].items():
        figures = " ".join(f"{label} {_fmt(sub[section].get(key))}" for section, key, label, _ in BARS)
        lines.append(f"  hybrid/{qtype} (n={sub['n']}): {figures}")
    return "\n".join(lines)
