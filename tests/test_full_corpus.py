"""The whole shared corpus, end to end (slow): build, no-change re-run, and the quality gate.

The gate (issue 11's bars, kb_assistant/evaluation/gate.py) runs on the frozen test split
eval/qa-test.jsonl and on the shared dev set; any question that raises an error fails it, and the
assertion message shows every figure of every configuration, per type too.
"""

from __future__ import annotations


import pytest

from kb_assistant.corpus.manifest import load_manifest
from kb_assistant.settings import PROJECT_ROOT, SHARED_SOURCES, Settings

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not SHARED_SOURCES.is_dir(), reason="shared corpus sources not available")]
DEV_SET = SHARED_SOURCES.parent / "eval-dev" / "qa-dev.jsonl"
TEST_SPLIT = PROJECT_ROOT / "eval" / "qa-test.jsonl"


@pytest.fixture(scope="module")
def full_index(tmp_path_factory, model_settings, embedder):
    from kb_assistant.indexing.pipeline import ingest

    settings = Settings()
    settings.embedding = model_settings
    settings.corpus.search_path = [tmp_path_factory.mktemp("files"), SHARED_SOURCES]
    settings.index.dir = tmp_path_factory.mktemp("full") / "indexes"
    report = ingest(settings, embedder=embedder)
    return settings, report


def test_whole_corpus_builds_and_a_second_run_changes_nothing(full_index, embedder):
    from kb_assistant.indexing.pipeline import ingest

    settings, first = full_index
    available = [d.id for d in load_manifest(PROJECT_ROOT / "corpus" / "manifest.toml").documents if d.id != "perpres-95-2018"]
    assert sorted(first.added) == sorted(available) and not first.failed
    assert first.missing == ["perpres-95-2018"]
    second = ingest(settings, embedder=embedder)
    assert (second.summary()["added"], second.summary()["updated"], second.summary()["removed"]) == (0, 0, 0)
    assert second.embedded == 0 and second.nodes == first.nodes


def test_every_node_fits_the_model(full_index, embedder):
    from kb_assistant.indexing.pipeline import read_chunks
    from kb_assistant.indexing.store import current_version

    settings, _ = full_index
    chunks = read_chunks(current_version(settings.index))
    too_long = [c.id for c in chunks if embedder.count_tokens(c.embed_text, prompt="passage: ") > embedder.max_seq_length]
    assert not too_long, too_long[:10]


def test_every_gold_reference_can_score(full_index, embedder):
    """Every gold reference of every QA set names a manifest document by its id and matches a unit of
    the whole-corpus index: a parser change that loses a Pasal or renames a Lampiran heading a gold
    points at would otherwise turn into a silent zero in every evaluation."""
    from kb_assistant.evaluation.dataset import load_dataset
    from kb_assistant.evaluation.gold_docs import resolve_gold_documents
    from kb_assistant.indexing.pipeline import read_chunks
    from kb_assistant.indexing.store import current_version

    settings, _ = full_index
    chunks = read_chunks(current_version(settings.index))
    manifest = load_manifest(PROJECT_ROOT / "corpus" / "manifest.toml")
    sets = [DEV_SET, *sorted((PROJECT_ROOT / "eval").glob("qa-*.jsonl"))]
    notes = {path.name: resolve_gold_documents(load_dataset(path), manifest, chunks).notes() for path in sets if path.exists()}
    assert len(notes) >= 5 and not any(notes.values()), notes


# Regression floors: the figures measured on 2026-11-30 (e5-small, 13 documents, 1,891 nodes; test
# split hybrid hit@5 0.845, MRR@10 0.756, citation precision 0.690, refusal accuracy 0.927; dev 0.783,
# 0.675, 0.614, 0.920; after the answer-type refusal, quote normalisation and the HNSW search breadth:
# test 0.859, 0.768, 0.704, 0.939; dev 0.783, 0.672, 0.643, 0.920) less a small margin for bf16/fp32 differences between machines. They stop a
# change from making answers worse; issue 11's bars (below, expected to fail for now) are the target.
FLOORS = {
    "test-split": {"hit@5": 0.80, "MRR@10": 0.72, "citation precision": 0.65, "refusal accuracy": 0.90},
    "dev-set": {"hit@5": 0.74, "MRR@10": 0.64, "citation precision": 0.58, "refusal accuracy": 0.88},
}
DATASETS = {"test-split": TEST_SPLIT, "dev-set": DEV_SET}


@pytest.fixture(scope="module")
def gate_runs(full_index, embedder) -> dict[str, dict]:
    """One evaluation run (bm25, dense, hybrid) per QA set, shared by the floor and the target gate."""
    from kb_assistant.assistant import Assistant
    from kb_assistant.evaluation.configs import build_configs
    from kb_assistant.evaluation.dataset import load_dataset
    from kb_assistant.evaluation.runner import run_eval

    settings, _ = full_index
    assistant = Assistant(settings, embedder=embedder)
    configs = build_configs(settings, ["bm25", "dense", "hybrid"], assistant=assistant)
    return {
        name: run_eval(load_dataset(path), configs, path.name, progress=False)
        for name, path in DATASETS.items()
        if path.exists()
    }


@pytest.mark.parametrize("name", list(DATASETS))
def test_no_regression_below_the_measured_floor(gate_runs, name):
    """No errors, hybrid at or above today's figures, and (test split) above both single signals."""
    from kb_assistant.evaluation.gate import floor_bars, gate_failures, gate_summary

    if name not in gate_runs:
        pytest.skip(f"{DATASETS[name]} not available")
    result = gate_runs[name]
    failed = gate_failures(result, floor_bars(FLOORS[name]), compare_singles=name == "test-split")
    assert not failed, "regression floor failed: " + "; ".join(failed) + "\n" + gate_summary(result)


@pytest.mark.xfail(reason="issue 11's bars are not met yet (see the README's evaluation figures)", strict=False)
@pytest.mark.parametrize("name", list(DATASETS))
def test_quality_gate(gate_runs, name):
    """Issue 11's bars: hit@5 ≥ 0.92, MRR@10 ≥ 0.85, citation precision ≥ 0.85, refusal accuracy ≥ 0.95,
    hybrid ≥ the better single signal on MRR@10, and no errors; measured with the real stack."""
    from kb_assistant.evaluation.gate import gate_failures, gate_summary

    if name not in gate_runs:
        pytest.skip(f"{DATASETS[name]} not available")
    failed = gate_failures(gate_runs[name])
    assert not failed, "quality gate failed: " + "; ".join(failed) + "\n" + gate_summary(gate_runs[name])
