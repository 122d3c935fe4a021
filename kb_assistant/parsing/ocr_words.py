"""Words the scan garbled with a stray symbol ("ke{a", "keq'a", "merupak€rn"), restored from the
same document's own clean words.

A scanned regulation repeats its vocabulary: "kerja" is written cleanly hundreds of times in
PP 28/2018 where a few copies read "ke{a". A garbled word is replaced only by the one clean word
of the document that keeps its letters on both sides of the garble and replaces the garble with
one to three letters: the one the document writes beside the same neighbouring word ("kerja
sama"), else the one written far more often than any other fit; anything less certain is left as
the source has it.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import NamedTuple

GLITCH = "€<>{}[]\"'\\$&|"
# A word with symbols between letters: letters, then one or more glitch symbols (letters may sit
# between them, "€ul"), then letters.
GARBLED = re.compile(r"(?<![\w" + re.escape(GLITCH) + r"])([A-Za-z]+)([" + re.escape(GLITCH) + r"][A-Za-z" + re.escape(GLITCH) + r"]*?)([A-Za-z]+)(?![\w" + re.escape(GLITCH) + r"])")
CLEAN_WORD = re.compile(r"(?<![\w" + re.escape(GLITCH) + r"])[A-Za-z]{3,}(?![\w" + re.escape(GLITCH) + r"])")
WORD_OR_GARBLE = re.compile(r"[A-Za-z" + re.escape(GLITCH) + r"]+")
MIN_COUNT = 3  # the restored word is written cleanly at least this often in the document
DOMINANCE = 3  # ... and this many times more often than the next candidate
MIN_ANCHOR = 3  # letters kept on the two sides together


class Vocabulary(NamedTuple):
    """A document's clean words by initial (candidates share the garbled word's first letter) and
    its adjacent word pairs; built once per document, not per page."""

    by_initial: dict[str, Counter[str]]
    pairs: Counter[tuple[str, str]]


def vocabulary(text: str) -> Vocabulary:
    by_initial: dict[str, Counter[str]] = {}
    for word, count in word_counts(text).items():
        by_initial.setdefault(word[0], Counter())[word] = count
    return Vocabulary(by_initial, pair_counts(text))


def word_counts(text: str) -> Counter[str]:
    return Counter(word.lower() for word in CLEAN_WORD.findall(text))


def pair_counts(text: str) -> Counter[tuple[str, str]]:
    """Adjacent clean words: "kerja sama" tells "ket'a sama" is "kerja", not the frequent "ketiga"."""
    words = [w.lower() for w in WORD_OR_GARBLE.findall(text)]
    return Counter(zip(words, words[1:]))


def restore(prefix: str, garble: str, suffix: str, vocab: Vocabulary, before: str = "", after: str = "") -> str | None:
    """The clean word for ``prefix + garble + suffix``, or None when not certain.

    A garble may have eaten a letter on either side ("keq'a": the q), so up to one letter of the
    prefix and two of the suffix may be replaced too. A candidate the document writes next to the
    same neighbour (``before``/``after``) wins; without such evidence the fewest replaced letters
    decide ("mag€ulg" is "magang" by keeping "mag", not the more frequent "masing")."""
    counts = vocab.by_initial.get(prefix[:1].lower(), Counter())
    levels = [_candidates(prefix.lower(), suffix.lower(), len(garble), cut, counts) for cut in range(4)]
    pairs = vocab.pairs
    context = Counter({word: pairs[(before, word)] + pairs[(word, after)] for level in levels for word in level})
    context = +context  # candidates seen beside a neighbour
    if context:
        return _certain(context, minimum=1)
    for level in levels:
        if level:
            return _certain(level)
    return None


def _candidates(prefix: str, suffix: str, garble_length: int, cut: int, counts: Counter[str]) -> Counter[str]:
    """Clean words keeping the prefix and suffix less ``cut`` letters (at most one of the prefix),
    with one to three letters (at most one more than the characters replaced) between them."""
    found: Counter[str] = Counter()
    for cut_prefix in (0, 1):
        cut_suffix = cut - cut_prefix
        if cut_suffix not in (0, 1, 2):
            continue
        head, tail = prefix[: len(prefix) - cut_prefix], suffix[cut_suffix:]
        if len(head) + len(tail) < MIN_ANCHOR or not head:
            continue
        for word, count in counts.items():
            middle = len(word) - len(head) - len(tail)
            if 1 <= middle <= min(3, garble_length + cut + 1) and word.startswith(head) and word.endswith(tail):
                found[word] = count
    return found


def _certain(candidates: Counter[str], minimum: int = MIN_COUNT) -> str | None:
    ranked = candidates.most_common(2)
    if ranked[0][1] < minimum or (len(ranked) > 1 and ranked[0][1] < DOMINANCE * ranked[1][1]):
        return None
    return ranked[0][0]


def _cased(word: str, model: str) -> str:
    if model.isupper():
        return word.upper()
    return word[:1].upper() + word[1:] if model[:1].isupper() else word


def repair_garbled_words(text: str, vocab: Vocabulary | None = None) -> str:
    """Every garbled word the document's own words (``vocab``, from the whole document when
    ``text`` is one page of it) restore with certainty; safe to run twice."""
    vocab = vocab or vocabulary(text)

    def fix(match: re.Match) -> str:
        prefix, garble, suffix = match.groups()
        before = re.findall(r"[A-Za-z]+", text[max(0, match.start() - 40): match.start()])
        after = re.findall(r"[A-Za-z]+", text[match.end(): match.end() + 40])
        word = restore(prefix, garble, suffix, vocab, before[-1].lower() if before else "", after[0].lower() if after else "")
        return _cased(word, match.group(0)) if word else match.group(0)

    return GARBLED.sub(fix, text)
