"""OCR repairs, each on small invented strings (including text that must survive untouched)."""

from __future__ import annotations

import pytest

from kb_assistant.parsing.clean import (
    clean_pages,
    clean_text,
    drop_lone_keywords,
    normalize,
    remove_inline_furniture,
    remove_page_furniture,
    repair_ayat_markers,
    repair_heading_words,
    repair_pasal_numbers,
    repair_years,
    strip_catchword,
)
from kb_assistant.parsing.tree import Page


@pytest.mark.parametrize(
    "header",
    [
        "PRESIDEN\nREPUBLIK INDONESIA\n-5-",
        "PRESIDEN\nREPUBUK INDONESIA\n- 11-",
        "PR.ES!DEN\nREPUEUK IHDONESIA\n-t7-",
        "FRESIDEN\nREFUBUK INDONESIA\n_25_",
        "PRES IDEN\nREPUBL|K INDONESTA\n-7 -",
    ],
)
def test_page_headers_are_removed(header: str) -> None:
    text = f"Kebun dirawat setiap pekan.\n{header}\nPohon disiram pagi hari."
    assert clean_text(text) == "Kebun dirawat setiap pekan.\nPohon disiram pagi hari."


def test_inline_header_variants_are_removed() -> None:
    text = "bangku dicat ulang. PRES IOEN REPUBLIK INOONESIA Lampu taman diganti."
    assert remove_inline_furniture(text).split() == "bangku dicat ulang. Lampu taman diganti.".split()
    assert "PRE" not in clean_text("kolam dibersihkan. PRE S ID EN REFUBLIK INOONESIA Ikan diberi pakan.")


def test_real_uses_of_the_header_words_are_kept() -> None:
    text = "DEWAN PERWAKILAN RAKYAT\ndan\nPRESIDEN REPUBLIK INDONESIA\nMEMUTUSKAN:\nPRESIDEN REPUBLIK INDONESIA,\nttd."
    assert clean_text(text) == text


@pytest.mark.parametrize("footer", ["SK No 202875 A", "SK No202818A", "SK No 160l 12 A", "www.peraturan.go.id", "-12-", "_ 118 _"])
def test_footer_lines_are_removed(footer: str) -> None:
    assert remove_page_furniture(normalize(f"Air mancur menyala.\n{footer}")) == "Air mancur menyala."


def test_catchword_after_footer_is_removed() -> None:
    text = "Taman dibuka pukul enam.\nSK No 300111 A\nPasal 9\n\nPRESIDEN\nREPUBLIK INDONESIA\n-4-\nPasal 9\nTaman ditutup pukul sepuluh."
    assert clean_text(text) == "Taman dibuka pukul enam.\nPasal 9\nTaman ditutup pukul sepuluh."


def test_catchword_with_ellipsis_before_header_is_removed() -> None:
    text = "Rumput dipangkas rapi.\n(2) Penyiraman. . .\nSK No 300112 A\n\nPRESIDEN\nREPUBLIK INDONESIA\n-5-\n(2) Penyiraman dilakukan sore hari."
    assert clean_text(text) == "Rumput dipangkas rapi.\n(2) Penyiraman dilakukan sore hari."


def test_ellipsis_inside_text_is_kept() -> None:
    text = "Daftar tanaman berikut...\nmawar dan melati."
    assert clean_text(text) == text


def test_lone_heading_word_is_a_catchword() -> None:
    assert drop_lone_keywords("Lampu dipasang.\nBagian\nBagian Kedua") == "Lampu dipasang.\nBagian Kedua"


def test_catchword_across_pages() -> None:
    assert strip_catchword("Kolam dikuras.\nPasal 1 1", "Pasal 11\nIsi pasal.") == "Kolam dikuras."
    assert strip_catchword("Kolam dikuras. Jalan", "Jalan setapak diperbaiki.") == "Kolam dikuras."
    assert strip_catchword("Kolam dikuras.", "Jalan setapak diperbaiki.") == "Kolam dikuras."
    pages = clean_pages([Page(1, "Bangku dicat.\nBABII ..."), Page(2, "BAB II\nPERAWATAN")])
    assert [p.text for p in pages] == ["Bangku dicat.", "BAB II\nPERAWATAN"]


@pytest.mark.parametrize(
    ("mangled", "repaired"),
    [
        ("Pasal I 1", "Pasal 11"),
        ("Pasal 4 1", "Pasal 41"),
        ("Pasal T2", "Pasal 72"),
        ("PasaJ246", "Pasal 246"),
        ("Pasal 2OT", "Pasal 207"),
        ("Pasa1 12", "Pasal 12"),
        ("Pasat 67", "Pasal 67"),
        ("Pasa] 333", "Pasal 333"),
        ("PasaI 47", "Pasal 47"),
        ("Pasal 1O", "Pasal 10"),
        ("Pasal 4L", "Pasal 41"),
        ("Pasa.l 350", "Pasal 350"),
        ("Pasal lO", "Pasal 10"),
    ],
)
def test_mangled_pasal_headings(mangled: str, repaired: str) -> None:
    assert repair_pasal_numbers(mangled) == repaired
    assert clean_text(f"Kebun ditata.\n{mangled}\nPohon ditanam.") == f"Kebun ditata.\n{repaired}\nPohon ditanam."


