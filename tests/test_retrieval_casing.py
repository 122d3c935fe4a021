"""A question typed in capitals or Title Case is read in lower case, the corpus's acronyms kept."""

from __future__ import annotations

import pytest

from kb_assistant.retrieval.casing import recase, uniform_casing

ACRONYMS = frozenset({"pns", "asn", "spbe"})


@pytest.mark.parametrize("question, uniform", [
    ("APA SAJA HAK PNS MENURUT UU 20/2023?", True),
    ("Apa Saja Kewajiban Pegawai ASN?", True),
    ("Siapa ketua Tim Koordinasi SPBE Nasional?", False),  # names capitalised inside a sentence
    ("Apa hak PNS?", False),
    ("HAK PNS?", False),  # too short to tell
])
def test_uniform_casing_is_told_from_names_in_a_sentence(question, uniform):
    assert uniform_casing(question) is uniform


def test_capitals_are_dropped_but_acronyms_numerals_and_citations_kept():
    assert recase("APA SAJA HAK PNS GOLONGAN IV MENURUT UU 20/2023?", ACRONYMS) == "apa saja hak PNS golongan IV menurut uu 20/2023?"
    assert recase("Apa Saja Kewajiban Pegawai Asn?", ACRONYMS) == "apa saja kewajiban pegawai ASN?"
    assert recase("Siapa ketua Tim Koordinasi SPBE?", ACRONYMS) == "Siapa ketua Tim Koordinasi SPBE?"
    assert recase("IS THE CIVIL SERVICE LAW STILL VALID FOR GOLONGAN IV?", ACRONYMS) == "is the civil service law still valid for golongan IV?"

