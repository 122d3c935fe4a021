"""One Pasal's body (parsing/pasal.py): ayat in sequence, skipped and lettered ayat, a lone ayat,
stray marker columns, and exactly one marker per ayat in the nodes built from it."""

from __future__ import annotations

import re

from kb_assistant.corpus.manifest import DocumentEntry
from kb_assistant.indexing.chunk import chunk_document
from kb_assistant.parsing.structure import parse_regulation
from kb_assistant.parsing.tree import Ayat, Page

ENTRY = DocumentEntry(id="perdes-contoh", name="Perdes 1/2031", title="Peraturan Desa Nomor 1 Tahun 2031 tentang Sumur", type="Perda", file="x.md")
DOUBLED = re.compile(r"(?<!\S)\((\d{1,2}[a-z]?)\)\s+\(\1\)")


def _pasal(body: str, number: str = "5"):
    doc = parse_regulation([Page(None, f"Pasal {number}\n{body}")], "contoh")
    [pasal] = doc.pasal
    return pasal, doc


def test_skipped_ayat_are_kept_in_order() -> None:
    pasal, _ = _pasal("(1) Warga menjaga sumur desa.\n(4) Kepala Desa menetapkan jadwal pengurasan.")
    assert [(a.number, a.text) for a in pasal.ayat] == [
        ("1", "(1) Warga menjaga sumur desa."),
        ("4", "(4) Kepala Desa menetapkan jadwal pengurasan."),
    ]


def test_lettered_ayat_after_its_number() -> None:
    pasal, _ = _pasal("(1) Sumur dibersihkan.\n(2) Air diuji.\n(2a) Hasil uji diumumkan.\n(3) Biaya dari kas desa.")
    assert [a.number for a in pasal.ayat] == ["1", "2", "2a", "3"]


def test_a_lone_ayat_is_recognised() -> None:
    pasal, _ = _pasal("(3) Pengurasan dilakukan paling sedikit dua kali setahun.")
    assert [(a.number, a.text) for a in pasal.ayat] == [("3", "(3) Pengurasan dilakukan paling sedikit dua kali setahun.")]


def test_a_skip_is_refused_when_the_skipped_number_starts_a_line_later() -> None:
    # the scan put (3) before (2): the order is scrambled, nothing is skipped
    pasal, _ = _pasal("(1) Satu.\n(3) Tiga yang salah tempat.\n(2) Dua.\n(3) Tiga.")
    assert [a.number for a in pasal.ayat] == ["1", "2", "3"]
    assert "Tiga yang salah tempat." in pasal.ayat[0].text


def test_text_before_a_later_ayat_is_never_left_out_of_the_ayat() -> None:
    pasal, _ = _pasal("Warga menjaga sumur.\n(3) Kepala Desa menetapkan jadwal.")
    assert pasal.ayat == [] and pasal.text.startswith("Warga menjaga sumur.")


def test_in_text_ayat_reference_is_not_an_ayat() -> None:
    pasal, _ = _pasal("(1) Warga menjaga sumur.\n(2) Jadwal sebagaimana dimaksud pada\nayat (3) huruf a diumumkan.")
    assert [a.number for a in pasal.ayat] == ["1", "2"]


def test_column_of_stray_markers_is_dropped_with_a_warning() -> None:
    pasal, doc = _pasal("(1) Sumur dibersihkan.\n(2) (3) (1) (2) Air diuji setiap bulan.\n(3) Hasil diumumkan. (4) (5)")
    assert [a.text for a in pasal.ayat] == ["(1) Sumur dibersihkan.", "(2) Air diuji setiap bulan.", "(3) Hasil diumumkan."]
    assert any("stray ayat markers dropped: (2) (3) (1) (4) (5)" in w for w in doc.warnings)


def test_one_marker_per_ayat_in_every_node() -> None:
    long = " ".join(f"kata{i}" for i in range(120))
    pasal, doc = _pasal(f"(1) Sumur {long}.\n(2) Air {long}.\n(3) Jadwal:\na. pagi {long};\nb. sore {long}.")
    chunks = chunk_document(doc, ENTRY, max_words=150)
    assert len(chunks) >= 3
    for chunk in chunks:
        assert not DOUBLED.search(chunk.text), chunk.text[:80]
    assert chunks[0].text.startswith("(1) Sumur")


def test_marked_text_adds_a_missing_marker_once() -> None:
    assert Ayat("2", "(2) Air diuji.").marked_text == "(2) Air diuji."
    assert Ayat("2", "Air diuji.").marked_text == "(2) Air diuji."
