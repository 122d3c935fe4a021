"""Lines of a source with their page and source line, and the text helpers that unwrap them.

Every later step (parts, headings, Pasal) works on these lines, so a warning can always say
where in the file it happened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb_assistant.parsing.tree import Page

ALIGN_WINDOW = 60  # raw lines searched ahead for the source of a cleaned line
KEY_LETTERS = 12  # letters of a line compared with the raw text (OCR repairs change digits, not words)


@dataclass
class Line:
    page: int | None
    text: str
    source: int | None = None  # 1-based line of the source file it came from, where known


AYAT_MARK = re.compile(r"^\((\d{1,2}[a-z]?)\)\s*")
# An ayat marker as the OCR prints it: "(2)", "(21", "(l)", "(s)", "(2 ]".
OCR_MARKER = r"\(\s?[0-9a-zA-Z]{1,2}\s?[)\]]?"
MARKERS_ONLY_LINE = re.compile(rf"^(?:{OCR_MARKER}\s*)+$")
ITEM_ONLY_LINE = re.compile(r"^(?:[a-z]|\d{1,3})\.$")
# "(3) Dalam (3) (4) Dalam hal …": the scan printed an ayat's first word, the column of markers,
# then the line again. The echo and the markers go; the marker the line starts with stays
# (unless the column ends with the next ayat's number: then whose text follows is unclear).
MARKER_ECHO = re.compile(rf"^(\(\d{{1,2}}[a-z]?\)[ \t]+)(\S+)[ \t]+((?:{OCR_MARKER}[ \t]+)+)\2(?=[ \t])")


def to_lines(pages: list[Page], raw: list[Page] | None = None) -> list[Line]:
    """Non-blank lines of the cleaned pages; with the raw pages, each carries its source line."""
    lines: list[Line] = []
    for k, page in enumerate(pages):
        texts = [text for text in page.text.split("\n") if text.strip()]
        sources = _align(texts, raw[k]) if raw and k < len(raw) else [None] * len(texts)
        lines.extend(Line(page.number, text, source) for text, source in zip(texts, sources))
    return lines


def where(line: Line | None) -> str:
    """'line 120 (page 4)' for warnings; as much as is known."""
    if line is None:
        return "line ?"
    text = f"line {line.source}" if line.source is not None else "line ?"
    return text + (f" (page {line.page})" if line.page is not None else "")


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def _align(texts: list[str], raw: Page) -> list[int | None]:
    """Source line of each cleaned line: where its first letters come next in the raw text.

    Cleaning drops lines, splits some and repairs characters, but keeps the order, so a forward
    search finds each line: first in the rest of the raw line the previous one came from, then in
    the following lines (starting with it, or holding it when the key is long enough to be specific).
    """
    raw_lines = raw.text.split("\n")
    raw_keys = [_letters(text) for text in raw_lines]
    row, used = 0, 0  # raw line of the previous cleaned line, and how many of its letters it took
    out: list[int | None] = []
    for text in texts:
        letters = _letters(text)
        found = _find(raw_keys, row, used, letters[:KEY_LETTERS]) if letters else None
        if found is None and not letters and row < len(raw_keys) and used >= len(raw_keys[row]):
            following = next((j for j in range(row + 1, len(raw_lines)) if raw_lines[j].strip()), None)
            found = (following, 0) if following is not None else None  # "(1)": the next line of the source
        if found is not None:
            row, offset = found
            used = offset + len(letters)
        out.append(raw.line + row)
    return out


def _find(raw_keys: list[str], row: int, used: int, key: str) -> tuple[int, int] | None:
    """(raw line, letter offset) where ``key`` comes next after (row, used)."""
    if row < len(raw_keys):
        offset = raw_keys[row].find(key, used)
        if offset >= 0 and (offset == used or len(key) >= 8):
            return row, offset
    for j in range(row + 1, min(len(raw_keys), row + 1 + ALIGN_WINDOW)):
        if raw_keys[j].startswith(key):
            return j, 0
        if len(key) >= 8 and key in raw_keys[j]:
            return j, raw_keys[j].index(key)
    return None


def to_pages(lines: list[Line]) -> list[Page]:
    """Lines back into pages (consecutive lines of one page), for parsers that need page numbers."""
    pages: list[Page] = []
    for line in lines:
        if pages and pages[-1].number == line.page:
            pages[-1].text += "\n" + line.text
        else:
            pages.append(Page(line.page, line.text))
    return pages


def drop_marker_echo(text: str) -> tuple[str, str]:
    """(the line without a first-word echo and its marker column, the markers dropped or "")."""
    match = MARKER_ECHO.match(text)
    if not match:
        return text, ""
    own = int(re.search(r"\d+", match.group(1)).group())
    last = re.search(r"\d+", match.group(3).split()[-1])
    if last and int(last.group()) == own + 1:
        return text, ""  # "(2) Pejabat (3) Pejabat pengawas …": the text may be the next ayat's; undecidable
    return f"{match.group(1)}{match.group(2)}{text[match.end():]}", match.group(3).strip()


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
        if paragraphs and not paragraphs[-1].endswith((".", ";", ":")) and not starts_logical_line(text):
            paragraphs[-1] = join_wrapped(paragraphs[-1], text)
        else:
            paragraphs.append(text)
    return "\n".join(paragraphs)
