"""Is a question English or Indonesian? Decided from general word lists, not from questions.

Why: an English question must not go through the colloquial-Indonesian normaliser (its slang
table reads "to" as "tapi", "in" as "ini", "or" as "orang", "it" as "itu") nor the spelling
correction. Function words alone miss short questions ("Is PP 94/2021 still in force?" has one),
so a question is also English when most of its words are English words that no Indonesian list
knows (SymSpell's English frequency list against Sastrawi's root words and stop words, spaCy's
Indonesian lemma lookup and the slang lexicons' standard forms).
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from kb_assistant.indexing.text import lemmas, stop_words, word_list

MIN_MARKERS = 2  # English function words that make a question English on their own
MIN_ENGLISH_WORDS = 2
ENGLISH_SHARE = 0.6  # of the question's lowercase words
_WORD = re.compile(r"\b[A-Za-z][a-z]+\b")  # acronyms (PP, UU, ASN) and numbers say nothing about the language


@lru_cache(maxsize=1)
def root_words() -> frozenset[str]:
    """Sastrawi's dictionary of Indonesian root words."""
    path = resources.files("Sastrawi") / "Stemmer" / "data" / "kata-dasar.txt"
    return frozenset(path.read_text(encoding="utf-8").split())


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """SymSpell's English frequency dictionary (word, count per line)."""
    path = resources.files("symspellpy") / "frequency_dictionary_en_82_765.txt"
    return frozenset(line.split()[0] for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


@lru_cache(maxsize=1)
def indonesian_words() -> frozenset[str]:
    """Standard Indonesian words: Sastrawi roots and stop words, spaCy's lemma lookup, and the
    standard forms (not the slang keys: "in", "to" are slang keys) of the colloquial lexicons."""
    from indoNLP.preprocessing.slang_data import SLANG_DATA

    from kb_assistant.retrieval.normalize import lexeme_norms

    known = set(root_words()) | set(stop_words())
    for key, value in lemmas().items():
        known.add(key.lower())
        known.add(value.lower())
    for table in (lexeme_norms(), SLANG_DATA):
        for value in table.values():
            known.update(value.lower().split())
    return frozenset(known)


def looks_english(question: str) -> bool:
    """Two English function words, or mostly English words that are not Indonesian."""
    words = [w.lower() for w in _WORD.findall(question)]
    if sum(w in word_list("english_markers") for w in words) >= MIN_MARKERS:
        return True
    english = [w for w in words if w in english_words() and w not in indonesian_words()]
    return len(english) >= MIN_ENGLISH_WORDS and len(english) >= ENGLISH_SHARE * len(words)
