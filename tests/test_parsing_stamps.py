"""Inline, OCR-mangled "SK No … A" page-footer stamps (parsing/stamps.py) go; real text stays."""

from __future__ import annotations

import pytest

from kb_assistant.parsing.clean import clean_text
from kb_assistant.parsing.stamps import remove_sk_stamps


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sumur dijaga warga. : lI{ Nlo l0r.-'l1 n", "sumur dijaga warga."),
        ("dijaga warga; Sl( NIO l06fl''l A b. membersihkan", "dijaga warga; b. membersihkan"),
        ("tanpa izin. [il( l.lo 10(,27,) /r (2) Kepala Desa", "tanpa izin. (2) Kepala Desa"),
        ("Cukup jelas. : ir( l.l6 lrl2.1t1'1 4 Huruf b Yang", "Cukup jelas. Huruf b Yang"),
        ("berlaku. SK No 207711 A Agar", "berlaku. Agar"),
        ("Cukup jelas .'lI( l.lo l0(..'S8 A", "Cukup jelas."),  # the sentence's full stop glued to the stamp stays
        # no readable "No": a run of debris with the long footer number, closed by its "A"
        ("air bersih. 't; I ll., l0(rr-16,: , A (3) Warga", "air bersih. (3) Warga"),
        ("satu tahun; ' ,t/ f,trr | ()(r 187 A 3) pemberhentian", "satu tahun; 3) pemberhentian"),  # ends at its "A"
        ("air bersih; : il( i\\lo l(X.: b. menjaga", "air bersih; b. menjaga"),
    ],
)
def test_mangled_stamps_are_removed(text: str, expected: str) -> None:
    assert remove_sk_stamps(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "NO URUSAN PEMERINTAH PUSAT DAERAH",
        "berdasarkan Keputusan Kepala Desa No 12 Tahun 2031",
        "paling lama 14 (empat belas) hari kerja",
        "huruf a dan huruf b",
        "[DAB32- 341 IDAD32- 341 lDAAoel",  # a flattened table of codes
        "IPK*) 2.8 5.0",
        "Tahun 1945, 2020 A dan B",  # clean numbers are never a stamp's number
        "Ir. Sumarno, M.Si. sebagai ketua",
    ],
)
def test_real_text_is_untouched(text: str) -> None:
    assert remove_sk_stamps(text) == text


def test_stamp_no_longer_hides_the_ayat_after_it() -> None:
    """With the stamp gone the OCR'd "(41" next to it is repaired as the ayat marker it is."""
    assert clean_text("tidak hadir. {ll( Nlo 106).'/8 A (41 Apabila warga") == "tidak hadir. (4) Apabila warga"
