"""Analyse a question once: every stage reads this one :class:`QueryAnalysis`.

Normalised text (general colloquial lexicons), corpus-defined terms and acronym expansions,
named documents (scope), the term a definition question asks about, the legal-status / time
intent (vocabulary in ``data/legal_status.toml``), and the specifics (figures, years, names)
that an answer must contain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kb_assistant.corpus.manifest import Manifest
from kb_assistant.retrieval.lexicon import Lexicon, words
from kb_assistant.retrieval.normalize import looks_english, normalise_query
from kb_assistant.retrieval.scope import Scope, mention_spans, resolve_scope
from kb_assistant.retrieval.tables import patterns
from kb_assistant.retrieval.text import QUESTION_WORDS, analyse

CITATION_PARTS = re.compile(r"\b(?:pasal|ayat|huruf|angka|article|paragraph)\s*\(?\w{1,4}\)?", re.IGNORECASE)
NUMERIC = re.compile(r"^(?:\d[\d.,/%-]*\w*|[IVX]{1,4}/[a-e])$", re.IGNORECASE)
TOKEN = re.compile(r"[\w/%.,-]+")


@dataclass(frozen=True)
class QueryAnalysis:
    question: str
    normalised: str
    expanded: str  # normalised text plus corpus expansions (acronym ↔ defined name)
    terms: frozenset[str]  # stemmed content terms, question words dropped
    defined_terms: tuple[tuple[str, ...], ...]  # corpus-defined terms named in the question
    definition_term: str | None  # the term a definition question asks about
    scope: Scope
    status: bool = False  # asks whether a regulation applies / what replaced it
    time: bool = False  # asks when a regulation took effect
    english: bool = False
    specifics: tuple[str, ...] = field(default_factory=tuple)  # figures/years/names the answer must hold

    @property
    def lexical_text(self) -> str:
        return self.expanded


def analyse_query(question: str, lexicon: Lexicon, manifest: Manifest, scope: Scope) -> QueryAnalysis:
    normalised = normalise_query(question)
    expansion = lexicon.expand(normalised)
    expanded = f"{normalised} {expansion}".strip()
    return QueryAnalysis(
        question=question,
        normalised=normalised,
        expanded=expanded,
        terms=frozenset(analyse(expanded, drop_question_words=True)),
        defined_terms=tuple(key for key in lexicon.find(normalised) if key in lexicon.definitions),
        definition_term=definition_term(normalised),
        scope=scope,
        status=status_intent(normalised, manifest, scope),
        time=any(p.search(normalised) for p in patterns("legal_status", "time")),
        english=looks_english(question),
        specifics=specifics(question, manifest),
    )


def definition_term(question: str) -> str | None:
    """The term a definition question asks about ("Apa itu bantuan kedinasan?" → "bantuan kedinasan")."""
    for pattern in patterns("question_forms", "definition"):
        match = pattern.search(question)
        if match:
            term = match.group("term").strip(" -/")
            if 0 < len(term.split()) <= 6:
                return term
    return None


def status_intent(question: str, manifest: Manifest, scope: Scope) -> bool:
    """Legal-status vocabulary, or 'after <a law that repealed another>'."""
    if any(p.search(question) for p in patterns("legal_status", "status")):
        return True
    repealing = {d.id for d in manifest.documents if d.repeals}
    after = any(p.search(question) for p in patterns("legal_status", "after"))
    return after and bool(repealing & set(scope.mentioned))


def specifics(question: str, manifest: Manifest) -> tuple[str, ...]:
    """Figures, years, grades and unusual names the question asks about (document citations,
    Pasal/ayat numbers and question words removed)."""
    text = question
    for start, end in sorted(mention_spans(question, manifest), reverse=True):
        text = text[:start] + " " + text[end:]
    text = CITATION_PARTS.sub(" ", text)
    found: list[str] = []
    for position, raw in enumerate(TOKEN.findall(text)):
        token = raw.strip(".,-/")
        if not token or token.lower() in QUESTION_WORDS:
            continue
        if NUMERIC.match(token) and any(ch.isdigit() for ch in token) or re.match(r"^[IVX]{1,4}/[a-e]$", token, re.I):
            found.append(token)
        elif len(token) >= 3 and token.isupper() and token.isalpha():
            found.append(token)
    return tuple(dict.fromkeys(found))


def word_tuple(text: str) -> tuple[str, ...]:
    return words(text)
