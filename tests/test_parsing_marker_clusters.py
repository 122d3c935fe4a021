"""Clusters of misread ayat markers inside a Pasal's text (parsing/marker_clusters)."""

from __future__ import annotations

from kb_assistant.parsing.marker_clusters import drop_marker_clusters
from kb_assistant.parsing.structure import parse_regulation
from kb_assistant.parsing.tree import Page


def test_a_cluster_around_an_echoed_word_keeps_only_the_marker_printed_before_the_echo() -> None:
    text = "Surat itu diperlukan. (2) (s) (4) Izin. 14) (5) Izin diberikan paling lama 1 (satu) tahun."
    assert drop_marker_clusters(text) == ("Surat itu diperlukan. (4) Izin diberikan paling lama 1 (satu) tahun.", ["(2) (s) (4) Izin. 14) (5)"])
    across_lines = "Izin dicatat. (3) Apabila.\n(3) (4) (s) (6) Apabila izin ditolak, pemohon diberi tahu."
    assert drop_marker_clusters(across_lines)[0] == "Izin dicatat. (3) Apabila izin ditolak, pemohon diberi tahu."


def test_a_cluster_before_the_text_keeps_its_last_well_formed_marker_and_one_after_the_last_sentence_goes() -> None:
    assert drop_marker_clusters("masing-masing.\n(3) (4) (5) (2t (2) Bupati menetapkan.")[0] == "masing-masing.\n (2) Bupati menetapkan."
    assert drop_marker_clusters("kebutuhan organisasi. (2) (3) (4) (.5)") == ("kebutuhan organisasi.", ["(2) (3) (4) (.5)"])
    assert drop_marker_clusters("perundang-undangan. (6) t7) (8) (1) (2)")[0] == "perundang-undangan."


def test_references_and_undecidable_echoes_are_left_as_written() -> None:
    for text in (
        "sebagaimana dimaksud pada ayat (4) dan ayat (5), harus diuji.",
        "sebagaimana dimaksud pada ayat (1) (2) dan (3).",
        "(2) Pejabat (3) Pejabat pengawas menilai.",  # two markers: the text may be ayat 2's or 3's
        "Rapat dihadiri (s) orang. Ketua (a) dan (b) memimpin.",  # no well-formed marker
    ):
        assert drop_marker_clusters(text) == (text, [])


def test_a_pasal_whose_marker_column_ran_into_its_text_is_numbered_from_its_sentences() -> None:
    body = (
        "Pasal 7\nPegawai yang sakit berhak atas cuti sakit. Pegawai yang sakit lama berhak atas cuti panjang. "
        "Surat dokter sebagaimana dimaksud pada ayat (1) memuat lamanya cuti. (2) (s) (4) Hak. 14) (5) Hak atas cuti "
        "sebagaimana dimaksud pada ayat (2) diberikan paling lama 1 (satu) tahun.\n"
    )
    doc = parse_regulation([Page(None, body)], "contoh")
    pasal = doc.get_pasal("7")
    assert [a.number for a in pasal.ayat] == ["1", "2", "3", "4"]
    assert pasal.ayat[3].text == "(4) Hak atas cuti sebagaimana dimaksud pada ayat (2) diberikan paling lama 1 (satu) tahun."
    assert "(s)" not in pasal.text and "14)" not in pasal.text
    assert any("stray ayat markers dropped" in w and "14)" in w for w in doc.warnings)
