"""Which Pasal an extractive answer cites: one, unless the question spans documents."""

from __future__ import annotations

from kb_assistant.answer.extractive import choose_hits, spans_documents
from kb_assistant.corpus.manifest import load_manifest
from kb_assistant.retrieval.scope import resolve_scope
from kb_assistant.retrieval.units import PasalHit
from kb_assistant.settings import PROJECT_ROOT

MANIFEST = load_manifest(PROJECT_ROOT / "corpus" / "manifest.toml")
INDEXED = {d.id for d in MANIFEST.documents}
HITS = [PasalHit("uu-5-2014", "35", ["a"], 3.0), PasalHit("uu-5-2014", "36", ["b"], 2.0), PasalHit("uu-20-2023", "76", ["c"], 1.0)]


def cited(question: str) -> list[tuple[str, str | None]]:
    scope = resolve_scope(question, MANIFEST, INDEXED)
    return [(h.doc, h.pasal) for h in choose_hits(HITS, 3, spans_documents(scope))]


def test_a_question_about_the_repealed_law_alone_cites_only_its_best_pasal():
    assert cited("Berdasarkan UU 5/2014 (yang kini sudah dicabut), KASN terdiri atas berapa orang?") == [("uu-5-2014", "35")]
    assert cited("Menurut UU 5/2014 yang lama, apa saja jenis pegawai ASN?") == [("uu-5-2014", "35")]


def test_a_comparison_or_two_laws_named_cites_the_best_pasal_of_each():
    both = [("uu-5-2014", "35"), ("uu-20-2023", "76")]
    assert cited("Apa yang berubah tentang KASN dibandingkan UU 5/2014?") == both
    assert cited("Bagaimana susunan KASN menurut UU 5/2014 dan UU 20/2023?") == both


def test_a_document_named_but_not_indexed_does_not_count():
    scope = resolve_scope("Menurut UU 5/2014 dan Perpres 95/2018, apa itu KASN?", MANIFEST, INDEXED - {"perpres-95-2018"})
    assert not spans_documents(scope)
