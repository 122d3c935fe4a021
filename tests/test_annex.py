"""Lampiran and guides as section trees, from a PDF made here: running heads and page numbers
removed, a table of contents and table cells never taken for headings, broken words joined,
every section with its heading path and page."""

from __future__ import annotations

from pathlib import Path

import pytest
from fpdf import FPDF

from kb_assistant.corpus.manifest import DocumentEntry
from kb_assistant.indexing.chunk import chunk_document
from kb_assistant.parsing import parse_file
from kb_assistant.parsing.annex import is_annex_start, split_annex
from kb_assistant.parsing.annex_text import Line, drop_contents, split_inline_headings
from kb_assistant.parsing.layout import dehyphenate, repair_pdf_pages
from kb_assistant.parsing.sections import build_sections
from kb_assistant.parsing.tree import Page

HEAD = "Pedoman Kebun Desa 2031-2035"
BODY = [
    ["PERATURAN BUPATI MAKMUR", "NOMOR 7 TAHUN 2031", "TENTANG PEDOMAN KEBUN DESA", "PASAL 1",
     "Pedoman Kebun Desa tercantum dalam Lampiran yang tidak terpisahkan dari Peraturan ini.", "PASAL 2",
     "Peraturan Bupati ini mulai berlaku pada tanggal diundangkan."],
]
ANNEX = [
    ["Kebun Desa", "Lampiran Peraturan Bupati Makmur", "Nomor 7 Tahun 2031"],
    ["DAFTAR ISI", "Hlm", "BAB I PENDAHULUAN 1", "A. Latar Belakang 1", "B. Tujuan 2", "BAB II PENGELOLAAN KEBUN 3",
     "2.1 Pembagian Lahan 3", "2.2 Jadwal Tanam 4"],
    ["BAB I", "PENDAHULUAN", "A. Latar Belakang", "Kebun desa dikelola bersama oleh warga desa. Pengelo-",
     "laan kebun dilakukan secara bergotong royong oleh semua keluarga.", "B. Tujuan",
     "1. Menyediakan sayur segar bagi warga desa.", "2. Menjaga lahan desa tetap subur.", "BAB II ..."],
    ["BAB II", "PENGELOLAAN KEBUN", "2.1 Pembagian Lahan", "Setiap keluarga mendapat satu petak kebun.",
     "Tabel 1. Petak Kebun", "No. Petak Penggarap", "3. Petak Barat", "Keluarga Tani", "8. Penerapan", "lahan timur"],
    ["2.2 Jadwal Tanam", "Penanaman dilakukan pada awal musim hujan setiap tahun."],
]
ENTRY = DocumentEntry(id="perbup-7-2031", name="Perbup 7/2031", title="Peraturan Bupati tentang Pedoman Kebun Desa", type="Perda", file="perbup.pdf")


def _pdf(pages: list[list[str]]) -> bytes:
    """Every page with the running head at the top and its printed number at the foot."""
    pdf = FPDF()
    pdf.set_auto_page_break(False)
    pdf.set_font("Helvetica", size=11)
    for number, lines in enumerate(pages, start=1):
        pdf.add_page()
        for line in [HEAD, *lines]:
            pdf.cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(-25)
        pdf.cell(0, 7, str(number), align="C")
    return bytes(pdf.output())


@pytest.fixture(scope="module")
def parsed(tmp_path_factory):
    path = tmp_path_factory.mktemp("annex") / "perbup.pdf"
    path.write_bytes(_pdf(BODY + ANNEX))
    return parse_file(path, ENTRY, 5_000_000)


def test_upper_case_pasal_headings_and_body_without_the_annex(parsed) -> None:
    assert [p.number for p in parsed.pasal] == ["1", "2"]
    assert parsed.pasal[1].text == "Peraturan Bupati ini mulai berlaku pada tanggal diundangkan."


