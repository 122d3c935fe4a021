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
