"""`kb models fit-adapter`: fit the embedding model's query adapter on the indexed corpus.

Why here, beside the ranker's fit: it reads the built index (the nodes and their vectors) and runs
the model, which the models package does not reach. The training pairs are mined from the corpus
structure (`models/pairs.py`); no QA set is read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np

from kb_assistant.models.pairs import Pair, mine_pairs, positive_indices
from kb_assistant.models.query_adapter import FitOptions, QueryAdapter, fit_scale

ANCHOR_BATCH = 32


def node_vectors(loaded) -> tuple[list[str], np.ndarray]:
    """Every node id of an index version with its stored vector, in the store's order."""
    if loaded.collection is None:
        raise ValueError(f"index {loaded.version.name} has no readable vector store ({loaded.degraded}); run `kb ingest`")
    got = loaded.collection.get(include=["embeddings"])
    rows = [(i, v) for i, v in zip(got["ids"], got["embeddings"]) if i in loaded.chunks]
    ids, vectors = [i for i, _ in rows], np.asarray([v for _, v in rows], dtype=np.float32)
    return ids, vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def training_pairs(nodes: Sequence) -> tuple[list[Pair], list[list[int]]]:
    """The mined pairs whose target is among ``nodes``, with the indices of their target's nodes."""
    pairs = mine_pairs(nodes)
    positives = positive_indices(pairs, nodes)
    kept = [(p, pos) for p, pos in zip(pairs, positives) if pos]
    return [p for p, _ in kept], [pos for _, pos in kept]


def fit_query_adapter(loaded, embedder, model: str, options: FitOptions = FitOptions(),
                      progress: Callable[[int, int], None] = lambda done, total: None) -> QueryAdapter:
    """Embed each pair's anchor with the model's own query prompt (no adapter), fit the scale
    against the index's node vectors, and record how it was made."""
    ids, vectors = node_vectors(loaded)
    pairs, positives = training_pairs([loaded.chunks[i] for i in ids])
    if not pairs:
        raise ValueError("the index holds no definitions, headings, Penjelasan or cross-references to mine pairs from")
    batches = []
    for start in range(0, len(pairs), ANCHOR_BATCH):
        batches.append(embedder.embed_queries([p.anchor for p in pairs[start : start + ANCHOR_BATCH]], adapted=False))
        progress(min(start + ANCHOR_BATCH, len(pairs)), len(pairs))
    scale = fit_scale(np.concatenate(batches), vectors, positives, options)
    source = {
        "fitted_by": "kb models fit-adapter",
        "model": model,
        "index": loaded.version.name,
        "nodes": len(ids),
        "pairs": dict(sorted(Counter(p.kind for p in pairs).items())),
        "pairs_from": "corpus structure only (kb_assistant/models/pairs.py): defined terms, headings, Penjelasan, cross-references; no QA question",
        "l2": options.l2,
        "steps": options.steps,
        "temperature": options.temperature,
        "learning_rate": options.learning_rate,
    }
    return QueryAdapter(scale, source)
