"""extract_pages: real page numbers from PDFs made here, printed page markers from OCR text,
and one clear one-line refusal for every input that cannot be read."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from kb_assistant.parsing import parse_file
from kb_assistant.parsing.extract import ExtractionError, extract_pages, split_marked_pages
from kb_assistant.corpus.manifest import DocumentEntry

LIMIT = 5_000_000

# Three pages of an invented regulation: Pasal 2 starts on page 1 and ends on page 2.
PDF_PAGES = [
    ["PERATURAN DESA MAKMUR", "NOMOR 1 TAHUN 2032", "TENTANG SUMUR BERSAMA", "Pasal 1",
     "Sumur bersama dipakai oleh semua warga desa.", "Pasal 2", "(1) Kepala desa menunjuk penjaga sumur."],
    ["PRESIDEN", "REPUBLIK INDONESIA", "-2-", "(2) Penjaga sumur membersihkan sumur setiap pekan.",
     "(3) Penjaga sumur mencatat kerusakan.", "Pasal 3", "Warga menjaga kebersihan sekitar sumur."],
    ["PRESIDEN", "REPUBLIK INDONESIA", "-3-", "Pasal 4",
     "Peraturan Desa ini mulai berlaku pada tanggal diundangkan."],
]


def _pdf_bytes(pages: list[list[str]]) -> bytes:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for lines in pages:
        pdf.add_page()
        for line in lines:
            pdf.cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _entry(file: str, type_: str = "Perpres") -> DocumentEntry:
    return DocumentEntry(id="contoh-desa", name="Perdes 1/2032", title="Contoh", type=type_, file=file)


@pytest.fixture
def pdf_path(tmp_path: Path) -> Path:
    path = tmp_path / "perdes.pdf"
    path.write_bytes(_pdf_bytes(PDF_PAGES))
    return path


def test_pdf_pages_keep_their_numbers(pdf_path: Path) -> None:
    pages = extract_pages(pdf_path, LIMIT)
    assert [p.number for p in pages] == [1, 2, 3]
    assert "Kepala desa menunjuk" in pages[0].text
    assert "Penjaga sumur membersihkan" in pages[1].text


def test_pdf_pasal_page_ranges(pdf_path: Path) -> None:
    parsed = parse_file(pdf_path, _entry(pdf_path.name), LIMIT)
    ranges = {p.number: (p.page_start, p.page_end) for p in parsed.pasal}
    assert ranges == {"1": (1, 1), "2": (1, 2), "3": (2, 2), "4": (3, 3)}
    pasal2 = parsed.get_pasal("2")
    assert [a.number for a in pasal2.ayat] == ["1", "2", "3"]
    assert "PRESIDEN" not in pasal2.text and "-2-" not in pasal2.text


def test_markdown_page_markers_give_page_numbers() -> None:
    text = "Pasal 1\nIsi satu.\nPRESIDEN\nREPUBLIK INDONESIA\n-2-\nPasal 2\nIsi dua.\nteks _3_ lanjut\nPasal 3\nIsi tiga."
    pages = split_marked_pages(text)
    assert [p.number for p in pages] == [1, 2, 3]
    assert pages[1].text.strip().startswith("Pasal 2")


def test_markdown_without_markers_is_one_unnumbered_page(tmp_path: Path) -> None:
    path = tmp_path / "catatan.md"
    path.write_text("# Catatan\nTidak ada nomor halaman di sini, hanya teks biasa 2020 - 2024.\n", encoding="utf-8")
    pages = extract_pages(path, LIMIT)
    assert [(p.number, p.text.startswith("# Catatan")) for p in pages] == [(None, True)]


def test_out_of_sequence_marker_is_not_a_page_break() -> None:
    text = "awal\n-2-\nhalaman dua - 90 - bukan nomor\n-3-\nhalaman tiga"
    assert [p.number for p in split_marked_pages(text)] == [1, 2, 3]


def test_sparse_markers_do_not_claim_a_page() -> None:
    """Between '-4-' and '-9-' the text is somewhere on pages 4-8: no single number is claimed."""
    pages = split_marked_pages("a\n-2-\nb\n-3-\nc\n-4-\nd\n-9-\ne")
    assert [p.number for p in pages] == [1, 2, 3, None, None]


def test_latin1_text_falls_back(tmp_path: Path) -> None:
    path = tmp_path / "lama.txt"
    path.write_bytes("Pasal 1\nKepala desa menerima café.".encode("latin-1"))
    assert "café" in extract_pages(path, LIMIT)[0].text


def _error(path: Path, limit: int = LIMIT) -> str:
    with pytest.raises(ExtractionError) as info:
        extract_pages(path, limit)
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"{path.name}: ")
    assert isinstance(info.value, ValueError)
    return message


def test_scanned_pdf_is_refused(tmp_path: Path) -> None:
    pdf = FPDF()
    for _ in range(2):
        pdf.add_page()
        pdf.rect(20, 20, 150, 200, style="F")
    path = tmp_path / "scan.pdf"
    path.write_bytes(bytes(pdf.output()))
    assert _error(path) == "scan.pdf: PDF has no text layer (scanned?); OCR it first"


def test_encrypted_pdf_is_refused(tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_pdf_bytes(PDF_PAGES))))
    writer.encrypt("rahasia")
    buffer = io.BytesIO()
    writer.write(buffer)
    path = tmp_path / "kunci.pdf"
    path.write_bytes(buffer.getvalue())
    assert "encrypted" in _error(path)


def test_pdf_with_empty_user_password_is_opened(tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_pdf_bytes(PDF_PAGES))))
    writer.encrypt("", owner_password="pemilik")
    buffer = io.BytesIO()
    writer.write(buffer)
    path = tmp_path / "terbuka.pdf"
    path.write_bytes(buffer.getvalue())
    assert [p.number for p in extract_pages(path, LIMIT)] == [1, 2, 3]


@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_truncated_pdf_is_refused(tmp_path: Path, keep: float) -> None:
    data = _pdf_bytes(PDF_PAGES)
    path = tmp_path / "potong.pdf"
    path.write_bytes(data[: int(len(data) * keep)])
    assert "corrupt or truncated" in _error(path)


def test_corrupt_pdf_body_is_refused(tmp_path: Path) -> None:
    data = _pdf_bytes(PDF_PAGES)
    middle = len(data) // 3
    path = tmp_path / "rusak.pdf"
    path.write_bytes(data[:middle] + b"\x00garbage\x00" * 50 + data[-600:])
    assert "corrupt" in _error(path)


def test_not_a_pdf_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "palsu.pdf"
    path.write_bytes(b"bukan pdf sama sekali\n" * 20)
    assert "not a PDF" in _error(path)


def test_empty_files_are_refused(tmp_path: Path) -> None:
    empty = tmp_path / "kosong.md"
    empty.write_bytes(b"")
    assert _error(empty) == "kosong.md: file is empty"
    blank = tmp_path / "spasi.txt"
    blank.write_text("  \n\t\n", encoding="utf-8")
    assert "empty" in _error(blank)


def test_oversize_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "besar.md"
    path.write_text("Pasal 1\n" + "isi " * 400, encoding="utf-8")
    assert "over the 100 bytes limit" in _error(path, limit=100)


def test_unsupported_type_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "surat.docx"
    path.write_bytes(b"PK\x03\x04 not really a docx")
    assert _error(path) == "surat.docx: unsupported file type '.docx'; use .pdf, .md or .txt"


def test_missing_file_is_refused(tmp_path: Path) -> None:
    assert _error(tmp_path / "hilang.pdf") == "hilang.pdf: file not found"
