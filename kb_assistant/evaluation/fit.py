"""`kb models fit`: fit the query-time settings of one embedding model on a tuning split.

Why: fusion weights and the refusal calibration depend on the model (EmbeddingGemma's cosines
spread over 0.2-0.7, e5-small's crowd in 0.80-0.95), so each model profile carries its own
values. They are fitted by coordinate descent over a small grid of candidate values
(``eval/fit-grid.toml``): each setting in turn takes the grid value that most improves the
objective, for a few rounds. Only a tuning split is accepted: the frozen test split reports.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb_assistant.evaluation.toml_file import read_toml
from kb_assistant.settings import PROJECT_ROOT, Settings, with_overrides

DEFAULT_GRID = PROJECT_ROOT / "eval" / "fit-grid.toml"
FROZEN_SPLIT_MARK = "test"  # a dataset whose file name holds this is a reporting split, never fitted on

Evaluate = Callable[[dict[str, Any]], dict]


class FitError(ValueError):
    """The grid or the dataset cannot be used for fitting."""


@dataclass
class FitResult:
    overrides: dict[str, Any]  # the fitted values that differ from the starting settings
    score: float
    summary: dict  # metrics of the fitted configuration
    steps: list[str] = field(default_factory=list)  # accepted moves, in order


def consistent(trial: dict, current: dict) -> bool:
    """A move must not make any of the pooled QA sets worse (``summary["parts"]``, one summary per
    set): a change that helps one set of authors' questions while hurting another's is fitting
    their wording, not the corpus."""
    parts, before = trial.get("parts") or {}, current.get("parts") or {}
    return all(objective(parts[name]) >= objective(before[name]) - 1e-9 for name in parts if name in before)


def objective(summary: dict) -> float:
    """What fitting maximises: ranking (MRR@10), the cited unit being right (hit@1, which citation
    precision follows) and the answer/refuse decision (refusal accuracy), equally weighted."""
    retrieval, refusal = summary["retrieval"], summary["refusal"]
    return (retrieval["mrr@10"] or 0.0) + (retrieval["hit@1"] or 0.0) + (refusal["accuracy"] or 0.0)


def current_values(settings: Settings, keys: list[str]) -> dict[str, Any]:
    """The present value of each ``section.field``."""
    return {key: getattr(getattr(settings, key.split(".")[0]), key.split(".")[1]) for key in keys}


def load_grid(path: Path, settings: Settings) -> dict[str, list]:
    """``{"section.field": [candidate values]}`` from a TOML file of sections; each key checked."""
    data = read_toml(path, "grid file", FitError)
    grid: dict[str, list] = {}
    for section, fields in data.items():
        if not isinstance(fields, dict):
            raise FitError(f"{path}: [{section}] must be a table of field = [values]")
        for key, values in fields.items():
            if not isinstance(values, list) or not values:
                raise FitError(f"{path}: {section}.{key} must be a non-empty list of candidate values")
            for value in values:
                try:
                    with_overrides(settings, {f"{section}.{key}": value})
                except ValueError as exc:
                    raise FitError(f"{path}: {section}.{key} = {value!r}: {exc}") from exc
            grid[f"{section}.{key}"] = values
    if not grid:
        raise FitError(f"{path}: no settings to fit")
    return grid


def check_tuning_split(datasets: list[Path]) -> None:
    for dataset in datasets:
        if FROZEN_SPLIT_MARK in Path(dataset).name.lower():
            raise FitError(f"{dataset} looks like a test split: fit on tuning data (eval/qa-tune.jsonl, the shared dev set, eval/qa-validate.jsonl) and report on the test split")


def coordinate_descent(
    evaluate: Evaluate, grid: dict[str, list], rounds: int = 3, min_gain: float = 0.0, log: Callable[[str], None] = print,
    defaults: dict[str, Any] | None = None,
) -> FitResult:
    """Start from the settings as they are; move one setting at a time to its best grid value.

    A move is kept only when it raises the objective by more than ``min_gain``, so the result is
    never worse on the tuning split than the start, and a setting whose change wins only a
    question or so (noise on a split of ~100 questions, which a held-out split does not repeat)
    stays at its default; nor when it makes one of the pooled QA sets worse (:func:`consistent`).
    ``defaults`` (the starting values of the grid's settings) decide between equally good values:
    the nearest wins.
    """
    defaults = defaults or {}
    chosen: dict[str, Any] = {}
    summary = evaluate(chosen)
    best = objective(summary)
    steps: list[str] = []
    log(f"start: objective {best:.4f}")
    for round_no in range(1, rounds + 1):
        moved = False
        for key, values in grid.items():
            current = chosen.get(key, defaults.get(key))
            scored = [(value, evaluate(chosen | {key: value})) for value in values if value != current]
            gains = [(objective(s), value, s) for value, s in scored if objective(s) > best + min_gain + 1e-9 and consistent(s, summary)]
            if not gains:
                continue
            top = max(score for score, _, _ in gains)
            # on a plateau of equal scores, the value nearest the present one: change only what the data supports
            score, value, trial_summary = min(
                ((sc, v, s) for sc, v, s in gains if sc >= top - 1e-9), key=lambda g: _distance(g[1], current, values)
            )
            best, summary, moved = score, trial_summary, True
            chosen = chosen | {key: value}
            steps.append(f"round {round_no}: {key} = {value!r} -> {score:.4f}")
            log(steps[-1])
        if not moved:
            break
    return FitResult(chosen, best, summary, steps)


def _distance(value: Any, current: Any, values: list) -> float:
    """How far a candidate is from the present value (the default when ``current`` is None):
    numerically for numbers, by grid position otherwise."""
    if current is None:
        return float(values.index(value))
    if isinstance(value, (int, float)) and isinstance(current, (int, float)) and not isinstance(value, bool):
        return abs(float(value) - float(current))
    return 0.0 if value == current else 1.0


def tuning_toml(model: str, result: FitResult, datasets: list[Path], from_profile: bool = False) -> str:
    """The profile table to paste into kb_assistant/models/profiles.toml (or kb.toml's
    ``[embedding.profiles.<model>]``)."""
    named = " ".join(f"--dataset {d}" for d in datasets) + (" --from-profile" if from_profile else "")
    lines = [f"[{model}.tuning]", f"# fitted by `kb models fit {named}` (objective {result.score:.4f})"]
    for key, value in sorted(result.overrides.items()):
        lines.append(f'"{key}" = {toml_value(value)}')
    return "\n".join(lines) + "\n"


def toml_value(value: Any) -> str:
    """A TOML literal for a setting's value (a dict, such as the ranker weights, as an inline table)."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{name} = {toml_value(v)}" for name, v in value.items()) + " }"
    if isinstance(value, bool):
        return str(value).lower()
    return f'"{value}"' if isinstance(value, str) else repr(value)
