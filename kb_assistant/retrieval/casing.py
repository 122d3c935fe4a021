"""A question typed in capitals (caps lock) or with every word capitalised is read in lower case.

Why: capitals are evidence elsewhere. A capitalised or all-capital word is taken for a name or an
acronym the answer must contain (`analysis.names`), and the normaliser leaves it as typed; in a
question written all in capitals every word became such a "name", and 105 of the 202 answerable
tuning questions, asked in capitals, were refused. The acronyms the corpus defines or spells out
(PNS, SPBE, KASN), Roman numerals (golongan IV) and tokens with digits (III/a, 20/2023) keep their
form; only the casing of the rest, which carries nothing in such a question, is dropped.
"""

from __future__ import annotations

import re

CAPITALS_SHARE = 0.8  # of the letters: the question is typed in capitals
MIN_WORDS = 3
_WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*|\S+")
_ROMAN = re.compile(r"(?=[IVX])X{0,3}(?:IX|IV|V?I{0,3})")  # I … XXXIX (golongan IV), not "CIVIL"


def uniform_casing(question: str) -> bool:
    """Capitals carry no information: (nearly) all letters are capitals, or every word of two
    letters or more starts with one."""
    letters = [c for c in question if c.isalpha()]
    words = re.findall(r"[^\W\d_]{2,}", question)
    if len(words) < MIN_WORDS:
        return False
    if sum(c.isupper() for c in letters) >= CAPITALS_SHARE * len(letters):
        return True
    return all(w[0].isupper() for w in words)


def recase(question: str, acronyms: frozenset[str]) -> str:
    """``question`` in lower case except the corpus's acronyms, Roman numerals and tokens with
    digits, when its casing is uniform; otherwise unchanged."""
    if not uniform_casing(question):
        return question

    def one(match: re.Match) -> str:
        token = match.group(0)
        if token.lower() in acronyms or _ROMAN.fullmatch(token) or any(c.isdigit() for c in token):
            return token.upper() if token.lower() in acronyms else token
        return token.lower()

    return _WORD.sub(one, question)
