"""Pasal heading candidates and the chosen chain (parsing/pasal_headings.py), on invented texts:
an excerpt that skips numbers keeps every Pasal, a reference never becomes a heading."""

from __future__ import annotations

from kb_assistant.parsing.lines import Line
from kb_assistant.parsing.pasal_headings import STRONG, best_chain, find_candidates, pasal_heading_count
from kb_assistant.parsing.structure import parse_regulation
from kb_assistant.parsing.tree import Page
from kb_assistant.parsing.validate import validate_document

EXCERPT = """PERATURAN WALI KOTA CONTOH NOMOR 3 TAHUN 2031
TENTANG TAMAN BACA WARGA
BAB I
KETENTUAN UMUM
Pasal 1
Dalam Peraturan Wali Kota ini yang dimaksud dengan:
1. Taman Baca adalah ruang baca terbuka milik kelurahan.
2. Pengelola adalah warga yang ditunjuk lurah.
Pasal 7
(1) Pengelola membuka Taman Baca setiap hari Sabtu.
(2) Jadwal sebagaimana dimaksud pada ayat (1) diumumkan di papan kelurahan.
Pasal 32
Lurah menyediakan rak buku sebagaimana dimaksud dalam
Pasal 7 dan Pasal 74 bagi setiap Taman Baca.
Pasal 33
Warga dapat menyumbangkan buku kepada Pengelola.
BAB IX
KETENTUAN PENUTUP
Pasal 74
Peraturan Wali Kota ini mulai berlaku pada tanggal diundangkan.
"""


def _lines(text: str) -> list[Line]:
    return [Line(None, t, i + 1) for i, t in enumerate(text.split("\n")) if t.strip()]


def test_excerpt_with_skipped_numbers_keeps_every_pasal_without_warning() -> None:
    doc = parse_regulation([Page(None, EXCERPT)], "perwal-contoh")
    assert [p.number for p in doc.pasal] == ["1", "7", "32", "33", "74"]
    assert doc.warnings == [] and doc.merged == []
    assert doc.get_pasal("32").text == "Lurah menyediakan rak buku sebagaimana dimaksud dalam Pasal 7 dan Pasal 74 bagi setiap Taman Baca."
    assert doc.get_pasal("74").headings == ["BAB IX KETENTUAN PENUTUP"]
    assert [a.number for a in doc.get_pasal("7").ayat] == ["1", "2"]
    report = validate_document(doc, None)
    assert report["ok"] and report["warnings"] == []


def test_a_reference_wrapped_onto_its_own_line_is_not_a_real_heading() -> None:
    lines = _lines(EXCERPT)
    found = {(c.label, lines[c.line].source): c for c in find_candidates(lines)}
    # "... dimaksud dalam / Pasal 7 dan Pasal 74 bagi ..." is a reference: no candidate at all.
    assert ("7", 14) not in found and ("74", 14) not in found
    assert found[("32", 12)].weight == STRONG and found[("32", 12)].real
    assert [c.label for c in best_chain(list(found.values()))] == ["1", "7", "32", "33", "74"]


def test_stray_heading_out_of_sequence_is_text_and_reported_as_merged() -> None:
    text = "Pasal 1\nSatu.\nPasal 2\nDua.\nPasal 9\nPasal 3\nTiga."
    doc = parse_regulation([Page(None, text)], "contoh")
    assert [p.number for p in doc.pasal] == ["1", "2", "3"]
    assert doc.merged == ["2"] and any("line 5" in w and "'Pasal 9' is out of sequence" in w for w in doc.warnings)
    assert validate_document(doc, 3)["ok"] is False


def test_heading_run_into_the_closing_sentence() -> None:
    text = "Pasal 1\nSatu.\nPasal 2\nKetentuan lama dicabut. Pasal 3 Peraturan Wali Kota ini mulai berlaku pada tanggal diundangkan."
    doc = parse_regulation([Page(None, text)], "contoh")
    assert [p.number for p in doc.pasal] == ["1", "2", "3"]
    assert doc.get_pasal("3").text == "Peraturan Wali Kota ini mulai berlaku pada tanggal diundangkan."
    # ... but "Pasal 5 Peraturan Pemerintah Nomor 1 Tahun 2030" stays a reference
    reference = "Pasal 1\nSesuai ketentuan. Pasal 2 Peraturan Pemerintah Nomor 1 Tahun 2030 berlaku."
    assert [p.number for p in parse_regulation([Page(None, reference)], "contoh").pasal] == ["1"]


def test_pasal_heading_count_counts_own_line_headings_only() -> None:
    assert pasal_heading_count([Page(None, EXCERPT)]) == 5
    assert pasal_heading_count([Page(None, "Menurut Pasal 5 dan Pasal 6 warga wajib hadir.")]) == 0
