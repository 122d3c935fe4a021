"""Named configurations for `kb eval`: each is a callable from a QA item to a SystemOutput.

All configurations share one Assistant (one model load, one index) and differ only in what
the name says: the ranking signal (bm25, dense, hybrid), the answer generator, or an ablation
(the hybrid with settings overrides from ``eval/ablations.toml``).
"""

from __future__ import annotations

from typing import Callable

from kb_assistant.evaluation.ablations import Ablation
from kb_assistant.evaluation.dataset import QAItem
from kb_assistant.evaluation.gold import Unit
from kb_assistant.evaluation.metrics import SystemOutput
from kb_assistant.settings import Settings, with_overrides

RETRIEVAL_MODES = ("bm25", "dense", "hybrid")
GENERATOR_BACKENDS = ("openai", "llamacpp")
HEADING_SEP = " › "

Config = Callable[[QAItem], SystemOutput]


def available_configs() -> list[str]:
    return [*RETRIEVAL_MODES, *(f"hybrid+{b}" for b in GENERATOR_BACKENDS)]


def build_configs(settings: Settings, names: list[str], assistant=None) -> dict[str, Config]:
    """Callables for the named configurations; unknown names are refused before any work."""
    unknown = [n for n in names if n not in available_configs()]
    if unknown:
        raise ValueError(f"unknown configuration(s) {', '.join(unknown)}; choose from {', '.join(available_configs())}")
    from kb_assistant.assistant import Assistant

    assistant = assistant or Assistant(settings)
    configs: dict[str, Config] = {}
    for name in dict.fromkeys(names):
        mode, _, backend = name.partition("+")
        configs[name] = _config(assistant, mode, backend or None)
    return configs


def ablation_configs(assistant, ablations: list[Ablation]) -> dict[str, Config]:
    """One configuration per ablation: the shared assistant with that entry's overrides and mode.

    Every override is applied (and so checked) before any question runs.
    """
    configs: dict[str, Config] = {}
    for ablation in ablations:
        variant = assistant.with_settings(ablation.settings_for(assistant.settings))
        configs[ablation.config_name] = _config(variant, ablation.mode, None)
    return configs


def chunk_unit(chunk) -> Unit:
    """The citable unit of an index node (``Chunk.unit_key`` / ``section_path`` where present)."""
    key = getattr(chunk, "unit_key", None) or chunk.pasal or f"section:{chunk.id}"
    path = list(getattr(chunk, "section_path", None) or [])
    if not path and not chunk.pasal and chunk.heading:
        path = chunk.heading.split(HEADING_SEP)
    return Unit(chunk.doc, key, tuple(path))


class _Units:
    """Resolves what an Answer names (a Pasal, a node id, a unit key, a label) to a Unit with its path."""

    def __init__(self, chunks: dict) -> None:
        self.chunks = chunks
        self._by_unit: dict[tuple[str, str], object] | None = None

    def by_ref(self, doc: str, ref: str) -> Unit:
        """Answer.ranking holds (doc, pasal), or for a unit without Pasal its first node id or unit key."""
        chunk = self.chunks.get(ref)
        if chunk is None and ref.startswith("section:"):
            if self._by_unit is None:
                self._by_unit = {}
                for c in self.chunks.values():
                    self._by_unit.setdefault((c.doc, chunk_unit(c).key), c)
            chunk = self._by_unit.get((doc, ref))
        return chunk_unit(chunk) if chunk is not None else Unit(doc, ref or "")

    def cited(self, answer) -> list[Unit]:
        """Citations name a Pasal; a section citation is resolved through the passage with its label."""
        by_label = {(p.doc, p.label): p.node_id for p in answer.passages}
        units = []
        for c in answer.citations:
            chunk = None if c.pasal else self.chunks.get(by_label.get((c.doc, c.label), ""))
            if c.pasal:
                units.append(Unit(c.doc, c.pasal))
            elif chunk is not None:
                units.append(chunk_unit(chunk))
            else:
                units.append(Unit(c.doc, f"label:{c.label}", tuple(c.label.split(HEADING_SEP)[1:])))
        return units


def variant_config(assistant, overrides: dict, mode: str = "hybrid", fresh_queries: bool = False) -> Config:
    """The shared assistant answering with query-time overrides (fitting a model's settings)."""
    return _config(assistant.with_settings(with_overrides(assistant.settings, overrides)), mode, None, fresh_queries)


def _config(assistant, mode: str, backend: str | None, fresh_queries: bool = True) -> Config:
    """``fresh_queries``: forget cached query vectors before each question, so the latency a
    configuration reports includes embedding the question (a sweep over settings keeps them)."""
    resolvers: dict[int, _Units] = {}  # one per loaded index version
    clear_cache = getattr(getattr(assistant, "embedder", None), "clear_query_cache", None) if fresh_queries else None

    def run(item: QAItem) -> SystemOutput:
        if clear_cache is not None:
            clear_cache()
        if backend:
            answer = assistant.ask(item.question, mode=mode, backend=backend)
        else:
            answer = assistant.ask(item.question, mode=mode)
        chunks = assistant.reader.get().chunks
        units = resolvers.get(id(chunks))
        if units is None:
            resolvers.clear()
            units = resolvers[id(chunks)] = _Units(chunks)
        return SystemOutput(
            ranked=[units.by_ref(doc, ref) for doc, ref in answer.ranking],
            cited=units.cited(answer),
            cited_ayat=[(c.doc, c.pasal, c.ayat) for c in answer.citations if c.pasal and c.ayat],
            refused=answer.refused,
            latency_ms=answer.timings_ms.get("total"),
            answer=answer.answer,
            retrieved_labels=[p.label for p in answer.passages if not p.supporting][:5],
            faithfulness=answer.checks.get("faithfulness"),
            citation_validity=answer.checks.get("citation_validity"),
        )

    return run
