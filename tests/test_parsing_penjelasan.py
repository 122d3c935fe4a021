"""The Penjelasan (parsing/penjelasan.py): per Pasal and per ayat, and what it cannot place is reported."""

from __future__ import annotations

from kb_assistant.parsing.structure import parse_regulation
from kb_assistant.parsing.tree import Page

TEXT = """Pasal 1
(1) Sumur dijaga warga.
(2) Kepala Desa mengawasi.
Pasal 2
Peraturan Desa ini mulai berlaku pada tanggal diundangkan.
PENJELASAN
ATAS
PERATURAN DESA CONTOH
I. UMUM
Air bersih adalah kebutuhan bersama.
II. PASAL DEMI PASAL
Pasal 1
Ayat (1)
Yang dimaksud dengan "warga" adalah penduduk desa.
Ayat (2)
Cukup jelas.
Pasal 2
Cukup jelas.
Pasal 9
Cukup jelas.
"""


def test_penjelasan_per_pasal_and_ayat() -> None:
    doc = parse_regulation([Page(None, TEXT)], "contoh")
    pasal = doc.get_pasal("1")
    assert pasal.penjelasan_ayat == {"1": 'Yang dimaksud dengan "warga" adalah penduduk desa.', "2": "Cukup jelas."}
    assert doc.get_pasal("2").penjelasan == "Cukup jelas."
    assert doc.penjelasan_umum == "Air bersih adalah kebutuhan bersama."


def test_explanation_of_a_pasal_the_body_lacks_is_reported_with_its_line() -> None:
    doc = parse_regulation([Page(None, TEXT)], "contoh")
    assert any(w.startswith("line 19:") and "'Pasal 9'" in w and "not kept" in w for w in doc.warnings)
