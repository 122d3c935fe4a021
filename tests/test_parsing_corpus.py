"""The parser over the shared corpus: every expected Pasal once, with text, and spot checks of
content read from the sources by hand (first words, ayat, items, headings, Penjelasan)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kb_assistant import settings
from kb_assistant.corpus.manifest import DocumentEntry, load_manifest
from kb_assistant.parsing import parse_file
from kb_assistant.parsing.tree import ParsedDocument
from kb_assistant.parsing.validate import validate_document

SOURCES = Path(settings.SHARED_SOURCES)
MANIFEST = settings.PROJECT_ROOT / "corpus" / "manifest.toml"
MAX_BYTES = 50 * 1024 * 1024
EXPECTED_DOCUMENTS = {
    "uu-20-2023", "uu-5-2014", "uu-30-2014", "uu-25-2009", "uu-23-2014", "pp-28-2018", "pp-11-2017", "perpres-132-2022",
}
# Pasal whose heading is in the source with no text under it (checked against the raw file below):
# UU 23/2014 "Pasal 274" is followed directly by the next Bagian heading, PP 11/2017 "Pasal 123"
# only by its ayat numbers "(1) (2) (3) (4)".
SOURCE_GAPS = {"uu-23-2014": ["274"], "pp-11-2017": ["123"]}

pytestmark = pytest.mark.skipif(not SOURCES.is_dir(), reason=f"shared corpus sources not found at {SOURCES}")


def _entries() -> list[DocumentEntry]:
    return [e for e in load_manifest(MANIFEST).documents if e.is_regulation and (SOURCES / e.file).is_file()]


@pytest.fixture(scope="module")
def corpus() -> dict[str, tuple[DocumentEntry, ParsedDocument]]:
    return {e.id: (e, parse_file(SOURCES / e.file, e, MAX_BYTES)) for e in _entries()}


def _pasal(corpus, doc_id: str, number: str):
    pasal = corpus[doc_id][1].get_pasal(number)
    assert pasal is not None, f"{doc_id} Pasal {number} not found"
    return pasal


def test_all_documents_are_parsed(corpus) -> None:
    assert EXPECTED_DOCUMENTS <= set(corpus)


@pytest.mark.parametrize("doc_id", sorted(EXPECTED_DOCUMENTS))
def test_every_expected_pasal_once_with_text(corpus, doc_id: str) -> None:
    entry, parsed = corpus[doc_id]
    result = validate_document(parsed, entry.pasal_expected)
    assert result["pasal_found"] == entry.pasal_expected
    assert result["missing"] == [] and result["duplicates"] == []
    assert [p.number for p in parsed.pasal] == [str(n) for n in range(1, entry.pasal_expected + 1)]
    assert result["empty"] == SOURCE_GAPS.get(doc_id, [])
    assert result["ok"] is (doc_id not in SOURCE_GAPS)


@pytest.mark.parametrize(("doc_id", "number"), [(d, n) for d, numbers in SOURCE_GAPS.items() for n in numbers])
def test_empty_pasal_are_empty_in_the_source(doc_id: str, number: str) -> None:
    entry = load_manifest(MANIFEST).get(doc_id)
    raw = (SOURCES / entry.file).read_text(encoding="utf-8")
    match = re.search(rf"^Pasal {number}\n(.*?)^Pasal \d+$", raw, re.MULTILINE | re.DOTALL)
    assert match, f"heading Pasal {number} not on a line of its own"
    between = [line for line in match.group(1).splitlines() if not re.match(r"(BAB|Bagian|Paragraf)\b", line)]
    assert not re.search(r"[a-z]{3}", " ".join(between)), between


@pytest.mark.parametrize("doc_id", sorted(EXPECTED_DOCUMENTS | {"perpres-82-2023", "pp-96-2012", "pp-94-2021"}))
def test_no_page_furniture_or_headings_inside_pasal_text(corpus, doc_id: str) -> None:
    for pasal in corpus[doc_id][1].pasal:
        for line in pasal.text.split("\n"):
            assert not re.match(r"(BAB [IVXL]+|Bagian Ke\w+|Paragraf \d+)\b", line), (pasal.number, line)
            assert not re.search(r"PRESIDEN|REPUBUK|REPIIBLIK|REPUBL]K|SK No|Agar setiap orang|PENJELASAN|MEMUTUSKAN", line), (pasal.number, line)


def test_uu_20_2023_pasal_4_kode_etik(corpus) -> None:
    pasal = _pasal(corpus, "uu-20-2023", "4")
    assert pasal.headings == [
        "BAB II ASAS, NILAI DASAR, SERTA KODE ETIK DAN KODE PERILAKU",
        "Bagian Ketiga Kode Etik dan Kode Perilaku",
    ]
    # The source has three ayat: (3) delegates the details to a Peraturan Pemerintah.
    assert [a.number for a in pasal.ayat] == ["1", "2", "3"]
    items = pasal.ayat[1].items
    assert [i.label for i in items] == list("abcdefg")
    assert items[6].text.startswith("kolaboratif, yaitu membangun kerja sama")
    assert all(re.search(r"^1\. .*\n2\. .*\n3\. ", item.text, re.MULTILINE | re.DOTALL) for item in items)
    assert pasal.penjelasan == "Cukup jelas."
    assert (pasal.page_start, pasal.page_end) == (5, 6)


def test_uu_20_2023_other_pasal(corpus) -> None:
    pasal3 = _pasal(corpus, "uu-20-2023", "3")
    assert [i.label for i in pasal3.ayat[1].items] == list("abcdefg") and pasal3.ayat[1].items[-1].text == "kolaboratif."
    assert _pasal(corpus, "uu-20-2023", "2").penjelasan.startswith('Huruf a\nYang dimaksud dengan "asas kepastian hukum"')
    assert _pasal(corpus, "uu-20-2023", "11").text.startswith("Pegawai ASN bertugas:")  # heading OCR'd "Pasal I 1"
    assert _pasal(corpus, "uu-20-2023", "77").text == "Undang-Undang ini mulai berlaku pada tanggal diundangkan."
    assert _pasal(corpus, "uu-20-2023", "77").penjelasan == "Cukup jelas."
    # The Penjelasan printed the explanation of Pasal 22 ayat (1) under Pasal 26 ayat (1).
    assert _pasal(corpus, "uu-20-2023", "26").penjelasan_ayat["1"] == "Cukup jelas."
    assert _pasal(corpus, "uu-20-2023", "22").penjelasan_ayat["1"].startswith('Yang dimaksud dengan "berhenti bekerja"')
    assert _pasal(corpus, "uu-20-2023", "28").headings[1:] == [
        "Bagian Kedua Pejabat Pembina Kepegawaian dan Pejabat yang Berwenang",
        "Paragraf 1 Pejabat Pembina Kepegawaian",
    ]


def test_uu_5_2014_inline_heading(corpus) -> None:
    pasal = _pasal(corpus, "uu-5-2014", "47")
    assert pasal.text.startswith("BKN memiliki fungsi:")
    assert [i.label for i in pasal.items] == ["a", "b", "c"]
    assert pasal.headings[-2:] == ["Bagian Keempat BKN", "Paragraf 1 Fungsi dan Tugas"]
    assert _pasal(corpus, "uu-5-2014", "46").text.endswith("diatur dengan Peraturan Presiden.")


def test_uu_30_and_uu_25_penjelasan(corpus) -> None:
    assert _pasal(corpus, "uu-30-2014", "5").penjelasan.startswith("Huruf a Yang dimaksud dengan “asas legalitas”")
    assert _pasal(corpus, "uu-30-2014", "2").text.startswith("Undang-Undang tentang Administrasi Pemerintahan dimaksudkan")
    assert _pasal(corpus, "uu-25-2009", "62").text == "Undang-Undang ini mulai berlaku pada tanggal diundangkan."
    assert corpus["uu-25-2009"][1].penjelasan_umum and corpus["uu-30-2014"][1].penjelasan_umum


def test_uu_25_2009_pasal_35_ayat_3_after_a_lost_full_stop(corpus) -> None:
    pasal = _pasal(corpus, "uu-25-2009", "35")
    assert [a.number for a in pasal.ayat] == ["1", "2", "3"]
    assert pasal.ayat[2].text.startswith("(3) Pengawasan eksternal penyelenggaraan pelayanan publik dilakukan melalui:")
    assert [i.label for i in pasal.ayat[2].items] == ["a", "b", "c"]
    assert [a.number for a in _pasal(corpus, "uu-23-2014", "331").ayat] == ["1", "2", "3", "4", "5", "6"]  # "… BUMD (2) Pendirian"


def test_pp_11_2017_ayat_the_scan_lost_are_numbered_from_sentences(corpus) -> None:
    pasal = _pasal(corpus, "pp-11-2017", "26")  # markers printed apart from the text, then dropped
    assert [a.number for a in pasal.ayat] == ["1", "2", "3", "4", "5"]
    assert [i.label for i in pasal.ayat[0].items] == ["a", "b", "c"]
    assert pasal.ayat[3].text.startswith("(4) Standar kompetensi dasar sebagaimana dimaksud pada ayat (3)")
    assert _pasal(corpus, "pp-11-2017", "194").ayat[2].text.startswith("(3) Berdasarkan penetapan Kepala BKN")
    assert _pasal(corpus, "pp-11-2017", "193").ayat[-1].text.endswith("yang alan diduduki.")  # marker column left out
    assert _pasal(corpus, "pp-11-2017", "42").ayat == []  # scrambled columns: not guessed
    assert _pasal(corpus, "pp-11-2017", "27").ayat[1].text.startswith("(2) Panitia seleksi instansi")  # "(2) Panitia (l) (2) Panitia"
    assert [a.number for a in _pasal(corpus, "pp-11-2017", "51").ayat] == ["1", "2", "3"]  # "(2) Pejabat (3) Pejabat": left as it is
    sick_leave = _pasal(corpus, "pp-11-2017", "320")  # "… diperlukan. (2) (s) (4) Hak. 14) (5) Hak atas cuti sakit …"
    assert [a.number for a in sick_leave.ayat] == ["1", "2", "3", "4", "5", "6", "7"]
    assert sick_leave.ayat[3].text.startswith("(4) Hak atas cuti sakit") and "paling lama 1 (satu) tahun" in sick_leave.ayat[3].text
    assert not re.search(r"\(s\)|\b14\)", sick_leave.text)
    pasal19 = _pasal(corpus, "uu-20-2023", "19")  # (1) and (2) lost, (3) and (4) kept
    assert [a.number for a in pasal19.ayat] == ["1", "2", "3", "4"]
    assert pasal19.ayat[1].text.startswith("(2) Jabatan ASN tertentu dapat diisi dari:")
    # A Pasal that refers to its own ayat has ayat; those still without are OCR-broken beyond a guess.
    unnumbered = [p.number for p in corpus["pp-11-2017"][1].pasal if not p.ayat and re.search(r"pada ayat \(\d", p.text)]
    assert len(unnumbered) <= 30, unnumbered


def test_pp_94_2021_misread_figures_read_as_their_words_say(corpus) -> None:
    assert "selama 10 (sepuluh) hari kerja" in _pasal(corpus, "pp-94-2021", "15").ayat[1].text  # "1O (sepuluh)"
    assert "sebesar 25% (dua puluh lima persen) selama 6 (enam) bulan" in _pasal(corpus, "pp-94-2021", "8").ayat[2].text  # "25o/o"


def test_uu_23_2014_kerja_sama_daerah(corpus) -> None:
    pasal = _pasal(corpus, "uu-23-2014", "363")
    assert [a.number for a in pasal.ayat] == ["1", "2", "3"]
    assert [i.label for i in pasal.ayat[1].items] == ["a", "b", "c"]
    assert pasal.headings[0] == "BAB XVII KERJA SAMA DAERAH DAN PERSELISIHAN"
    assert "pihak ketiga" in pasal.penjelasan_ayat["2"]
    assert _pasal(corpus, "uu-23-2014", "3").penjelasan_ayat["1"].startswith("Dikecualikan untuk kota administrasi")
    # The annex (matrix of urusan) follows the Penjelasan; it is not the Penjelasan of Pasal 411.
    assert _pasal(corpus, "uu-23-2014", "411").penjelasan == "Cukup jelas."
    assert corpus["uu-23-2014"][1].lampiran.startswith("LAMPIRAN UNDANG-UNDANG REPUBLIK INDONESIA NOMOR 23 TAHUN 2014")
    refs = {(r.pasal, r.doc) for r in _pasal(corpus, "uu-23-2014", "409").references}
    assert ("157", "Undang-Undang Nomor 28 Tahun 2009") in refs


def test_pp_28_2018_scrambled_columns(corpus) -> None:
    assert _pasal(corpus, "pp-28-2018", "11").text.startswith("(1) Pengambilalihan")
    assert _pasal(corpus, "pp-28-2018", "27").text.startswith("(1) Pelaksanaan KSDPL dan KSDLL")  # "Pasil27"
    assert _pasal(corpus, "pp-28-2018", "52").text == "Peraturan Pemerintah ini mulai berlaku pada tanggal diundangkan."
    assert _pasal(corpus, "pp-28-2018", "3").penjelasan.startswith("Ayat (1) Cukup jelas.")


def test_ketentuan_umum_lists_whose_scan_broke_the_numbering_have_one_item_per_definition(corpus) -> None:
    """PP 11/2017 prints "l. 2. 3. 6." apart from their text and loses item 7; PP 94/2021 and PP 28/2018
    run their definitions on in one line. Read each list by hand from the sources."""
    pp_11 = {item.label: item.text for item in _pasal(corpus, "pp-11-2017", "1").items}
    assert len(pp_11) >= 28
    assert pp_11["1"].startswith("Manajemen Pegawai Negeri Sipil adalah pengelolaan")
    assert pp_11["2"].startswith("Aparatur Sipil Negara yang selanjutnya disingkat ASN adalah")
    assert pp_11["17"].startswith("Pejabat Pembina Kepegawaian yang selanjutnya disingkat PPK adalah")
    assert pp_11["32"].startswith("Menteri adalah menteri") and pp_11["32"].endswith("aparatur negara.")
    pp_94 = [(item.label, item.text.split(" adalah")[0]) for item in _pasal(corpus, "pp-94-2021", "1").items]
    assert [label for label, _ in pp_94] == [str(n) for n in range(1, 12)]
    assert pp_94[3] == ("4", "Disiplin PNS") and pp_94[10] == ("11", "Menteri")
    pp_28 = {item.label: item.text for item in _pasal(corpus, "pp-28-2018", "1").items}
    assert pp_28["1"].startswith("Kerja Sama Daerah adalah usaha bersama")
    assert pp_28["3"].startswith("Kerja Sama Daerah Dengan Pihak Ketiga, yang selanjutnya disingkat KSDPK adalah")


def test_pp_11_2017_mangled_headings(corpus) -> None:
    assert _pasal(corpus, "pp-11-2017", "127").text.startswith("(1) Panitia Seleksi menyampaikan 3 (tiga) orang calon pejabat pimpinan tinggi pratama")
    assert _pasal(corpus, "pp-11-2017", "350").text.startswith("(1) PNS yang akan mencapai Batas Usia Pensiun")
    assert _pasal(corpus, "pp-11-2017", "246").text.startswith("(1) Dalam hal PNS yang")  # "PasaJ246"
    assert _pasal(corpus, "pp-11-2017", "333").text.startswith("(1) Presiden dapat")  # "Pasa] 333"
    assert _pasal(corpus, "pp-11-2017", "364").text == "Peraturan Pemerintah ini mulai berlaku pada tanggal diundangkan."


def test_perpres_132_2022(corpus) -> None:
    pasal = _pasal(corpus, "perpres-132-2022", "5")
    assert [a.number for a in pasal.ayat] == ["1", "2", "3"]  # ayat (2) OCR'd as "lA"
    assert pasal.ayat[1].text.startswith("(2) Pembangunan infrastruktur SPBE")
    assert [(p.page_start, p.page_end) for p in corpus["perpres-132-2022"][1].pasal] == [(1, 2), (3, 3), (3, 3), (4, 4), (4, 4), (4, 4)]


# Pasal found in each Markdown source (SOURCES.md): PP 94/2021 lost its Pasal 39 with a page.
PASAL_FOUND = {
    "uu-20-2023": 77, "uu-5-2014": 141, "uu-30-2014": 89, "uu-25-2009": 62, "uu-23-2014": 411, "pp-28-2018": 52,
    "pp-11-2017": 364, "perpres-132-2022": 6, "perpres-82-2023": 22, "pp-96-2012": 51, "pp-94-2021": 45,
}
DOUBLED_MARKER = re.compile(r"(?<!\S)\((\d{1,2}[a-z]?)\)\s+\(\1\)")


@pytest.mark.parametrize("doc_id", sorted(PASAL_FOUND))
def test_every_markdown_document_validates_ok_with_its_count(corpus, doc_id: str) -> None:
    entry, parsed = corpus[doc_id]
    report = validate_document(parsed, entry.pasal_expected, entry.known_gaps)
    assert report["pasal_found"] == PASAL_FOUND[doc_id]
    assert report["pasal_found"] + len([n for n in report["missing"] if n in entry.known_gaps]) == entry.pasal_expected
    assert report["ok"] is True and report["merged"] == [n for n in report["merged"] if n in entry.known_gaps]


def test_no_node_of_any_document_has_a_doubled_ayat_marker(corpus) -> None:
    from kb_assistant.indexing.chunk import chunk_document

    chunk_settings = settings.Settings().chunk
    doubled = [
        chunk.id
        for entry, parsed in corpus.values()
        for chunk in chunk_document(parsed, entry, chunk_settings.max_words, chunk_settings.split_definitions)
        if DOUBLED_MARKER.search(chunk.text)
    ]
    assert doubled == []


def test_perpres_82_2023_ocr_headings_and_catch_words(corpus) -> None:
    parsed = corpus["perpres-82-2023"][1]
    assert [p.number for p in parsed.pasal] == [str(n) for n in range(1, 23)] and parsed.warnings == []
    assert _pasal(corpus, "perpres-82-2023", "7").text.startswith("(1) Pendanaan untuk penugasan Perum Peruri")  # "Pasa77"
    # the catch-word "Pasal 1O. . ." at the foot of page 8 is not the heading; Pasal 9 does not end with it
    assert "Pasal 10" not in _pasal(corpus, "perpres-82-2023", "9").text
    assert _pasal(corpus, "perpres-82-2023", "10").text.startswith("(1) Kementerian/lembaga penanggung jawab Aplikasi SPBE")


def test_pp_94_2021_lost_pasal_39_is_a_known_gap_never_invented(corpus) -> None:
    entry, parsed = corpus["pp-94-2021"]
    assert parsed.get_pasal("39") is None and "39" in entry.known_gaps
    assert _pasal(corpus, "pp-94-2021", "41").text.startswith("PNS yang melanggar ketentuan Peraturan Pemerintah Nomor 10 Tahun 1983")
    assert _pasal(corpus, "pp-94-2021", "11").text.startswith("(1) Hukuman Disiplin berat")
    assert _pasal(corpus, "pp-94-2021", "46").text == "Peraturan Pemerintah ini mulai berlaku pada tanggal diundangkan."
    assert any("Pasal 39" in w and w.startswith("line ") for w in parsed.warnings)


def test_perpres_132_2022_lampiran_is_not_glued_to_pasal_6(corpus) -> None:
    parsed = corpus["perpres-132-2022"][1]
    assert _pasal(corpus, "perpres-132-2022", "6").text == "Peraturan Presiden ini mulai berlaku pada tanggal diundangkan."
    assert parsed.lampiran_pages and "Sumber Daya Manusia SPBE" in parsed.lampiran


def test_pp_96_2012_implements_uu_25_2009(corpus) -> None:
    entry, _ = corpus["pp-96-2012"]
    assert entry.implements == ["uu-25-2009"] and _pasal(corpus, "pp-96-2012", "51").text.endswith("diundangkan.")


CLOSING_TEXT = re.compile(
    r"Agar setiap orang|Ditetapkan di|Diundangkan di|Salinan sesuai|LEMBARAN NEGARA|BERITA NEGARA|\bttd\b|\bTtd\b", re.IGNORECASE
)


def test_no_last_pasal_ends_with_closing_formula_text(corpus) -> None:
    """Every document's body ends at its closing, with or without the "Agar" formula (Perpres 81/2010 has none)."""
    assert "perpres-81-2010" in corpus
    glued = {doc_id: parsed.pasal[-1].text[-200:] for doc_id, (_, parsed) in corpus.items()
             if parsed.pasal and CLOSING_TEXT.search(parsed.pasal[-1].text)}
    assert glued == {}
    assert _pasal(corpus, "perpres-81-2010", "6").text == "Peraturan Presiden ini mulai berlaku pada tanggal ditetapkan"


