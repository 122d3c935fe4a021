"""Lines of a source with their page and source line, and the text helpers that unwrap them.

Every later step (parts, headings, Pasal) works on these lines, so a warning can always say
where in the file it happened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb_assistant.parsing.tree import Page

@dataclass
class Line:
    page: int | None
    text: str


AYAT_MARK = re.compile(r"^\((\d{1,2}[a-z]?)\)\s*")


MARKERS_ONLY_LINE = re.compile(r"^(?:\(\s?[0-9a-zA-Z]{1,2}\s?[)\]]?\s*)+$")


ITEM_ONLY_LINE = re.compile(r"^(?:[a-z]|\d{1,3})\.$")


def to_lines(pages: list[Page]) -> list[Line]:
    return [Line(page.number, text) for page in pages for text in page.text.split("\n") if text.strip()]


def to_pages(lines: list[Line]) -> list[Page]:
    """Lines back into pages (consecutive lines of one page), for parsers that need page numbers."""
    pages: list[Page] = []
    for line in lines:
        if pages and pages[-1].number == line.page:
            pages[-1].text += "\n" + line.text
        else:
            pages.append(Page(line.page, line.text))
    return pages


def starts_logical_line(text: str) -> bool:
    return bool(AYAT_MARK.match(text) or re.match(r"^(?:[a-z]|[0-9lL]{1,3})\.\s*\S", text) or ITEM_ONLY_LINE.match(text))


def join_wrapped(left: str, right: str) -> str:
    if left.endswith("-") and right[:1].islower() and not left.endswith(" -"):
        return left + right
    return f"{left} {right}"


def split_inline(text: str, pattern: re.Pattern) -> list[str]:
    """Cut ``text`` where ``pattern`` matches; a named group 'keep' stays with the left piece."""
    pieces: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        keep = match.groupdict().get("keep") or ""
        pieces.append((text[last : match.start()] + " " + keep).strip())
        last = match.end()
    pieces.append(text[last:].strip())
    return [p for p in pieces if p]


def join_lines(lines: list[Line]) -> str:
    return join_paragraphs([line.text for line in lines])


def join_paragraphs(lines: list[str]) -> str:
    """Unwrap lines into paragraphs: a new paragraph after a line that ends a sentence."""
    paragraphs: list[str] = []
    for text in lines:
        if paragraphs and not re.search(r"[.;:]$", paragraphs[-1]) and not starts_logical_line(text):
            paragraphs[-1] = join_wrapped(paragraphs[-1], text)
        else:
            paragraphs.append(text)
    return "\n".join(paragraphs)
