"""Query analysis, scoping, fusion and follow-ups: small, fast, no index needed."""


from kb_assistant.corpus.manifest import load_manifest
from kb_assistant.indexing.bm25 import BM25CorruptError, BM25Index
from kb_assistant.indexing.chunk import Chunk
from kb_assistant.retrieval.followup import is_follow_up, rewrite
from kb_assistant.retrieval.normalize import normalise_query
from kb_assistant.retrieval.retriever import group_by_pasal, rrf
from kb_assistant.retrieval.scope import mentioned_documents, resolve_scope
from kb_assistant.indexing.text import analyse
from kb_assistant.settings import PROJECT_ROOT

import pytest

MANIFEST = load_manifest(PROJECT_ROOT / "corpus" / "manifest.toml")
INDEXED = {d.id for d in MANIFEST.documents} - {"perpres-95-2018"}


def test_colloquial_query_is_normalised_by_the_general_lexicons():
    text = normalise_query("cuti melahirkan brp lama? kalo gak bs gmn, masing2 udah cutiii")
    assert "berapa" in text and "kalau" in text and "tidak" in text and "bagaimana" in text
    assert "masing-masing" in text and "sudah" in text and "cuti" in text.split()[-1]


def test_quotation_marks_around_a_term_are_dropped_and_the_term_is_still_found():
    from kb_assistant.retrieval.analysis import definition_term

    assert normalise_query("yg dimaksud dgn 'Balai Arsip' apa?") == "yang dimaksud dengan Balai Arsip apa?"
    assert definition_term(normalise_query("Siapa yang dimaksud dengan “Penjaga Balai” dalam UU ini?")) == "Penjaga Balai"
    assert normalise_query("rapat hari Jum'at") == "rapat hari Jum'at"  # an apostrophe inside a word stays


def test_acronyms_and_citations_are_not_normalised_away():
    text = normalise_query("Apa saja hak PPPK menurut UU 20/2023?")
    assert "PPPK" in text.split() and "UU 20/2023?" in text


@pytest.mark.parametrize("question, english", [
    ("Is PP 94/2021 still in force?", True),  # one function word only: told by its vocabulary
    ("What are the duties of ASN under Law 20/2023?", True),
    ("Who leads KASN now?", True),
    ("Apakah PP 11/2017 masih berlaku?", False),
    ("knp sih pemerintah ngotot reformasi birokrasi?", False),
    ("ASN harus punya branding dan values apa?", False),  # loanwords in an Indonesian question
])
def test_language_is_told_by_function_words_or_vocabulary(question, english):
    from kb_assistant.retrieval.language import looks_english

    assert looks_english(question) is english


def test_an_english_question_keeps_its_words():
    question = "How long does a citizen have to file an objection, and is it decided in 10 days?"
    assert normalise_query(question, english=True) == question
    mangled = normalise_query(question).split()  # the colloquial lexicons read English words as slang
    assert "tapi" in mangled or "ini" in mangled or "itu" in mangled


def test_analyse_keeps_domain_words_and_stems():
    tokens = analyse("Kerja sama daerah dengan pihak ketiga dalam pelayanan")
    assert "kerja" in tokens and "sama" in tokens and "layan" in tokens
    assert "dengan" not in tokens


@pytest.mark.parametrize(
    "question, expected",
    [
        ("Menurut PP 28/2018, apa arti mitra?", ["pp-28-2018"]),
        ("Apa isi Peraturan Pemerintah Nomor 11 Tahun 2017 soal cuti?", ["pp-11-2017"]),
        ("Under Presidential Regulation 132/2022, how long?", ["perpres-132-2022"]),
        ("Inovasi daerah dalam UU Pemda", ["uu-23-2014"]),
        ("Dulu di UU 5/2014 ada korps, di UU ASN 2023 bagaimana?", ["uu-5-2014", "uu-20-2023"]),
        ("Apa tugas instansi pusat?", []),
        ("Apa isi UU ASN tahun 2023 soal cuti?", ["uu-20-2023"]),  # alias "UU ASN 2023" with "tahun"
        ("Does PP 11/2017 still apply after the 2023 ASN Law?", ["pp-11-2017", "uu-20-2023"]),  # year first
        # full titles name the issuer before the number; English translations write "Year"; a space may part number and year
        ("Undang-Undang Republik Indonesia Nomor 20 Tahun 2023 mengatur apa?", ["uu-20-2023"]),
        ("Menurut Peraturan Menteri PANRB Nomor 30 Tahun 2014 apa itu inovasi?", ["permenpanrb-30-2014"]),
        ("Under Law Number 20 Year 2023, what are the rights?", ["uu-20-2023"]),
        ("Menurut PP 11 2017 apa itu mutasi?", ["pp-11-2017"]),
        ("Pasal 11 2017 dan masa kerja 20 tahun 2023", []),  # no type word: no citation
    ],
)
def test_mentioned_documents(question, expected):
    assert mentioned_documents(question, MANIFEST) == expected


def test_the_year_of_a_named_law_is_no_asked_figure():
    from kb_assistant.retrieval.analysis import specifics

    assert specifics("Does PP 11/2017 still apply after the 2023 ASN law?", MANIFEST) == ()
    assert specifics("Berapa tunjangan PNS tahun 2026 menurut UU ASN tahun 2023?", MANIFEST) == ("2026",)


def test_repealed_law_left_out_by_default_and_in_for_history():
    plain = resolve_scope("Apa nilai dasar ASN?", MANIFEST, INDEXED)
    assert "uu-5-2014" not in plain.docs and "uu-20-2023" in plain.docs
    history = resolve_scope("Apa yang berubah dibanding aturan yang lama?", MANIFEST, INDEXED)
    assert "uu-5-2014" in history.docs and history.include_repealed
    named = resolve_scope("Apa kata UU 20/2023 dibanding dulu?", MANIFEST, INDEXED)
    assert named.docs == {"uu-20-2023", "uu-5-2014"}


