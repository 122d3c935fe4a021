"""The lines of a Lampiran or guide as its outline parser needs them.

Page furniture (running heads, page numbers, ``SK No`` footers), catch-words ("BAB II ...",
"4.Sumber..."), and a table of contents (DAFTAR ISI / TABEL / GAMBAR) are dropped, so none of
them is taken for a heading or kept as text. Headings that a text extraction ran into a line
("... kabupaten/kota. D. PEMBAGIAN URUSAN PEMERINTAHAN BIDANG ...") get a line of their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb_assistant.parsing.clean import normalize, remove_inline_headers, remove_page_furniture, repair_heading_words, repair_years, tidy
from kb_assistant.parsing.ocr_words import repair_garbled_words, vocabulary
from kb_assistant.parsing.tree import Page

CATCHWORD = re.compile(r"(?:\.\s?){3}\s*$|…\s*$")
MAX_CATCHWORD_WORDS = 4
TOC_START = re.compile(r"^DAFTAR\s+(?:ISI|TABEL|GAMBAR|LAMPIRAN|SINGKATAN|BAGAN)\b", re.IGNORECASE)
TOC_LINE_END = re.compile(r"(?:^|\s|\.)\d{1,3}$|^(?:hlm|halaman)\.?$", re.IGNORECASE)
PROSE_WORDS = 9  # a line this long that ends in no page number is text, past the end of a contents list
TOC_MAX_RUN = 6  # lines without a page number inside a contents list (wrapped entries, chapter lines)
# A lettered or roman heading in capitals inside a line: "... kota. D. PEMBAGIAN URUSAN PEMERINTAHAN BIDANG ...".
INLINE_CAPS_HEADING = re.compile(r"(?<=\S)\s+(?=(?:[A-Z]{1,2}|[IVX]{1,5})\.\s+[A-Z]{2,}(?:\s+[A-Z][A-Z,/()-]+){2})")
CAPS_TOKEN = re.compile(r"[A-Z][A-Z,/()-]*$")
TABLE_HEADER_WORD = "NO"  # a matrix's column header ("NO SUB URUSAN ...") starts after the heading


@dataclass
class Line:
    page: int | None
    text: str


def prepare_lines(pages: list[Page]) -> list[Line]:
    """Cleaned, non-empty lines with their pages; furniture, catch-words and contents removed;
    garbled words restored from the whole annex's words."""
    lines: list[Line] = []
    texts = [repair_years(repair_heading_words(tidy(remove_inline_headers(remove_page_furniture(normalize(page.text))))))
             for page in pages]
    words = vocabulary("\n".join(texts))
    for page, text in zip(pages, texts):
        text = repair_garbled_words(text, words)
        for raw in text.split("\n"):
            for piece in split_inline_headings(raw.strip()):
                if piece and not is_catchword(piece):
                    lines.append(Line(page.number, piece))
    return drop_contents(lines)


def is_catchword(text: str) -> bool:
    """'BABII ...', '4.Sumber...', 'Tabel 3. . .': the next page's first words, printed at the foot."""
    return bool(CATCHWORD.search(text)) and len(text.split()) <= MAX_CATCHWORD_WORDS


def split_inline_headings(text: str) -> list[str]:
    """A capitals heading run into a line gets its own line, and so does the text after its title."""
    out: list[str] = []
    for piece in INLINE_CAPS_HEADING.split(text):
        match = re.match(r"^((?:[A-Z]{1,2}|[IVX]{1,5})\.)\s+(.*)$", piece)
        if not match:
            out.append(piece)
            continue
        words = match.group(2).split()
        n = 0
        while n < len(words) and CAPS_TOKEN.match(words[n]) and not (n >= 2 and words[n] == TABLE_HEADER_WORD):
            n += 1
        if n < 3:
            out.append(piece)
            continue
        out.append(f"{match.group(1)} {' '.join(words[:n])}")
        if words[n:]:
            out.append(" ".join(words[n:]))
    return out


def drop_contents(lines: list[Line]) -> list[Line]:
    """Remove every table of contents: from a DAFTAR ISI/TABEL/GAMBAR line to its last entry."""
    kept: list[Line] = []
    i = 0
    while i < len(lines):
        if TOC_START.match(lines[i].text):
            i = _contents_end(lines, i)
            continue
        kept.append(lines[i])
        i += 1
    return kept


def _contents_end(lines: list[Line], start: int) -> int:
    last = start
    for j in range(start + 1, len(lines)):
        text = lines[j].text
        if TOC_START.match(text) or TOC_LINE_END.search(text):
            last = j
            continue
        if len(text.split()) >= PROSE_WORDS or j - last > TOC_MAX_RUN:
            break
    end = last + 1
    page = lines[last].page
    if page is not None:  # the rest of a contents page (a wrapped last entry whose number was cut)
        while end < len(lines) and lines[end].page == page and len(lines[end].text.split()) < PROSE_WORDS:
            end += 1
    return end
