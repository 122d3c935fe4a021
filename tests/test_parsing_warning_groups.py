"""Warnings of one kind seen many times are folded into one with a count and the first places
(parsing/warning_groups.py), so a lost Pasal is not hidden among ninety stray-marker notes."""

from __future__ import annotations

from kb_assistant.corpus.manifest import DocumentEntry
from kb_assistant.parsing import parse_pages
from kb_assistant.parsing.tree import Page
from kb_assistant.parsing.validate import validate_document
from kb_assistant.parsing.warning_groups import GROUP_SHOWN, group_warnings

ENTRY = DocumentEntry(id="perdes-1-2031", name="Perdes 1/2031", title="Peraturan Desa Contoh", type="Perda", year=2031,
                      number="1", file="perdes.md")


def _stray(n: int) -> str:
    return f"line {10 * n} (page {n}): Pasal {n}: stray ayat markers dropped: (1) (2)"


def test_frequent_kind_becomes_one_warning_with_count_and_first_lines() -> None:
    rare = "line 99: Pasal 40: heading not found between Pasal 39 and Pasal 41; its text, if the source has it, is merged into Pasal 39"
    warnings = [_stray(n) for n in range(1, 9)] + [rare]
    [folded, kept] = group_warnings(warnings)
    assert kept == rare
    assert folded.startswith("line 10 (page 1): stray ayat markers dropped in 8 Pasal: Pasal 1 (line 10), Pasal 2 (line 20)")
    assert f"Pasal {GROUP_SHOWN} (line {10 * GROUP_SHOWN})" in folded and f"Pasal {GROUP_SHOWN + 1} " not in folded
    assert folded.endswith(f"and {8 - GROUP_SHOWN} more")
    assert group_warnings([folded, kept]) == [folded, kept]  # idempotent


def test_rare_kinds_and_kinds_without_a_pasal_subject() -> None:
    two = [_stray(1), _stray(2)]
    assert group_warnings(two) == two
    out_of_sequence = [f"line {n}: 'Pasal {n + 50}' is out of sequence; kept as text inside Pasal {n}" for n in (3, 4, 5, 6)]
    [folded] = group_warnings(out_of_sequence)
    assert folded.startswith(out_of_sequence[0]) and "3 more like it, at lines 4, 5, 6" in folded


def test_parsed_document_and_validation_report_grouped_warnings() -> None:
    body = "\n".join(f"Pasal {n}\n(1) Warga menjaga sumur {n}.\n(2) (3) (1) (2) Air diuji setiap bulan." for n in range(1, 6))
    doc = parse_pages([Page(None, "Menimbang: bahwa sumur perlu;\n" + body)], ENTRY)
    assert [p.number for p in doc.pasal] == ["1", "2", "3", "4", "5"]
    assert len(doc.warnings) == 1 and "stray ayat markers dropped in 5 Pasal" in doc.warnings[0]
    report = validate_document(doc, 7)
    assert report["warnings"][0] == doc.warnings[0] and any("Pasal 6-7 missing" in w for w in report["warnings"])
