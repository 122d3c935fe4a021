"""Shared fixtures: one prepared model and one small real index (real Chroma, real model) per session.

The small corpus is three documents from the shared corpus sources (read from there, never
copied): UU 20/2023 (in force), UU 5/2014 (repealed by it) and PP 28/2018 (kerja sama daerah).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from corpus_excerpts import write_excerpt
from fixture_cache import cache_enabled, fixture_folder
from kb_assistant.corpus.manifest import Manifest, load_manifest, save_manifest
from kb_assistant.locks import file_lock
from kb_assistant.settings import PROJECT_ROOT, SHARED_SOURCES, Settings, offline_environment

offline_environment()
# The quick suite runs on the small model whatever kb.toml makes the default (EmbeddingGemma needs a
# 1.2 GB download and ~8 min per full build); subprocesses (CLI, servers) inherit this. Suites that
# measure the large model name it explicitly.
os.environ.setdefault("KB_EMBEDDING__MODEL", "multilingual-e5-small")
pytest_plugins = ["conftest_models", "conftest_parallel"]

SMALL_CORPUS = ("uu-20-2023", "uu-5-2014", "pp-28-2018")


def _require_shared() -> None:
    if not SHARED_SOURCES.is_dir():
        pytest.skip(f"shared corpus sources not found at {SHARED_SOURCES}")


def make_settings(root: Path, doc_ids: tuple[str, ...] = SMALL_CORPUS, excerpts: dict[str, set[str]] | None = None) -> Settings:
    """Settings whose manifest, uploads and index live under ``root``; the model is the shared one.
    ``excerpts`` maps a document id to the chapters (BAB numerals) of it that are indexed."""
    full = load_manifest(PROJECT_ROOT / "corpus" / "manifest.toml")
    manifest_path = root / "manifest.toml"
    files = root / "files"
    files.mkdir(parents=True, exist_ok=True)
    entries = [d for d in full.documents if d.id in doc_ids]
    for i, entry in enumerate(entries):
        if entry.id in (excerpts or {}):
            entries[i] = write_excerpt(entry, SHARED_SOURCES / entry.file, files, excerpts[entry.id])
    save_manifest(Manifest(documents=entries), manifest_path)
    settings = Settings()
    settings.corpus.manifest = manifest_path
    settings.corpus.files_dir = files
    settings.corpus.search_path = [files, SHARED_SOURCES]
    settings.index.dir = root / "indexes"
    settings.index.chroma_url = ""
    settings.app.data_dir = root / "app"
    return settings


@pytest.fixture(scope="session")
def model_settings(e5_settings):
    """The default model, prepared (converted and verified) once into the project's models folder."""
    return e5_settings


@pytest.fixture(scope="session")
def embedder(e5_embedder):
    """One loaded model for the whole session."""
    return e5_embedder


@pytest.fixture(scope="session")
def small_index(tmp_path_factory, embedder):
    """Settings of a built index over the small corpus (session-scoped: built once, and reused by
    the next session of the same code: tests/fixture_cache.py). Tests copy it before changing it."""
    _require_shared()
    from kb_assistant.indexing.pipeline import ingest

    root = fixture_folder("small") if cache_enabled() else tmp_path_factory.mktemp("small")
    with file_lock(root / "build.lock", "test fixture build", wait_s=1800):  # another session building it
        settings = make_settings(root)
        report = ingest(settings, embedder=embedder)
    assert not report.failed, report.failed
    settings.app.data_dir = tmp_path_factory.mktemp("small-app")  # nothing a session writes is kept
    return settings


@pytest.fixture(scope="session")
def assistant(small_index, embedder):
    from kb_assistant.assistant import Assistant

    return Assistant(small_index, embedder=embedder)


# The default model's real index for the slow suites (test_default_model, test_embeddinggemma): one
# build for both, since EmbeddingGemma embeds ~2 passages/s in fp32 on 2 cores. UU 20/2023, the law
# it repealed (status questions) and UU 30/2014 (Bantuan Kedinasan). The repealed law is an excerpt
# (43 of its 164 passages): its definitions and values, the rights of PPPK and its closing chapters,
# the distractors of the questions asked here (its own "hak PPPK", "nilai dasar", "mulai berlaku").
GEMMA_CORPUS = ("uu-20-2023", "uu-5-2014", "uu-30-2014")
GEMMA_EXCERPTS = {"uu-5-2014": {"I", "II", "VI", "XIV", "XV"}}


@pytest.fixture(scope="session")
def gemma_assistant(tmp_path_factory, gemma_embedder):
    """The default model's assistant (its profile: the learned ranker) over GEMMA_CORPUS."""
    _require_shared()
    from kb_assistant.assistant import Assistant
    from kb_assistant.indexing.pipeline import ingest

    settings = make_settings(tmp_path_factory.mktemp("gemma"), GEMMA_CORPUS, excerpts=GEMMA_EXCERPTS)
    settings.embedding = gemma_embedder.settings
    report = ingest(settings, embedder=gemma_embedder)
    assert not report.failed, report.failed
    return Assistant(settings, embedder=gemma_embedder)


@pytest.fixture
def index_copy(small_index, tmp_path):
    """A private copy of the small index and its manifest, for tests that change them."""
    root = tmp_path / "copy"
    shutil.copytree(small_index.index.dir, root / "indexes")
    settings = make_settings(root)
    return settings


@pytest.fixture
def fixture_settings(tmp_path, model_settings) -> Settings:
    """Settings over the small invented corpus of tests/fixture_docs.py, index under tmp_path."""
    from fixture_docs import write_fixture_corpus

    manifest, files = write_fixture_corpus(tmp_path)
    settings = Settings()
    settings.embedding = model_settings
    settings.corpus.manifest = manifest
    settings.corpus.files_dir = files
    settings.corpus.search_path = [files]
    settings.index.dir = tmp_path / "indexes"
    settings.index.chroma_url = ""
    settings.index.min_free_mb = 1
    return settings