def test_lampiran_sections_with_paths_and_pages(parsed) -> None:
    found = [(s.path, s.page_start) for s in parsed.sections]
    assert found == [
        (["Lampiran"], 2),
        (["Lampiran", "BAB I PENDAHULUAN"], 4),
        (["Lampiran", "BAB I PENDAHULUAN", "A. Latar Belakang"], 4),
        (["Lampiran", "BAB I PENDAHULUAN", "B. Tujuan"], 4),
        (["Lampiran", "BAB II PENGELOLAAN KEBUN"], 5),
        (["Lampiran", "BAB II PENGELOLAAN KEBUN", "2.1 Pembagian Lahan"], 5),
        (["Lampiran", "BAB II PENGELOLAAN KEBUN", "2.2 Jadwal Tanam"], 6),
    ]
    assert [s.id for s in parsed.sections] == [f"lampiran-{i}" for i in range(1, 8)]


def test_contents_running_heads_page_numbers_and_catchwords_are_neither_headings_nor_text(parsed) -> None:
    everything = "\n".join(s.title + "\n" + s.text for s in parsed.sections)
    assert HEAD not in everything and "DAFTAR ISI" not in everything and "A. Latar Belakang 1" not in everything
    assert "BAB II ..." not in everything
    assert all(not line.strip().isdigit() for line in everything.split("\n"))
    tujuan = next(s for s in parsed.sections if s.title == "B. Tujuan")
    assert "1. Menyediakan sayur segar bagi warga desa." in tujuan.text  # a list item stays text
    lahan = next(s for s in parsed.sections if s.title == "2.1 Pembagian Lahan")
    assert "3. Petak Barat" in lahan.text and "8. Penerapan" in lahan.text  # table cells stay text


def test_words_broken_at_the_line_end_are_joined(parsed) -> None:
    latar = next(s for s in parsed.sections if s.title == "A. Latar Belakang")
    assert "Pengelolaan kebun dilakukan" in latar.text


def test_section_nodes_cite_the_section_exactly(parsed) -> None:
    chunks = chunk_document(parsed, ENTRY, max_words=220)
    sections = {c.section_id: c for c in chunks if c.kind == "section"}
    node = sections["lampiran-6"]
    assert node.id == "perbup-7-2031:lampiran-6" and node.pasal is None and node.page_start == 5
    assert node.label == "Perbup 7/2031 Lampiran › BAB II › 2.1 Pembagian Lahan"
    assert node.unit_key == "section:lampiran-6" and node.section_path[-1] == "2.1 Pembagian Lahan"
    assert "lampiran-2" not in sections  # a BAB heading with no text of its own is no node
    assert chunks[0].unit_key == "1"


def test_a_long_section_is_split_into_parts_with_one_citation() -> None:
    text = " ".join(f"Kalimat nomor {i} tentang kebun desa." for i in range(120))
    lines = [Line(3, "BAB I"), Line(3, "PENDAHULUAN"), Line(3, "A. Latar Belakang"), Line(3, text)]
    parsed = parse_like(lines)
    chunks = chunk_document(parsed, ENTRY, max_words=120)
    assert len(chunks) >= 4 and {c.unit_key for c in chunks} == {"section:lampiran-2"}
    assert {c.label for c in chunks} == {"Perbup 7/2031 Lampiran › BAB I › A. Latar Belakang"}
    assert " ".join(c.text for c in chunks).split() == text.split()


def parse_like(lines: list[Line]):
    from kb_assistant.parsing.tree import ParsedDocument

    return ParsedDocument("perbup-7-2031", sections=build_sections(lines, root=["Lampiran"], id_prefix="lampiran"))


