"""Parsing is cached by file hash and parser code, and runs in a worker with a time limit."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from fixture_docs import fixture_corpus_settings
from kb_assistant.parsing import cached as parsed_module
from kb_assistant.curation.catalog import validate_corpus
from kb_assistant.corpus.manifest import load_manifest
from kb_assistant.parsing.cached import ParseTimeoutError, parse_document
from kb_assistant.settings import Settings


def endless_parse(path, entry, max_bytes):
    """A parser stuck on a pathological file (runs in the worker process)."""
    time.sleep(600)


@pytest.fixture
def corpus(tmp_path) -> Settings:
    return fixture_corpus_settings(tmp_path)


def count_parses(monkeypatch) -> list[str]:
    calls: list[str] = []
    real = parsed_module._run_in_worker

    def counting(target, args, timeout_s, name):
        calls.append(name)
        return real(target, args, timeout_s, name)

    monkeypatch.setattr(parsed_module, "_run_in_worker", counting)
    return calls


def test_unchanged_files_are_parsed_once_and_a_changed_one_again(corpus, monkeypatch):
    calls = count_parses(monkeypatch)
    first = [r.row() for r in validate_corpus(corpus)]
    assert sorted(calls) == ["perkom-1-2030.md", "perkom-2-2030.md", "perkom-3-2030.md"]
    calls.clear()
    assert [r.row() for r in validate_corpus(corpus)] == first and calls == []
    changed = Path(corpus.corpus.files_dir) / "perkom-2-2030.md"
    changed.write_text(changed.read_text(encoding="utf-8").replace("triwulan", "semester"), encoding="utf-8")
    rows = {r.entry.id: r for r in validate_corpus(corpus)}
    assert calls == ["perkom-2-2030.md"] and "semester" in rows["perkom-2-2030"].parsed.pasal[0].text


def test_a_parser_change_invalidates_the_cache(corpus, monkeypatch):
    validate_corpus(corpus)
    calls = count_parses(monkeypatch)
    monkeypatch.setattr(parsed_module, "parser_digest", lambda: "another-parser")
    validate_corpus(corpus)
    assert len(calls) == 3


def test_a_pathological_file_times_out_clearly_and_the_next_parse_works(corpus):
    corpus.corpus.parse_timeout_s = 2
    entry = load_manifest(corpus.corpus.manifest).get("perkom-1-2030")
    path = Path(corpus.corpus.files_dir) / "perkom-1-2030.md"
    started = time.monotonic()
    with pytest.raises(ParseTimeoutError, match="perkom-1-2030.md: parsing took longer than 2 s"):
        parse_document(corpus, entry, path, target=endless_parse)
    assert time.monotonic() - started < 30
    assert len(parse_document(corpus, entry, path).pasal) == 3


def test_a_parser_error_comes_back_as_itself_and_the_worker_survives(corpus):
    from kb_assistant.parsing import ExtractionError

    entry = load_manifest(corpus.corpus.manifest).get("perkom-1-2030")
    empty = Path(corpus.corpus.files_dir) / "kosong.md"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(ExtractionError, match="kosong.md"):
        parse_document(corpus, entry, empty)
    assert len(parse_document(corpus, entry, Path(corpus.corpus.files_dir) / "perkom-1-2030.md").pasal) == 3
