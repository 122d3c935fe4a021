"""Chunking: one node per Pasal, ayat splits for long ones, definitions split, citations exact."""

from kb_assistant.corpus.manifest import DocumentEntry
from kb_assistant.indexing.chunk import chunk_document, chunk_pasal, word_count
from kb_assistant.parsing.tree import Ayat, Item, ParsedDocument, Pasal, Reference, Section

ENTRY = DocumentEntry(id="uu-99-2030", name="UU 99/2030", title="Undang-Undang Nomor 99 Tahun 2030 tentang Kolaborasi Contoh", type="UU", file="x.md")


def _long_ayat(n: int, words: int) -> Ayat:
    return Ayat(str(n), " ".join(f"kata{n}x{i}" for i in range(words)))


def test_short_pasal_is_one_node_with_heading_prefix():
    pasal = Pasal("4", "Instansi wajib berbagi data.", headings=["BAB II KOLABORASI"], penjelasan="Cukup jelas.",
                  references=[Reference("5"), Reference("4")], page_start=3, page_end=3)
    [chunk] = chunk_document(ParsedDocument("uu-99-2030", pasal=[pasal]), ENTRY, max_words=220)
    assert chunk.id == "uu-99-2030:pasal-4"
    assert chunk.prefix == "UU 99/2030 tentang Kolaborasi Contoh › BAB II KOLABORASI › Pasal 4"
    assert chunk.label == "UU 99/2030 Pasal 4"
    assert chunk.references == ["5"] and chunk.penjelasan == "Cukup jelas." and chunk.page_start == 3


def test_long_pasal_splits_on_ayat_and_stays_under_budget():
    ayat = [_long_ayat(1, 110), _long_ayat(2, 110), _long_ayat(3, 110)]
    pasal = Pasal("7", "\n".join(f"({a.number}) {a.text}" for a in ayat), ayat=ayat, penjelasan_ayat={"2": "Yang dimaksud ..."})
    chunks = chunk_document(ParsedDocument("uu-99-2030", pasal=[pasal]), ENTRY, max_words=200)
    assert [c.id for c in chunks] == ["uu-99-2030:pasal-7:ayat-1", "uu-99-2030:pasal-7:ayat-2", "uu-99-2030:pasal-7:ayat-3"]
    assert chunks[1].label == "UU 99/2030 Pasal 7 ayat (2)"
    assert chunks[1].penjelasan == "Yang dimaksud ..."
    assert all(word_count(c.embed_text) <= 200 for c in chunks)
    assert all("kata" in c.text for c in chunks)


def test_oversized_ayat_splits_on_items_keeping_the_lead():
    items = [Item(chr(ord("a") + i), " ".join(f"butir{i}x{j}" for j in range(40))) for i in range(6)]
    text = "Nilai dasar meliputi:\n" + "\n".join(f"{i.label}. {i.text}" for i in items)
    pasal = Pasal("8", f"(1) {text}", ayat=[Ayat("1", text, items)])
    chunks = chunk_document(ParsedDocument("uu-99-2030", pasal=[pasal]), ENTRY, max_words=150)
    assert len(chunks) > 1
    assert all(c.ayat_start == "1" and c.pasal == "8" for c in chunks)
    assert all("Nilai dasar meliputi" in c.text for c in chunks)
    assert all(word_count(c.embed_text) <= 150 for c in chunks)
    labels = {i.label for i in items}
    covered = {line.split(".")[0] for c in chunks for line in c.text.splitlines()[1:]}
    assert covered == labels


def test_definitions_are_split_one_node_each():
    items = [Item("1", "Kolaborasi adalah kerja bersama."), Item("2", "Instansi adalah lembaga pemerintah.")]
    pasal = Pasal("1", "Dalam Undang-Undang ini yang dimaksud dengan:\n1. Kolaborasi adalah kerja bersama.\n2. Instansi adalah lembaga pemerintah.", items=items)
    chunks = chunk_document(ParsedDocument("uu-99-2030", pasal=[pasal]), ENTRY, max_words=220)
    assert [c.id for c in chunks] == ["uu-99-2030:pasal-1:angka-1", "uu-99-2030:pasal-1:angka-2"]
    assert chunks[1].text.startswith("Dalam Undang-Undang ini yang dimaksud dengan: 2. Instansi")
    assert chunks[1].label == "UU 99/2030 Pasal 1 angka 2"


