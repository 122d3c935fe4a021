"""Terms only a repealed law defines: reached without asking about the repealed law (retrieval/repealed_terms.py).

An invented pair of laws: UU 3/2019 (repealed) defined "Dewan Arsip Desa (DAD)"; UU 7/2031, which
repealed it, writes the name only in full in its transitional clause.
"""

from __future__ import annotations

from types import SimpleNamespace

from kb_assistant.assistant import repealed_term_notes
from kb_assistant.indexing.chunk import Chunk
from kb_assistant.retrieval.analysis import analyse_query
from kb_assistant.retrieval.repealed_terms import repealed_only_terms, widen_for_repealed_terms
from kb_assistant.retrieval.scope import resolve_scope
from kb_assistant.retrieval.searcher import assemble
from fixture_docs import repeal_pair
from kb_assistant.retrieval.structural import add_structural

NEW, OLD = "uu-7-2031", "uu-3-2019"
LEAD = "Dalam Undang-Undang ini yang dimaksud dengan:"


def chunk(node_id: str, doc: str, pasal: str, text: str, headings: str, kind: str = "pasal") -> Chunk:
    name = "UU 7/2031" if doc == NEW else "UU 3/2019"
    prefix = f"{name} tentang Arsip Desa › {headings} › Pasal {pasal}"
    return Chunk(node_id, doc, name, text, prefix, pasal=pasal, kind=kind, heading=prefix)


CHUNKS = [
    chunk(f"{OLD}:pasal-1:angka-1", OLD, "1", f"{LEAD} 1. Arsip Desa yang selanjutnya disingkat AD adalah rekaman kegiatan desa.", "BAB I KETENTUAN UMUM", "definition"),
    chunk(f"{OLD}:pasal-1:angka-2", OLD, "1", f"{LEAD} 2. Dewan AD yang selanjutnya disingkat DAD adalah lembaga yang mengawasi pengelolaan arsip.", "BAB I KETENTUAN UMUM", "definition"),
    chunk(f"{OLD}:pasal-1:angka-3", OLD, "1", f"{LEAD} 3. Sekretaris Desa adalah perangkat desa yang memimpin sekretariat.", "BAB I KETENTUAN UMUM", "definition"),
    chunk(f"{OLD}:pasal-9", OLD, "9", "DAD bertugas: a. mengawasi penyimpanan AD; dan b. melaporkan hasil pengawasan kepada bupati.", "BAB IV DEWAN ARSIP"),
    chunk(f"{NEW}:pasal-1:angka-1", NEW, "1", f"{LEAD} 1. Arsip Desa yang selanjutnya disingkat AD adalah rekaman kegiatan desa.", "BAB I KETENTUAN UMUM", "definition"),
    chunk(f"{NEW}:pasal-4", NEW, "4", "Sekretaris Desa menyimpan Arsip Desa di kantor desa.", "BAB II PENYIMPANAN"),
    chunk(f"{NEW}:pasal-29", NEW, "29", "Dewan Arsip Desa yang ada pada saat Undang-Undang ini mulai berlaku tetap melaksanakan tugasnya sampai dibentuknya lembaga baru.", "BAB IX KETENTUAN PERALIHAN"),
    chunk(f"{NEW}:pasal-30", NEW, "30", "Pada saat Undang-Undang ini mulai berlaku, Undang-Undang Nomor 3 Tahun 2019 tentang Arsip Desa dicabut dan dinyatakan tidak berlaku.", "BAB X KETENTUAN PENUTUP"),
]
MANIFEST = repeal_pair(NEW, OLD, "Arsip Desa")
LOADED = assemble(None, CHUNKS)


def analysed(question: str):
    scope = resolve_scope(question, MANIFEST, LOADED.docs)
    return widen_for_repealed_terms(analyse_query(question, LOADED.lexicon, MANIFEST, scope), LOADED, MANIFEST)


def test_the_lexicon_spells_an_acronym_out_with_the_acronyms_inside_it():
    assert LOADED.lexicon.in_full(("dad",)) == "dewan arsip desa"
    assert LOADED.lexicon.in_full(("desa",)) is None


def test_a_term_only_the_repealed_law_defines_is_recorded_but_the_repealed_law_is_not_searched_unasked():
    analysis = analysed("Apa tugas DAD?")
    assert [(t.term, t.in_full, t.defined_in) for t in analysis.repealed_terms] == [("dad", "dewan arsip desa", frozenset({OLD}))]
    assert OLD not in analysis.scope.docs and not analysis.scope.include_repealed  # the refusal's hint offers it
    assert "dewan" not in analysis.expanded  # "tugas" + "arsip desa" would answer from any archive Pasal
    assert analysed("Apa tugas DAD menurut UU 7/2031?").scope.docs == {NEW}


def test_terms_the_law_in_force_defines_or_writes_change_nothing():
    for question in ("Apa itu AD?", "Apa tugas Sekretaris Desa?", "Bagaimana menyimpan arsip?"):
        plain = analyse_query(question, LOADED.lexicon, MANIFEST, resolve_scope(question, MANIFEST, LOADED.docs))
        assert repealed_only_terms(plain, LOADED, MANIFEST) == []
        assert widen_for_repealed_terms(plain, LOADED, MANIFEST) is plain


def test_a_repealed_law_already_searched_is_no_reason_to_widen():
    question = "Apa tugas DAD dulu sebelum UU 7/2031?"  # historical: repealed laws are searched anyway
    scope = resolve_scope(question, MANIFEST, LOADED.docs, include_repealed="always")
    plain = analyse_query(question, LOADED.lexicon, MANIFEST, scope)
    assert OLD in plain.scope.docs and repealed_only_terms(plain, LOADED, MANIFEST) == []


def test_asking_whether_it_still_exists_is_a_status_question_answered_by_the_transitional_clause():
    analysis = analysed("Apakah DAD masih ada?")
    assert analysis.status and "dewan arsip desa" in analysis.expanded  # the law in force names it in full
    keys = {h.key for h in add_structural([], analysis, LOADED, MANIFEST)}
    assert (NEW, "29") in keys and (NEW, "30") in keys
    assert not analysed("Apakah masih ada arsip desa di kantor?").status  # no repealed-only term: no status question


def test_the_answer_says_which_repealed_law_defines_the_term():
    retrieval = SimpleNamespace(analysis=analysed("Apa tugas DAD?"))
    assert repealed_term_notes(retrieval, MANIFEST) == [
        "DAD didefinisikan dalam UU 3/2019 — dicabut oleh UU 7/2031. "
        "Ketentuan peralihan atau penutup yang menyebutnya: UU 7/2031 Pasal 29."
    ]  # Pasal 29 writes "Dewan Arsip Desa" in full; Pasal 30 (the repeal) does not name it
    assert repealed_term_notes(SimpleNamespace(analysis=analysed("Apa itu AD?")), MANIFEST) == []
