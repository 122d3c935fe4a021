"""OCR-misread figures repaired from the words the regulation spells them with."""

from __future__ import annotations

import pytest

from kb_assistant.parsing.clean import clean_text
from kb_assistant.parsing.numbers import repair_spelled_figures, spelled_value

_UNIT = ["", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan"]


def _reference_words(n: int) -> str:
    """Indonesian number words by the textbook rules (se- for one ten/hundred/thousand), written
    independently of the parser as a reference."""
    if n == 0:
        return "nol"
    parts = []
    thousands, rest = divmod(n, 1000)
    if thousands:
        parts.append("seribu" if thousands == 1 else f"{_reference_words(thousands)} ribu")
    hundreds, rest = divmod(rest, 100)
    if hundreds:
        parts.append("seratus" if hundreds == 1 else f"{_UNIT[hundreds]} ratus")
    if rest == 10:
        parts.append("sepuluh")
    elif rest == 11:
        parts.append("sebelas")
    elif 12 <= rest <= 19:
        parts.append(f"{_UNIT[rest - 10]} belas")
    elif rest >= 20:
        tens, unit = divmod(rest, 10)
        parts.append(f"{_UNIT[tens]} puluh" + (f" {_UNIT[unit]}" if unit else ""))
    elif rest:
        parts.append(_UNIT[rest])
    return " ".join(parts)


def test_spelled_value_agrees_with_the_reference_words_up_to_a_hundred_thousand() -> None:
    for n in list(range(0, 2100)) + [10_000, 25_000, 200_000, 365_250]:
        assert spelled_value(_reference_words(n)) == n, _reference_words(n)


@pytest.mark.parametrize("words", ["tahun", "dua tiga", "puluh", "belas lima", ""])
def test_words_that_are_no_number(words: str) -> None:
    assert spelled_value(words) is None


def test_misread_figures_are_repaired_only_when_the_words_agree() -> None:
    text = "bolos 1O (sepuluh) hari, l0 (sepuluh) hari, I (satu) tahun, L4 (empat belas) hari, potong 25o/o (dua puluh lima persen)"
    assert repair_spelled_figures(text) == "bolos 10 (sepuluh) hari, 10 (sepuluh) hari, 1 (satu) tahun, 14 (empat belas) hari, potong 25% (dua puluh lima persen)"
    untouched = "I (dua) orang, 7 (tujuh) hari, Lampiran I (sebagaimana tercantum), 1O (sebelas) hari"
    assert repair_spelled_figures(untouched) == untouched
    assert repair_spelled_figures("sebesar 75olo (trfiuh puluh lima persen)") == "sebesar 75% (trfiuh puluh lima persen)"


def test_clean_text_repairs_figures_and_stays_idempotent() -> None:
    once = clean_text("Pegawai yang tidak masuk kerja selama 1O (sepuluh) hari kerja diberhentikan.")
    assert once == "Pegawai yang tidak masuk kerja selama 10 (sepuluh) hari kerja diberhentikan."
    assert clean_text(once) == once
