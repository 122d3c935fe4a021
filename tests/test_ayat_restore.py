"""Ayat numbers a scan lost, restored from sentence boundaries only when the Pasal shows it has
ayat and the sentences make consistent ayat (invented texts)."""

from __future__ import annotations

from kb_assistant.parsing.ayat_restore import restore_ayat
from kb_assistant.parsing.lines import drop_marker_echo
from kb_assistant.parsing.structure import parse_regulation
from kb_assistant.parsing.tree import Page


def test_sentences_become_ayat_when_the_pasal_refers_to_its_own_ayat() -> None:
    lines = [
        "Seleksi terdiri atas 3 (tiga) tahap:",
        "a. seleksi administrasi;",
        "b. seleksi dasar; dan",
        "c. seleksi bidang. Seleksi administrasi sebagaimana dimaksud pada ayat (1) huruf a. Seleksi dasar "
        "sebagaimana dimaksud pada ayat (1) huruf b dinilai oleh BKN. Standar sebagaimana dimaksud pada ayat (3) ditetapkan No. 5 oleh Menteri.",
    ]
    restored = restore_ayat(lines, [])
    assert restored == [
        "(1) Seleksi terdiri atas 3 (tiga) tahap:",
        "a. seleksi administrasi;",
        "b. seleksi dasar; dan",
        "c. seleksi bidang.",
        "(2) Seleksi administrasi sebagaimana dimaksud pada ayat (1) huruf a.",  # "huruf a." ends a sentence
        "(3) Seleksi dasar sebagaimana dimaksud pada ayat (1) huruf b dinilai oleh BKN.",
        "(4) Standar sebagaimana dimaksud pada ayat (3) ditetapkan No. 5 oleh Menteri.",  # "No." does not
    ]


def test_stray_markers_count_must_match_the_sentences() -> None:
    lines = ["Cuti diberikan oleh PPK. Cuti dicatat oleh BKN. Cuti bersama ditetapkan Presiden."]
    assert restore_ayat(lines, ["(1) (2) (3)"]) == [
        "(1) Cuti diberikan oleh PPK.", "(2) Cuti dicatat oleh BKN.", "(3) Cuti bersama ditetapkan Presiden."
    ]
    assert restore_ayat(lines, ["(1) (2)"]) is None  # two markers, three sentences
    assert restore_ayat(lines, []) is None  # no sign of ayat: several sentences may be one ayat
    assert restore_ayat(lines, ["(t) (2t (3)"]) is None  # unreadable markers are no count


def test_inconsistent_sentences_are_left_alone() -> None:
    ref = "Izin sebagaimana dimaksud pada ayat (1) berlaku."
    assert restore_ayat([f"Izin diberikan. {ref} Izin sebagaimana dimaksud pada ayat (3) dicabut."], []) is None  # refers to itself
    assert restore_ayat([f"Izin diberikan. {ref} Izin sebagaimana dimaksud pada ayat (4) dicabut."], []) is None  # past the last
    assert restore_ayat(["Izin diberikan meliputi:", "a. satu. Izin sebagaimana dimaksud pada ayat (1) dicatat:", "b. dua."], []) is None  # a list cut in two
    assert restore_ayat([f"Izin diberikan. {ref} Pejabat dapat lingkungannya untuk"], []) is None  # scrambled columns
    assert restore_ayat([f"Izin diberikan. {ref} Paragraf 8 Pemberhentian."], []) is None  # a heading run in
    assert restore_ayat([f"Izin diberikan. {ref} Pasal 120..."], []) is None  # a catch-word


def test_parser_numbers_a_markerless_pasal_and_says_so() -> None:
    text = (
        "Pasal 1\n(1) Bupati memberi izin.\n(2) Izin sebagaimana dimaksud pada ayat (1) tertulis.\n"
        "Pasal 2\nMutasi ditetapkan oleh Kepala BKN. Penetapan sebagaimana dimaksud pada ayat (1) berdasarkan usul PPK.\n"
        "Pasal 3\nPeraturan ini berlaku. Semua orang mengetahuinya.\n"
    )
    doc = parse_regulation([Page(None, text)], "contoh")
    assert [a.number for a in doc.get_pasal("1").ayat] == ["1", "2"]
    pasal2 = doc.get_pasal("2")
    assert [a.text for a in pasal2.ayat] == [
        "(1) Mutasi ditetapkan oleh Kepala BKN.",
        "(2) Penetapan sebagaimana dimaksud pada ayat (1) berdasarkan usul PPK.",
    ]
    assert pasal2.text.splitlines() == [a.text for a in pasal2.ayat]
    assert doc.get_pasal("3").ayat == []  # no reference, no markers: not split
    restored = [w for w in doc.warnings if "numbered from its sentences" in w]
    assert len(restored) == 1 and "Pasal 2" in restored[0] and restored[0].endswith("(1)-(2)")


def test_markers_the_scan_kept_must_sit_where_the_sentences_put_them() -> None:
    lines = [
        "Jabatan diisi dari Pegawai. Jabatan tertentu dapat diisi dari:",
        "a. prajurit; dan",
        "b. polisi.",
        "(3) Pengisian jabatan sebagaimana dimaksud pada ayat (2) dilaksanakan di pusat.",
    ]
    assert restore_ayat(lines, []) == [
        "(1) Jabatan diisi dari Pegawai.", "(2) Jabatan tertentu dapat diisi dari:", "a. prajurit; dan", "b. polisi.",
        "(3) Pengisian jabatan sebagaimana dimaksud pada ayat (2) dilaksanakan di pusat.",
    ]
    inline = ["Izin diberikan oleh Bupati. (2) Izin dicatat. (3) Izin sebagaimana dimaksud pada ayat (1) berlaku."]
    assert restore_ayat(inline, [])[-1] == "(3) Izin sebagaimana dimaksud pada ayat (1) berlaku."
    assert restore_ayat(["Izin diberikan oleh Bupati. (3) Izin sebagaimana dimaksud pada ayat (1) berlaku."], []) is None


def test_a_first_word_echoed_after_the_marker_column_is_dropped_once() -> None:
    assert drop_marker_echo("(3) Dalam (3) (4) (s) Dalam hal terjadi perubahan") == ("(3) Dalam hal terjadi perubahan", "(3) (4) (s)")
    assert drop_marker_echo("(2) Panitia (l) (2) Panitia seleksi") == ("(2) Panitia seleksi", "(l) (2)")
    # the column ends with the next ayat's number: the text may be that ayat's, so nothing is decided
    assert drop_marker_echo("(2) Pejabat (3) Pejabat pengawas") == ("(2) Pejabat (3) Pejabat pengawas", "")
    assert drop_marker_echo("(2) Izin dan (3) Izin lain") == ("(2) Izin dan (3) Izin lain", "")
