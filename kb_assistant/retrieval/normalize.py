"""Colloquial Indonesian → standard spelling, from maintained general lexicons only.

ASN type "gmn", "gak", "yg", "cutiii". Those are normalised with two published resources:
indoNLP's slang dictionary and word-elongation rule (``indoNLP.preprocessing``) and spaCy's
Indonesian lexeme-norm table (``spacy-lookups-data``, ``id_lexeme_norm``). No entry here was
written for a question; corpus terms (acronyms) are expanded by :mod:`.lexicon` instead.
"""

from __future__ import annotations

import gzip
import json
import re
from functools import lru_cache
from importlib import resources

from indoNLP.preprocessing import replace_word_elongation
from indoNLP.preprocessing.slang_data import SLANG_DATA


_TOKEN = re.compile(r"[\w/'-]+|[^\w\s]", re.UNICODE)
_QUOTES = re.compile(r"(?<!\w)['\"“”‘’`«»]+|['\"“”‘’`«»]+(?!\w)")  # quotation marks around a term; an apostrophe inside a word stays
_REPEAT = re.compile(r"\b([a-zA-Z]{2,})2\b")  # "masing2" → "masing-masing" (never numbers like 132/2022)


@lru_cache(maxsize=1)
def lexeme_norms() -> dict[str, str]:
    """spaCy's Indonesian lexeme norms (informal spelling → standard), lowercase keys."""
    path = resources.files("spacy_lookups_data") / "data" / "id_lexeme_norm.json.gz"
    table = json.loads(gzip.decompress(path.read_bytes()))
    return {key.lower(): value for key, value in table.items()}


def normalise_query(question: str, english: bool = False) -> str:
    """Quotation marks dropped (a quoted term is still the term); reduplication, elongation and
    slang normalised; the user's other words kept as typed. An English question keeps its words:
    the slang table would read "to" as "tapi" and "in" as "ini"."""
    text = _QUOTES.sub(" ", question)
    if english:
        return " ".join(text.split())
    text = _REPEAT.sub(lambda m: f"{m.group(1)}-{m.group(1)}", text)
    tokens = [_standard(token) for token in _TOKEN.findall(text)]
    return re.sub(r"\s+([?.,!;:)])", r"\1", " ".join(" ".join(tokens).split())).strip()


def _standard(token: str) -> str:
    """A lowercase or capitalised word's standard form; acronyms (UU, PNS) and numbers stay."""
    if not (token.islower() or token.istitle()) or not token.isalpha():
        return token
    low = replace_word_elongation(token.lower())
    return lexeme_norms().get(low) or SLANG_DATA.get(low) or (low if low != token.lower() else token)
