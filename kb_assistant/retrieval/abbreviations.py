"""Syllabic abbreviations ASN write ("hukdis", "tukin", "jabfung") read as the corpus phrase they shorten.

Indonesian forms abbreviations from the first letters or syllables of consecutive words (KBBI
'akronim'; Pedoman Umum Ejaan Bahasa Indonesia, singkatan dan akronim): "hukuman disiplin" →
"hukdis", "tunjangan kinerja" → "tukin", "satuan kerja" → "satker". The regulations write the phrase
in full, so BM25 found nothing under the abbreviation and the question was refused ("gmn caranya
ngajuin keberatan kalo kena hukdis?").

An unknown word (not in the corpus, not a general Indonesian or English word: :class:`Speller`'s
test) is read as a pair of consecutive corpus words when it splits into a shortened first word and
the start of the second, the pair is written at least ``MIN_PAIR`` times, and it is ``MARGIN`` times
more frequent than any other pair that fits. Pairs with a stop word ("sekretariat dan") never fit.
No entry is written by hand: the pairs are the corpus's own.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable

MIN_PAIR = 3  # a pair written fewer times is no established phrase
MARGIN = 3.0  # the best fitting pair must be this much more frequent than the next
MIN_PART = 2  # letters kept of each word ("or" + "tu": "orang tua")
_WORD = re.compile(r"[^\W\d_]+")


class Abbreviations:
    """Reads syllabic abbreviations against one corpus version's word pairs."""

    def __init__(self, pairs: Counter[tuple[str, str]], known: Callable[[str], bool], stops: frozenset[str]) -> None:
        self._known = known
        self._by_start: dict[str, list[tuple[str, str, int]]] = {}
        for (first, second), count in pairs.items():
            if count >= MIN_PAIR and first not in stops and second not in stops and first.isalpha() and second.isalpha():
                self._by_start.setdefault(first[:MIN_PART], []).append((first, second, count))

    @classmethod
    def from_texts(cls, texts: Iterable[str], known: Callable[[str], bool], stops: frozenset[str]) -> "Abbreviations":
        pairs: Counter[tuple[str, str]] = Counter()
        for text in texts:
            tokens = _WORD.findall(text.lower())
            pairs.update(zip(tokens, tokens[1:]))
        return cls(pairs, known, stops)

    def phrase(self, word: str) -> str | None:
        """The corpus phrase an unknown lowercase word abbreviates, or None."""
        if not (4 <= len(word) <= 10) or not word.isalpha() or not word.islower() or self._known(word):
            return None
        counts: Counter[tuple[str, str]] = Counter()
        for first, second, count in self._by_start.get(word[:MIN_PART], ()):
            for cut in range(MIN_PART, len(word) - MIN_PART + 1):
                head, tail = word[:cut], word[cut:]
                if len(first) > len(head) and first.startswith(head) and second.startswith(tail):
                    counts[(first, second)] = count
        ranked = counts.most_common(2)
        if not ranked or (len(ranked) > 1 and ranked[0][1] < MARGIN * ranked[1][1]):
            return None
        return " ".join(ranked[0][0])

    def read(self, text: str) -> str:
        """``text`` with each abbreviation replaced by its phrase."""
        return _WORD.sub(lambda m: self.phrase(m.group(0)) or m.group(0), text)
