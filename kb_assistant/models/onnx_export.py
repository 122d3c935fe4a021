"""Export a prepared sentence-transformers model to ONNX for a faster CPU build, verified first.

Why: on a CPU without native bf16 EmbeddingGemma runs in float32; ONNX Runtime runs the same graph
faster than PyTorch eager (measured here: full build 1.15x, a single query ~2x, where PyTorch pays
per-operator overhead), with the same vectors (min cosine 0.99999988 over the corpus). The graph holds
the whole encoder: transformer, mean pooling and the model's dense head, so the runtime needs only
the tokenizer and onnxruntime.

The export lives beside the model folder (``models_dir/.onnx/<name>/``), never inside it: the model
folder's digest is the index's model fingerprint and must not change. ``export.json`` records the
model digest it was made from; a changed model makes the export stale (not used, re-made by the next
``kb models prepare``). An export is installed only after it agrees with the PyTorch model on sample
texts, one of them longer than the model's attention window.
"""

from __future__ import annotations

import json
import time
from contextlib import ExitStack
from pathlib import Path

import numpy as np

from kb_assistant.locks import LockUnavailableError, file_lock
from kb_assistant.models import fingerprint
from kb_assistant.models.install import staging_folder
from kb_assistant.models.onnx_runtime import GRAPH_FILE, INPUTS, OnnxEncoder
from kb_assistant.models.samples import BUILTIN_SENTENCES

EXPORT_FORMAT = 1
RECORD_FILE = "export.json"
MIN_COSINE = 0.9999
EXPORT_WAIT_S = 1800.0  # another process exporting the same model


class OnnxExportError(RuntimeError):
    """The exported graph disagrees with the PyTorch model; nothing was installed."""


def export_dir(models_dir: Path, model_folder: Path) -> Path:
    return Path(models_dir) / ".onnx" / Path(model_folder).name


def read_record(folder: Path) -> dict | None:
    try:
        return json.loads((Path(folder) / RECORD_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_current(folder: Path, model_folder: Path) -> bool:
    """An export that passed verification, made from the model folder as it is now."""
    record = read_record(folder)
    return bool(record and record.get("passed") and record.get("format") == EXPORT_FORMAT
                and (Path(folder) / GRAPH_FILE).is_file()
                and record.get("model_sha256") == fingerprint.folder_digest(model_folder))


def runtime_available() -> bool:
    """onnxruntime imports (it is a pinned dependency; a deployment may still lack a wheel)."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def _encoder_module(model):
    """The sentence-transformers pipeline as one module: token ids and mask → sentence embedding
    (unnormalised: the Embedder normalises, after an optional Matryoshka cut)."""
    import torch

    class Encoder(torch.nn.Module):
        def __init__(self, inner) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask):
            return self.inner({"input_ids": input_ids, "attention_mask": attention_mask})["sentence_embedding"]

    return Encoder(model).eval()


def verification_texts(window: int) -> list[str]:
    """The built-in sample sentences and one text longer than ``window`` tokens (EmbeddingGemma's
    local-attention layers see 512 tokens: a graph traced on short input must still mask right)."""
    long_text = " ".join(BUILTIN_SENTENCES * (1 + (window * 2) // max(1, sum(len(s.split()) for s in BUILTIN_SENTENCES))))
    return list(BUILTIN_SENTENCES) + [long_text]


def export_model(model_folder: Path, models_dir: Path, threads: int = 0, log=print) -> Path:
    """Export, verify against PyTorch, install atomically; return the export folder.

    Raises :class:`OnnxExportError` when the graph's vectors differ from the model's.
    """
    import torch

    from kb_assistant.models.embed import load_sentence_transformer

    target = export_dir(models_dir, model_folder)
    with staging_folder(target, lambda folder: is_current(folder, model_folder)) as tmp:
        started = time.perf_counter()
        model = load_sentence_transformer(str(model_folder), "float32", threads)
        sample = model.tokenizer(["contoh", "contoh teks kedua"], padding=True, return_tensors="pt")
        args = tuple(sample[name] for name in INPUTS)
        with torch.no_grad():
            torch.onnx.export(_encoder_module(model), args, str(tmp / GRAPH_FILE), input_names=list(INPUTS),
                              output_names=["sentence_embedding"], dynamo=True, external_data=True,
                              # ONNX Runtime optimises the graph when it loads it: onnxscript's own pass
                              # doubled the EmbeddingGemma export (222 s vs 110 s) for no faster run
                              optimize=False,
                              dynamic_shapes={name: {0: torch.export.Dim("batch"), 1: torch.export.Dim("tokens")} for name in INPUTS})
        export_s = time.perf_counter() - started
        window, max_seq_length = _attention_window(model), int(model.max_seq_length)
        texts = verification_texts(window)
        reference = model.encode(texts, batch_size=4, normalize_embeddings=True, convert_to_numpy=True)
        del model
        got = OnnxEncoder(tmp, model_folder, threads=threads, max_seq_length=max_seq_length).encode(texts, batch_size=4)
        got = got / np.linalg.norm(got, axis=1, keepdims=True)
        cosine = float((got * reference).sum(axis=1).min())
        if cosine < MIN_COSINE:
            raise OnnxExportError(f"ONNX export of {Path(model_folder).name} disagrees with the model (min cosine {cosine:.6f} < {MIN_COSINE}); not installed")
        record = {"passed": True, "format": EXPORT_FORMAT, "model_sha256": fingerprint.folder_digest(model_folder),
                  "min_cosine": round(cosine, 7), "export_seconds": round(export_s, 1), "torch": torch.__version__,
                  "verified_texts": len(texts)}
        (tmp / RECORD_FILE).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    log(f"ONNX export ready: {target} ({export_s:.0f} s, min cosine to PyTorch {cosine:.7f})")
    return target


def ensure_export(embedder, log=print) -> Path | None:
    """The export ``embedder`` (an ``Embedder``) will run on, made now if it wants one and has none
    current; None when it runs on PyTorch. A failed export leaves PyTorch in charge (``auto``) or
    raises (``runtime = onnx``)."""
    if not embedder.onnx_wanted:
        return None
    folder = Path(embedder.model_path)
    target = export_dir(embedder.settings.models_dir, folder)
    if is_current(target, folder):
        return target
    with ExitStack() as held:
        try:  # two preparations at once: the second waits and finds the export made
            held.enter_context(file_lock(target.parent / f".{target.name}.export.lock", "ONNX export", wait_s=EXPORT_WAIT_S))
        except LockUnavailableError as exc:  # a read-only models folder
            log(f"no ONNX export (cannot write {target.parent}: {exc.strerror or exc}); PyTorch embeds")
            return None
        if is_current(target, folder):
            return target
        log(f"exporting {folder.name} to ONNX for the float32 build (once; EmbeddingGemma ~3 min on 2 cores)")
        try:
            return export_model(folder, embedder.settings.models_dir, embedder.settings.threads, log)
        except Exception as exc:
            if embedder.settings.runtime == "onnx":
                raise
            log(f"ONNX export failed, PyTorch embeds instead: {exc}")
            return None


def _attention_window(model) -> int:
    config = getattr(model[0], "auto_model", None)
    config = getattr(config, "config", None)
    return int(getattr(config, "sliding_window", None) or 512)
