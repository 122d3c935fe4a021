"""Guides and modules: sections by their headings instead of by Pasal.

Headings are Markdown '#' lines, numbered lines ("1.2 Judul", "BAB II ..."), or short lines in
capitals, which is how headings survive PDF text extraction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb_assistant.parsing.clean import normalize, remove_inline_headers, remove_page_furniture, tidy
from kb_assistant.parsing.tree import Page, ParsedDocument, Section

MARKDOWN_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
NUMBERED_HEADING = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+([A-Z][^.;:!?]{1,100})$")
BAB_HEADING = re.compile(r"^(BAB\s+[IVXLC]+)\.?\s*(.*)$")
CAPS_HEADING = re.compile(r"^[A-Z0-9][A-Z0-9 ,&/()'-]{3,80}$")


@dataclass
class _Heading:
    level: int
    number: str | None
    title: str


def parse_sections(pages: list[Page], doc_id: str) -> ParsedDocument:
    """Sections of a non-regulation document, each with its parent headings and pages."""
    doc = ParsedDocument(doc_id=doc_id)
    path: list[tuple[int, str]] = []  # (level, title) of the open parents
    current: Section | None = None
    body: list[str] = []
    index = 0

    def close() -> None:
        if current is not None:
            current.text = "\n".join(body).strip()
            if current.text or current.title:
                doc.sections.append(current)

    for page in pages:
        text = tidy(remove_inline_headers(remove_page_furniture(normalize(page.text))))
        for line in text.split("\n"):
            heading = _heading(line)
            if heading is None:
                if current is None and line.strip():
                    index += 1
                    current = Section(number=str(index), title="", text="", page_start=page.number, page_end=page.number)
                body.append(line)
                if current is not None and page.number is not None:
                    current.page_end = page.number
                continue
            close()
            body = []
            while path and path[-1][0] >= heading.level:
                path.pop()
            index += 1
            current = Section(
                number=heading.number or str(index),
                title=heading.title,
                text="",
                headings=[title for _, title in path],
                page_start=page.number,
                page_end=page.number,
            )
            path.append((heading.level, heading.title))
    close()
    if not doc.sections:
        doc.warnings.append("no text found")
    return doc


def _heading(line: str) -> _Heading | None:
    line = line.strip()
    if not line:
        return None
    match = MARKDOWN_HEADING.match(line)
    if match:
        return _Heading(len(match.group(1)), None, match.group(2))
    match = BAB_HEADING.match(line)
    if match:
        return _Heading(1, None, line)
    match = NUMBERED_HEADING.match(line)
    if match:
        number = match.group(1)
        return _Heading(number.count(".") + 1, number, f"{number} {match.group(2).strip()}")
    if CAPS_HEADING.match(line) and len(line.split()) >= 2 and re.search(r"[A-Z]{3}", line):
        return _Heading(1, None, line)
    return None