def test_particles_of_speech_are_no_question_terms():
    """'nih', 'tuh', 'deh' (Tata Bahasa Baku: kategori fatis) carry no content: the corpus never has
    them, and as unseen terms they would weigh as much as the rarest word in the coverage."""
    terms = analyse("mo ngadu soal layanan yg lelet nih, wajib bales tuh deh?", drop_question_words=True)
    assert not {"nih", "tuh", "deh"} & set(terms) and "layan" in terms
    assert "tuh" in analyse("tuh")  # the index side keeps every word


def test_a_comparison_is_told_from_a_mention_of_repeal():
    """Both search the repealed law; only a comparison asks for each law compared to be cited."""
    mention = resolve_scope("Menurut UU 5/2014 (sebelum dicabut), siapa yang menetapkan JPT?", MANIFEST, INDEXED)
    assert mention.historical and not mention.comparison and "uu-5-2014" in mention.docs
    compared = resolve_scope("Apa yang berubah tentang JPT dibandingkan aturan yang lama?", MANIFEST, INDEXED)
    assert compared.historical and compared.comparison and "uu-5-2014" in compared.docs
    plain = resolve_scope("Siapa yang menetapkan JPT?", MANIFEST, INDEXED)
    assert not plain.historical and not plain.comparison


def test_missing_document_is_reported():
    scope = resolve_scope("Apa isi Perpres 95/2018 tentang SPBE?", MANIFEST, INDEXED)
    assert scope.missing_mentioned == ["perpres-95-2018"]


def test_explicit_filter_wins():
    scope = resolve_scope("Apa nilai dasar?", MANIFEST, INDEXED, explicit_docs=["uu-25-2009"])
    assert scope.docs == {"uu-25-2009"}


def test_rrf_matches_hand_computation():
    fused = rrf([([("a", 0.9), ("b", 0.8)], 1.0), ([("b", 5.0), ("c", 4.0)], 2.0)], k=60)
    assert fused["a"] == pytest.approx(1 / 61)
    assert fused["b"] == pytest.approx(1 / 62 + 2 / 61)
    assert fused["c"] == pytest.approx(2 / 62)


def test_grouping_keeps_one_hit_per_pasal():
    chunks = {
        "d:pasal-4:ayat-1": Chunk("d:pasal-4:ayat-1", "d", "D", "x", "p", pasal="4", ayat_start="1", ayat_end="1"),
        "d:pasal-4:ayat-2": Chunk("d:pasal-4:ayat-2", "d", "D", "y", "p", pasal="4", ayat_start="2", ayat_end="2"),
        "d:pasal-5": Chunk("d:pasal-5", "d", "D", "z", "p", pasal="5"),
    }
    hits = group_by_pasal(chunks, {"d:pasal-4:ayat-2": 0.5, "d:pasal-5": 0.4, "d:pasal-4:ayat-1": 0.3}, {}, {})
    assert [(h.pasal, h.node_ids) for h in hits] == [("4", ["d:pasal-4:ayat-2", "d:pasal-4:ayat-1"]), ("5", ["d:pasal-5"])]


def test_follow_up_swaps_the_subject():
    history = [{"role": "user", "content": "Berapa lama cuti melahirkan bagi PNS?"}, {"role": "assistant", "content": "…"}]
    assert is_follow_up("kalau untuk PPPK bagaimana?")
    assert rewrite("kalau untuk PPPK bagaimana?", history) == "Berapa lama cuti melahirkan bagi PPPK?"


def test_follow_up_without_subject_prepends_previous_question():
    history = [("Apa tugas sekretariat kerja sama?", "…")]
    assert rewrite("lalu siapa yang membentuknya?", history).startswith("Apa tugas sekretariat kerja sama?")
    assert rewrite("Apa itu AUPB menurut UU 30/2014?", history) == "Apa itu AUPB menurut UU 30/2014?"


def test_bm25_finds_the_matching_node_and_detects_corruption(tmp_path):
    index = BM25Index.build(["a", "b", "c"], ["cuti melahirkan pegawai", "kerja sama daerah dengan pihak ketiga", "pensiun pegawai"])
    assert index.search("kerjasama pihak ketiga", 2)[0][0] == "b"
    assert index.search("cuti", 3, allowed={"b", "c"}) == []
    index.save(tmp_path / "bm25")
    assert BM25Index.load(tmp_path / "bm25").search("pensiun", 1)[0][0] == "c"
    victim = next(p for p in (tmp_path / "bm25").rglob("*.npy"))
    victim.write_bytes(b"garbage")
    with pytest.raises(BM25CorruptError):
        BM25Index.load(tmp_path / "bm25")


def test_status_note_names_the_repealed_law_a_regulation_implements():
    """The manifest's `implements` (each regulation's Menimbang) and `repealed_by` relations."""
    assert MANIFEST.status_note("pp-94-2021") == "PP 94/2021 — berlaku; melaksanakan UU 5/2014, yang dicabut oleh UU 20/2023"
    assert MANIFEST.status_note("pp-11-2017").endswith("; melaksanakan UU 5/2014, yang dicabut oleh UU 20/2023")
    assert MANIFEST.status_note("pp-96-2012") == "PP 96/2012 — berlaku"  # UU 25/2009 is in force
    assert MANIFEST.status_note("uu-5-2014") == "UU 5/2014 — dicabut oleh UU 20/2023"
