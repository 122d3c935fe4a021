"""Misspelt question words read as the corpus word meant ("kewajban" → "kewajiban").

Why: ASN type fast in a chat box. Measured on the 202 answerable tuning questions: swapping two
adjacent letters in two words of six or more letters per question lowered hybrid hit@1 from 0.842 to
0.748; BM25 finds nothing under a misspelt term and the embedding model loses part of it too.

A word is corrected only when nothing knows it: not the corpus, not a general Indonesian word list
(spaCy's Indonesian lemma lookup, forms and lemmas; Sastrawi's root words, also as the root of the
word or of its colloquial -in form read as -kan or -i, Sneddon 2006: "disiapin"), not the colloquial
lexicons (indoNLP, spaCy's lexeme norms), not English (SymSpell's English frequency list: "branding",
"values" are loanwords, not typos); and only to a word the corpus writes, within edit distance 1 (2
for words of eight letters or more, unless a known word is one edit away), the most frequent of the
closest (SymSpell). Capitalised words (names: "Sumedang" is no misspelt "sedang"), acronyms, numbers
and words of fewer than five letters are left as typed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from symspellpy import SymSpell, Verbosity

from kb_assistant.indexing.text import QUESTION_WORDS, lemmas, stem, stop_words, word_list
from kb_assistant.retrieval.language import english_words, root_words

MIN_LENGTH = 5  # shorter words have too many neighbours one edit away
LONG_WORD = 8  # from this length two edits are allowed
MAX_EDITS = 2
COLLOQUIAL_PREFIXES = ("ke", "nge", "ng")  # Sneddon 2006, Colloquial Jakartan Indonesian: ke- (ter-/di-), nge-/ng- (meN-)
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


@lru_cache(maxsize=1)
def general_words() -> frozenset[str]:
    """Words known beyond the corpus: spaCy's Indonesian lemma lookup (forms and lemmas), the colloquial
    lexicons' words and their standard forms, Sastrawi's root words, SymSpell's English words, question
    and stop words, English markers."""
    from indoNLP.preprocessing.slang_data import SLANG_DATA

    from kb_assistant.retrieval.normalize import lexeme_norms

    known: set[str] = set()
    for table in (lemmas(), lexeme_norms(), SLANG_DATA):
        for key, value in table.items():
            known.add(key.lower())
            known.update(value.lower().split())
    return frozenset(known | root_words() | english_words() | QUESTION_WORDS | stop_words() | word_list("english_markers"))


@lru_cache(maxsize=1)
def _root_stemmer():
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return StemmerFactory().create_stemmer()


def has_known_root(word: str) -> bool:
    """Whether Sastrawi finds a root word in ``word``, or in its colloquial -in form read as -kan or -i."""
    forms = [word] + ([word[:-2] + "kan", word[:-2] + "i"] if word.endswith("in") else [])
    return any(_root_stemmer().stem(form) in root_words() for form in forms)


def one_edit(word: str) -> set[str]:
    """Every string one deletion, adjacent transposition, replacement or insertion away (a-z)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return ({a + b[1:] for a, b in splits if b} | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
            | {a + c + b[1:] for a, b in splits if b for c in letters} | {a + c + b for a, b in splits for c in letters})


class Speller:
    """Corrections against one corpus version's words (built with the loaded index)."""

    def __init__(self, word_counts: Mapping[str, int]) -> None:
        self.words = frozenset(word_counts)
        self._stems = frozenset(stem(w) for w in self.words)
        self._symspell = SymSpell(max_dictionary_edit_distance=MAX_EDITS, prefix_length=7)
        for word, count in word_counts.items():
            if len(word) >= MIN_LENGTH - MAX_EDITS and word.isalpha():
                self._symspell.create_dictionary_entry(word, count)

    def known(self, word: str) -> bool:
        low = word.lower()
        if low in self.words or low in general_words():
            return True
        root = stem(low)
        return root in self._stems or root in general_words() or has_known_root(low)

    def recognises(self, word: str) -> bool:
        """A word the corpus or a general word list writes as it is, a colloquial prefix on such a
        word (Sneddon 2006: ke- for ter-/di- "kepake", nge- for meN- "ngecek"), or a misspelling this
        speller corrects; a root found by stemming alone does not count ("tukin" is no "tuki" + -in)."""
        low, known = word.lower(), general_words()
        if low in self.words or low in known:
            return True
        if any(low.startswith(prefix) and len(low) - len(prefix) >= 3 and low[len(prefix):] in known for prefix in COLLOQUIAL_PREFIXES):
            return True
        return self.suggest(low) is not None

    def suggest(self, word: str) -> str | None:
        """The corpus word meant by an unknown lowercase ``word``, or None (known, too short, capitalised,
        or no close word)."""
        if len(word) < MIN_LENGTH or not word.isalpha() or not word.islower() or self.known(word):
            return None
        edits = MAX_EDITS if len(word) >= LONG_WORD else 1
        found = self._symspell.lookup(word, Verbosity.TOP, max_edit_distance=edits)
        if not found or found[0].term == word:
            return None
        if found[0].distance > 1 and not general_words().isdisjoint(one_edit(word)):
            return None  # "bagaiman" is "bagaimana" mistyped, not the corpus word "bagian" two edits away
        return found[0].term

    def correct(self, text: str) -> str:
        """``text`` with each unknown word replaced by the corpus word meant, where there is one."""
        return _WORD.sub(lambda m: self.suggest(m.group(0)) or m.group(0), text)
