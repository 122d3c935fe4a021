"""Named configurations for `kb eval`: each is a callable from a QA item to a SystemOutput.

All configurations share one Assistant (one model load, one index) and differ only in what
the name says: the ranking signal (bm25, dense, hybrid) or the answer generator.
"""

from __future__ import annotations

from typing import Callable

from kb_assistant.evaluation.dataset import QAItem
from kb_assistant.evaluation.metrics import SystemOutput
from kb_assistant.settings import Settings

RETRIEVAL_MODES = ("bm25", "dense", "hybrid")
GENERATOR_BACKENDS = ("openai", "llamacpp")


def available_configs() -> list[str]:
    return [*RETRIEVAL_MODES, *(f"hybrid+{b}" for b in GENERATOR_BACKENDS)]


def build_configs(settings: Settings, names: list[str], assistant=None) -> dict[str, Callable[[QAItem], SystemOutput]]:
    """Callables for the named configurations; unknown names are refused before any work."""
    unknown = [n for n in names if n not in available_configs()]
    if unknown:
        raise ValueError(f"unknown configuration(s) {', '.join(unknown)}; choose from {', '.join(available_configs())}")
    from kb_assistant.assistant import Assistant

    assistant = assistant or Assistant(settings)
    configs: dict[str, Callable[[QAItem], SystemOutput]] = {}
    for name in dict.fromkeys(names):
        mode, _, backend = name.partition("+")
        configs[name] = _config(assistant, mode, backend or None)
    return configs


def _config(assistant, mode: str, backend: str | None) -> Callable[[QAItem], SystemOutput]:
    def run(item: QAItem) -> SystemOutput:
        if backend:
            answer = assistant.ask(item.question, mode=mode, backend=backend)
        else:
            answer = assistant.ask(item.question, mode=mode)
        return SystemOutput(
            ranked=list(answer.ranking),
            cited=[(c.doc, c.pasal or "") for c in answer.citations],
            refused=answer.refused,
            latency_ms=answer.timings_ms.get("total"),
            answer=answer.answer,
            retrieved_labels=[p.label for p in answer.passages if not p.supporting][:5],
            faithfulness=answer.checks.get("faithfulness"),
            citation_validity=answer.checks.get("citation_validity"),
        )

    return run
