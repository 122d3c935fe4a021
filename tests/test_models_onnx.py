"""The ONNX Runtime path (kb_assistant/models/onnx_export.py, onnx_runtime.py) on a real export.

The model is a tiny randomly initialised Gemma3 encoder with EmbeddingGemma's architecture
(bidirectional attention, local-attention layers beside global ones, mean pooling, a dense head),
so the real exporter, the real ONNX Runtime and the real sentence-transformers model are compared
in seconds; its local window is 16 tokens, so the long passages below cross it as EmbeddingGemma's
longest nodes cross its 512.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from kb_assistant.models import onnx_export
from kb_assistant.models.embed import Embedder
from kb_assistant.settings import EmbeddingSettings, ModelProfile

WORDS = ("pegawai aparatur sipil negara wajib menjaga netralitas kerja sama daerah pelayanan publik "
         "instansi pusat kementerian lembaga pemerintah bantuan kedinasan pasal ayat huruf").split()
WINDOW = 16


def _tiny_gemma(folder: Path) -> Path:
    """A sentence-transformers folder: word-level tokenizer, 2-layer Gemma3 encoder, mean pooling, dense head."""
    import torch
    from sentence_transformers import SentenceTransformer, models
    from tokenizers import Tokenizer, pre_tokenizers
    from tokenizers.models import WordLevel
    from transformers import Gemma3TextConfig, Gemma3TextModel, PreTrainedTokenizerFast

    torch.manual_seed(0)
    vocab = {"[PAD]": 0, "[UNK]": 1} | {w: i + 2 for i, w in enumerate(WORDS)}
    tok = Tokenizer(WordLevel(vocab=vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    hf = folder / "hf"
    PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]").save_pretrained(hf)
    config = Gemma3TextConfig(vocab_size=len(vocab), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                              num_attention_heads=2, num_key_value_heads=1, head_dim=16, sliding_window=WINDOW,
                              layer_types=["sliding_attention", "full_attention"], use_bidirectional_attention=True,
                              max_position_embeddings=256, pad_token_id=0)
    Gemma3TextModel(config).save_pretrained(hf)
    transformer = models.Transformer(str(hf), max_seq_length=256)
    pooling = models.Pooling(32, pooling_mode="mean")
    model = SentenceTransformer(modules=[transformer, pooling, models.Dense(32, 24, activation_function=torch.nn.Identity()), models.Normalize()], device="cpu")
    target = folder / "tiny-gemma"
    model.save(str(target))
    return target


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    return _tiny_gemma(tmp_path_factory.mktemp("tiny-gemma"))


def _settings(model: Path, models_dir: Path, runtime: str, onnx: bool = True) -> EmbeddingSettings:
    profile = ModelProfile(max_tokens=256, bf16=False, onnx=onnx, dimensions=[24])
    return EmbeddingSettings(model=str(model), models_dir=models_dir, runtime=runtime, threads=1, dtype="float32",
                             profiles={model.name: profile})


def _texts(n_long_words: int) -> list[str]:
    rng = np.random.default_rng(1)
    short = ["pegawai wajib menjaga netralitas", "kerja sama daerah", "pelayanan publik instansi pusat"]
    long = [" ".join(rng.choice(WORDS, n_long_words)) for _ in range(3)]
    return short + long


@pytest.fixture(scope="module")
def exported(tiny_model, tmp_path_factory) -> tuple[Path, Path]:
    models_dir = tmp_path_factory.mktemp("models")
    messages: list[str] = []
    export = onnx_export.ensure_export(Embedder(_settings(tiny_model, models_dir, "auto")), log=messages.append)
    assert export == onnx_export.export_dir(models_dir, tiny_model)
    assert any("ONNX export ready" in m for m in messages)
    return models_dir, export


def test_export_is_verified_and_recorded_beside_the_model(tiny_model, exported):
    models_dir, export = exported
    record = json.loads((export / onnx_export.RECORD_FILE).read_text())
    assert record["passed"] and record["min_cosine"] >= onnx_export.MIN_COSINE
    assert onnx_export.is_current(export, tiny_model)
    assert not any(p.suffix == ".onnx" for p in tiny_model.rglob("*")), "the model folder (its fingerprint) is untouched"
    # a second preparation finds it current and exports nothing
    messages: list[str] = []
    assert onnx_export.ensure_export(Embedder(_settings(tiny_model, models_dir, "auto")), log=messages.append) == export
    assert messages == []


def test_onnx_vectors_match_pytorch_across_the_local_attention_window(tiny_model, exported):
    models_dir, _ = exported
    onnx_embedder = Embedder(_settings(tiny_model, models_dir, "auto"))
    torch_embedder = Embedder(_settings(tiny_model, models_dir, "torch"))
    assert onnx_embedder.runtime == "onnx" and torch_embedder.runtime == "torch"
    texts = _texts(n_long_words=5 * WINDOW)
    got = onnx_embedder.embed_passages(texts)
    want = torch_embedder.embed_passages(texts)
    assert got.shape == want.shape == (len(texts), 24)
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert float((got * want).sum(axis=1).min()) > 0.9999
    assert not onnx_embedder.is_loaded or onnx_embedder._model is None, "the ONNX path never loads the PyTorch weights"
    queries = ["netralitas pegawai", "kerja sama daerah"]
    assert float((onnx_embedder.embed_queries(queries) * torch_embedder.embed_queries(queries)).sum(axis=1).min()) > 0.9999


def test_the_onnx_batch_size_changes_no_vector(tiny_model, exported, monkeypatch):
    """Batches are padded to their longest passage and masked: one passage per batch or all at once,
    the same vectors; the ONNX path batches by ``embedding.onnx_batch_size``, not PyTorch's setting."""
    from kb_assistant.models.onnx_runtime import OnnxEncoder

    models_dir, _ = exported
    sizes: list[int] = []
    real_encode = OnnxEncoder.encode
    monkeypatch.setattr(OnnxEncoder, "encode", lambda self, texts, batch_size=8, progress=None: sizes.append(batch_size) or real_encode(self, texts, batch_size, progress))
    texts = _texts(n_long_words=3 * WINDOW)
    one = Embedder(_settings(tiny_model, models_dir, "onnx").model_copy(update={"onnx_batch_size": 1, "batch_size": 6}))
    many = Embedder(_settings(tiny_model, models_dir, "onnx").model_copy(update={"onnx_batch_size": 6}))
    assert float((one.embed_passages(texts) * many.embed_passages(texts)).sum(axis=1).min()) > 0.99999
    assert sizes == [1, 6]


