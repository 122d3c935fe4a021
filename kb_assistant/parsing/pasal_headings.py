"""Pasal heading candidates and the chosen chain.

OCR text is unreliable, so a Pasal heading is never taken on sight: every possible heading
("Pasal 5" alone on a line, or inline where the scan ran it into other text) becomes a
weighted candidate, and the chosen headings are the best-scoring chain of increasing numbers.
A reference such as "dimaksud dalam Pasal 5" is not a candidate at all, and a stray heading out
of sequence stays text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb_assistant.parsing.chapters import HEADING_KEYWORD
from kb_assistant.parsing.lines import Line

PASAL_TOKEN = re.compile(r"\bPasal\s+(\d{1,3})([A-Z])?(?![\w])")


PASAL_LINE = re.compile(r"^Pasal\s+(\d{1,3})([A-Z])?\s*$")


AYAT_OPENER = re.compile(r"^\(\d{1,2}[a-z]?\)(?:\s|$)")


REF_FOLLOW = re.compile(
    r"^(?:ayat|huruf|angka|sampai|s\.d|dan|atau|serta|jo|juncto|Undang|UU|Peraturan|Tahun|Nomor|ini|tersebut|yang|[,;:)\]/-])",
)


REF_PRECEDE_WORDS = {
    "dalam", "pada", "dan", "atau", "serta", "dengan", "ketentuan", "menurut", "berdasarkan", "sesuai",
    "sampai", "yaitu", "terhadap", "oleh", "di", "mengenai", "tentang", "dari", "bahwa", "atas", "melalui",
    "dimaksud", "lihat", "jo", "juncto", "melaksanakan", "sebagaimana", "ke", "untuk",
}


WRAPPED_REF_WORDS = {
    "dalam", "pada", "dan", "atau", "serta", "dengan", "ketentuan", "menurut", "berdasarkan", "sesuai",
    "sampai", "dimaksud", "terhadap", "jo", "juncto",
}


STRONG, START, INLINE_AYAT, INLINE = 3, 2, 2, 1
# Below a strong heading's weight (a heading after a lost one still counts), above a weak one's.


GAP_PENALTY = 2


MAX_GAP = 12


BARE_PASAL_NUMBER = re.compile(r"(?:(?<=[.;:] )|^)([0-9tlLIr]{1,3})(?=\s+(?:Cukup|Ayat|Huruf|Angka|Yang|Ketentuan))")


BARE_DIGITS = str.maketrans({"t": "1", "l": "1", "L": "1", "I": "1", "r": "1"})


@dataclass
class Candidate:
    line: int  # index in the line list
    start: int  # character offset of "Pasal" in the line
    end: int  # character offset after the number
    number: int
    suffix: str
    weight: int

    @property
    def label(self) -> str:
        return f"{self.number}{self.suffix}"


def find_candidates(lines: list[Line], penjelasan: bool = False) -> list[Candidate]:
    found: list[Candidate] = []
    for index, line in enumerate(lines):
        text = line.text
        for match in PASAL_TOKEN.finditer(text):
            weight = _heading_weight(lines, index, match, penjelasan)
            if weight:
                found.append(Candidate(index, match.start(), match.end(), int(match.group(1)), match.group(2) or "", weight))
        if penjelasan:
            for match in BARE_PASAL_NUMBER.finditer(text):
                digits = match.group(1).translate(BARE_DIGITS)
                if digits.isdigit() and int(digits) > 0:
                    found.append(Candidate(index, match.start(), match.end(), int(digits), "", INLINE))
    found.sort(key=lambda c: (c.line, c.start))
    return found


def _heading_weight(lines: list[Line], index: int, match: re.Match, penjelasan: bool) -> int:
    """How much a 'Pasal N' occurrence looks like a heading; 0 when it reads as a reference."""
    text = lines[index].text
    rest = text[match.end() :].lstrip()
    before = text[: match.start()].rstrip()
    if not rest and not before:
        previous = lines[index - 1].text if index else ""
        following = lines[index + 1].text if index + 1 < len(lines) else ""
        last_word = previous.split()[-1].lower() if previous.split() else ""
        if re.match(r"^(?:ayat|huruf|angka)\b", following):
            return 0
        wrapped_reference = (
            last_word in WRAPPED_REF_WORDS and not HEADING_KEYWORD.match(previous) and not AYAT_OPENER.match(following)
        )
        if wrapped_reference:
            return INLINE  # "... dimaksud dalam / Pasal 5 / berlaku": usable only if nothing better
        if following[:1].islower() and not re.match(r"^[a-z]\.\s", following) and not penjelasan:
            return START  # a Pasal rarely starts in lower case, but OCR drops first words
        return STRONG
    if REF_FOLLOW.match(rest):
        return 0
    ayat_follows = bool(AYAT_OPENER.match(rest))
    if not ayat_follows and not rest[:1].isupper():
        return 0
    if not before:
        return STRONG if ayat_follows else START
    previous_word = before.split()[-1].lower()
    if ayat_follows:
        return INLINE_AYAT if previous_word not in {"dimaksud", "dalam", "pada"} else 0
    if previous_word.rstrip(".;:,") in REF_PRECEDE_WORDS or before.endswith(","):
        return 0
    # After a heading title ("Fungsi dan Tugas Pasal 47 BKN ..."), a sentence, or debris; a
    # lower-case word before it means the middle of a sentence.
    last = before.split()[-1]
    if last[:1].isupper() or re.search(r"[.;:]$", last) or not re.search(r"[A-Za-z]", last):
        return INLINE
    return 0


def best_chain(candidates: list[Candidate]) -> list[Candidate]:
    """Highest-scoring chain of strictly increasing Pasal numbers in document order.

    Score = sum of candidate weights minus GAP_PENALTY per skipped number (counting from 1), so
    a chain that includes a weak inline heading beats one that skips its number.
    """
    score: list[float] = []
    back: list[int | None] = []
    best_by_number: dict[int, int] = {}  # number -> best candidate index, any suffix
    best_by_key: dict[tuple[int, str], int] = {}
    for j, cand in enumerate(candidates):
        best, parent = cand.weight - GAP_PENALTY * (cand.number - 1), None
        options = [(i, 0) for key, i in best_by_key.items() if key[0] == cand.number and key[1] < cand.suffix] if cand.suffix else []
        for number in range(cand.number - 1, max(0, cand.number - MAX_GAP - 1), -1):
            if number in best_by_number:
                options.append((best_by_number[number], cand.number - number - 1))
        for i, gap in options:
            value = score[i] + cand.weight - GAP_PENALTY * gap
            if value > best:
                best, parent = value, i
        score.append(best)
        back.append(parent)
        key = (cand.number, cand.suffix)
        if key not in best_by_key or score[best_by_key[key]] < best:
            best_by_key[key] = j
        if cand.number not in best_by_number or score[best_by_number[cand.number]] < best:
            best_by_number[cand.number] = j
    if not candidates:
        return []
    j: int | None = max(range(len(candidates)), key=lambda k: (score[k], -k))
    chain: list[Candidate] = []
    while j is not None:
        chain.append(candidates[j])
        j = back[j]
    return chain[::-1]


def cut_at_headings(lines: list[Line], chosen: list[Candidate]) -> list[tuple[Candidate | None, list[Line]]]:
    """Split the lines at the chosen headings: [(None, lines before), (heading, its lines), ...]."""
    by_line: dict[int, list[Candidate]] = {}
    for cand in chosen:
        by_line.setdefault(cand.line, []).append(cand)
    parts: list[tuple[Candidate | None, list[Line]]] = [(None, [])]
    for index, line in enumerate(lines):
        cursor = 0
        for cand in sorted(by_line.get(index, []), key=lambda c: c.start):
            before = line.text[cursor : cand.start].strip()
            if before:
                parts[-1][1].append(Line(line.page, before))
            parts.append((cand, []))
            cursor = cand.end
        rest = line.text[cursor:].strip()
        if rest:
            parts[-1][1].append(Line(line.page, rest))
    return parts
