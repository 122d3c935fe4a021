"""The slow suite's excerpt of UU 5/2014 (tests/corpus_excerpts.py) is the law's own structure minus
whole chapters: the kept Pasal, headings and definitions parse as in the full document."""

from __future__ import annotations

import pytest

from corpus_excerpts import chapters_excerpt, write_excerpt
from kb_assistant.corpus.manifest import load_manifest
from kb_assistant.parsing.extract import extract_pages
from kb_assistant.parsing.structure import parse_regulation
from kb_assistant.settings import PROJECT_ROOT, SHARED_SOURCES

TEXT = "Pembukaan\nBAB I KETENTUAN UMUM\nPasal 1\nSatu.\nBAB II ISI\nPasal 2\nDua.\nBAB III PENUTUP\nPasal 3\nTiga.\nPENJELASAN\n"


def test_an_excerpt_keeps_the_preamble_and_the_chapters_named_to_the_end():
    assert chapters_excerpt(TEXT, {"I", "III"}) == "Pembukaan\nBAB I KETENTUAN UMUM\nPasal 1\nSatu.\nBAB III PENUTUP\nPasal 3\nTiga.\nPENJELASAN\n"
    assert "BAB II" in chapters_excerpt(TEXT, {"II"}) and "Pasal 1" not in chapters_excerpt(TEXT, {"II"})


@pytest.mark.skipif(not SHARED_SOURCES.is_dir(), reason="shared corpus sources not available")
def test_the_excerpt_of_the_repealed_asn_law_parses_as_the_whole_law_does(tmp_path):
    entry = next(d for d in load_manifest(PROJECT_ROOT / "corpus" / "manifest.toml").documents if d.id == "uu-5-2014")
    excerpt = write_excerpt(entry, SHARED_SOURCES / entry.file, tmp_path, {"I", "II", "VI", "XIV", "XV"})
    assert excerpt.sha256 == "" and excerpt.pasal_expected is None and excerpt.file != entry.file
    part = parse_regulation(extract_pages(tmp_path / excerpt.file, 10**8), entry.id)
    whole = parse_regulation(extract_pages(SHARED_SOURCES / entry.file, 10**8), entry.id)
    kept = [p.number for p in part.pasal]
    assert kept == ["1", "2", "3", "4", "5", "21", "22", "23", "24"] + [str(n) for n in range(130, 142)]
    for number in kept:
        assert part.get_pasal(number).text == whole.get_pasal(number).text
        assert part.get_pasal(number).headings == whole.get_pasal(number).headings
