"""A per-dimension rescaling of query vectors, fitted on pairs mined from the corpus (never QA questions).

Why: fine-tuning EmbeddingGemma itself on this 2-core machine is out of reach, and its corpus vectors
should not change (a full re-embed). Queries and statute passages sit in different regions of the
model's space; a scale per dimension, fitted so that corpus-derived pseudo-queries (a defined term,
a heading, a Penjelasan, the sentence around a cross-reference: `models/pairs.py`) find their own
Pasal among all nodes, moves a query toward the corpus's region. 768 numbers, shipped with the model
profile and applied after the model's query embedding: q' = q · (1 + scale), renormalised.

Measured (README, Evaluation): dense hit@1 of the tuning sets' 40 English questions 0.725 -> 0.800, their
Indonesian ones unchanged; so retrieval applies it to English questions only (``retrieval.query_adapter``).
A full 768×768 map fitted the same way was no better.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ADAPTERS_DIR = Path(__file__).with_name("adapters")


class AdapterError(ValueError):
    """An adapter file that cannot be used (unreadable, malformed, or sized for another model)."""


@dataclass(frozen=True)
class QueryAdapter:
    scale: np.ndarray  # (dim,) float32: each query dimension is multiplied by 1 + scale
    source: dict = field(default_factory=dict)  # how it was fitted (pairs by kind, settings, corpus)

    @property
    def dimension(self) -> int:
        return int(self.scale.shape[0])

    def apply(self, vectors: np.ndarray) -> np.ndarray:
        """Rescaled and L2-normalised query vectors, ``(n, dim)`` float32."""
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.shape[-1] != self.dimension:
            raise AdapterError(f"query adapter is for {self.dimension}-d vectors, got {vectors.shape[-1]}-d")
        out = vectors * (1.0 + self.scale)
        norms = np.linalg.norm(out, axis=-1, keepdims=True)
        return (out / np.where(norms > 0, norms, 1.0)).astype(np.float32)

    def save(self, path: Path) -> None:
        payload = {"source": self.source, "scale": [round(float(x), 6) for x in self.scale]}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> QueryAdapter:
        try:
            payload = json.loads(Path(path).read_text(encoding="utf-8"))
            scale = np.asarray(payload["scale"], dtype=np.float32)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise AdapterError(f"query adapter {path} cannot be read: {exc}") from exc
        if scale.ndim != 1 or not scale.size or not np.all(np.isfinite(scale)) or np.any(scale <= -1.0):
            raise AdapterError(f"query adapter {path}: 'scale' must be a list of finite numbers above -1")
        return cls(scale, dict(payload.get("source") or {}))


def adapter_path(name: str) -> Path:
    """A profile's adapter: a file name under ``models/adapters``, or an absolute path."""
    path = Path(name)
    return path if path.is_absolute() else ADAPTERS_DIR / path


@dataclass(frozen=True)
class FitOptions:
    l2: float = 0.01  # pull toward the identity (the scale's squared norm)
    steps: int = 150  # full-batch Adam steps (converged well before: 300 and 1,000 fit the same)
    temperature: float = 0.05  # softmax temperature over all nodes
    learning_rate: float = 1e-3


def fit_scale(anchors: np.ndarray, nodes: np.ndarray, positives: Sequence[Sequence[int]], options: FitOptions = FitOptions()) -> np.ndarray:
    """The scale that makes each anchor's positives (the node indices of its target Pasal) most
    probable in a softmax over all ``nodes`` (multi-positive InfoNCE), full batch, deterministic."""
    import torch

    if len(anchors) != len(positives) or not len(anchors):
        raise ValueError(f"{len(anchors)} anchors for {len(positives)} positive sets")
    queries = torch.tensor(np.asarray(anchors, dtype=np.float32))
    corpus = torch.tensor(np.asarray(nodes, dtype=np.float32))
    mask = torch.zeros(len(anchors), len(corpus), dtype=torch.bool)
    for row, indices in enumerate(positives):
        mask[row, list(indices)] = True
    scale = torch.zeros(queries.shape[1], requires_grad=True)
    optimiser = torch.optim.Adam([scale], lr=options.learning_rate)
    for _ in range(options.steps):
        adapted = queries * (1.0 + scale)
        logits = adapted / adapted.norm(dim=1, keepdim=True) @ corpus.T / options.temperature
        nll = torch.logsumexp(logits, 1) - torch.logsumexp(logits.masked_fill(~mask, -1e9), 1)
        loss = nll.mean() + options.l2 * (scale**2).sum()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return scale.detach().numpy().astype(np.float32)
