"""Page-layout repairs for text that comes out of a PDF's text layer.

A born-digital PDF gives clean words but keeps the page's furniture: running heads and footers
repeated on every page ("Grand Design Reformasi Birokrasi 2010-2025", "PRESIDEN / REPUBLIK
INDONESIA"), printed page numbers, and words hyphenated at a line (or column) end. These are
found by repetition and position, not by a list of known phrases, so a new PDF is handled the
same way. Everything here is one pass over the lines (linear in the size of the text).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from kb_assistant.parsing.tree import Page

# Lines at the top and bottom of a page that may be running heads or footers.
HEAD_ZONE = 6
FOOT_ZONE = 4
# A pair of adjacent edge lines repeated on at least this many pages (and this share of them) is furniture.
MIN_REPEATS = 3
MIN_SHARE = 0.08
# A printed page number alone on a line: "13", "- 4 -", "iv", "Hal. 3".
PAGE_NUMBER = re.compile(r"^(?:hal(?:aman)?\.?\s*)?[-–—]?\s*(?:\d{1,3}|[ivxlc]{1,6})\s*[-–—]?$", re.IGNORECASE)
UPPER_PASAL = re.compile(r"^\s*PASAL\s+(\d{1,3}[A-Z]?)\s*$", re.MULTILINE)
SPACES = re.compile(r"[ \t\u00a0]+")
# A word broken at the line end: "Pengelo-" / "laan", "pemberan -" / "tasan" (justified text).
BROKEN_END = re.compile(r"(\w+) ?-$")
TAIL = 80
FIRST_WORD = re.compile(r"([a-z]\S*)[ \t]*\n?")
CONTINUATION = re.compile(r"^([a-z]\S*)\s*(.*)$")


def repair_pdf_pages(pages: list[Page]) -> list[Page]:
    """Running heads/footers and page numbers removed, broken words joined, PASAL headings normalised."""
    lines_per_page = [_lines(page.text) for page in pages]
    furniture = _repeated_edge_pairs(lines_per_page)
    repaired: list[Page] = []
    for page, lines in zip(pages, lines_per_page):
        kept = _strip_furniture(lines, furniture)
        repaired.append(replace(page, text=dehyphenate("\n".join(kept))))
    return normalise_pasal_headings(_join_across_pages(repaired))


def _join_across_pages(pages: list[Page]) -> list[Page]:
    """A word hyphenated at the foot of a page ends on the next one: it is completed where it starts."""
    for page, following in zip(pages, pages[1:]):
        head, _, last = page.text.rpartition("\n")
        match = BROKEN_END.search(last[-TAIL:])
        start = following.text.lstrip()
        cont = FIRST_WORD.match(start)
        if not match or not cont:
            continue
        left, right = match.group(1), cont.group(1)
        joined = f"{left}-{right}" if _keeps_hyphen(left, right) else left + right
        last = last[: len(last) - len(last[-TAIL:]) + match.start()] + joined
        page.text = f"{head}\n{last}" if head else last
        following.text = start[cont.end() :]
    return pages


def normalise_pasal_headings(pages: list[Page]) -> list[Page]:
    """A line that is exactly 'PASAL 1' (upper case, as some reprints print it) becomes 'Pasal 1'."""
    return [replace(page, text=UPPER_PASAL.sub(lambda m: f"Pasal {m.group(1)}", page.text)) for page in pages]


def _lines(text: str) -> list[str]:
    return [SPACES.sub(" ", line).strip() for line in text.replace("\r", "\n").split("\n") if line.strip()]


def _edge_indexes(count: int) -> list[int]:
    head = list(range(min(HEAD_ZONE, count)))
    foot = list(range(max(len(head), count - FOOT_ZONE), count))
    return head + foot


def _key(line: str) -> str:
    return "#" if PAGE_NUMBER.match(line) else line


def _edge_keys(lines: list[str]) -> set[tuple[str, ...]]:
    """The page's first and last line, and adjacent line pairs touching its edge zones (a page
    number read as '#'): a running head is the same line or lines on many pages ("BAB I" +
    "Pendahuluan"), while a real heading has a different neighbour."""
    keys: set[tuple[str, ...]] = set()
    if lines:
        keys |= {("first", lines[0]), ("last", lines[-1])}
    for i in _edge_indexes(len(lines)):
        if i + 1 < len(lines):
            keys.add((_key(lines[i]), _key(lines[i + 1])))
        if i:
            keys.add((_key(lines[i - 1]), _key(lines[i])))
    return keys


def _repeated_edge_pairs(lines_per_page: list[list[str]]) -> set[tuple[str, ...]]:
    counts: Counter[tuple[str, ...]] = Counter()
    tops: Counter[tuple[str, ...]] = Counter()
    for lines in lines_per_page:
        counts.update(_edge_keys(lines))
        if len(lines) > 2 and _short(lines[0]) and _short(lines[1]) and not lines[0].lower().startswith("pasal"):
            tops[(lines[0], lines[1])] += 1
    needed = max(MIN_REPEATS, int(MIN_SHARE * len(lines_per_page)))
    # The first two lines of a page repeated twice are a running head of a short chapter ("BAB IV" / "Penutup").
    repeated = {key for key, n in counts.items() if n >= needed and key != ("#", "#") and not any(map(_sentence_end, key))}
    return repeated | {pair for pair, n in tops.items() if n >= 2}


def _sentence_end(line: str) -> bool:
    """Furniture is never a sentence: a page often ends with the same 'Cukup jelas.'."""
    return bool(re.search(r"[.;:,]$", line))


def _short(line: str) -> bool:
    return len(line.split()) <= 8


def _strip_furniture(lines: list[str], furniture: set[tuple[str, ...]]) -> list[str]:
    drop = set()
    edges = _edge_indexes(len(lines))
    for i in edges:
        line = lines[i]
        before = (_key(lines[i - 1]), _key(line)) if i else None
        after = (_key(line), _key(lines[i + 1])) if i + 1 < len(lines) else None
        if PAGE_NUMBER.match(line) or before in furniture or after in furniture:
            drop.add(i)
    if lines and ("first", lines[0]) in furniture:
        drop.add(0)
    if lines and ("last", lines[-1]) in furniture:
        drop.add(len(lines) - 1)
    return [line for i, line in enumerate(lines) if i not in drop]


def dehyphenate(text: str) -> str:
    """Join a word split over a line break ("Pengelo-" + "laan" -> "Pengelolaan").

    The hyphen stays where it is part of the word: reduplication and repeated roots
    ("hasil-hasil", "perundang-undangan"), a capitalised second part ("Undang-Undang"), numbers.
    """
    out = text.split("\n")
    result: list[str] = []
    i = 0
    while i < len(out):
        line = out[i]
        nxt = out[i + 1] if i + 1 < len(out) else None
        tail = line[-TAIL:]  # only the end of a line can hold a broken word (keeps a huge token linear)
        match = BROKEN_END.search(tail)
        cont = CONTINUATION.match(nxt) if nxt is not None else None
        if match and cont and not match.group(1).isdigit():
            left, right = match.group(1), cont.group(1)
            joined = f"{left}-{right}" if _keeps_hyphen(left, right) else left + right
            result.append(line[: len(line) - len(tail) + match.start()] + joined)
            rest = cont.group(2).strip()
            if rest:
                out[i + 1] = rest
                i += 1
            else:
                i += 2
            continue
        result.append(line)
        i += 1
    return "\n".join(result)


def _keeps_hyphen(left: str, right: str) -> bool:
    """'hasil'/'hasil', 'perundang'/'undangan', 'sehari'/'hari': a repeated root keeps its hyphen."""
    left, right = left.lower(), right.lower()
    return any(left[-k:] == right[:k] for k in range(3, min(len(left), len(right)) + 1))
