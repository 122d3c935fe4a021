"""Figures the OCR misread, repaired where the regulation itself spells them out.

Indonesian regulations write a figure twice: "10 (sepuluh) hari kerja", "25% (dua puluh lima
persen)". When the scan read "1O (sepuluh)" or "l0 (sepuluh)", the words say which number it
is; the token is replaced only when its look-alike letters (O→0, l/I→1, S→5, T→7) give exactly
the spelled value. "25o/o" is the OCR's "%" (always after a digit in these scans).
"""

from __future__ import annotations

import re

UNITS = {"nol": 0, "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7, "delapan": 8, "sembilan": 9}
TENS_WORDS = {"sepuluh": 10, "sebelas": 11, "seratus": 100}
LOOK_ALIKE_DIGITS = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1", "L": "1", "i": "1", "S": "5", "T": "7"})
# A figure and its words: "1O (sepuluh)", "I (satu)", "L4 (empat belas)".
SPELLED = re.compile(r"(?<![\w/.,])(?P<token>[0-9OolILiST]{1,4})(?P<gap>\s?)\((?P<words>[a-z ]{3,60})\)")
PERCENT = re.compile(r"(?<=\d)(?:o/o|olo(?=\s*\([a-z ]*persen\)))")


def spelled_value(words: str) -> int | None:
    """'dua puluh lima' -> 25, 'empat belas' -> 14, 'seratus dua puluh' -> 120; None when not a number."""
    total, current, last = 0, 0, None  # last: the unit word just read, which puluh/belas/ratus multiply
    for word in words.split():
        if word in UNITS:
            if last is not None:
                return None  # "dua tiga"
            last = UNITS[word]
            current += last
        elif word in TENS_WORDS:
            current, last = current + TENS_WORDS[word], None
        elif word in ("belas", "puluh", "ratus") and last:
            scaled = last + 10 if word == "belas" else last * (10 if word == "puluh" else 100)
            current, last = current - last + scaled, None
        elif word == "ribu" and current:
            total, current, last = total + current * 1000, 0, None
        elif word == "seribu":
            total, last = total + 1000, None
        else:
            return None
    return total + current if words.split() else None


def repair_spelled_figures(text: str) -> str:
    """'1O (sepuluh)' -> '10 (sepuluh)', 'I (satu)' -> '1 (satu)', '25o/o' -> '25%'."""

    def fix(match: re.Match) -> str:
        token = match.group("token")
        if token.isdigit():
            return match.group(0)
        value = spelled_value(match.group("words"))
        digits = token.translate(LOOK_ALIKE_DIGITS)
        if value is None or not digits.isdigit() or int(digits) != value:
            return match.group(0)
        return f"{value}{match.group('gap')}({match.group('words')})"

    return PERCENT.sub("%", SPELLED.sub(fix, text))