def test_a_changed_model_makes_the_export_stale(tiny_model, exported, tmp_path):
    import shutil

    models_dir, export = exported
    changed = tmp_path / tiny_model.name
    shutil.copytree(tiny_model, changed)
    (changed / "config_sentence_transformers.json").write_text(
        (changed / "config_sentence_transformers.json").read_text() + "\n")
    stale_dir = tmp_path / "models"
    shutil.copytree(export, onnx_export.export_dir(stale_dir, changed))
    assert not onnx_export.is_current(onnx_export.export_dir(stale_dir, changed), changed)
    assert Embedder(_settings(changed, stale_dir, "auto")).runtime == "torch"
    with pytest.raises(FileNotFoundError, match="kb models prepare"):
        Embedder(_settings(changed, stale_dir, "onnx")).embed_passages(["kerja sama daerah"])


def test_no_export_for_a_profile_without_onnx_or_with_torch_chosen(tiny_model, tmp_path):
    for settings in (_settings(tiny_model, tmp_path, "auto", onnx=False), _settings(tiny_model, tmp_path, "torch")):
        embedder = Embedder(settings)
        assert not embedder.onnx_wanted
        assert onnx_export.ensure_export(embedder) is None
    assert not (tmp_path / ".onnx").exists()


def test_an_export_that_disagrees_is_not_installed(tiny_model, exported, tmp_path, monkeypatch):
    """A graph whose vectors differ from PyTorch's (here: the runner scrambled) is refused: nothing is
    installed, no temporary folder is left, and under ``auto`` PyTorch keeps embedding."""
    import shutil

    import torch

    _, good = exported

    def reuse_graph(module, args, path, **kwargs):  # the real export is tested above; skip its cost
        for file in good.iterdir():
            if file.name != onnx_export.RECORD_FILE:
                shutil.copy(file, Path(path).parent / file.name)

    def scrambled(self, texts, batch_size=8, progress=None):
        return np.random.default_rng(0).normal(size=(len(texts), 24)).astype(np.float32)

    monkeypatch.setattr(torch.onnx, "export", reuse_graph)
    monkeypatch.setattr(onnx_export.OnnxEncoder, "encode", scrambled)
    messages: list[str] = []
    assert onnx_export.ensure_export(Embedder(_settings(tiny_model, tmp_path, "auto")), log=messages.append) is None
    assert any("PyTorch embeds instead" in m and "disagrees" in m for m in messages)
    target = onnx_export.export_dir(tmp_path, tiny_model)
    assert not target.exists()
    assert not [p for p in target.parent.iterdir() if p.is_dir()], "no temporary folder left"
    with pytest.raises(onnx_export.OnnxExportError, match="disagrees"):
        onnx_export.ensure_export(Embedder(_settings(tiny_model, tmp_path, "onnx")))
    assert os.path.isdir(tiny_model)
