"""The Pasal viewer (app/render.highlight_ayat) splits only at real ayat starts."""

from __future__ import annotations

import re

from kb_assistant.app.render import highlight_ayat, status_badge

PASAL = (
    "(1) Pengelola wajib melapor sebagaimana dimaksud pada ayat (3) dan ayat (4) setiap bulan.\n"
    "(2) Laporan sebagaimana dimaksud pada ayat (1) disampaikan kepada lurah. (3) Lurah menilai laporan.\n"
    "(3a) Penilaian diumumkan.\n(4) Biaya dari kas kelurahan."
)


def _marked(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", m) for m in re.findall(r"<mark[^>]*>(.*?)</mark>", html)]


def test_in_text_ayat_reference_does_not_split_the_sentence() -> None:
    [first] = _marked(highlight_ayat(PASAL, "1"))
    assert first == "(1) Pengelola wajib melapor sebagaimana dimaksud pada ayat (3) dan ayat (4) setiap bulan."
    [fourth] = _marked(highlight_ayat(PASAL, "4"))
    assert fourth == "(4) Biaya dari kas kelurahan."


def test_ayat_after_a_sentence_end_and_lettered_ayat_are_split() -> None:
    assert _marked(highlight_ayat(PASAL, "3")) == ["(3) Lurah menilai laporan."]
    assert _marked(highlight_ayat(PASAL, "3a")) == ["(3a) Penilaian diumumkan."]
    assert _marked(highlight_ayat(PASAL, "2")) == ["(2) Laporan sebagaimana dimaksud pada ayat (1) disampaikan kepada lurah."]


def test_status_word_appears_once_in_the_badge() -> None:
    html = status_badge("diubah", "UU 30/2014 — diubah oleh UU 6/2023")
    assert re.sub(r"<[^>]+>", "", html) == "diubah oleh UU 6/2023"
