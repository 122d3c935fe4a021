"""BAB / Bagian / Paragraf headings: the block of them before a Pasal, and the running context.

A heading block is taken from the end of the previous Pasal's lines (headings are printed just
before the Pasal they open), with the title lines that belong to each heading.
"""

from __future__ import annotations

import re

from kb_assistant.parsing.lines import AYAT_MARK, MARKERS_ONLY_LINE, Line

HEADING_KEYWORD = re.compile(r"^(?:(?P<bab>BAB\s+[IVXLC]+)|(?P<bagian>Bagian\s+Ke[a-z]+)|(?P<paragraf>Paragraf\s+\d+))\b")
TITLE_CONNECTOR_END = re.compile(r"\b(?:dan|yang|di|ke|dari|atau|serta|untuk|dengan|terhadap|pada|dalam)$")
TERMINAL_PUNCT = re.compile(r"[.;:,]$")


def is_heading_line(text: str) -> bool:
    return bool(HEADING_KEYWORD.match(text)) and len(text) <= 200 and not re.search(r"[.;]\s+\S", text)


def _is_title_line(text: str) -> bool:
    return (
        len(text) <= 150
        and not TERMINAL_PUNCT.search(text)
        and not AYAT_MARK.match(text)
        and not re.match(r"^(?:[a-z]|\d{1,3})\.\s", text)
    )


def take_heading_block(lines: list[Line]) -> list[Line]:
    """Remove and return the BAB/Bagian/Paragraf lines at the end of ``lines`` (they head the next Pasal)."""
    while lines and MARKERS_ONLY_LINE.match(lines[-1].text):
        lines.pop()
    start = None
    for k in range(len(lines) - 1, -1, -1):
        text = lines[k].text
        if is_heading_line(text):
            start = k
        elif not (_is_title_line(text) or len(text) <= 30):
            break
    if start is None:
        return []
    block = lines[start:]
    del lines[start:]
    leftover = _absorb_titles(block)
    lines.extend(leftover)
    left_ids = {id(line) for line in leftover}
    return [line for line in block if id(line) not in left_ids]


def _absorb_titles(block: list[Line]) -> list[Line]:
    """Lines of the block that are no heading's title (OCR fragments); they stay with the Pasal."""
    leftover: list[Line] = []
    current: str | None = None
    title_lines = 0
    for line in block:
        match = HEADING_KEYWORD.match(line.text)
        if match and is_heading_line(line.text):
            current = "bab" if match.group("bab") else "other"
            has_title = bool(line.text[match.end() :].strip())
            title_lines = 1 if has_title else 0
            continue
        text = line.text
        if current == "bab" and not re.search(r"[a-z]", text):
            continue
        if current == "other" and _is_title_line(text) and (
            title_lines == 0 or TITLE_CONNECTOR_END.search(_previous_title(block, line))
        ):
            title_lines += 1
            continue
        leftover.append(line)
        current = None
    return leftover


def _previous_title(block: list[Line], line: Line) -> str:
    index = next(i for i, other in enumerate(block) if other is line)
    return block[index - 1].text if index else ""


def headings_from_block(block: list[Line]) -> list[str]:
    headings: list[str] = []
    for line in block:
        if HEADING_KEYWORD.match(line.text) and is_heading_line(line.text):
            headings.append(line.text)
        elif headings:
            headings[-1] = f"{headings[-1]} {line.text}"
    return headings


def update_context(context: dict[str, str], headings: list[str]) -> None:
    for heading in headings:
        match = HEADING_KEYWORD.match(heading)
        if not match:
            continue
        if match.group("bab"):
            context.clear()
            context["bab"] = heading
        elif match.group("bagian"):
            context.pop("paragraf", None)
            context["bagian"] = heading
        else:
            context["paragraf"] = heading
