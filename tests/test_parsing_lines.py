"""Lines with their source line (parsing/lines.py): warnings name the line of the file."""

from __future__ import annotations

from kb_assistant.parsing.clean import clean_pages
from kb_assistant.parsing.extract import split_marked_pages
from kb_assistant.parsing.lines import Line, join_paragraphs, to_lines, where
from kb_assistant.parsing.tree import Page


def test_cleaned_lines_keep_their_source_line_across_dropped_and_split_lines() -> None:
    raw = "PRESIDEN\nREPUBLIK INDONESIA\nPasal 1\nSatu kalimat.\n\n(1)\nPasal 2 Isi dua yang panjang sekali.\nSK No 123456 A\nPasal 3\nTiga."
    pages = [Page(None, raw)]
    lines = to_lines(clean_pages(pages), pages)
    assert [(line.text, line.source) for line in lines] == [
        ("Pasal 1", 3), ("Satu kalimat.", 4), ("(1)", 6), ("Pasal 2 Isi dua yang panjang sekali.", 7), ("Pasal 3", 9), ("Tiga.", 10),
    ]


def test_pages_of_a_markdown_file_start_at_their_source_line() -> None:
    pages = split_marked_pages("Pasal 1\nSatu.\n-2-\nPasal 2\nDua.\n-3-\nPasal 3\nTiga.")
    assert [(page.number, page.line) for page in pages] == [(1, 1), (2, 3), (3, 6)]
    lines = to_lines(clean_pages(pages), pages)
    assert [(line.text, line.source, line.page) for line in lines if line.text.startswith("Pasal")] == [
        ("Pasal 1", 1, 1), ("Pasal 2", 4, 2), ("Pasal 3", 7, 3),
    ]


def test_where_names_line_and_page() -> None:
    assert where(Line(4, "x", 120)) == "line 120 (page 4)"
    assert where(Line(None, "x", None)) == "line ?"


def test_join_paragraphs_is_linear_on_one_long_wrapped_paragraph() -> None:
    text = join_paragraphs(["kata"] * 20000)
    assert text.count("\n") == 0 and len(text.split()) == 20000
