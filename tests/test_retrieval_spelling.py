"""Misspelt question words read as the corpus word meant; words anything knows are left alone."""

from __future__ import annotations

from collections import Counter

import pytest

from kb_assistant.retrieval.spelling import Speller, has_known_root, one_edit

CORPUS = ("Ombudsman wajib menerima pengaduan masyarakat. Mutasi PNS antar kabupaten ditetapkan oleh Kepala BKN. "
          "Pegawai ASN wajib melaksanakan kewajiban. Keputusan dapat diajukan keberatan. Pengadaan barang. "
          "bagian sistem sektor merit banding sedang")


@pytest.fixture(scope="module")
def speller() -> Speller:
    return Speller(Counter(CORPUS.lower().replace(".", " ").split()))


@pytest.mark.parametrize(("typed", "meant"), [
    ("Apa saja kewajbian Ombudsman?", "Apa saja kewajiban Ombudsman?"),  # a transposition
    ("prosedur mutsai PNS", "prosedur mutasi PNS"),
    ("menangani pegnaduan msyarakt", "menangani pengaduan masyarakat"),  # one edit; two edits in a long word
    ("atas keberatn warga", "atas keberatan warga"),
])
def test_misspelt_words_become_the_corpus_word(speller, typed, meant):
    assert speller.correct(typed) == meant


@pytest.mark.parametrize("text", [
    "Bagaiman prosedurnya?",  # "bagaimana" mistyped is one edit away; "bagian" two: left alone
    "ASN boleh ikut branding values instansi?",  # English loanwords are words, not typos
    "berapa menit lamanya?",  # an Indonesian root word absent from the corpus (not "merit")
    "rekan sekantor saya",  # se- + a root word (not "sektor")
    "apa aja yg hrs disiapin dulu?",  # Jakarta -in for -kan (not "disiplin"), slang, short words
    "PNS BKN SPBE 2023 III/a",  # acronyms and numbers
    "Keberatn di Sumedang",  # capitalised words are names as often as typos ("Sumedang" is no "sedang")
    "wajib menerima pengaduan",  # already right
])
def test_words_something_knows_are_left_as_typed(speller, text):
    assert speller.correct(text) == text


def test_colloquial_in_is_read_as_kan_or_i_for_the_root_check():
    assert has_known_root("disiapin") and has_known_root("ngadu") is has_known_root("ngadu")  # "siap" via "disiapkan"
    assert not has_known_root("kewajbian")


def test_one_edit_holds_every_kind_of_single_edit():
    edits = one_edit("abc")
    assert {"ab", "bac", "abd", "abcd", "xabc"} <= edits and "abc" in edits  # a replacement by the same letter
    assert "cba" not in edits


def test_an_english_question_is_not_corrected(small_index):
    """The analysis skips correction for an English question (its words are not Indonesian typos)."""
    from kb_assistant.assistant import Assistant

    assistant = Assistant(small_index)
    english = assistant.retriever.analyse("What are the obligatons of civil servants?")
    assert "obligatons" in english.normalised
    typo = assistant.retriever.analyse("Apa saja kewajbian pegawai ASN?")
    assert "kewajiban" in typo.normalised and "kewajbian" not in typo.normalised
    off = assistant.with_settings(small_index.model_copy(update={"retrieval": small_index.retrieval.model_copy(update={"spelling_correction": False})}))
    assert "kewajbian" in off.retriever.analyse("Apa saja kewajbian pegawai ASN?").normalised


def test_a_misspelt_question_finds_what_the_right_one_finds(assistant):
    """On the real small index (BM25 and dense): the typos cost nothing at rank 1."""
    right = assistant.ask("Apa saja kewajiban pegawai ASN?")
    typed = assistant.ask("Apa saja kewajbian pegawai ASN?")
    assert typed.citations and [c.label for c in typed.citations] == [c.label for c in right.citations]
    assert typed.ranking[:3] == right.ranking[:3]
