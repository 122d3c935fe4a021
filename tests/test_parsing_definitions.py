"""Ketentuan Umum lists whose scan broke the numbering are cut one definition per item
(synthetic texts written for the test, in the corpus's OCR shapes)."""

from __future__ import annotations

from kb_assistant.indexing.chunk import chunk_pasal
from kb_assistant.corpus.manifest import DocumentEntry
from kb_assistant.parsing.definitions import definition_starts, repair_definition_list
from kb_assistant.parsing.pasal import _split_items
from kb_assistant.parsing.tree import Item, Pasal

LEAD = "Dalam Peraturan Pemerintah ini yang dimaksud dengan:"
# The numbers of the first items printed apart from their text, a lost item (7) with a stamp,
# an echo of the next item's first word, and an alias with a comma.
BROKEN = [
    LEAD,
    "l.",
    "2.",
    "3.",
    "6.",
    "4. Balai Arsip adalah unit yang menyimpan arsip daerah. Penjaga Balai yang selanjutnya disingkat PB adalah pegawai yang menjaga Balai Arsip. "
    "Kepala Balai adalah pegawai yang memimpin Balai Arsip dan Penjaga Balai",
    "7. {iD 8. Arsip Statis adalah arsip yang tidak lagi dipakai.",
    "9. Pejabat.",
    "9. Pejabat yang Berwenang yang selanjutnya disingkat g,B adalah pejabat yang menetapkan jadwal.",
    "10. Menteri adalah menteri yang membidangi kearsipan.",
]


def _pasal(lines: list[str]) -> Pasal:
    return Pasal(number="1", text="\n".join(lines), items=_split_items(lines[1:]))


def test_a_broken_list_is_cut_where_each_definition_starts() -> None:
    pasal = _pasal(BROKEN)
    assert len(pasal.items) < 6  # the sequential reading stops at the first number out of order
    assert repair_definition_list(pasal)
    assert [(i.label, i.text.split(" adalah")[0]) for i in pasal.items] == [
        ("1", "Balai Arsip"),
        ("2", "Penjaga Balai yang selanjutnya disingkat PB"),
        ("3", "Kepala Balai"),
        ("8", "Arsip Statis"),  # 7 was lost; 8 is printed and 9 follows it
        ("9", "Pejabat yang Berwenang yang selanjutnya disingkat g,B"),
        ("10", "Menteri"),
    ]


def test_debris_between_definitions_goes_and_full_stops_stay() -> None:
    pasal = _pasal(BROKEN)
    repair_definition_list(pasal)
    texts = {i.label: i.text for i in pasal.items}
    assert texts["1"] == "Balai Arsip adalah unit yang menyimpan arsip daerah."
    assert texts["3"].endswith("memimpin Balai Arsip dan Penjaga Balai")  # no "7. {iD" carried over
    assert texts["8"] == "Arsip Statis adalah arsip yang tidak lagi dipakai."  # no "9. Pejabat." echo
    assert all("{iD" not in t for t in texts.values())


def test_a_sentence_inside_a_definition_is_not_a_new_one() -> None:
    flat = " Balai Arsip adalah unit yang menyimpan arsip. Dalam hal balai ditutup, arsip adalah milik daerah."
    assert len(definition_starts(flat)) == 1


def test_a_list_parsed_in_sequence_is_left_as_it_is() -> None:
    lines = [LEAD, "1. Balai Arsip adalah unit yang menyimpan arsip.", "2. Menteri adalah menteri yang membidangi kearsipan."]
    pasal = _pasal(lines)
    before = [(i.label, i.text) for i in pasal.items]
    assert not repair_definition_list(pasal)
    assert [(i.label, i.text) for i in pasal.items] == before


def test_only_the_ketentuan_umum_list_is_repaired() -> None:
    pasal = _pasal(BROKEN)
    pasal.number = "2"
    assert not repair_definition_list(pasal)
    huruf = Pasal(number="1", text="x", items=[Item("a", "Balai Arsip adalah unit. Menteri adalah menteri.")])
    assert not repair_definition_list(huruf)


def test_each_repaired_definition_is_a_node_citing_its_angka_under_the_lead() -> None:
    pasal = _pasal(BROKEN)
    repair_definition_list(pasal)
    entry = DocumentEntry(id="pp-9-2031", name="PP 9/2031", title="PP 9/2031 tentang Kearsipan", type="PP", file="pp.md", pasal_expected=1)
    nodes = chunk_pasal(pasal, entry, max_words=200)
    assert [n.item for n in nodes] == ["1", "2", "3", "8", "9", "10"]
    assert all(n.kind == "definition" and n.text.startswith(LEAD) for n in nodes)
    assert nodes[1].label == "PP 9/2031 Pasal 1 angka 2"