def test_outline_sequence_rules() -> None:
    lines = [Line(None, t) for t in [
        "BAB II", "ARAH KEBIJAKAN", "A. Rencana Pembangunan", "Teks rencana.", "B. Arah Kebijakan", "Teks pengantar.", "1. Tata Kelola", "Teks satu.",
        "2. Layanan", "Teks dua.", "4. Sumber Daya Manusia", "Teks empat.", "B. Keterkaitan Antar Domain", "Teks ulang.",
        "C. Kebijakan Pembangunan", "Teks lima.", "BAB III", "PENUTUP", "7. Penerapan", "Keluaran layanan.",
    ]]
    paths = [s.path for s in build_sections(lines, root=["Lampiran"], id_prefix="lampiran")]
    assert ["Lampiran", "BAB II ARAH KEBIJAKAN", "B. Arah Kebijakan", "4. Sumber Daya Manusia"] in paths  # one lost number
    assert not any(p[-1].startswith(("B. Keterkaitan", "7. Penerapan")) for p in paths)  # repeated letter, table cell
    assert ["Lampiran", "BAB II ARAH KEBIJAKAN", "C. Kebijakan Pembangunan"] in paths


def test_roman_and_lettered_headings_run_into_a_matrix_line() -> None:
    pieces = split_inline_headings(
        "Cukup jelas. I. MATRIKS PEMBAGIAN URUSAN PEMERINTAHAN A. PEMBAGIAN URUSAN BIDANG PENDIDIKAN NO SUB URUSAN 1 2 3"
    )
    assert pieces == ["Cukup jelas.", "I. MATRIKS PEMBAGIAN URUSAN PEMERINTAHAN", "A. PEMBAGIAN URUSAN BIDANG PENDIDIKAN", "NO SUB URUSAN 1 2 3"]
    paths = [s.path for s in build_sections([Line(None, p) for p in pieces], root=["Lampiran"], id_prefix="lampiran")]
    assert paths[-1] == ["Lampiran", "I. MATRIKS PEMBAGIAN URUSAN PEMERINTAHAN", "A. PEMBAGIAN URUSAN BIDANG PENDIDIKAN"]


def test_contents_block_without_pages_ends_at_the_text() -> None:
    texts = ["DAFTAR ISI", "BAB I PENDAHULUAN 1", "1.1 Latar Belakang 1", "1.2 Dasar Hukum 5", "BAB I", "PENDAHULUAN",
             "1.1 Latar Belakang", "Krisis ekonomi yang dialami negeri ini pada tahun itu telah berkembang luas."]
    kept = [line.text for line in drop_contents([Line(None, t) for t in texts])]
    assert kept == texts[4:]


def test_hyphenation_repair_keeps_real_hyphens() -> None:
    text = "dengan Un-\ndang-Undang Nomor 5\nhasil-\nhasil pembangunan\nperaturan perundang-\nundangan\npemberan -\ntasan korupsi"
    assert dehyphenate(text).split("\n") == [
        "dengan Undang-Undang", "Nomor 5", "hasil-hasil", "pembangunan", "peraturan perundang-undangan", "pemberantasan", "korupsi",
    ]


def test_running_heads_are_found_by_repetition_not_by_name() -> None:
    pages = [Page(n, f"Buku Panduan Kebun\n{n}\nIsi halaman {n} yang berbeda.\nBaris lain {n}.") for n in range(1, 6)]
    repaired = repair_pdf_pages(pages)
    assert [p.text for p in repaired] == [f"Isi halaman {n} yang berbeda.\nBaris lain {n}." for n in range(1, 6)]


def test_annex_start_is_a_heading_not_a_reference() -> None:
    assert is_annex_start("LAMPIRAN") and is_annex_start("Lampiran Peraturan Presiden")
    assert is_annex_start("LAMPIRAN PERATURAN PRESIDEN REPUBLIK INDONESIA")
    assert not is_annex_start("Lampiran Peraturan Presiden ini merupakan bagian yang tidak terpisahkan")
    pages = [Page(1, "Pasal 1\nLihat Lampiran Peraturan ini.\nPasal 2\nSelesai."), Page(2, "LAMPIRAN\nBAB I\nUMUM")]
    body, annex = split_annex(pages)
    assert [p.number for p in body] == [1] and annex[0].text.startswith("LAMPIRAN")


