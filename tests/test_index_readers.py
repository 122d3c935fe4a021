"""Serving while the index changes or breaks: one snapshot per request, a shared embedder across
threads, a damaged vector store (BM25-only, health, repair), a new store location, closed clients."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np
import pytest

from fixture_docs import TOPICS, regulation_text
from kb_assistant.indexing.health import index_health
from kb_assistant.indexing.pipeline import ingest
from kb_assistant.indexing.store import current_version
from kb_assistant.settings import Settings

QUESTION = "Siapa yang menanggung biaya magang pegawai?"



def rewrite_magang(settings: Settings, payer: str) -> None:
    title, pasal = TOPICS["perkom-3-2030"]
    text = regulation_text(title, [pasal[0], f"Biaya magang ditanggung oleh {payer}."])
    (Path(settings.corpus.files_dir) / "perkom-3-2030.md").write_text(text, encoding="utf-8")


def test_encoding_from_8_threads_is_serialised_and_equals_single_threaded(embedder, monkeypatch):
    texts = [[f"pertanyaan nomor {i} tentang {topic}" for topic in ("magang", "rapat", "data")] for i in range(8)]
    expected = [embedder.embed_queries(t) for t in texts]
    embedder.clear_query_cache()  # the threads must encode, not read the query cache
    model = embedder.model
    active, peak, guard = [0], [0], threading.Lock()
    original = model.encode

    def counting_encode(*args, **kwargs):
        with guard:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        try:
            return original(*args, **kwargs)
        finally:
            with guard:
                active[0] -= 1

    monkeypatch.setattr(model, "encode", counting_encode)
    barrier = threading.Barrier(8)
    results: list = [None] * 8
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            barrier.wait(10)
            results[i] = embedder.embed_queries(texts[i])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert peak[0] == 1, "two threads ran the model at the same time"
    for got, want in zip(results, expected):
        np.testing.assert_allclose(got, want, atol=1e-5)


def test_a_request_reads_one_index_version_even_when_current_switches_mid_request(fixture_settings, embedder, monkeypatch):
    from kb_assistant.assistant import Assistant

    first = ingest(fixture_settings, embedder=embedder)
    assistant = Assistant(fixture_settings, embedder=embedder)
    assistant.ask(QUESTION)  # loaded
    original = embedder.embed_queries
    switched: list[str] = []

    def switch_then_embed(texts, adapted=True):
        if not switched:  # an ingest finishes between the retriever's reads
            rewrite_magang(fixture_settings, "instansi tujuan magang")
            switched.append(ingest(fixture_settings, embedder=embedder).version)
        return original(texts, adapted)

    monkeypatch.setattr(embedder, "embed_queries", switch_then_embed)
    answer = assistant.ask(QUESTION)
    assert switched and switched[0] != first.version
    top = answer.passages[0]
    assert top.doc == "perkom-3-2030" and "instansi asal pegawai" in top.text, "the whole answer comes from the version the request started on"
    monkeypatch.undo()
    assert "instansi tujuan" in assistant.ask(QUESTION).passages[0].text


def corrupt_vectors(settings: Settings) -> None:
    chroma = current_version(settings.index).chroma_dir
    sqlite_file = chroma / "chroma.sqlite3"
    size = sqlite_file.stat().st_size
    sqlite_file.write_bytes(b"\x13garbage" * (size // 8))


def test_a_damaged_vector_store_is_reported_serves_bm25_and_is_rebuilt_by_ingest(fixture_settings, embedder):
    from kb_assistant.assistant import Assistant

    first = ingest(fixture_settings, embedder=embedder)
    assert index_health(fixture_settings)["status"] == "ok"
    corrupt_vectors(fixture_settings)
    health = index_health(fixture_settings)
    assert health["status"] == "degraded" and not health["vector_store"]["ok"] and health["bm25"]["ok"]
    answer = Assistant(fixture_settings, embedder=embedder).ask(QUESTION)
    assert answer.degraded and answer.citations and answer.citations[0].doc == "perkom-3-2030"
    report = ingest(fixture_settings, embedder=embedder)
    assert report.repaired and report.rebuilt and report.version != first.version
    assert report.embedded == report.nodes == first.nodes
    assert index_health(fixture_settings)["status"] == "ok"
    again = Assistant(fixture_settings, embedder=embedder).ask(QUESTION)
    assert not again.degraded and again.citations[0].doc == "perkom-3-2030"


def test_a_new_store_location_is_a_config_change_not_unchanged(fixture_settings, embedder):
    from kb_assistant.indexing.pipeline import IndexWriteError

    from kb_assistant.assistant import Assistant
    from kb_assistant.indexing.store import IndexUnavailableError

    first = ingest(fixture_settings, embedder=embedder)
    fixture_settings.index.chroma_url = "http://127.0.0.1:9"  # nothing listens there
    health = index_health(fixture_settings)
    assert health["store"]["matches_settings"] is False and "run `kb ingest`" in health["message"]
    answer = Assistant(fixture_settings, embedder=embedder).ask(QUESTION)  # still served from where it was built
    assert not answer.degraded and answer.citations[0].doc == "perkom-3-2030"
    with pytest.raises((IndexWriteError, IndexUnavailableError), match="127.0.0.1:9"):
        ingest(fixture_settings, embedder=embedder)
    assert current_version(fixture_settings.index).name == first.version


def deleted_index_files(root: Path) -> list[str]:
    out = []
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith(str(root)) and target.endswith("(deleted)"):
            out.append(target)
    return out


def open_index_files(root: Path) -> set[str]:
    out = set()
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith(str(root)):
            out.add(target)
    return out


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_repeated_ingests_in_one_process_keep_no_pruned_version_open(fixture_settings, embedder):
    from kb_assistant.assistant import Assistant

    ingest(fixture_settings, embedder=embedder)
    assistant = Assistant(fixture_settings, embedder=embedder)
    root = Path(fixture_settings.index.dir).resolve()
    for round_ in range(5):
        rewrite_magang(fixture_settings, f"instansi nomor {round_}")
        ingest(fixture_settings, embedder=embedder)
        assert f"instansi nomor {round_}" in assistant.ask(QUESTION).passages[0].text
    assert deleted_index_files(root) == []
    kept = {p.name for p in (root / "versions").iterdir()}
    opened_versions = {Path(t).relative_to(root / "versions").parts[0] for t in open_index_files(root) if "/versions/" in t}
    assert opened_versions <= kept and len(opened_versions) <= 2


def test_the_hnsw_search_breadth_is_set_on_build_and_on_opening_an_older_store(fixture_settings, embedder):
    from kb_assistant.indexing.store import open_store

    ingest(fixture_settings, embedder=embedder)
    version = current_version(fixture_settings.index)
    store = open_store(fixture_settings.index, version)
    try:
        assert store.collection.configuration["hnsw"]["ef_search"] == fixture_settings.index.hnsw_ef_search == 256
        store.collection.modify(configuration={"hnsw": {"ef_search": 100}})  # a store built before the setting
    finally:
        store.close()
    wider = fixture_settings.model_copy(deep=True)
    wider.index.hnsw_ef_search = 300
    reopened = open_store(wider.index, version)
    try:
        assert reopened.collection.configuration["hnsw"]["ef_search"] == 300
        hits = reopened.collection.query(query_embeddings=[embedder.embed_queries([QUESTION])[0].tolist()], n_results=3)
        assert len(hits["ids"][0]) == 3
    finally:
        reopened.close()


def test_private_copies_of_dead_processes_are_removed_and_live_ones_kept(tmp_path):
    """A server on a read-only index serves from a private copy in the temp folder; one killed
    (kill -9) never removes it, so the next copy made removes those whose process is gone."""
    import subprocess
    import sys

    from kb_assistant.indexing.store import PRIVATE_COPY_PREFIX, remove_orphaned_copies

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    orphan = tmp_path / f"{PRIVATE_COPY_PREFIX}{dead.stdout.strip()}-abc"
    mine = tmp_path / f"{PRIVATE_COPY_PREFIX}{os.getpid()}-def"
    unnamed = tmp_path / f"{PRIVATE_COPY_PREFIX}q1w2e3"  # made before copies carried their pid: left alone
    for folder in (orphan, mine, unnamed):
        (folder / "chroma").mkdir(parents=True)
    assert remove_orphaned_copies(tmp_path) == [orphan]
    assert not orphan.exists() and mine.exists() and unnamed.exists()
