"""The regulation tree on an invented mini-regulation (tests/fixtures/perda_taman_contoh.md):
OCR noise, page headers, catch-words, an inline heading, references that must not start a Pasal."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb_assistant.corpus.manifest import DocumentEntry
from kb_assistant.parsing import parse_file
from kb_assistant.parsing.extract import extract_pages
from kb_assistant.parsing.sections import parse_sections
from kb_assistant.parsing.structure import find_references, parse_regulation
from kb_assistant.parsing.tree import Page, ParsedDocument, Pasal
from kb_assistant.parsing.validate import validate_document

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def perda() -> ParsedDocument:
    return parse_regulation(extract_pages(FIXTURES / "perda_taman_contoh.md", 1_000_000), "perda-taman")


def test_every_pasal_once_in_order(perda: ParsedDocument) -> None:
    assert [p.number for p in perda.pasal] == ["1", "2", "3", "4", "5", "6"]
    assert validate_document(perda, 6) == {
        "pasal_found": 6, "missing": [], "duplicates": [], "empty": [], "merged": [], "known_gaps": [], "warnings": [], "ok": True
    }


def test_headings_are_carried_and_not_swallowed(perda: ParsedDocument) -> None:
    assert perda.get_pasal("1").headings == ["BAB I KETENTUAN UMUM"]
    assert perda.get_pasal("2").headings == ["BAB II PENGELOLAAN", "Bagian Kesatu Tugas Pengelola"]
    assert perda.get_pasal("3").headings == ["BAB II PENGELOLAAN", "Bagian Kedua Peran Warga"]
    assert perda.get_pasal("5").headings[-1] == "Paragraf 1 Jadwal"
    assert perda.get_pasal("6").headings == ["BAB III KETENTUAN PENUTUP"]
    for pasal in perda.pasal:
        assert "BAB" not in pasal.text and "Bagian Ke" not in pasal.text and "Paragraf" not in pasal.text


def test_ayat_and_items(perda: ParsedDocument) -> None:
    pasal1, pasal2 = perda.get_pasal("1"), perda.get_pasal("2")
    assert [i.label for i in pasal1.items] == ["1", "2"]
    assert pasal1.items[0].text == "Taman Kota adalah ruang terbuka hijau milik daerah yang terbuka untuk umum."
    assert [a.number for a in pasal2.ayat] == ["1", "2"]
    assert [(i.label, i.text) for i in pasal2.ayat[0].items] == [
        ("a", "penanaman pohon;"),
        ("b", "perawatan bangku; dan"),
        ("c", "penerangan jalan setapak."),
    ]
    assert pasal2.ayat[1].text.startswith("(2) Rencana") and pasal2.ayat[1].text.endswith("Maret 2031.")


def test_page_junk_and_catchwords_stay_out(perda: ParsedDocument) -> None:
    for pasal in perda.pasal:
        assert "PRESIDEN" not in pasal.text and "SK No" not in pasal.text and "REPUB" not in pasal.text
    assert perda.get_pasal("3").text.endswith("tentang Laporan Warga.")
    assert perda.get_pasal("6").text == "Peraturan Daerah ini mulai berlaku pada tanggal diundangkan."


def test_pages_from_printed_markers(perda: ParsedDocument) -> None:
    pages = {p.number: (p.page_start, p.page_end) for p in perda.pasal}
    assert pages == {"1": (1, 1), "2": (2, 2), "3": (2, 2), "4": (3, 3), "5": (3, 3), "6": (3, 3)}


def test_references_never_start_a_pasal(perda: ParsedDocument) -> None:
    # "dalam / Pasal 3 berlaku" and "dalam / Pasal 6 / dan ..." are references wrapped by the scan.
    assert "sebagaimana dimaksud dalam Pasal 3 berlaku juga bagi sekolah." in perda.get_pasal("4").text
    assert "sebagaimana dimaksud dalam Pasal 6 dan pada hari hujan lebat." in perda.get_pasal("5").text


def test_references_are_recorded(perda: ParsedDocument) -> None:
    refs = [(r.pasal, r.ayat, r.doc) for r in perda.get_pasal("3").references]
    assert refs == [("2", "1", None), ("5", None, "Undang-Undang Nomor 3 Tahun 2029")]
    assert [(r.pasal, r.ayat) for r in perda.get_pasal("2").references] == [("2", "1")]


def test_penjelasan(perda: ParsedDocument) -> None:
    assert perda.penjelasan_umum.startswith("Taman kota adalah ruang bersama warga.")
    assert "PASAL DEMI PASAL" not in perda.penjelasan_umum
    pasal2 = perda.get_pasal("2")
    assert pasal2.penjelasan_ayat["1"] == "Huruf a Pohon yang ditanam adalah pohon peneduh. Huruf b Cukup jelas."
    assert pasal2.penjelasan_ayat["2"] == "Cukup jelas."
    assert perda.get_pasal("3").penjelasan == 'Yang dimaksud dengan "sukarela" adalah tanpa imbalan.'
    assert perda.get_pasal("6").penjelasan == "Cukup jelas."  # the annex after it is no Penjelasan
    assert perda.lampiran.startswith("LAMPIRAN") and "Taman Kenanga di tepi sungai." in perda.lampiran
    assert "Menimbang" in perda.preamble and "Pasal" not in perda.get_pasal("6").penjelasan


def test_inline_headings_and_out_of_sequence_candidates() -> None:
    text = (
        "Pasal 1\nSatu ayat saja.\n"
        "Bagian Kesatu Umum Pasal 2 (1) Ketentuan dua. (2) Ketentuan dua lagi.\n"
        "Pasal 9\n"  # out of sequence: stays text, is reported
        "Pasal 3\nKetentuan tiga merujuk Pasal 2 ayat (2) sampai dengan ayat (4).\n"
    )
    doc = parse_regulation([Page(None, text)], "contoh")
    assert [p.number for p in doc.pasal] == ["1", "2", "3"]
    pasal2 = doc.get_pasal("2")
    assert pasal2.headings == ["Bagian Kesatu Umum"]
    assert [a.number for a in pasal2.ayat] == ["1", "2"]
    assert "Pasal 9" in pasal2.text and any("Pasal 9" in w for w in doc.warnings)
    assert [(r.pasal, r.ayat) for r in doc.get_pasal("3").references] == [("2", "2"), ("2", "3"), ("2", "4")]


def test_ayat_marker_after_a_lost_full_stop_starts_the_next_ayat_but_a_reference_does_not() -> None:
    text = (
        "Pasal 1\n(1) Pengawasan dilakukan oleh pengawas internal dan eksternal.\n"
        "(2) Pengawasan internal dilakukan melalui:\na. atasan langsung; dan\n"
        "b. pengawas fungsional sesuai dengan peraturan (3) Pengawasan eksternal dilakukan oleh Ombudsman.\n"
        "Pasal 2\n(1) Izin diberikan oleh Bupati.\n"
        "(2) Izin sebagaimana dimaksud pada ayat (1) dan (3) Peraturan Bupati berlaku sama.\n"
        "Pasal 3\n(1) Satu ada. (3) Tiga tanpa dua ditulis.\n"
        "Pasal 4\n(1) Desa dapat mendirikan BUMDes (2) Pendirian BUMDes ditetapkan dengan Perdes.\n"
    )
    doc = parse_regulation([Page(None, text)], "contoh")
    pasal1 = doc.get_pasal("1")
    assert [a.number for a in pasal1.ayat] == ["1", "2", "3"]
    assert pasal1.ayat[1].text.endswith("sesuai dengan peraturan")
    assert pasal1.ayat[2].text == "(3) Pengawasan eksternal dilakukan oleh Ombudsman."
    assert pasal1.text.splitlines()[-1] == "(3) Pengawasan eksternal dilakukan oleh Ombudsman."  # a line of its own
    assert [a.number for a in doc.get_pasal("2").ayat] == ["1", "2"]  # "dan (3)": a reference
    assert [a.number for a in doc.get_pasal("3").ayat] == ["1"]  # inside a line only the next ayat
    assert [a.text for a in doc.get_pasal("4").ayat] == ["(1) Desa dapat mendirikan BUMDes", "(2) Pendirian BUMDes ditetapkan dengan Perdes."]


def test_mid_sentence_reference_is_not_a_heading_even_when_one_is_missing() -> None:
    text = "Pasal 1\nSatu.\nPasal 2\nWewenang selain Pasal 3 Kepala Desa tetap ada.\nPasal 4\nEmpat."
    doc = parse_regulation([Page(None, text)], "contoh")
    assert [p.number for p in doc.pasal] == ["1", "2", "4"]
    assert doc.get_pasal("2").text == "Wewenang selain Pasal 3 Kepala Desa tetap ada."
    assert any("Pasal 3: heading not found" in w for w in doc.warnings)
    assert validate_document(doc, 4)["missing"] == ["3"]


def test_heading_printed_twice_is_one_pasal_and_real_repeat_is_a_duplicate() -> None:
    twice = "Pasal 1\nIsi satu.\nPasal 2\n(1) (2)\nPasal 2\n(1) Isi dua.\n(2) Isi dua lagi."
    doc = parse_regulation([Page(None, twice)], "contoh")
    assert [p.number for p in doc.pasal] == ["1", "2"] and doc.duplicates == []
    repeated = "Pasal 1\nIsi satu.\nPasal 2\nIsi dua.\nPasal 2\nIsi dua yang lain.\nPasal 3\nIsi tiga."
    doc = parse_regulation([Page(None, repeated)], "contoh")
    assert doc.duplicates == ["2"]
    assert validate_document(doc, 3)["duplicates"] == ["2"] and not validate_document(doc, 3)["ok"]


def test_missing_heading_is_recovered_from_the_ayat_restart() -> None:
    text = "Pasal 1\n(1) Isi satu.\n(2) Isi satu lagi.\n(1) Isi dua tanpa judul.\n(2) Lanjut dua.\nPasal 3\nIsi tiga."
    doc = parse_regulation([Page(None, text)], "contoh")
    assert [p.number for p in doc.pasal] == ["1", "2", "3"]
    assert doc.get_pasal("2").text.startswith("(1) Isi dua tanpa judul.")
    assert any("Pasal 2" in w and "recovered" in w for w in doc.warnings)


def test_amending_law_with_roman_pasal_does_not_crash() -> None:
    doc = parse_regulation([Page(None, "Pasal I\nBeberapa ketentuan diubah.\nPasal II\nMulai berlaku.")], "ubah")
    assert doc.pasal == [] and doc.warnings


def test_find_references_other_law_and_same_law() -> None:
    refs = find_references("sesuai dengan Pasal 7 Undang-Undang ini dan Pasal 8 Peraturan Pemerintah Nomor 11 Tahun 2030", "4")
    assert [(r.pasal, r.doc) for r in refs] == [("7", None), ("8", "Peraturan Pemerintah Nomor 11 Tahun 2030")]
    refs = find_references("sebagaimana dimaksud dalam Pasal 5 sampai dengan Pasal 7", "9")
    assert [r.pasal for r in refs] == ["5", "6", "7"]


def test_validate_reports_missing_and_empty() -> None:
    doc = ParsedDocument(doc_id="x", pasal=[Pasal("1", "Isi."), Pasal("2", " "), Pasal("4", "Isi.")])
    report = validate_document(doc, 4)
    assert {k: report[k] for k in ("pasal_found", "missing", "empty", "ok")} == {"pasal_found": 3, "missing": ["3"], "empty": ["2"], "ok": False}
    assert any("Pasal 3 missing" in w for w in report["warnings"])
    assert validate_document(ParsedDocument(doc_id="y"), None)["ok"] is False
    full = ParsedDocument(doc_id="z", pasal=[Pasal("1", "Isi."), Pasal("2", " ")])
    assert validate_document(full, 2)["ok"] is False
    acknowledged = validate_document(full, 2, known_gaps=["2"])
    assert acknowledged["ok"] is True and acknowledged["empty"] == ["2"] and acknowledged["known_gaps"] == ["2"]


def test_sections_of_a_guide(tmp_path: Path) -> None:
    guide = tmp_path / "panduan.md"
    guide.write_text(
        "Kata pengantar singkat.\n# Modul Taman\nPengantar modul.\n## 1. Menanam\nGali lubang.\n"
        "### 1.1 Memilih Bibit\nPilih bibit sehat.\n## 2. Merawat\nSiram pagi.\n",
        encoding="utf-8",
    )
    entry = DocumentEntry(id="panduan-taman", name="Panduan", title="Panduan Taman", type="guide", file="panduan.md")
    doc = parse_file(guide, entry, 1_000_000)
    assert doc.pasal == []
    assert [(s.title, s.headings, s.text) for s in doc.sections] == [
        ("", [], "Kata pengantar singkat."),
        ("Modul Taman", [], "Pengantar modul."),
        ("1. Menanam", ["Modul Taman"], "Gali lubang."),
        ("1.1 Memilih Bibit", ["Modul Taman", "1. Menanam"], "Pilih bibit sehat."),
        ("2. Merawat", ["Modul Taman"], "Siram pagi."),
    ]


def test_sections_from_numbered_and_capital_headings() -> None:
    pages = [Page(1, "PENDAHULUAN UMUM\nTeks awal.\n1.1 Tujuan Pelatihan\nPeserta memahami kerja sama."), Page(2, "Lanjutan tujuan.")]
    doc = parse_sections(pages, "modul")
    assert [(s.number, s.title, s.page_start, s.page_end) for s in doc.sections] == [
        ("1", "PENDAHULUAN UMUM", 1, 1),
        ("1.1", "1.1 Tujuan Pelatihan", 1, 2),
    ]
    assert doc.sections[1].headings == ["PENDAHULUAN UMUM"]
