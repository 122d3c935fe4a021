"""The lead of an ayat (what it is about) and the ranker's lead coverage (invented texts)."""

from __future__ import annotations

import pytest

from kb_assistant.indexing.chunk import unit_lead
from kb_assistant.retrieval.fusion import group_by_unit
from kb_assistant.retrieval.ranker import FEATURE_NAMES, feature_rows
from kb_assistant.retrieval.rescore import lead_coverage, unit_coverage
from kb_assistant.retrieval.searcher import assemble
from test_retrieval_stages import CHUNKS, NEW, analysed, chunk

RIGHTS = chunk(f"{NEW}:pasal-8", NEW, "8", "(1) Balai Arsip memiliki hak: a. menerima tunjangan arsip; b. memperoleh pelatihan.")
RESTATES = chunk(f"{NEW}:pasal-9", NEW, "9", "(1) Tunjangan arsip dan pelatihan Balai Arsip diatur oleh bupati. Bupati menetapkan besarannya.")


@pytest.mark.parametrize("text, lead", [
    ("Balai Arsip memiliki hak: a. menerima tunjangan; b. pelatihan.", "Balai Arsip memiliki hak"),
    ("(2) Komponen terdiri atas: 1. gaji; 2. tunjangan.", "(2) Komponen terdiri atas"),
    ("Bupati menetapkan besaran. Besaran diumumkan.", "Bupati menetapkan besaran"),
    ("Tunjangan diberikan setiap tahun.", "Tunjangan diberikan setiap tahun."),
])
def test_the_lead_is_a_list_s_lead_or_the_first_sentence(text, lead):
    assert unit_lead(text) == lead


def test_lead_coverage_counts_only_the_words_before_a_list():
    loaded = assemble(None, [*CHUNKS, RIGHTS, RESTATES])
    analysis = analysed("Apa saja tunjangan arsip yang diterima Balai Arsip?", loaded)
    hits = {h.key: h for h in group_by_unit(loaded.chunks, {RIGHTS.id: 1.0, RESTATES.id: 0.9}, {}, {})}
    rights, restates = hits[(NEW, "8")], hits[(NEW, "9")]
    assert lead_coverage(rights, loaded, analysis.terms) < unit_coverage(rights, loaded, analysis.terms)  # "tunjangan arsip" is an item
    assert lead_coverage(restates, loaded, analysis.terms) == pytest.approx(unit_coverage(restates, loaded, analysis.terms))
    rows = {h.key: dict(zip(FEATURE_NAMES, r)) for h, r in zip(hits.values(), feature_rows(list(hits.values()), analysis, loaded))}
    assert rows[(NEW, "8")]["lead_coverage"] == pytest.approx(lead_coverage(rights, loaded, analysis.terms))