def test_guide_without_headings_keeps_its_text(tmp_path: Path) -> None:
    path = tmp_path / "catatan.txt"
    path.write_text("Catatan singkat tanpa judul bagian.\nBaris kedua.", encoding="utf-8")
    entry = DocumentEntry(id="catatan-kebun", name="Catatan", title="Catatan", type="guide", file="catatan.txt")
    doc = parse_file(path, entry, 1_000_000)
    assert [(s.title, s.text, s.id) for s in doc.sections] == [("", "Catatan singkat tanpa judul bagian.\nBaris kedua.", "section-1")]


def test_pathological_input_stays_linear() -> None:
    import time

    token = "x" * 160_000
    long_paragraph = "\n".join(f"baris teks nomor {i} tanpa titik" for i in range(20_000))
    dots = "A. " + "." * 50_000 + "x"
    started = time.perf_counter()
    repaired = repair_pdf_pages([Page(1, token), Page(2, long_paragraph), Page(3, dots)])
    sections = build_sections([Line(p.number, t) for p in repaired for t in p.text.split("\n")], root=["Lampiran"])
    assert time.perf_counter() - started < 5.0  # quadratic work on these inputs takes minutes
    assert sum(len(s.text) for s in sections) > 160_000


def test_two_column_page_read_across_is_read_column_by_column(tmp_path: Path) -> None:
    left = ["Kebun desa dikelola bersama oleh", "warga desa dengan jadwal yang di-", "sepakati dalam musyawarah desa.",
            "Setiap keluarga menanam sayur", "dan buah di petak masing-masing", "serta menjaga kebersihan kebun."]
    right = ["Air untuk kebun diambil dari", "sumur bersama yang dijaga oleh", "penjaga sumur yang dipilih war-",
             "ga setiap tahun pada bulan awal.", "Pupuk dibuat dari sisa dapur", "yang dikumpulkan setiap pekan."]
    pdf = FPDF()
    pdf.set_font("Helvetica", size=10)
    pdf.add_page()
    for row, (a, b) in enumerate(zip(left, right)):  # drawn row by row, as some generators do
        pdf.text(10, 20 + row * 6, a)
        pdf.text(110, 20 + row * 6, b)
    path = tmp_path / "kolom.pdf"
    path.write_bytes(bytes(pdf.output()))
    from kb_assistant.parsing.extract import extract_pages

    text = extract_pages(path, 1_000_000)[0].text
    flat = " ".join(text.split("\n"))
    assert "disepakati dalam musyawarah desa." in flat and "dipilih warga setiap tahun" in flat
    assert text.index("kebersihan kebun.") < text.index("Air untuk kebun")  # left column first


def test_a_word_hyphenated_at_the_foot_of_a_page_is_joined() -> None:
    pages = repair_pdf_pages([Page(1, "Teks halaman pertama tentang pengelo-"), Page(2, "laan kebun desa.\nBaris berikut.")])
    assert [p.text for p in pages] == ["Teks halaman pertama tentang pengelolaan", "kebun desa.\nBaris berikut."]


def test_a_section_of_odd_tokens_gets_smaller_nodes() -> None:
    prose = " ".join(["kebun desa dikelola warga"] * 100)
    codes = " ".join(["lDADoll-0e.03 RAB.01.02.03 [PRO-INFRA]"] * 134)  # as many words, many more characters
    lines = [Line(1, "BAB I"), Line(1, "UMUM"), Line(1, prose), Line(2, "BAB II"), Line(2, "TABEL"), Line(2, codes)]
    sections = build_sections(lines, root=["Lampiran"], id_prefix="lampiran")
    chunks = chunk_document(parse_like_sections(sections), ENTRY, max_words=120)
    parts = {s: sum(c.section_id == s for c in chunks) for s in ("lampiran-1", "lampiran-2")}
    assert parts["lampiran-2"] > parts["lampiran-1"] >= 4


def parse_like_sections(sections):
    from kb_assistant.parsing.tree import ParsedDocument

    return ParsedDocument("perbup-7-2031", sections=sections)
