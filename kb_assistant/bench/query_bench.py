"""Warm query latency per retrieval mode, and cold start to first answer, in this process."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from kb_assistant.settings import Settings

MODES = ("bm25", "dense", "hybrid")


def percentiles(values: list[float]) -> dict:
    if not values:
        return {"p50": None, "p95": None, "p99": None, "n": 0}
    arr = np.asarray(values)
    return {"p50": round(float(np.percentile(arr, 50)), 1), "p95": round(float(np.percentile(arr, 95)), 1),
            "p99": round(float(np.percentile(arr, 99)), 1), "n": len(values)}


def questions_of(dataset: Path) -> list[str]:
    from kb_assistant.evaluation.dataset import load_dataset

    return [item.question for item in load_dataset(dataset)]


def forget_queries(assistant) -> None:
    """Warm means the model and index are loaded, not that this question (or, for an English
    question, the ayat of its answer) was embedded before."""
    clear_queries = getattr(assistant.embedder, "clear_query_cache", None)
    if clear_queries is not None:
        clear_queries()
    assistant.unit_similarity.clear()


def bench_queries(settings: Settings, dataset: Path, rounds: int = 3) -> dict:
    from kb_assistant.assistant import Assistant

    questions = questions_of(dataset)
    started = time.perf_counter()
    assistant = Assistant(settings)
    assistant.ask(questions[0])
    cold_first_answer_s = time.perf_counter() - started
    result: dict = {"cold_first_answer_in_process_s": round(cold_first_answer_s, 2), "questions": len(questions)}
    for mode in MODES:
        for question in questions[:5]:
            assistant.ask(question, mode=mode)
        latencies = []
        for _ in range(rounds):
            for question in questions:
                forget_queries(assistant)
                t0 = time.perf_counter()
                assistant.ask(question, mode=mode)
                latencies.append((time.perf_counter() - t0) * 1000)
        result[mode] = percentiles(latencies)
    return result
