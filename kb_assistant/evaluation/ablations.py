"""Ablations for `kb eval --ablate`: named settings overrides read from a data file.

Each ablation switches one component of the full hybrid configuration off, so the table shows what
every component contributes. Keeping them as data (``eval/ablations.toml``) means a component added
later is one entry, not code; an entry naming a setting that does not exist is an error, so a
renamed setting cannot silently turn a row into a copy of the baseline.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kb_assistant.evaluation.toml_file import read_toml
from kb_assistant.retrieval.ranker import FEATURE_NAMES
from kb_assistant.retrieval.rescore import RESCORING_SETTINGS
from kb_assistant.settings import PROJECT_ROOT, QUERY_TIME_SECTIONS, OverrideError, Settings, with_overrides

DEFAULT_ABLATIONS = PROJECT_ROOT / "eval" / "ablations.toml"
BASELINE = "hybrid"
ABLATION_PREFIX = "ablate:"
MODES = ("bm25", "dense", "hybrid")
# Sections a query-time variant may change; the others (index, embedding, chunk …) need a rebuild.
OVERRIDABLE = QUERY_TIME_SECTIONS


class AblationError(ValueError):
    """The ablation file cannot be used; the message names the entry and the problem."""


@dataclass(frozen=True)
class Ablation:
    name: str
    label: str
    mode: str = BASELINE
    overrides: dict[str, Any] = field(default_factory=dict)
    ranker_off: tuple[str, ...] = ()  # learned-ranker features whose weight is set to 0

    def settings_for(self, settings: Settings) -> Settings:
        """``settings`` with this component switched off."""
        changed = apply_overrides(settings, self.overrides, self.name)
        weights = changed.retrieval.ranker_weights
        if self.ranker_off and weights:
            changed = apply_overrides(changed, {"retrieval.ranker_weights": weights | dict.fromkeys(self.ranker_off, 0.0)}, self.name)
        return changed

    def changes(self, settings: Settings) -> bool:
        """Whether the row differs from the baseline under these settings: a ranker feature row
        changes nothing when the model ranks by the hand-weighted rescoring, a rescoring weight
        nothing when a learned ranker ranks."""
        if self.mode != BASELINE:
            return True
        overrides = self.overrides
        if settings.retrieval.ranker_weights:
            overrides = {k: v for k, v in overrides.items() if k.removeprefix("retrieval.") not in RESCORING_SETTINGS}
        return replace(self, overrides=overrides).settings_for(settings) != settings

    @property
    def config_name(self) -> str:
        """Its column/row name among the run's configurations."""
        return f"{ABLATION_PREFIX}{self.name}"


def _parse(name: str, entry: object) -> Ablation:
    if not isinstance(entry, dict):
        raise AblationError(f"ablation {name!r}: expected a table, got {type(entry).__name__}")
    unknown = set(entry) - {"label", "mode", "overrides", "ranker_off"}
    if unknown:
        raise AblationError(f"ablation {name!r}: unknown key(s) {', '.join(sorted(unknown))} (use label, mode, overrides, ranker_off)")
    ranker_off = entry.get("ranker_off", [])
    if not isinstance(ranker_off, list) or not set(ranker_off) <= set(FEATURE_NAMES):
        raise AblationError(f"ablation {name!r}: ranker_off must list ranker features ({', '.join(FEATURE_NAMES)})")
    mode = entry.get("mode", BASELINE)
    if mode not in MODES:
        raise AblationError(f"ablation {name!r}: mode {mode!r} is not one of {', '.join(MODES)}")
    overrides = entry.get("overrides", {})
    if not isinstance(overrides, dict):
        raise AblationError(f"ablation {name!r}: overrides must be a table of \"section.field\" = value")
    if mode == BASELINE and not overrides and not ranker_off:
        raise AblationError(f"ablation {name!r}: changes nothing (give overrides, ranker_off or a mode other than hybrid)")
    return Ablation(name, str(entry.get("label", name)), mode, dict(overrides), tuple(ranker_off))


def load_ablations(path: Path = DEFAULT_ABLATIONS, settings: Settings | None = None) -> list[Ablation]:
    """The ablations of a TOML file, in file order, each checked against ``settings`` (default: Settings())."""
    data = read_toml(path, "ablation file", AblationError)
    ablations = [_parse(name, entry) for name, entry in data.items()]
    if not ablations:
        raise AblationError(f"{path}: no ablations defined")
    base = settings or Settings()
    for ablation in ablations:
        apply_overrides(base, ablation.overrides, ablation.name)
    return ablations


def apply_overrides(settings: Settings, overrides: dict[str, Any], name: str = "overrides") -> Settings:
    """A copy of ``settings`` with ``{"section.field": value}`` applied, each value validated."""
    try:
        return with_overrides(settings, overrides)
    except OverrideError as exc:
        raise AblationError(f"ablation {name!r}: {exc}") from exc
    except ValidationError as exc:
        raise AblationError(f"ablation {name!r}: {exc.errors()[0]['loc']} {exc.errors()[0]['msg']}") from exc


def describe(ablations: list[Ablation]) -> dict:
    """What the report needs to draw the ablation table (stored in the run's result)."""
    return {
        "baseline": BASELINE,
        "rows": [
            {"name": a.name, "label": a.label, "config": a.config_name, "mode": a.mode, "overrides": a.overrides, "ranker_off": list(a.ranker_off)}
            for a in ablations
        ],
    }