def test_pasal_repair_leaves_words_and_roman_numbers() -> None:
    text = "Pasal II\nPasal ini berlaku. Pasal tersebut dan Pasar Baru, pasti. Pasal 12A ayat (1)"
    assert repair_pasal_numbers(text) == text
    assert repair_pasal_numbers("dalam pasat 33 huruf a") == "dalam Pasal 33 huruf a"
    assert repair_pasal_numbers("selesai. Pasal 2 I 1 Pengelola taman") == "selesai. Pasal 211 Pengelola taman"


@pytest.mark.parametrize(
    ("mangled", "repaired"),
    [
        ("(21 Pengelola menyiram.", "(2) Pengelola menyiram."),
        ("(41 Pengelola menyiram.", "(4) Pengelola menyiram."),
        ("l2l Pengelola menyiram.", "(2) Pengelola menyiram."),
        ("(2t Pengelola menyiram.", "(2) Pengelola menyiram."),
        ("(l) Pengelola menyiram.", "(1) Pengelola menyiram."),
        ("(s) Pengelola menyiram.", "(5) Pengelola menyiram."),
        ("lA Pengelola menyiram.", "(2) Pengelola menyiram."),
        ("dimaksud pada ayat (21 huruf b", "dimaksud pada ayat (2) huruf b"),
        ("Kolam dikuras. (31 Ikan dipindah.", "Kolam dikuras. (3) Ikan dipindah."),
        ("Pasal 5 (l) Daerah menanam.", "Pasal 5 (1) Daerah menanam."),
        ("(U Rencana disusun.", "(1) Rencana disusun."),
        ("(1) (2t (3) (41", "(1) (2) (3) (4)"),
    ],
)
def test_ayat_marker_repairs(mangled: str, repaired: str) -> None:
    assert repair_ayat_markers(mangled) == repaired


def test_ayat_repair_is_conservative_inside_sentences() -> None:
    text = "masa tunggu paling lama (21 hari) sejak pengajuan dan lA atau lB. (21 hari) kemudian (UUD)"
    assert repair_ayat_markers(text) == text
    assert clean_text("Izin diberikan dalam (21 hari) kerja.") == "Izin diberikan dalam (21 hari) kerja."


def test_caret_artefacts_are_removed() -> None:
    assert clean_text("Cukup ^jelas. ^Pemetaan ^urusan") == "Cukup jelas. Pemetaan urusan"


@pytest.mark.parametrize(("mangled", "repaired"), [("2Ol4", "2014"), ("L945", "1945"), ("2OlS", "2015"), ("2O2O", "2020")])
def test_years(mangled: str, repaired: str) -> None:
    assert repair_years(f"Tahun {mangled} tentang") == f"Tahun {repaired} tentang"


def test_year_repair_leaves_other_numbers() -> None:
    assert repair_years("Nomor 4O19 dan kode lO lama") == "Nomor 4O19 dan kode lO lama"


def test_heading_words() -> None:
    assert repair_heading_words("Bagran Kesatu Umum") == "Bagian Kesatu Umum"
    assert repair_heading_words("Bagian Bagran Ketujuh Sengketa") == "Bagian Ketujuh Sengketa"
    assert repair_heading_words("Paragraf4 Rapat") == "Paragraf 4 Rapat"
    assert repair_heading_words("BABII ...") == "BAB II ..."
    assert repair_heading_words("BAB XtI") == "BAB XII"


def test_emblem_debris_is_removed() -> None:
    assert clean_text('Taman #D dibuka {iD untuk #",D umum $rB hari ini.') == "Taman dibuka untuk umum hari ini."


def test_clean_text_is_idempotent() -> None:
    text = "PasaJ246\n(21 Rencana disusun 2Ol4.\nSK No 1 2 3 A\nBagian\n\nPRESIDEN\nREPUBUK INDONESIA\n-3-\nBagian Kedua"
    once = clean_text(text)
    assert clean_text(once) == once


@pytest.mark.parametrize("token", ["_" * 160_000 + "x", "._" * 80_000 + "x", "-" * 160_000 + "#x", "{" * 160_000])
def test_a_160_kb_pathological_token_parses_in_under_a_second(token: str) -> None:
    import time

    from kb_assistant.parsing.structure import parse_regulation

    started = time.process_time()  # CPU time of this process: other jobs on the machine do not count
    doc = parse_regulation([Page(None, token)], "junk")
    assert time.process_time() - started < 1.0
    assert doc.pasal == []


def test_junk_run_of_underscores_is_still_removed() -> None:
    assert clean_text("Taman ___ dibuka _._ hari ini.") == "Taman dibuka hari ini."


@pytest.mark.parametrize(
    ("raw", "fixed"),
    [
        ("dijatuhkan.\nPasa77\n(1) Pendanaan", "dijatuhkan.\nPasal 7\n(1) Pendanaan"),  # l read as 7, alone on its line
        ("ketentuan ini. Pasal 4 1 PNS yang", "ketentuan ini. Pasal 41 PNS yang"),  # split number before an acronym
        ("Pasal22\nPeraturan", "Pasal 22\nPeraturan"),
    ],
)
def test_clean_text_repairs_mangled_headings(raw: str, fixed: str) -> None:
    assert clean_text(raw) == fixed
