"""Guides and Lampiran: a heading tree instead of Pasal, each section a citable unit.

The outline is built as it is read: a heading of a kind already open (a letter after a letter)
is a sibling and must continue its sequence (D after C); a kind not yet open is a child and must
start its sequence (A., 1., I.). So a numbered table cell ("8. Penerapan") or a list item is not
taken for a heading, and a repeated catch-word heading ("D." twice) stays text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kb_assistant.parsing.annex_text import Line, prepare_lines
from kb_assistant.parsing.headings import Heading, candidate
from kb_assistant.parsing.tree import Page, ParsedDocument, Section

SENTENCE_END = set(".;:!?")
SEQUENCE_SLACK = 1  # a sibling may skip one number (a heading lost in the source)
LIST_START = re.compile(r"^(?:[a-z]|\d{1,2}|[A-Z])[.)]\s|^[•▪●-]\s")


@dataclass
class _Open:
    kind: str
    ordinal: tuple[int, ...]
    title: str
    level: int = 0


@dataclass
class _Builder:
    root: list[str]
    id_prefix: str
    sections: list[Section] = field(default_factory=list)
    body: list[Line] = field(default_factory=list)
    current: Section | None = None

    def open(self, stack: list[_Open], heading: Heading | None, page: int | None) -> None:
        self.close()
        parents = [*self.root, *(o.title for o in (stack[:-1] if heading else stack))]
        self.current = Section(
            number=heading.number if heading and heading.number else str(len(self.sections) + 1),
            title=heading.title if heading else "",
            text="",
            headings=parents,
            page_start=page,
            page_end=page,
        )

    def add(self, line: Line) -> None:
        if self.current is None:
            self.open([], None, line.page)
        self.body.append(line)

    def close(self) -> None:
        if self.current is None:
            return
        self.current.text = reflow([line.text for line in self.body])
        pages = [line.page for line in self.body if line.page is not None]
        if pages and self.current.page_start is not None:
            self.current.page_end = max(self.current.page_start, max(pages))
        if self.current.text or self.current.title:
            self.sections.append(self.current)
            self.current.id = f"{self.id_prefix}-{len(self.sections)}"
        self.current, self.body = None, []


def build_sections(lines: list[Line], root: list[str] | None = None, id_prefix: str = "section", caps: bool = False) -> list[Section]:
    """Sections of cleaned lines; ``root`` heads every path (["Lampiran"] for an annex)."""
    builder = _Builder(list(root or []), id_prefix)
    stack: list[_Open] = []
    texts = [line.text for line in lines]
    i = 0
    while i < len(lines):
        heading = candidate(texts, i, caps)
        placed = _place(stack, heading) if heading else None
        if placed is None:
            builder.add(lines[i])
            i += 1
            continue
        builder.open(stack, heading, lines[i].page)
        i += heading.lines_used
    builder.close()
    return builder.sections


def _place(stack: list[_Open], heading: Heading) -> _Open | None:
    """Put the heading in the outline (changing ``stack``), or None when it does not fit there."""
    kind = heading.ordinals[0][0]
    if kind == "md":
        while stack and (stack[-1].kind != "md" or stack[-1].level >= heading.level):
            stack.pop()
        stack.append(_Open("md", (), heading.title, heading.level))
        return stack[-1]
    if kind == "caps":
        return _replace_or_push(stack, _Open("caps", (), heading.title))
    for kind, ordinal in heading.ordinals:  # a sibling continuing its sequence first
        index = _open_index(stack, kind)
        if index is not None and _continues(stack[index].ordinal, ordinal):
            del stack[index:]
            stack.append(_Open(kind, ordinal, heading.title))
            return stack[-1]
    for kind, ordinal in heading.ordinals:  # then a new level starting its sequence
        if _open_index(stack, kind) is None and _starts(kind, ordinal):
            stack.append(_Open(kind, ordinal, heading.title))
            return stack[-1]
    return None


def _replace_or_push(stack: list[_Open], item: _Open) -> _Open:
    index = _open_index(stack, item.kind)
    if index is not None:
        del stack[index:]
    stack.append(item)
    return item


def _open_index(stack: list[_Open], kind: str) -> int | None:
    for index, item in enumerate(stack):
        if item.kind == kind:
            return index
    return None


def _continues(previous: tuple[int, ...], ordinal: tuple[int, ...]) -> bool:
    if len(ordinal) == 1:
        return previous[0] < ordinal[0] <= previous[0] + 1 + SEQUENCE_SLACK
    same_parent = ordinal[:-1] == previous[:-1] and previous[-1] < ordinal[-1] <= previous[-1] + 1 + SEQUENCE_SLACK
    next_parent = ordinal[:-1] > previous[:-1] and ordinal[-1] == 1
    return same_parent or next_parent


def _starts(kind: str, ordinal: tuple[int, ...]) -> bool:
    if kind.startswith("dotted"):
        return ordinal[-1] == 1  # "2.1" opens a level; "8.2" alone is a figure or table number
    return ordinal[0] <= (2 if kind == "bab" else 1)


def reflow(lines: list[str]) -> str:
    """Join wrapped lines into paragraphs; a list item or a line after a sentence end starts anew.

    Paragraphs are built as word lists and joined once, so a long run of lines stays linear."""
    paragraphs: list[list[str]] = []
    for text in lines:
        text = text.strip()
        if not text:
            continue
        if paragraphs and paragraphs[-1][-1][-1:] not in SENTENCE_END and not LIST_START.match(text):
            last = paragraphs[-1]
            if last[-1].endswith("-") and text[:1].islower() and not last[-1].endswith(" -") and len(last[-1]) > 1:
                last[-1] = last[-1][:-1] + text
            else:
                last.append(text)
        else:
            paragraphs.append([text])
    return "\n".join(" ".join(parts) for parts in paragraphs)


def parse_sections(pages: list[Page], doc_id: str) -> ParsedDocument:
    """A guide or module: its sections with their parent headings and pages."""
    doc = ParsedDocument(doc_id=doc_id)
    doc.sections = build_sections(prepare_lines(pages), id_prefix="section", caps=True)
    if not doc.sections:
        doc.warnings.append("no text found")
    return doc