def test_pasal_without_structure_splits_on_sentences():
    text = " ".join(f"Kalimat nomor {i} menjelaskan kewajiban berbagi data antarinstansi secara aman." for i in range(40))
    chunks = chunk_document(ParsedDocument("uu-99-2030", pasal=[Pasal("9", text)]), ENTRY, max_words=120)
    assert len(chunks) >= 3 and all(c.id.startswith("uu-99-2030:pasal-9:part-") for c in chunks)
    assert " ".join(c.text for c in chunks).split() == text.split()


def test_guide_sections_become_section_nodes():
    guide = DocumentEntry(id="modul-kolaboratif", name="Modul Kolaboratif", title="Modul Pelatihan tentang Kolaborasi", type="module", file="m.md")
    parsed = ParsedDocument("modul-kolaboratif", sections=[Section("1", "Pengantar", "Kolaborasi itu penting."), Section("2", "Whole of Government", "WoG menyatukan instansi.")])
    chunks = chunk_document(parsed, guide, max_words=220)
    assert [c.id for c in chunks] == ["modul-kolaboratif:section-1", "modul-kolaboratif:section-2"]
    assert chunks[1].label == "Modul Kolaboratif › Whole of Government" and chunks[1].pasal is None


def test_short_ayat_are_grouped_into_one_node_with_a_range():
    ayat = [_long_ayat(1, 60), _long_ayat(2, 60), _long_ayat(3, 150)]
    pasal = Pasal("7", "\n".join(f"({a.number}) {a.text}" for a in ayat), ayat=ayat)
    chunks = chunk_document(ParsedDocument("uu-99-2030", pasal=[pasal]), ENTRY, max_words=200)
    assert [c.id for c in chunks] == ["uu-99-2030:pasal-7:ayat-1-2", "uu-99-2030:pasal-7:ayat-3"]
    assert chunks[0].ayat == "1-2" and chunks[0].label == "UU 99/2030 Pasal 7"


def test_a_definition_node_is_quoted_without_the_shared_lead():
    items = [Item("1", "Kolaborasi adalah kerja bersama."), Item("2", "Instansi adalah lembaga pemerintah.")]
    pasal = Pasal("1", "Dalam Undang-Undang ini yang dimaksud dengan:\n1. Kolaborasi adalah kerja bersama.\n2. Instansi adalah lembaga pemerintah.", items=items)
    chunks = chunk_document(ParsedDocument("uu-99-2030", pasal=[pasal]), ENTRY, max_words=220)
    assert chunks[1].units(quote=True) == [(None, "Instansi adalah lembaga pemerintah.")]
    assert chunks[1].units()[0][1].startswith("Dalam Undang-Undang ini")


def test_an_ayat_cut_from_the_middle_of_a_line_is_a_unit_an_answer_can_quote() -> None:
    """The source lost the full stop before "(3)": the node's units still give ayat (3) on its own."""
    from kb_assistant.parsing.structure import parse_regulation
    from kb_assistant.parsing.tree import Page

    text = (
        "Pasal 1\n(1) Pengawasan dilakukan oleh pengawas internal dan eksternal.\n"
        "(2) Pengawasan internal dilakukan melalui:\na. atasan langsung; dan\n"
        "b. pengawas fungsional sesuai dengan peraturan (3) Pengawasan eksternal dilakukan oleh Ombudsman.\n"
    )
    pasal = parse_regulation([Page(None, text)], "contoh").get_pasal("1")
    entry = ENTRY
    [node] = chunk_pasal(pasal, entry, max_words=400)
    assert [ayat for ayat, _ in node.units()] == ["1", "2", "3"]
    assert node.units()[2][1] == "(3) Pengawasan eksternal dilakukan oleh Ombudsman."


def test_the_embedded_passage_carries_a_substantive_penjelasan_only_when_asked() -> None:
    explained = Pasal("5", "Instansi membentuk tim kolaborasi.", penjelasan="Yang dimaksud dengan “tim kolaborasi” adalah tim lintas instansi.")
    plain = Pasal("6", "Tim melapor setiap tahun.", penjelasan="Cukup  jelas.")
    first, second = chunk_document(ParsedDocument("uu-99-2030", pasal=[explained, plain]), ENTRY, max_words=220)
    assert first.passage_text() == first.embed_text  # the default: heading path and text
    assert first.passage_text(with_penjelasan=True) == f"{first.embed_text}\nPenjelasan: {explained.penjelasan}"
    assert second.passage_text(with_penjelasan=True) == second.embed_text  # "Cukup jelas." adds nothing
    assert first.embed_text.startswith(first.prefix) and first.passage_text(with_headings=False) == explained.text
    assert first.passage_text(True, with_headings=False) == f"{explained.text}\nPenjelasan: {explained.penjelasan}"
