"""Run an exported encoder (``onnx_export``) with ONNX Runtime: tokenizer in, sentence vectors out.

Why a separate runner: it needs neither torch nor the PyTorch weights in memory, only the model's
own tokenizer (loaded from its folder, so the token ids are the ones sentence-transformers feeds)
and one ONNX Runtime session.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

GRAPH_FILE = "model.onnx"
INPUTS = ("input_ids", "attention_mask")


class OnnxEncoder:
    """Sentence vectors (unnormalised) from an exported graph; thread-safe."""

    def __init__(self, export_folder: Path, model_folder: Path, threads: int = 0, max_seq_length: int = 512) -> None:
        import onnxruntime as ort
        from transformers import AutoTokenizer

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads > 0:
            options.intra_op_num_threads = threads
        self.session = ort.InferenceSession(str(Path(export_folder) / GRAPH_FILE), options, providers=["CPUExecutionProvider"])
        self.tokenizer = AutoTokenizer.from_pretrained(str(model_folder), local_files_only=True)
        self.max_seq_length = max_seq_length
        self._lock = threading.Lock()

    def encode(self, texts: list[str], batch_size: int = 8, progress=None) -> np.ndarray:
        """Vectors in input order; batches of similar length (longest first) waste no padding."""
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out: list[np.ndarray | None] = [None] * len(texts)
        for start in range(0, len(order), batch_size):
            batch = [int(i) for i in order[start:start + batch_size]]
            for i, vector in zip(batch, self._run([texts[i] for i in batch])):
                out[i] = vector
            if progress is not None:
                progress(len(batch))
        return np.stack(out).astype(np.float32) if out else np.zeros((0, 0), dtype=np.float32)

    def _run(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            feats = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_seq_length, return_tensors="np")
            feed = {name: feats[name].astype(np.int64) for name in INPUTS}
            return self.session.run(None, feed)[0]
