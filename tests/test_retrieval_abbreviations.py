"""Syllabic abbreviations read as the corpus phrase they shorten (retrieval/abbreviations.py)."""

from __future__ import annotations

from collections import Counter

from kb_assistant.corpus.manifest import DocumentEntry, Manifest
from kb_assistant.indexing.chunk import Chunk
from kb_assistant.indexing.text import stem
from kb_assistant.retrieval.abbreviations import Abbreviations
from kb_assistant.retrieval.analysis import analyse_query
from kb_assistant.retrieval.scope import resolve_scope
from kb_assistant.retrieval.searcher import assemble

STOPS = frozenset({"dan", "yang"})
PAIRS = Counter({
    ("hukuman", "disiplin"): 12, ("hukuman", "dinas"): 3, ("tunjangan", "kinerja"): 5, ("sekretariat", "dan"): 40,
    ("satuan", "kerja"): 2, ("orang", "tua"): 4,
})


def reader(known=frozenset({"hukum", "kerja"})) -> Abbreviations:
    return Abbreviations(PAIRS, lambda word: word in known, STOPS)


def test_an_unknown_word_is_read_as_the_pair_of_words_it_shortens():
    abbreviations = reader()
    assert abbreviations.phrase("hukdis") == "hukuman disiplin"  # 12 against "hukuman dinas" 3: a clear margin
    assert abbreviations.phrase("tukin") == "tunjangan kinerja"
    assert abbreviations.phrase("ortu") == "orang tua"
    assert abbreviations.read("apa sanksi hukdis dan tukin?") == "apa sanksi hukuman disiplin dan tunjangan kinerja?"


def test_no_reading_without_an_established_pair_or_a_clear_margin():
    abbreviations = reader()
    assert abbreviations.phrase("satker") is None  # the pair is written twice only
    assert abbreviations.phrase("sekdan") is None  # a pair with a stop word is no phrase
    assert abbreviations.phrase("hukdi") == "hukuman disiplin"  # "hukuman dinas" fits too, 12 ≥ 3·3: read
    close = Abbreviations(Counter({("hukuman", "disiplin"): 5, ("hukuman", "dinas"): 4}), lambda w: False, STOPS)
    assert close.phrase("hukdis") == "hukuman disiplin" and close.phrase("hukdi") is None  # 5 < 3·4: no margin


def test_known_short_capitalised_and_numeric_words_are_left_as_typed():
    abbreviations = reader(known=frozenset({"hukdis"}))
    assert abbreviations.phrase("hukdis") is None  # a word someone knows is no abbreviation
    assert abbreviations.phrase("huk") is None  # too short to tell
    assert abbreviations.read("Hukdis 2023") == "Hukdis 2023"


def test_the_loaded_corpus_reads_its_own_pairs_and_the_question_uses_them():
    doc = "pp-4-2031"
    text = "Tunjangan kinerja diberikan kepada pegawai berdasarkan capaian tunjangan kinerja unit."
    chunks = [Chunk(f"{doc}:pasal-{i}", doc, "PP 4/2031", f"{text} Besaran tunjangan kinerja pasal {i}.", f"PP 4/2031 › Pasal {i}", pasal=str(i))
              for i in range(1, 3)]
    loaded = assemble(None, chunks)
    assert loaded.abbreviations.phrase("tukin") == "tunjangan kinerja"
    manifest = Manifest(documents=[DocumentEntry(id=doc, name="PP 4/2031", title="Peraturan Pemerintah Nomor 4 Tahun 2031 tentang Tunjangan",
                                                 type="PP", number="4", year=2031, status="berlaku", file="x.md")])
    question = "tukin dihitung dari apa?"
    analysis = analyse_query(question, loaded.lexicon, manifest, resolve_scope(question, manifest, loaded.docs), loaded.speller, loaded.abbreviations)
    assert analysis.normalised.startswith("tunjangan kinerja") and {stem("tunjangan"), stem("kinerja")} <= analysis.terms
    plain = analyse_query(question, loaded.lexicon, manifest, resolve_scope(question, manifest, loaded.docs), loaded.speller)
    assert "tukin" in plain.normalised


def test_a_colloquial_prefix_on_a_known_word_is_no_abbreviation():
    """"kepake" is Jakartan ke- on "pake" (dipakai), not "kepala kepolisian"; "tukin" is no word."""
    from kb_assistant.retrieval.spelling import Speller

    speller = Speller(Counter({"kepala": 20, "kepolisian": 20, "tunjangan": 9, "kinerja": 9}))
    assert speller.recognises("kepake") and speller.recognises("ngecek") and speller.recognises("kepala")
    assert not speller.recognises("tukin") and not speller.recognises("hukdis")
    pairs = Abbreviations(Counter({("kepala", "kepolisian"): 13, ("tunjangan", "kinerja"): 9}), speller.recognises, STOPS)
    assert pairs.read("cuti saya enggak kepake, tukin tetap?") == "cuti saya enggak kepake, tunjangan kinerja tetap?"
