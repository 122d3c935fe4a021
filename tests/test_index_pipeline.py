"""Ingest against real Chroma and the real model: incremental updates, removal, rebuilds, kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from fixture_docs import SLOW_BUILDER_SCRIPT, TOPICS, regulation_text
from kb_assistant.corpus.manifest import load_manifest, save_manifest
from kb_assistant.indexing.bm25 import BM25Index
from kb_assistant.indexing.pipeline import ingest, read_chunks
from kb_assistant.indexing.store import current_version, open_collection, read_json
from kb_assistant.settings import Settings



def vector_ids_by_doc(settings: Settings) -> dict[str, set[str]]:
    version = current_version(settings.index)
    data = open_collection(settings.index, version).get(include=["metadatas"])
    out: dict[str, set[str]] = {}
    for node_id, meta in zip(data["ids"], data["metadatas"]):
        out.setdefault(meta["doc"], set()).add(node_id)
    return out


def _vectors(settings: Settings) -> dict[str, list[float]]:
    data = open_collection(settings.index, current_version(settings.index)).get(include=["embeddings"])
    return {node_id: [round(float(x), 6) for x in vector] for node_id, vector in zip(data["ids"], data["embeddings"])}


def _same_vectors(left: dict[str, list[float]], right: dict[str, list[float]]) -> bool:
    """The same nodes with the same vectors up to float32 rounding: a copied vector can come back from
    the store a rounding step away, moving its 6th decimal by one (seen on an Intel Xeon, 2026-12-02:
    one component of one node, 1e-6; a wrong vector differs by far more). That none was recomputed is
    asserted from the ingest report."""
    return left.keys() == right.keys() and all(np.allclose(left[k], right[k], rtol=0, atol=2e-6) for k in left)


def bm25_ids(settings: Settings) -> list[str]:
    return BM25Index.load(current_version(settings.index).bm25_dir).ids


def test_first_ingest_then_no_change_embeds_nothing_and_loads_no_model(fixture_settings, embedder):
    first = ingest(fixture_settings, embedder=embedder)
    assert sorted(first.added) == sorted(TOPICS) and not first.failed
    assert first.nodes == sum(len(p) for _, p in TOPICS.values())
    assert first.runtime == f"torch {embedder.dtype}" and first.details()["runtime"] == first.runtime  # e5-small: no ONNX
    from kb_assistant.models.embed import Embedder

    fresh = Embedder(fixture_settings.embedding)
    second = ingest(fixture_settings, embedder=fresh)
    assert second.summary() | {"seconds": 0} == {"added": 0, "updated": 0, "removed": 0, "unchanged": 3, "nodes": first.nodes, "seconds": 0}
    assert second.embedded == 0 and not fresh.is_loaded and second.runtime == ""
    assert second.version == first.version


def test_changed_document_replaces_only_its_nodes(fixture_settings, embedder):
    ingest(fixture_settings, embedder=embedder)
    before = vector_ids_by_doc(fixture_settings)
    title, pasal = TOPICS["perkom-2-2030"]
    path = Path(fixture_settings.corpus.files_dir) / "perkom-2-2030.md"
    path.write_text(regulation_text(title, pasal[:1], extra="Notula rapat disimpan paling lama lima tahun."), encoding="utf-8")
    report = ingest(fixture_settings, embedder=embedder)
    assert report.updated == ["perkom-2-2030"] and sorted(report.unchanged) == ["perkom-1-2030", "perkom-3-2030"]
    assert (report.embedded, report.reused) == (1, 1)  # Pasal 1 kept its text: its vector is kept too
    after = vector_ids_by_doc(fixture_settings)
    assert after["perkom-1-2030"] == before["perkom-1-2030"] and after["perkom-3-2030"] == before["perkom-3-2030"]
    assert after["perkom-2-2030"] == {"perkom-2-2030:pasal-1", "perkom-2-2030:pasal-2"}
    chunks = {c.id: c for c in read_chunks(current_version(fixture_settings.index))}
    assert "lima tahun" in chunks["perkom-2-2030:pasal-2"].text
    assert sorted(bm25_ids(fixture_settings)) == sorted(chunks) == sorted(set().union(*after.values()))


def test_removed_document_loses_its_nodes_everywhere(fixture_settings, embedder):
    ingest(fixture_settings, embedder=embedder)
    manifest = load_manifest(fixture_settings.corpus.manifest)
    manifest.documents = [d for d in manifest.documents if d.id != "perkom-3-2030"]
    save_manifest(manifest, fixture_settings.corpus.manifest)
    report = ingest(fixture_settings, embedder=embedder)
    assert report.removed == ["perkom-3-2030"]
    assert "perkom-3-2030" not in vector_ids_by_doc(fixture_settings)
    assert not [i for i in bm25_ids(fixture_settings) if i.startswith("perkom-3-2030")]
    assert "perkom-3-2030" not in read_json(current_version(fixture_settings.index).ledger_file, {})


def test_changed_chunk_settings_trigger_a_full_rebuild(fixture_settings, embedder):
    ingest(fixture_settings, embedder=embedder)
    fixture_settings.chunk.max_words = 150
    report = ingest(fixture_settings, embedder=embedder)
    assert report.rebuilt and sorted(report.updated) == sorted(TOPICS) and report.embedded == report.nodes


def test_bad_document_fails_alone(fixture_settings, embedder):
    (Path(fixture_settings.corpus.files_dir) / "perkom-3-2030.md").write_text("", encoding="utf-8")
    report = ingest(fixture_settings, embedder=embedder)
    assert list(report.failed) == ["perkom-3-2030"] and "perkom-3-2030.md" in report.failed["perkom-3-2030"]
    assert sorted(report.added) == ["perkom-1-2030", "perkom-2-2030"]
    assert set(vector_ids_by_doc(fixture_settings)) == {"perkom-1-2030", "perkom-2-2030"}




def test_ingest_killed_half_way_leaves_previous_index_and_next_run_recovers(fixture_settings, embedder, tmp_path):
    first = ingest(fixture_settings, embedder=embedder)
    settings_file = tmp_path / "settings.json"
    settings_file.write_text(fixture_settings.model_dump_json(), encoding="utf-8")
    marker = tmp_path / "marker"
    env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parent.parent)}  # this checkout's code
    proc = subprocess.Popen([sys.executable, "-c", SLOW_BUILDER_SCRIPT, str(settings_file), str(marker)], cwd=Path(__file__).parent, env=env)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
        assert marker.exists(), "the ingest never reached the embedding step"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert current_version(fixture_settings.index).name == first.version
    from kb_assistant.assistant import Assistant

    answer = Assistant(fixture_settings, embedder=embedder).ask("Berapa lama instansi pemilik data harus menjawab permintaan data?")
    assert answer.citations and answer.citations[0].doc == "perkom-1-2030"
    again = ingest(fixture_settings, embedder=embedder, force=True)
    assert again.nodes == first.nodes
    versions = [p for p in (Path(fixture_settings.index.dir) / "versions").iterdir()]
    assert len(versions) <= 2, "abandoned half-built versions must be cleaned up"
    ids = vector_ids_by_doc(fixture_settings)
    assert sum(len(v) for v in ids.values()) == first.nodes


def test_unwritable_index_folder_gives_a_clear_error(fixture_settings, embedder, tmp_path):
    from kb_assistant.indexing.pipeline import IndexWriteError

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    fixture_settings.index.dir = blocker / "indexes"
    with pytest.raises(IndexWriteError, match="cannot write the index"):
        ingest(fixture_settings, embedder=embedder)


def test_full_disk_during_ingest_keeps_the_previous_index(fixture_settings, embedder, monkeypatch):
    import errno

    from kb_assistant.indexing import pipeline
    from kb_assistant.indexing.pipeline import IndexWriteError

    first = ingest(fixture_settings, embedder=embedder)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pipeline, "write_version_files", full)
    with pytest.raises(IndexWriteError, match="No space left on device"):
        ingest(fixture_settings, embedder=embedder, force=True)
    assert current_version(fixture_settings.index).name == first.version
    versions = [p.name for p in (Path(fixture_settings.index.dir) / "versions").iterdir()]
    assert versions == [first.version]


def test_corrupt_bm25_is_detected_and_rebuilt_on_load(fixture_settings, embedder):
    from kb_assistant.retrieval.searcher import IndexReader

    ingest(fixture_settings, embedder=embedder)
    bm25_dir = current_version(fixture_settings.index).bm25_dir
    victim = next(p for p in bm25_dir.rglob("*.npy"))  # one file per field folder (text, heading, penjelasan)
    victim.write_bytes(b"\x00" * 10)
    loaded = IndexReader(fixture_settings.index).get()
    assert loaded.bm25.search("magang daerah lain", 1)[0][0].startswith("perkom-3-2030")
    assert BM25Index.load(bm25_dir).ids == loaded.bm25.ids  # the rebuilt files were saved and verify again


def test_answers_keep_coming_from_the_last_complete_index_during_an_ingest(fixture_settings, embedder):
    """An ingest in another thread: every answer in the meantime succeeds and comes from a complete version."""
    import threading

    from kb_assistant.assistant import Assistant
    from kb_assistant.models.embed import Embedder

    first = ingest(fixture_settings, embedder=embedder)
    assistant = Assistant(fixture_settings, embedder=embedder)
    started, release = threading.Event(), threading.Event()

    class GatedEmbedder(Embedder):
        def embed_passages(self, texts, show_progress=False):
            started.set()
            release.wait(30)
            return embedder.embed_passages(texts, show_progress)

    errors: list[BaseException] = []
    worker = threading.Thread(target=lambda: _run(lambda: ingest(fixture_settings, force=True, embedder=GatedEmbedder(fixture_settings.embedding)), errors))
    worker.start()
    assert started.wait(60)
    versions_seen = set()
    for _ in range(5):
        answer = assistant.ask("Siapa yang menanggung biaya magang pegawai?")
        assert answer.citations and answer.citations[0].doc == "perkom-3-2030"
        versions_seen.add(assistant.reader.get().version.name)
    assert versions_seen == {first.version}
    release.set()
    worker.join(60)
    assert not errors
    assistant.ask("Siapa yang menanggung biaya magang pegawai?")
    assert assistant.reader.get().version.name == current_version(fixture_settings.index).name != first.version


def _run(fn, errors):
    try:
        fn()
    except BaseException as exc:  # surfaced by the test thread
        errors.append(exc)


def test_upgraded_parser_or_chunker_reindexes_the_documents(fixture_settings, embedder, monkeypatch):
    """Nodes built by an older parser must not survive an upgrade unnoticed."""
    from kb_assistant.indexing import pipeline

    first = ingest(fixture_settings, embedder=embedder)
    monkeypatch.setattr(pipeline, "node_code_digest", lambda: "another-parser")
    before = _vectors(fixture_settings)
    report = ingest(fixture_settings, embedder=embedder)
    assert sorted(report.updated) == sorted(first.added) and not report.unchanged
    # the same node texts: re-chunked, but no vector recomputed (and none changed)
    assert (report.embedded, report.reused) == (0, first.nodes)
    assert _same_vectors(_vectors(fixture_settings), before)
    monkeypatch.setattr(pipeline, "node_code_digest", lambda: "a third parser")
    forced = ingest(fixture_settings, force=True, embedder=embedder)
    assert (forced.embedded, forced.reused) == (first.nodes, 0)  # --force recomputes every vector
    again = ingest(fixture_settings, embedder=embedder)
    assert again.embedded == 0 and sorted(again.unchanged) == sorted(first.added)


def test_the_penjelasan_is_embedded_when_the_setting_asks(fixture_settings, embedder):
    title, pasal = TOPICS["perkom-1-2030"]
    elucidation = "Yang dimaksud dengan rapat koordinasi adalah pertemuan lintas instansi yang dipimpin sekretaris."
    path = Path(fixture_settings.corpus.files_dir) / "perkom-1-2030.md"
    path.write_text(regulation_text(title, pasal) + f"\nPENJELASAN\nATAS\n{title.upper()}\n\nI. UMUM\nKolaborasi perlu diatur.\n\n"
                    f"II. PASAL DEMI PASAL\nPasal 1\n{elucidation}\nPasal 2\nCukup jelas.\n", encoding="utf-8")
    ingest(fixture_settings, embedder=embedder)
    fixture_settings.chunk.include_penjelasan = True
    report = ingest(fixture_settings, embedder=embedder)
    assert report.rebuilt  # what the vectors depend on changed
    data = open_collection(fixture_settings.index, current_version(fixture_settings.index)).get(
        ids=["perkom-1-2030:pasal-1", "perkom-1-2030:pasal-2"], include=["documents"])
    stored = dict(zip(data["ids"], data["documents"]))
    assert stored["perkom-1-2030:pasal-1"].endswith(f"Penjelasan: {elucidation}")
    assert "Penjelasan" not in stored["perkom-1-2030:pasal-2"]  # "Cukup jelas." is not embedded


def test_passages_embed_without_their_heading_path_when_the_setting_says_so(fixture_settings, embedder):
    ingest(fixture_settings, embedder=embedder)
    ids = ["perkom-1-2030:pasal-1"]
    collection = open_collection(fixture_settings.index, current_version(fixture_settings.index))
    [headed] = collection.get(ids=ids, include=["documents"])["documents"]
    [chunk] = [c for c in read_chunks(current_version(fixture_settings.index)) if c.id == ids[0]]
    assert headed == chunk.embed_text and headed.startswith(chunk.prefix)
    before = _vectors(fixture_settings)[ids[0]]
    fixture_settings.embedding.passage_headings = False
    report = ingest(fixture_settings, embedder=embedder)
    assert report.rebuilt and report.embedded == report.nodes  # what every vector depends on changed
    data = open_collection(fixture_settings.index, current_version(fixture_settings.index)).get(ids=ids, include=["documents"])
    assert data["documents"] == [chunk.text]  # the passage alone
    assert _vectors(fixture_settings)[ids[0]] != before
    assert BM25Index.load(current_version(fixture_settings.index).bm25_dir).ids == bm25_ids(fixture_settings)
