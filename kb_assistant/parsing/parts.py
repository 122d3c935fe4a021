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
# The closing block without the "Agar setiap orang" formula (some reprints drop it): where it is
# enacted ("Ditetapkan di Jakarta / pada tanggal ..."), the gazette line, the certified-copy note,
# or the signature ("ttd" under the office). Each is a line start; "Ditetapkan di" must have its date.
ENACTED_AT = re.compile(r"^(?:Ditetapkan|DITETAPKAN|Diundangkan|DIUNDANGKAN)\s+(?:di|DI)\s+\S")
DATED = re.compile(r"\b(?:pada|PADA|Pada)\s+(?:tanggal|TANGGAL|Tanggal)\b")
CLOSING_LINE = re.compile(
    r"^(?:(?:LEMBARAN|BERITA)\s+(?:NEGARA|DAERAH)\b.*\bTAHUN\s+\d{4}|Salinan\s+sesuai\s+dengan\s+aslinya|SALINAN\s+SESUAI)"
)
SIGNED = re.compile(r"^(?:ttd|TTD|Ttd)\.?$")
SIGNATORY = re.compile(r"^(?=.*[A-Z]{3})[^a-z]+$")  # the office above the signature: "PRESIDEN REPUBLIK INDONESIA,"
INLINE_ENACTED = re.compile(r"(?<=[a-z.])\s+(?=Ditetapkan\s+di\s+[A-Z][a-z]+\s+pada\s+tanggal\b)")
LAMPIRAN_START = re.compile(r"\bLAMPIRAN\b(?=\s+(?:UNDANG|PERATURAN|KEPUTUSAN|[IVX]+\b)|\s*$)")
PASAL_DEMI_PASAL = re.compile(r"(?:\bII\s?\.\s*)?\bPASAL\s?DEMI\s?PASAL\b")
INLINE_HEADING = re.compile(r"(?<=\S)\s+(?=(?:BAB\s+[IVXLC]+\s+[A-Z]{3}|Bagian\s+Ke[a-z]+\b|Paragraf\s+\d+\s+[A-Z]))")


def split_inline_structure(lines: list[Line]) -> list[Line]:
    """Put BAB/Bagian/Paragraf headings, PENJELASAN and the closing formula on lines of their own."""
    out: list[Line] = []
    for line in lines:
        pieces = [line.text]
        for pattern in (PENJELASAN_START, CLOSING_START, INLINE_ENACTED, PASAL_DEMI_PASAL, SUPPLEMENT_NOTE, LAMPIRAN_START):
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
    end = _closing_formula(lines, first_pasal, pen)
    if end is None:  # no "Agar" formula: the closing block, or an annex right after the last Pasal (an excerpt)
        annex_at = next((i for i in range(first_pasal, pen) if LAMPIRAN_START.match(lines[i].text)), pen)
        end = closing_block_start(lines, first_pasal, annex_at)
    annex = next((i for i in range(end, len(lines)) if LAMPIRAN_START.match(lines[i].text)), len(lines))
    pen_end = next((i for i in range(pen, annex) if SUPPLEMENT_NOTE.match(lines[i].text)), annex)
    return lines[:end], lines[end:min(pen, annex)], lines[pen:pen_end], lines[annex:]


def _closing_formula(lines: list[Line], start: int, limit: int) -> int | None:
    """The line of the "Agar setiap orang mengetahuinya" formula, if the body has one."""
    for i in range(start, limit):
        text = lines[i].text
        after_last_pasal = i and re.search(r"\b(?:diundangkan|ditetapkan)\.$", lines[i - 1].text)
        if CLOSING_START.match(text) or (after_last_pasal and text.startswith("Agar ")):
            return i
    return None


def closing_block_start(lines: list[Line], start: int, limit: int) -> int:
    """Where the body ends when the "Agar setiap orang" formula is missing: the first closing-block
    line after the last Pasal heading (so a phrase inside a Pasal never cuts the body); ``limit`` if none."""
    last_heading = max((i for i in range(start, limit) if PASAL_LINE.match(lines[i].text)), default=start)
    for i in range(last_heading + 1, limit):
        if _opens_closing(lines, i):
            return _with_signatory(lines, i, last_heading)
    return limit


def _opens_closing(lines: list[Line], i: int) -> bool:
    text = lines[i].text
    if ENACTED_AT.match(text):
        return any(DATED.search(line.text) for line in lines[i : i + 3])
    return bool(CLOSING_LINE.match(text) or SIGNED.match(text))


def _with_signatory(lines: list[Line], i: int, floor: int) -> int:
    """A signature line ("ttd") starts the block at the office printed above it."""
    if not SIGNED.match(lines[i].text):
        return i
    while i - 1 > floor and SIGNATORY.match(lines[i - 1].text) and not lines[i - 1].text.endswith("."):
        i -= 1
    return i
