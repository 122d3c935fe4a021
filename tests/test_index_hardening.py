"""A failed or interrupted build never becomes CURRENT: write errors, hangs, full disks, bad files.

The vector store is made to fail with a fault-injecting layer (the Chroma collection's ``add``
raising what a full disk raises, or hanging); a real small tmpfs is in the slow suite.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner


from kb_assistant.indexing.pipeline import IndexWriteError, ingest, read_chunks
from kb_assistant.indexing.store import current_version, open_collection
from kb_assistant.settings import Settings



def vector_ids_by_doc(settings: Settings) -> dict[str, set[str]]:
    data = open_collection(settings.index, current_version(settings.index)).get(include=["metadatas"])
    out: dict[str, set[str]] = {}
    for node_id, meta in zip(data["ids"], data["metadatas"]):
        out.setdefault(meta["doc"], set()).add(node_id)
    return out


def versions(settings: Settings) -> list[str]:
    return sorted(p.name for p in (Path(settings.index.dir) / "versions").iterdir())


def failing_add(monkeypatch, after: int, error: Exception | None = None, hang_s: float = 0.0) -> dict:
    """Make every Chroma ``add`` after the first ``after`` calls raise ``error`` (or hang)."""
    from chromadb.api.models.Collection import Collection

    from chromadb.errors import InternalError

    calls = {"n": 0}
    original = Collection.add

    def add(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] > after:
            if hang_s:
                time.sleep(hang_s)
            raise error or InternalError("Query error: Database error: error returned from database: (code: 13) database or disk is full")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Collection, "add", add)
    return calls


def assert_previous_index_serves(settings: Settings, first, embedder) -> None:
    from kb_assistant.assistant import Assistant

    assert current_version(settings.index).name == first.version
    assert versions(settings) == [first.version]
    answer = Assistant(settings, embedder=embedder).ask("Siapa yang menanggung biaya magang pegawai?")
    assert answer.citations and answer.citations[0].doc == "perkom-3-2030"


def test_disk_full_during_a_rebuild_aborts_it_and_keeps_the_previous_index(fixture_settings, embedder, monkeypatch):
    first = ingest(fixture_settings, embedder=embedder)
    fixture_settings.index.write_batch = 1
    failing_add(monkeypatch, after=2)
    started = time.monotonic()
    with pytest.raises(IndexWriteError, match="disk is full") as caught:
        ingest(fixture_settings, force=True, embedder=embedder)
    assert time.monotonic() - started < 60
    assert caught.value.report is not None and caught.value.report.failed, "the documents not written are listed"
    monkeypatch.undo()
    assert_previous_index_serves(fixture_settings, first, embedder)


def test_a_hanging_vector_store_write_is_stopped_by_the_watchdog(fixture_settings, embedder, monkeypatch):
    first = ingest(fixture_settings, embedder=embedder)
    fixture_settings.index.write_timeout_s = 1.0
    failing_add(monkeypatch, after=0, hang_s=15)
    started = time.monotonic()
    with pytest.raises(IndexWriteError, match="did not finish"):
        ingest(fixture_settings, force=True, embedder=embedder)
    assert time.monotonic() - started < 10
    monkeypatch.undo()
    assert_previous_index_serves(fixture_settings, first, embedder)


def test_not_enough_free_space_is_refused_before_writing(fixture_settings, embedder, monkeypatch):
    from kb_assistant.indexing import pipeline

    first = ingest(fixture_settings, embedder=embedder)
    monkeypatch.setattr(pipeline, "free_bytes", lambda path: 100 * 1024)
    with pytest.raises(IndexWriteError, match="free"):
        ingest(fixture_settings, force=True, embedder=embedder)
    monkeypatch.undo()
    assert_previous_index_serves(fixture_settings, first, embedder)


def test_a_document_failing_in_a_rebuild_keeps_its_previous_nodes(fixture_settings, embedder):
    first = ingest(fixture_settings, embedder=embedder)
    before = vector_ids_by_doc(fixture_settings)
    (Path(fixture_settings.corpus.files_dir) / "perkom-3-2030.md").write_text("", encoding="utf-8")
    report = ingest(fixture_settings, force=True, embedder=embedder)
    assert list(report.failed) == ["perkom-3-2030"]
    assert report.version != first.version and report.nodes == first.nodes
    assert vector_ids_by_doc(fixture_settings) == before
    assert {c.doc for c in read_chunks(current_version(fixture_settings.index))} == set(before)


def test_a_changed_model_with_a_failing_indexed_document_does_not_switch(fixture_settings, embedder):
    from kb_assistant.indexing.pipeline import IncompleteIndexError

    first = ingest(fixture_settings, embedder=embedder)
    (Path(fixture_settings.corpus.files_dir) / "perkom-3-2030.md").write_text("", encoding="utf-8")
    fixture_settings.chunk.max_words = 150  # old vectors cannot be kept under the new config
    with pytest.raises(IncompleteIndexError, match="perkom-3-2030") as caught:
        ingest(fixture_settings, embedder=embedder)
    assert list(caught.value.report.failed) == ["perkom-3-2030"]
    assert current_version(fixture_settings.index).name == first.version
    assert versions(fixture_settings) == [first.version]


def test_cli_ingest_exits_non_zero_and_lists_failed_documents(fixture_settings, embedder, monkeypatch):
    from kb_assistant import cli
    from kb_assistant.indexing import pipeline

    real = pipeline.ingest
    monkeypatch.setattr(cli, "get_settings", lambda: fixture_settings)
    monkeypatch.setattr(pipeline, "ingest", lambda settings, **kw: real(settings, **(kw | {"embedder": embedder})))
    (Path(fixture_settings.corpus.files_dir) / "perkom-3-2030.md").write_text("", encoding="utf-8")
    result = CliRunner().invoke(cli.app, ["ingest", "--json"])
    assert result.exit_code == 1, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert list(summary["failed"]) == ["perkom-3-2030"] and summary["added"] == 2

    fixture_settings.index.write_batch = 1
    failing_add(monkeypatch, after=1)
    result = CliRunner().invoke(cli.app, ["ingest", "--json", "--force"])
    assert result.exit_code == 1, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert "disk is full" in summary["error"] and summary["failed"]


def test_each_version_records_its_size_for_the_next_space_check(fixture_settings, embedder):
    from kb_assistant.indexing.store import read_json

    ingest(fixture_settings, embedder=embedder)
    meta = read_json(current_version(fixture_settings.index).meta_file, {})
    assert meta["bytes"] > 10_000
    assert not (current_version(fixture_settings.index).path / "BUILDING").exists()