STAMP_NUMBER = re.compile(r"(?<!\S)[lI1|i][0O(][^\s]{2,10}(?!\S)")  # the footer's "106xxx" as OCR'd: "l0(,15,)"
STAMP_NO = re.compile(r"(?<!\S)(?:N[lI1|][oO06]r?|NIO|[lI1|]\.[lI1|][oO06]|[lI1|]\.,[lI1|][oO])(?!\S)")


def _all_text(parsed: ParsedDocument) -> str:
    parts = [parsed.preamble, parsed.penjelasan_umum, *(s.text for s in parsed.sections)]
    parts += [text for p in parsed.pasal for text in (p.text, p.penjelasan)]
    return "\n".join(parts)


@pytest.mark.parametrize("doc_id", ["pp-94-2021", "pp-11-2017"])
def test_mangled_sk_footer_stamps_are_gone(corpus, doc_id: str) -> None:
    """The source is full of "Nlo"/"l.lo" footer stamps (PP 94/2021); none is left in any text."""
    entry, parsed = corpus[doc_id]
    in_source = len(STAMP_NO.findall((SOURCES / entry.file).read_text(encoding="utf-8")))
    assert in_source >= (10 if doc_id == "pp-94-2021" else 0)
    assert STAMP_NO.findall(_all_text(parsed)) == []
    if doc_id == "pp-94-2021":  # footers whose "No" is unreadable too: 31 in the source, at most 2 fragments left
        numbers = [n for n in STAMP_NUMBER.findall(_all_text(parsed)) if not n.rstrip(".,;%").replace(".", "").isdigit()]
        assert len(STAMP_NUMBER.findall((SOURCES / entry.file).read_text(encoding="utf-8"))) >= 25 and len(numbers) <= 2, numbers


def test_pp_94_2021_penjelasan_pasal_3_is_not_hidden_by_a_stamp(corpus) -> None:
    assert _pasal(corpus, "pp-94-2021", "2").penjelasan.startswith("Cukup jelas")
    assert _pasal(corpus, "pp-94-2021", "3").penjelasan.startswith("Huruf a")
