"""Ayat numbers a scan lost, restored from the Pasal's sentences.

Indonesian drafting rules (UU 12/2011, Lampiran II, "Teknik Penyusunan Peraturan
Perundang-undangan") write each ayat as one sentence; a list ends the sentence that
introduces it. So when the OCR dropped every "(1)", "(2)" of a Pasal (PP 11/2017 prints them
as a column the scan separated from the text), the sentence boundaries are the ayat
boundaries. Restored only with evidence that the Pasal has ayat: its own references ("pada
ayat (1)"), the stray markers the scan left (whose count must then match), or markers it kept
for some ayat (which must sit where the sentences put them); and only when the result is
consistent (no ayat refers to itself or past the last one, no list split in two, every ayat a
whole sentence).
"""

from __future__ import annotations

import re

from kb_assistant.parsing.lines import OCR_MARKER, drop_marker_echo

# A full stop that ends a sentence: after a word (not a list label at the line start, not an
# abbreviation), before a capitalised word.
SENTENCE_END = re.compile(r"(?<=[A-Za-z0-9)\"”’])\.\s+(?=[A-Z]|\(\d{1,2}\)\s+[A-Z])")
KEPT_MARKER = re.compile(r"^\((\d{1,2})\)\s+(?=[A-Z])")  # a marker the scan kept: "(3) Pengisian …"
ABBREVIATION = re.compile(r"(?:\b(?:No|Nomor|Rp|St|Dr|Ir|Prof|dkk|dll|dsb|Tbk|Jl|Kab|Kec|Kel)|\b[A-Za-z])$")
ITEM_LINE = re.compile(r"^(?:[a-z]|[0-9lIL]{1,3})\.\s")
FIRST_ITEM = re.compile(r"^(?:a|1|l)\.\s")
HEADING_WORD = re.compile(r"^(?:BAB|Bagian|Paragraf|Pasal)\b")
INTERNAL_REFERENCE = re.compile(r"\bpada\s+ayat\s+\((\d{1,2})\)")
MARKER = re.compile(r"\((\d{1,2})\)")
# "… akan diduduki. (1) (2) (3) (l) (2)": the scan's column of markers left after the last sentence.
TRAILING_MARKERS = re.compile(rf"(?<=[.;:])(?:\s+{OCR_MARKER})+\s*$")


def restore_ayat(logical: list[str], stray_markers: list[str]) -> list[str] | None:
    """The Pasal's logical lines with "(N) " before each restored ayat, or None when the
    evidence is missing or the sentences do not make consistent ayat."""
    ayat = _sentences_as_ayat([TRAILING_MARKERS.sub("", line) for line in logical])
    if ayat is None or len(ayat) < 2:
        return None
    kept = [KEPT_MARKER.match(lines[0]) for lines in ayat]
    if any(match and int(match.group(1)) != i for i, match in enumerate(kept, 1)):
        return None  # the markers the scan kept must be where the sentences put them
    expected = _marker_count(stray_markers)
    references = [[int(n) for n in INTERNAL_REFERENCE.findall(" ".join(lines))] for lines in ayat]
    referred_back = any(n < i for i, refs in enumerate(references, 1) for n in refs)
    if expected is None and not referred_back and not any(kept[1:]):
        return None  # no sign that this Pasal has ayat at all
    if expected is not None and expected != len(ayat):
        return None
    if any(n == i or n > len(ayat) for i, refs in enumerate(references, 1) for n in refs):
        return None
    if not all(_lists_whole(lines) and _ends_sentence(lines[-1]) for lines in ayat):
        return None
    return [f"({i}) {line}" if k == 0 and not kept[i - 1] else line for i, lines in enumerate(ayat, 1) for k, line in enumerate(lines)]


def _sentences_as_ayat(logical: list[str]) -> list[list[str]] | None:
    """Group the lines into ayat: each sentence starts one; list items stay with the sentence
    that introduces them; text after a list's closing full stop starts the next."""
    ayat: list[list[str]] = []
    for line in logical:
        pieces = _split_sentences(line)
        if ITEM_LINE.match(line):
            if not ayat:
                return None  # a list before any sentence: not a Pasal of ayat
            ayat[-1].append(pieces[0])
            pieces = pieces[1:]
        for piece in (drop_marker_echo(piece)[0] for piece in pieces):
            if not (piece[:1].isupper() or KEPT_MARKER.match(piece)) or HEADING_WORD.match(piece):
                return None  # a broken sentence, or a chapter heading run into the Pasal
            ayat.append([piece])
    return ayat


def _split_sentences(line: str) -> list[str]:
    pieces, start = [], 0
    for match in SENTENCE_END.finditer(line):
        head = line[start : match.start()]
        if ABBREVIATION.search(head) and not re.search(r"\b(?:huruf|angka)\s+[a-z0-9]$", head):
            continue
        pieces.append(line[start : match.start() + 1].strip())
        start = match.end()
    pieces.append(line[start:].strip())
    return [piece for piece in pieces if piece]


def _lists_whole(lines: list[str]) -> bool:
    """An ayat's list starts at a. or 1. (a split inside a list would leave "b." first)."""
    items = [line for line in lines[1:] if ITEM_LINE.match(line)]
    return not items or bool(FIRST_ITEM.match(items[0]))


def _ends_sentence(line: str) -> bool:
    """A whole sentence ends with one full stop; scrambled columns ("… dapat lingkungannya untuk")
    and a page's catch-word ("Pasal 120...") do not."""
    return line.endswith(".") and not line.endswith("..")


def _marker_count(stray_markers: list[str]) -> int | None:
    """N when the markers the scan separated from the text read (1) … (N) in order, else None."""
    numbers = [int(n) for text in stray_markers for n in MARKER.findall(text)]
    if len(numbers) >= 2 and numbers == list(range(1, len(numbers) + 1)):
        return len(numbers)
    return None
