"""The parts of a regulation: body (preamble + batang tubuh), closing formula, Penjelasan, Lampiran.

Structure words the scan ran into other text (PENJELASAN, "Agar setiap orang ...", BAB headings)
are first put on lines of their own, so each part starts at a line.
"""

from __future__ import annotations

import re

from kb_assistant.parsing.lines import Line
from kb_assistant.parsing.pasal_headings import PASAL_LINE, REF_PRECEDE_WORDS

PENJELASAN_START = re.compile(r"\bPENJ\S{0,3}[A-Z\[,(|]{0,3}ASAN(?:\s+ATAS\b|\s*$)")
CLOSING_START = re.compile(
    r"\bAgar\s+setiap\s+orang\b|\bAgar\s*(?:[.…]\s*)+|(?<=diundangkan\. )Agar\b|(?<=ditetapkan\. )Agar\b"
)
SUPPLEMENT_NOTE = re.compile(r"\bTAMBAHAN\s+LEMBARAN\s+(?:NEGARA|DAERAH)\b")
LAMPIRAN_START = re.compile(r"\bLAMPIRAN\b(?=\s+(?:UNDANG|PERATURAN|KEPUTUSAN|[IVX]+\b)|\s*$)")
PASAL_DEMI_PASAL = re.compile(r"(?:\bII\s?\.\s*)?\bPASAL\s?DEMI\s?PASAL\b")
INLINE_HEADING = re.compile(r"(?<=\S)\s+(?=(?:BAB\s+[IVXLC]+\s+[A-Z]{3}|Bagian\s+Ke[a-z]+\b|Paragraf\s+\d+\s+[A-Z]))")


def split_inline_structure(lines: list[Line]) -> list[Line]:
    """Put BAB/Bagian/Paragraf headings, PENJELASAN and the closing formula on lines of their own."""
    out: list[Line] = []
    for line in lines:
        pieces = [line.text]
        for pattern in (PENJELASAN_START, CLOSING_START, PASAL_DEMI_PASAL, SUPPLEMENT_NOTE, LAMPIRAN_START):
            pieces = [part for piece in pieces for part in _split_before(piece, pattern)]
        pieces = [part for piece in pieces for part in _split_after(piece, PASAL_DEMI_PASAL)]
        pieces = [part for piece in pieces for part in _split_headings(piece)]
        out.extend(Line(line.page, piece, line.source) for piece in pieces if piece.strip())
    return out


def _split_before(text: str, pattern: re.Pattern) -> list[str]:
    match = pattern.search(text)
    if not match or match.start() == 0:
        return [text]
    return [text[: match.start()].rstrip(), text[match.start() :]]


def _split_after(text: str, pattern: re.Pattern) -> list[str]:
    match = pattern.search(text)
    if not match or match.end() == len(text):
        return [text]
    return [text[: match.end()], text[match.end() :].lstrip()]


def _split_headings(text: str) -> list[str]:
    parts: list[str] = []
    last = 0
    for match in INLINE_HEADING.finditer(text):
        before = text[last : match.start()]
        words = before.split()
        if words and words[-1].lower().strip(",") in REF_PRECEDE_WORDS:
            continue
        parts.append(before)
        last = match.end()
    parts.append(text[last:])
    return [p.strip(" _") for p in parts if p.strip(" _")]


def split_parts(lines: list[Line]) -> tuple[list[Line], list[Line], list[Line], list[Line]]:
    """Body (preamble + batang tubuh), closing formula, Penjelasan, and Lampiran."""
    first_pasal = next((i for i, line in enumerate(lines) if PASAL_LINE.match(line.text)), 0)
    pen = next((i for i in range(first_pasal, len(lines)) if PENJELASAN_START.match(lines[i].text)), None)
    if pen is None:
        pen = next((i for i in range(first_pasal, len(lines)) if PASAL_DEMI_PASAL.match(lines[i].text)), len(lines))
    end = pen
    for i in range(first_pasal, pen):
        text = lines[i].text
        after_last_pasal = i and re.search(r"\b(?:diundangkan|ditetapkan)\.$", lines[i - 1].text)
        if CLOSING_START.match(text) or (after_last_pasal and text.startswith("Agar ")):
            end = i
            break
    if end == pen:  # no closing formula (an excerpt): an annex right after the last Pasal still ends the body
        end = next((i for i in range(first_pasal, pen) if LAMPIRAN_START.match(lines[i].text)), end)
    annex = next((i for i in range(end, len(lines)) if LAMPIRAN_START.match(lines[i].text)), len(lines))
    pen_end = next((i for i in range(pen, annex) if SUPPLEMENT_NOTE.match(lines[i].text)), annex)
    return lines[:end], lines[end:min(pen, annex)], lines[pen:pen_end], lines[annex:]
