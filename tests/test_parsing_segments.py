"""The body cut into Pasal (parsing/segments.py) and the validation of the result: a lost page in a
full regulation is reported with its line and fails validation; an excerpt does not."""

from __future__ import annotations

from kb_assistant.parsing.structure import parse_regulation
from kb_assistant.parsing.tree import Page
from kb_assistant.parsing.validate import validate_document

# An invented Perda of 6 Pasal whose scan lost the page holding the end of Pasal 3, Pasal 4 and
# the start of Pasal 5: the tail of Pasal 5 runs on under Pasal 3.
LOST_PAGE = """Pasal 1
Pasar Rakyat adalah pasar milik desa.
Pasal 2
(1) Kepala Desa menunjuk pengelola pasar.
(2) Pengelola bertanggung jawab kepada Kepala Desa.
Pasal 3
(1) Pedagang wajib menjaga kebersihan los.
(2) Los yang kotor
(3) Retribusi sebagaimana dimaksud pada ayat (2) disetor setiap bulan.
Pasal 6
Peraturan Desa ini mulai berlaku pada tanggal diundangkan.
"""


def test_lost_page_in_a_full_regulation_is_a_warning_with_its_line_and_not_ok() -> None:
    doc = parse_regulation([Page(None, LOST_PAGE)], "perdes-pasar")
    assert [p.number for p in doc.pasal] == ["1", "2", "3", "6"]
    report = validate_document(doc, 6)
    assert report["ok"] is False and report["missing"] == ["4", "5"]
    [warning] = [w for w in report["warnings"] if "Pasal 4-5 missing" in w]
    assert warning.startswith("line 10:") and "between Pasal 3 and Pasal 6" in warning and "merged into Pasal 3" in warning
    # as an excerpt (no expected count) the same text is taken as it is
    assert validate_document(doc, None)["ok"] is True


def test_one_lost_heading_is_reported_as_merged_text() -> None:
    text = "Pasal 1\nSatu.\nPasal 2\nDua.\nTiga, yang judulnya hilang dari pindaian.\nPasal 4\nEmpat."
    doc = parse_regulation([Page(None, text)], "contoh")
    assert [p.number for p in doc.pasal] == ["1", "2", "4"] and doc.merged == ["3"]
    [warning] = [w for w in doc.warnings if "Pasal 3: heading not found" in w]
    assert warning.startswith("line 6:") and "merged into Pasal 2" in warning
    report = validate_document(doc, 4)
    assert report["merged"] == ["3"] and report["ok"] is False
    # a trainer who checked the source confirms the gap: reported, but ok
    confirmed = validate_document(doc, 4, known_gaps=["3"])
    assert confirmed["ok"] is True and confirmed["known_gaps"] == ["3"] and confirmed["pasal_found"] == 3


def test_missing_pasal_confirmed_as_known_gap_counts_against_expected() -> None:
    text = "Pasal 1\nSatu.\nPasal 2\nDua.\nPasal 4\nEmpat."
    doc = parse_regulation([Page(None, text)], "contoh")
    assert validate_document(doc, 4, known_gaps=["3"])["ok"] is True
    assert validate_document(doc, 5, known_gaps=["3"])["ok"] is False  # Pasal 5 is still missing


def test_real_duplicate_is_reported_with_its_line() -> None:
    text = "Pasal 1\nIsi satu.\nPasal 2\nIsi dua.\nPasal 2\nIsi dua yang lain.\nPasal 3\nIsi tiga."
    doc = parse_regulation([Page(None, text)], "contoh")
    assert doc.duplicates == ["2"] and any(w.startswith("line 5:") and "second time" in w for w in doc.warnings)
