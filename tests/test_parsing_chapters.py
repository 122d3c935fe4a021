"""BAB / Bagian / Paragraf headings (parsing/chapters.py): the block before a Pasal and its titles."""

from __future__ import annotations

from kb_assistant.parsing.chapters import headings_from_block, take_heading_block, update_context
from kb_assistant.parsing.lines import Line


def _lines(*texts: str) -> list[Line]:
    return [Line(None, t) for t in texts]


def test_heading_block_is_taken_from_the_end_of_the_previous_pasal() -> None:
    lines = _lines("Pengelola melapor setiap bulan.", "BAB III", "PENGAWASAN", "Bagian Kesatu", "Pengawasan dan", "Pembinaan")
    block = take_heading_block(lines)
    assert [line.text for line in lines] == ["Pengelola melapor setiap bulan."]
    assert headings_from_block(block) == ["BAB III PENGAWASAN", "Bagian Kesatu Pengawasan dan Pembinaan"]


def test_context_resets_below_a_new_chapter() -> None:
    context: dict[str, str] = {}
    update_context(context, ["BAB I UMUM", "Bagian Kesatu Asas", "Paragraf 1 Tujuan"])
    update_context(context, ["Bagian Kedua Ruang Lingkup"])
    assert context == {"bab": "BAB I UMUM", "bagian": "Bagian Kedua Ruang Lingkup"}
    update_context(context, ["BAB II TUGAS"])
    assert context == {"bab": "BAB II TUGAS"}


def test_a_sentence_starting_with_a_heading_word_is_not_a_heading() -> None:
    lines = _lines("(1) Pengelola menjaga taman.", "Bagian Kesatu dari laporan diserahkan kepada lurah; salinannya disimpan.")
    assert take_heading_block(lines) == [] and len(lines) == 2
