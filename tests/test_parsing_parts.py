"""The parts of a regulation (parsing/parts.py): body, closing, Penjelasan and Lampiran, so that
no annex is ever glued to the last Pasal."""

from __future__ import annotations

from kb_assistant.parsing.lines import Line
from kb_assistant.parsing.parts import split_inline_structure, split_parts
from kb_assistant.parsing.structure import parse_regulation
from kb_assistant.parsing.tree import Page

BODY = "Menimbang: bahwa sumur perlu dijaga;\nPasal 1\nSumur dijaga warga.\nPasal 2\nPeraturan Desa ini mulai berlaku pada tanggal diundangkan."
CLOSING = "Agar setiap orang mengetahuinya, memerintahkan pengundangan Peraturan Desa ini.\nDitetapkan di Contoh"
ANNEX = "LAMPIRAN\nPERATURAN DESA CONTOH NOMOR 1 TAHUN 2031\nBAB I\nPENDAHULUAN\nA. Latar Belakang\nSumur desa adalah sumber air bersama."


def _texts(lines: list[Line]) -> list[str]:
    return [line.text for line in lines]


def test_body_closing_and_annex_are_separate_parts() -> None:
    lines = [Line(None, t) for t in f"{BODY}\n{CLOSING}\n{ANNEX}".split("\n")]
    body, closing, penjelasan, annex = split_parts(split_inline_structure(lines))
    assert _texts(body)[-1].startswith("Peraturan Desa ini mulai berlaku")
    assert _texts(closing)[0].startswith("Agar setiap orang") and penjelasan == []
    assert _texts(annex)[:2] == ["LAMPIRAN", "PERATURAN DESA CONTOH NOMOR 1 TAHUN 2031"]


def test_annex_after_the_last_pasal_without_closing_formula_is_not_glued_to_it() -> None:
    doc = parse_regulation([Page(None, f"{BODY}\n{ANNEX}")], "contoh")
    assert doc.get_pasal("2").text == "Peraturan Desa ini mulai berlaku pada tanggal diundangkan."
    assert doc.lampiran.startswith("LAMPIRAN") and "Sumur desa adalah sumber air bersama." in doc.lampiran
    assert [page.text.split("\n")[0] for page in doc.lampiran_pages] == ["LAMPIRAN"]


def test_penjelasan_and_inline_closing_are_put_on_their_own_lines() -> None:
    text = (f"{BODY} Agar setiap orang mengetahuinya.\nPENJELASAN ATAS PERATURAN DESA CONTOH\nI. UMUM\nSumur itu penting.\n"
            "II. PASAL DEMI PASAL\nPasal 1\nCukup jelas.\nPasal 2\nCukup jelas.")
    doc = parse_regulation([Page(None, text)], "contoh")
    assert doc.get_pasal("2").text.endswith("diundangkan.") and doc.get_pasal("1").penjelasan == "Cukup jelas."
    assert doc.penjelasan_umum == "Sumur itu penting."


UNSIGNED_BODY = (
    "Menimbang: bahwa sumur perlu dijaga;\nPasal 1\nSumur dijaga warga.\n"
    "Pasal 2\nPeraturan Bupati ini mulai berlaku pada tanggal ditetapkan"
)


def _last_pasal_text(text: str) -> str:
    return parse_regulation([Page(None, text)], "contoh").pasal[-1].text


def test_closing_block_without_agar_formula_ends_the_body() -> None:
    """A reprint without "Agar setiap orang ...": the place and date of enactment end the last Pasal."""
    closing = "Ditetapkan di Kotabaru\nPada Tanggal 3 Maret 2031\nBUPATI CONTOH,\nttd\nNAMA BUPATI\nSalinan sesuai dengan aslinya"
    lines = [Line(None, t) for t in f"{UNSIGNED_BODY}\n{closing}".split("\n")]
    body, rest, _, _ = split_parts(split_inline_structure(lines))
    assert _texts(body)[-1] == "Peraturan Bupati ini mulai berlaku pada tanggal ditetapkan"
    assert _texts(rest) == closing.split("\n")
    assert _last_pasal_text(f"{UNSIGNED_BODY}\n{closing}") == "Peraturan Bupati ini mulai berlaku pada tanggal ditetapkan"


def test_closing_found_by_signature_gazette_line_or_certified_copy_note() -> None:
    expected = "Peraturan Bupati ini mulai berlaku pada tanggal ditetapkan"
    assert _last_pasal_text(f"{UNSIGNED_BODY}\nBUPATI CONTOH\nKABUPATEN KOTABARU,\nttd.\nNAMA BUPATI") == expected
    assert _last_pasal_text(f"{UNSIGNED_BODY}\nBERITA DAERAH KABUPATEN KOTABARU TAHUN 2031 NOMOR 7") == expected
    assert _last_pasal_text(f"{UNSIGNED_BODY}\nSalinan sesuai dengan aslinya\nKEPALA BAGIAN HUKUM") == expected
    inline = _last_pasal_text(UNSIGNED_BODY + ". Ditetapkan di Kotabaru pada tanggal 3 Maret 2031\nBUPATI CONTOH,")
    assert inline == expected + "."


def test_enactment_words_inside_the_body_do_not_end_it() -> None:
    """'Ditetapkan di' inside a Pasal before the last one, or without a date, is text."""
    text = (
        "Pasal 1\nJadwal piket sumur\nDitetapkan di balai desa pada tanggal yang disepakati warga.\n"
        "Pasal 2\nTata tertib dibacakan setiap bulan dan\nDitetapkan di balai desa oleh kepala dusun."
    )
    doc = parse_regulation([Page(None, text)], "contoh")
    assert "pada tanggal yang disepakati warga." in doc.get_pasal("1").text
    assert doc.get_pasal("2").text.endswith("Ditetapkan di balai desa oleh kepala dusun.")
