"""The project's QA sets: the tune/test split holds what eval/README.md promises, and test stays frozen."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter

import pytest

from kb_assistant.evaluation.dataset import load_dataset
from kb_assistant.evaluation.gold import normalise
from kb_assistant.settings import PROJECT_ROOT, SHARED_SOURCES

TUNE = PROJECT_ROOT / "eval" / "qa-tune.jsonl"
TEST = PROJECT_ROOT / "eval" / "qa-test.jsonl"
DEV = SHARED_SOURCES.parent / "eval-dev" / "qa-dev.jsonl"
VALIDATION = [PROJECT_ROOT / "eval" / "qa-validate.jsonl", PROJECT_ROOT / "eval" / "qa-validate-2.jsonl"]
SHORT_ENGLISH = PROJECT_ROOT / "eval" / "qa-tune-en.jsonl"  # tuning split: short everyday English questions
# The test split was committed on its own and is never edited: a changed file fails here.
TEST_SHA256 = "4ba8bd445270d6360e6baa7de1f7b1dc63596997594a49517b20388fc06c34ec"
TYPES = {"definition", "obligation_or_right", "procedure", "institution", "cross_document", "temporal",
         "colloquial", "english", "unanswerable"}
NEW_DOCS = {"perpres-82-2023", "pp-96-2012", "pp-94-2021", "perpres-81-2010", "permenpanrb-30-2014"}


@pytest.fixture(scope="module")
def splits():
    return {"tune": load_dataset(TUNE), "test": load_dataset(TEST)}


@pytest.fixture(scope="module")
def gold_sets(splits):
    """Every project QA set whose golds must resolve: the two splits and the validation sets."""
    return splits | {path.stem: load_dataset(path) for path in (*VALIDATION, SHORT_ENGLISH)}


def test_test_split_is_frozen():
    assert hashlib.sha256(TEST.read_bytes()).hexdigest() == TEST_SHA256


def test_split_sizes_types_and_coverage(splits):
    tune, test = splits["tune"], splits["test"]
    everything = tune + test
    assert len(everything) >= 120 and len(test) >= 60
    assert not {q.id for q in tune} & {q.id for q in test}
    assert {q.type for q in everything} == TYPES
    per_type = {name: Counter(q.type for q in items) for name, items in splits.items()}
    for qtype in TYPES:  # roughly half of each type in test
        total = per_type["tune"][qtype] + per_type["test"][qtype]
        assert abs(per_type["test"][qtype] - total / 2) <= 1, qtype
    assert sum(not q.answerable for q in everything) >= 20
    new_doc = [q for q in everything if any(g.doc in NEW_DOCS or g.section for g in q.gold)]
    assert len(new_doc) >= 25
    assert sum(q.id.startswith("n") for q in test) > len(test) / 2  # mostly new questions in test
    for q in everything:
        assert q.answerable == bool(q.gold), q.id
        if q.type == "cross_document":
            assert len({g.doc for g in q.gold}) >= 2, q.id


def test_no_dev_question_is_reused(splits):
    if not DEV.exists():
        pytest.skip("dev set not available")
    dev = load_dataset(DEV)
    ours = splits["tune"] + splits["test"]
    assert not {q.id for q in dev} & {q.id for q in ours}
    assert not {normalise(q.question) for q in dev} & {normalise(q.question) for q in ours}


def _source_text(doc: str) -> str:
    [path] = [p for p in SHARED_SOURCES.glob(f"{doc}-*") if p.suffix in (".md", ".pdf")]
    if path.suffix == ".md":
        return path.read_text(encoding="utf-8")
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def test_every_gold_document_exists_and_every_section_text_is_in_its_source(gold_sets):
    if not SHARED_SOURCES.is_dir():
        pytest.skip("shared corpus sources not available")
    golds = [g for items in gold_sets.values() for q in items for g in q.gold]
    texts = {doc: normalise(re.sub(r"\s+", " ", _source_text(doc))) for doc in {g.doc for g in golds}}
    missing = [(g.doc, g.section) for g in golds if g.section and normalise(g.section) not in texts[g.doc]]
    assert not missing, missing


def test_the_short_english_set_is_english_and_short():
    """What it was written to tune: the refusal floor of everyday English questions (a dozen words
    or fewer), which the other sets' long English questions did not reach."""
    items = load_dataset(SHORT_ENGLISH)
    assert {q.type for q in items} == {"english", "unanswerable"}
    assert all(len(q.question.split()) <= 12 for q in items)
    assert sum(not q.answerable for q in items) >= 5 and sum(q.answerable for q in items) >= 12


def test_files_are_one_json_object_per_line():
    for path in (TUNE, TEST, *VALIDATION, SHORT_ENGLISH):
        for line in path.read_text(encoding="utf-8").splitlines():
            assert set(json.loads(line)) == {"id", "question", "gold", "answerable", "answer", "type"}


def test_every_section_gold_matches_a_unit_of_the_parsed_document(gold_sets, tmp_path):
    """The gold and the annex parser agree: each section text names at least one section unit."""
    if not SHARED_SOURCES.is_dir():
        pytest.skip("shared corpus sources not available")
    from kb_assistant.corpus.manifest import load_manifest
    from kb_assistant.parsing.cached import parse_document
    from kb_assistant.evaluation.configs import chunk_unit
    from kb_assistant.evaluation.gold import matches
    from kb_assistant.indexing.chunk import chunk_document
    from kb_assistant.settings import Settings

    settings = Settings()
    settings.index.dir = tmp_path / "indexes"  # the parse cache lives there
    entries = {d.id: d for d in load_manifest(PROJECT_ROOT / "corpus" / "manifest.toml").documents}
    golds = [g for items in gold_sets.values() for q in items for g in q.gold if g.section]
    units = {}
    for doc in {g.doc for g in golds}:
        [path] = [p for p in SHARED_SOURCES.glob(f"{doc}-*") if p.suffix in (".md", ".pdf")]
        parsed = parse_document(settings, entries[doc], path)
        units[doc] = [chunk_unit(c) for c in chunk_document(parsed, entries[doc], settings.chunk.max_words)]
    unmatched = [(g.doc, g.section) for g in golds if not any(matches(g, u) for u in units[g.doc])]
    assert not unmatched, unmatched
