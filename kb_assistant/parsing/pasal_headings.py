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
from kb_assistant.parsing.tree import Page

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
# Per skipped number: below a strong heading's weight (a heading after a lost one still counts),
# above a weak one's.
GAP_PENALTY = 2
MAX_GAP = 12
# A real heading (its own line, body text after it) may follow any smaller number: excerpts skip
# many Pasal ("Pasal 1, 7, 32 ..."). A flat cost below its weight keeps it in the chain, while a
# chain that needs no jump still wins.
JUMP_PENALTY = 2
BODY_START = re.compile(r"^(?:\(\d{1,2}[a-z]?\)\s|[A-Z][a-z]|[A-Z]{2,}\s+[a-z]|[a-z]\.\s|\d{1,2}\.\s)")
SELF_NAMED = re.compile(r"^(?:Undang-Undang|Peraturan|Keputusan)\b[^.;:()]{0,40}\bini\s+(?:mulai\s+)?berlaku\b")
BARE_PASAL_NUMBER = re.compile(r"(?:(?<=[.;:] )|^)([0-9tlLIr]{1,3})(?=\s+(?:Cukup|Ayat|Huruf|Angka|Yang|Ketentuan))")
BARE_DIGITS = str.maketrans({"t": "1", "l": "1", "L": "1", "I": "1", "r": "1"})
MIN_PASAL_HEADINGS = 2  # "Pasal N" lines that make a text a regulation whatever its declared type


def pasal_heading_count(pages: list[Page]) -> int:
    """How many lines are only "Pasal N" (a regulation's headings), for documents of another type."""
    return sum(1 for page in pages for text in page.text.split("\n") if PASAL_LINE.match(text.strip()))


@dataclass
class Candidate:
    line: int  # index in the line list
    start: int  # character offset of "Pasal" in the line
    end: int  # character offset after the number
    number: int
    suffix: str
    weight: int
    real: bool = False  # a real heading: on its own line (or at a line start before "(1)"), body text after it

    @property
    def label(self) -> str:
        return f"{self.number}{self.suffix}"


def find_candidates(lines: list[Line], penjelasan: bool = False) -> list[Candidate]:
    """Every "Pasal N" that may be a heading, weighted (in the Penjelasan also bare numbers)."""
    found: list[Candidate] = []
    for index, line in enumerate(lines):
        text = line.text
        for match in PASAL_TOKEN.finditer(text):
            weight = _heading_weight(lines, index, match, penjelasan)
            if weight:
                real = weight == STRONG and _is_real_heading(lines, index, match)
                found.append(Candidate(index, match.start(), match.end(), int(match.group(1)), match.group(2) or "", weight, real))
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
        # "... tidak berlaku. Pasal 46 Peraturan Pemerintah ini mulai berlaku": a heading run into
        # the text, whose first words name the regulation itself; usable only if nothing better.
        return INLINE if SELF_NAMED.match(rest) and (not before or before.endswith((".", ";", ":"))) else 0
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


def _is_real_heading(lines: list[Line], index: int, match: re.Match) -> bool:
    """Own line followed by a line of body text, or "Pasal N (1) Text" at a line start."""
    rest = lines[index].text[match.end() :].strip()
    if rest:
        return bool(BODY_START.match(rest))
    following = lines[index + 1].text if index + 1 < len(lines) else ""
    return bool(BODY_START.match(following)) and not PASAL_TOKEN.match(following)


def best_chain(candidates: list[Candidate]) -> list[Candidate]:
    """Highest-scoring chain of strictly increasing Pasal numbers in document order.

    Score = sum of candidate weights minus the cost of the numbers each one skips (counting from
    1): GAP_PENALTY per number, so a chain that includes a weak inline heading beats one that
    skips its number; for a real heading at most JUMP_PENALTY, so an excerpt keeps its Pasal.
    """
    score: list[float] = []
    back: list[int | None] = []
    best_by_number: dict[int, int] = {}  # number -> best candidate index, any suffix
    best_by_key: dict[tuple[int, str], int] = {}
    for j, cand in enumerate(candidates):
        best, parent = cand.weight - _gap_cost(cand, cand.number - 1), None
        for i, gap in _predecessors(cand, best_by_number, best_by_key):
            value = score[i] + cand.weight - _gap_cost(cand, gap)
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


def _gap_cost(cand: Candidate, gap: int) -> int:
    return min(GAP_PENALTY * gap, JUMP_PENALTY) if cand.real else GAP_PENALTY * gap


def _predecessors(
    cand: Candidate, best_by_number: dict[int, int], best_by_key: dict[tuple[int, str], int]
) -> list[tuple[int, int]]:
    """(candidate index, numbers skipped) of the headings ``cand`` may follow: the same number with
    an earlier letter ("12" before "12A"), a smaller number nearby, or any smaller one for a real heading."""
    options = [(i, 0) for key, i in best_by_key.items() if key[0] == cand.number and key[1] < cand.suffix] if cand.suffix else []
    if cand.real:
        numbers = [n for n in best_by_number if n < cand.number]
    else:
        numbers = [n for n in range(cand.number - 1, max(0, cand.number - MAX_GAP - 1), -1) if n in best_by_number]
    options.extend((best_by_number[n], cand.number - n - 1) for n in numbers)
    return options


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
                parts[-1][1].append(Line(line.page, before, line.source))
            parts.append((cand, []))
            cursor = cand.end
        rest = line.text[cursor:].strip()
        if rest:
            parts[-1][1].append(Line(line.page, rest, line.source))
    return parts
