"""Indonesian text analysis shared by BM25 indexing and querying.

One analyser for both sides keeps index and query tokens comparable: lowercase, words,
PySastrawi's stop words (minus words that carry meaning in this domain, e.g. "kerja sama"),
spaCy's Indonesian lemma lookup (``spacy-lookups-data``: "pemberhentian" → "henti") and
Snowball's Indonesian stemmer (PyStemmer) for words the lookup does not know.
"""

from __future__ import annotations

import gzip
import json
import re
import tomllib
from functools import lru_cache
from importlib import resources
from pathlib import Path

import Stemmer
from Sastrawi.StopWordRemover.StopWordRemoverFactory import StopWordRemoverFactory


WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")

WORD_LISTS = Path(__file__).parent / "data" / "word_lists.toml"


@lru_cache(maxsize=None)
def word_list(group: str) -> frozenset[str]:
    """The words of every entry of one list of ``data/word_lists.toml`` (each entry holds them
    space-separated in ``text``, with its ``source``)."""
    with WORD_LISTS.open("rb") as handle:
        entries = tomllib.load(handle).get(group, [])
    return frozenset(word for entry in entries for word in entry["text"].split())


# Sastrawi stop words that are content words in regulations ("kerja sama", "masa kerja", "luar negeri"),
# and the words of asking dropped from BM25 queries only: data/word_lists.toml, each with its source.
DOMAIN_WORDS = word_list("domain_words")
QUESTION_WORDS = word_list("question_words")


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    words = set(StopWordRemoverFactory().get_stop_words()) - DOMAIN_WORDS
    return frozenset(words)


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("indonesian")


# Bump when the analyser changes: a saved BM25 index of another version is rebuilt on load.
ANALYSER_VERSION = "2-lemma"


@lru_cache(maxsize=1)
def lemmas() -> dict[str, str]:
    path = resources.files("spacy_lookups_data") / "data" / "id_lemma_lookup.json.gz"
    return json.loads(gzip.decompress(path.read_bytes()))


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The lemma when the lookup knows the word, else its Snowball stem."""
    lemma = lemmas().get(word)
    return _stemmer().stemWord(lemma if lemma else word)


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def analyse(text: str, drop_question_words: bool = False) -> list[str]:
    """Stemmed content tokens of ``text`` (the BM25 vocabulary)."""
    stops = stop_words()
    tokens = [w for w in words(text) if w not in stops and len(w) > 1]
    if drop_question_words:
        tokens = [w for w in tokens if w not in QUESTION_WORDS]
    return [stem(t) for t in tokens]
