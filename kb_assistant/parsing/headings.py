"""Heading candidates of a Lampiran or guide: BAB, roman, lettered, numbered and dotted headings.

A candidate is only what one line (plus, for a BAB, its title lines) looks like; whether it is
taken depends on its place in the outline (parsing/sections.py). A numbered or lettered line is
a candidate only when it reads as a title: capitalised, short, not a sentence that wraps on to
the next line, not a table-of-contents entry ending in a page number.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

MARKDOWN = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
BAB = re.compile(r"^BAB\s+([IVXLC]+)\b[.:]?\s*(.*)$")
DOTTED = re.compile(r"^([1-9]\d?(?:\.(?:[1-9]\d?)){1,3})\.?\s+(.+)$")  # no leading zeros: "01.02" is a code
ALPHA = re.compile(r"^([A-Z]{1,2}|[IVX]{1,5})\.\s+(.+)$")
NUMBER = re.compile(r"^(\d{1,2})\.\s+(.+)$")
CAPS = re.compile(r"^[A-Z0-9][A-Z0-9 ,&/()'-]{3,80}$")
TOC_ENTRY = re.compile(r"(?:\s\d{1,3}|\.{3,}\s*\d{0,3})$")
OPEN_END = re.compile(r"[,;:]$")
ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
FUNCTION_WORDS_FILE = Path(__file__).parent / "data" / "function_words.toml"


def _function_words() -> frozenset[str]:
    """Words that do not end a title and are not its content words (a data file with sources)."""
    data = tomllib.loads(FUNCTION_WORDS_FILE.read_text(encoding="utf-8"))
    return frozenset(word for group in data["class"] for word in group["words"])


FUNCTION_WORDS = _function_words()
MAX_TITLE_WORDS = 14
MAX_TITLE_CHARS = 160
MAX_NUMBER_TITLE_WORDS = 12
MAX_BAB_TITLE_LINES = 3


@dataclass
class Heading:
    """One heading candidate; ``ordinals`` lists its possible (kind, ordinal) readings."""

    title: str  # as displayed: "BAB II ARAH KEBIJAKAN", "D. Arah Kebijakan", "2.4 Visi Reformasi Birokrasi"
    number: str  # printed label: "II", "D", "4", "2.4" ("" for markdown and capitals)
    ordinals: list[tuple[str, tuple[int, ...]]]
    lines_used: int = 1
    level: int = 0  # markdown level (1-6)


def roman_value(text: str) -> int | None:
    """'IV' -> 4; None for a string that is not a well-formed small roman numeral."""
    if not text or any(ch not in ROMAN for ch in text):
        return None
    total = 0
    for i, ch in enumerate(text):
        value = ROMAN[ch]
        total += -value if i + 1 < len(text) and ROMAN[text[i + 1]] > value else value
    return total if to_roman(total) == text else None


def to_roman(value: int) -> str:
    parts = [(100, "C"), (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = ""
    for number, letters in parts:
        while value >= number:
            out += letters
            value -= number
    return out


def letter_value(text: str) -> int | None:
    """'D' -> 4, 'AA' -> 27 (lettered lists continue with doubled letters)."""
    if len(text) == 1:
        return ord(text) - ord("A") + 1
    if len(text) == 2 and text[0] == text[1]:
        return 26 + ord(text[0]) - ord("A") + 1
    return None


def candidate(lines: list[str], i: int, caps: bool = False) -> Heading | None:
    """The heading that line ``i`` starts, or None."""
    line = lines[i].strip()
    following = lines[i + 1].strip() if i + 1 < len(lines) else ""
    match = MARKDOWN.match(line)
    if match:
        return Heading(match.group(2), "", [("md", ())], level=len(match.group(1)))
    match = BAB.match(line)
    if match:
        return _bab(lines, i, match)
    for pattern, reader in ((DOTTED, _dotted), (ALPHA, _alpha), (NUMBER, _number)):
        match = pattern.match(_with_continuation(line, following))
        if match:
            used = 2 if match.group(0) != line else 1
            after = lines[i + used].strip() if i + used < len(lines) else ""
            heading = reader(match)
            if heading and _plausible(match.group(2), after, heading):
                heading.lines_used = used
                return heading
            return None
    if caps and CAPS.match(line) and len(line.split()) >= 2 and re.search(r"[A-Z]{3}", line):
        return Heading(line, "", [("caps", ())])
    return None


def _with_continuation(line: str, following: str) -> str:
    """A title wrapped after a function word ('3.2 Keterkaitan ... dengan Setiap' / 'Road Map
    Reformasi Birokrasi') continues on the next line when that line is a short capitalised phrase."""
    words = line.split()
    if len(words) < 3 or words[-1].lower() not in FUNCTION_WORDS:
        return line
    rest = following.split()
    if not rest or len(rest) > 8 or not following[:1].isupper() or re.search(r"[.;:,]$", following):
        return line
    if DOTTED.match(following) or ALPHA.match(following) or NUMBER.match(following) or BAB.match(following):
        return line
    return f"{line} {following}"


def _bab(lines: list[str], i: int, match: re.Match) -> Heading | None:
    value = roman_value(match.group(1))
    if value is None:
        return None
    label = f"BAB {match.group(1)}"
    rest = match.group(2).strip()
    if rest:
        return Heading(f"{label} {rest}", match.group(1), [("bab", (value,))]) if _caps_title(rest) else None
    title: list[str] = []
    for line in lines[i + 1 : i + 1 + MAX_BAB_TITLE_LINES]:
        line = line.strip()
        if not _caps_title(line) or BAB.match(line) or ALPHA.match(line) or NUMBER.match(line) or DOTTED.match(line):
            break
        title.append(line)
    if not title:  # a BAB without its title is a running head or a catch-word
        return None
    return Heading(" ".join([label, *title]), match.group(1), [("bab", (value,))], lines_used=1 + len(title))


def _caps_title(text: str) -> bool:
    return bool(text) and not re.search(r"[a-z]", text) and re.search(r"[A-Z]{2}", text) is not None and len(text.split()) <= 12


def _dotted(match: re.Match) -> Heading:
    number = match.group(1)
    parts = tuple(int(p) for p in number.split("."))
    return Heading(f"{number} {match.group(2).strip()}", number, [(f"dotted{len(parts)}", parts)])


def _alpha(match: re.Match) -> Heading | None:
    label = match.group(1)
    readings: list[tuple[str, tuple[int, ...]]] = []
    letter = letter_value(label)
    if letter is not None:
        readings.append(("letter", (letter,)))
    roman = roman_value(label)
    if roman is not None:
        readings.append(("roman", (roman,)))
    if not readings:
        return None
    return Heading(f"{label}. {match.group(2).strip()}", label, readings)


def _number(match: re.Match) -> Heading:
    return Heading(f"{match.group(1)}. {match.group(2).strip()}", match.group(1), [("number", (int(match.group(1)),))])


def _plausible(title: str, following: str, heading: Heading) -> bool:
    """A title, not a list item or table cell: capitalised, short, complete on its line."""
    title = title.strip()
    if len(title) > MAX_TITLE_CHARS:
        return False
    words = title.split()
    numbered = heading.ordinals[0][0] == "number"
    if not title[:1].isupper() or len(words) > (MAX_NUMBER_TITLE_WORDS if numbered else MAX_TITLE_WORDS):
        return False
    if TOC_ENTRY.search(title) or OPEN_END.search(title) or (numbered and title.endswith(".")):
        return False
    if words[-1].lower() in FUNCTION_WORDS:
        return False  # the line breaks inside a sentence
    content = [w for w in words if w.lower() not in FUNCTION_WORDS]
    if numbered and sum(w[:1].islower() for w in content) * 2 > len(content):
        return False  # "1. Untuk menjamin pelembagaan inovasi": a sentence, not a Title Case heading
    return not following[:1].islower()  # a sentence wrapping on to the next line is a list item


def short_label(title: str) -> str:
    """The part of a heading that names it in a citation path: 'BAB II', 'D', '2.4'."""
    match = re.match(r"^(BAB\s+[IVXLC]+)\b", title)
    if match:
        return match.group(1)
    match = re.match(r"^([A-Z]{1,2}|[IVX]{1,5})\.\s", title) or re.match(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s", title)
    if match:
        return match.group(1)
    return title
