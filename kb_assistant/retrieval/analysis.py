"""Analyse a question once: every stage reads this one :class:`QueryAnalysis`.

Normalised text (general colloquial lexicons), corpus-defined terms and acronym expansions,
named documents (scope), the term a definition question asks about, the legal-status / time
intent (vocabulary in ``data/legal_status.toml``), and the specifics (figures, years, names)
that an answer must contain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from kb_assistant.corpus.manifest import Manifest
from kb_assistant.retrieval.abbreviations import Abbreviations
from kb_assistant.retrieval.casing import recase
from kb_assistant.retrieval.lexicon import Lexicon, words
from kb_assistant.retrieval.language import looks_english
from kb_assistant.retrieval.normalize import normalise_query
from kb_assistant.retrieval.quantities import Quantity, asked_quantities
from kb_assistant.retrieval.scope import Scope, mention_spans
from kb_assistant.retrieval.spelling import Speller
from kb_assistant.retrieval.tables import load_table, patterns
from kb_assistant.indexing.text import QUESTION_WORDS, analyse

CITATION_PARTS = re.compile(r"\b(?:pasal|ayat|huruf|angka|article|paragraph)\s*\(?\w{1,4}\)?", re.IGNORECASE)
YEAR = re.compile(r"^(?:19|20)\d\d$")
GRADE = re.compile(r"^(?:[IVX]{1,5}/[a-e]|(?:II|III|IV|V|VI|VII|VIII|IX|X|XI|XII|XIII|XIV|XV|XVI|XVII))$")
AMOUNT = re.compile(r"^(?:rp\.?\s?)?\d{1,3}(?:[.,]\d{3})+$|^\d{4,}$|^\d+(?:[.,]\d+)?%$", re.IGNORECASE)
TOKEN = re.compile(r"[\w/%.,-]+")
SENTENCE_START = re.compile(r"(?:^|[.?!]\s+)$")


@dataclass(frozen=True)
class RepealedTerm:
    """A question term only a repealed law defines (:mod:`.repealed_terms`)."""

    term: str  # as the question writes it ("kasn")
    in_full: str  # "komisi aparatur sipil negara" ("" when the term has no short form)
    defined_in: frozenset[str]  # the repealed documents defining it
    transition: tuple[str, ...] = ()  # the repealing law's status clauses naming it ("UU 20/2023 Pasal 70 ayat (3)")


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
    specifics: tuple[str, ...] = field(default_factory=tuple)  # figures: years, grades, amounts the answer must hold
    names: tuple[str, ...] = field(default_factory=tuple)  # acronyms and proper names the question asks about
    answer_types: tuple[str, ...] = field(default_factory=tuple)  # money / percent / period the answer must state
    generalised: str = ""  # the question with its terms' broader defined terms ("hak PPPK" → "hak pegawai asn"), "" if none
    quantities: tuple[Quantity, ...] = field(default_factory=tuple)  # figures with a unit the question states ("10 hari kerja")
    spelled_out: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (acronym, long form) the question uses ("kasn", "komisi asn")
    repealed_terms: tuple[RepealedTerm, ...] = field(default_factory=tuple)  # terms only a repealed law defines ("kasn")

    @property
    def lexical_text(self) -> str:
        return self.expanded


def analyse_query(
    question: str, lexicon: Lexicon, manifest: Manifest, scope: Scope, speller: Speller | None = None,
    abbreviations: Abbreviations | None = None,
) -> QueryAnalysis:
    """``speller``: misspelt words of an Indonesian question read as the corpus word meant;
    ``abbreviations``: syllabic abbreviations read as the corpus phrase ("hukdis"). A question in
    capitals is read in lower case, its acronyms kept (:mod:`.casing`)."""
    asked, question = question, recase(question, lexicon.acronyms)
    english = looks_english(question)
    normalised = normalise_query(question, english)
    if abbreviations is not None and not english:
        normalised = abbreviations.read(normalised)
    if speller is not None and not english:
        normalised = speller.correct(normalised)
    expansion = lexicon.expand(normalised)
    expanded = f"{normalised} {expansion}".strip()
    return QueryAnalysis(
        question=asked,
        normalised=normalised,
        expanded=expanded,
        terms=frozenset(analyse(expanded, drop_question_words=True)),
        defined_terms=tuple(key for key in lexicon.find(normalised) if key in lexicon.definitions),
        definition_term=definition_term(normalised),
        scope=scope,
        status=status_intent(normalised, manifest, scope),
        time=any(p.search(normalised) for p in patterns("legal_status", "time")),
        english=english,
        specifics=specifics(question, manifest),
        names=() if english else names(question, manifest),
        answer_types=answer_types(normalised),
        quantities=asked_quantities(_without_citations(normalised, manifest)),
        generalised=lexicon.generalise(normalised, title_words(tuple(d.title for d in manifest.documents))),
        spelled_out=lexicon.spell_out(normalised),
    )


@lru_cache(maxsize=8)
def title_words(titles: tuple[str, ...]) -> str:
    """The regulations' titles as one lowercase word string, once per manifest (the terms a
    regulation is specifically about keep their own name: :meth:`Lexicon.generalise`)."""
    return " ".join(" ".join(words(title)) for title in titles)


def answer_types(question: str) -> tuple[str, ...]:
    """The kinds of figure the question asks for (each ``asks_<kind>`` list of ``data/answer_types.toml``:
    "berapa rupiah", "berapa persen", "berapa lama"): an answer must state one."""
    kinds = [group.removeprefix("asks_") for group in load_table("answer_types") if group.startswith("asks_")]
    return tuple(kind for kind in kinds if any(p.search(question) for p in patterns("answer_types", f"asks_{kind}")))


def definition_term(question: str) -> str | None:
    """The term a definition question asks about ("Apa itu bantuan kedinasan?" → "bantuan kedinasan")."""
    for pattern in patterns("question_forms", "definition"):
        match = pattern.search(question)
        if match:
            term = _unqualified(match.group("term") or match.groupdict().get("term2") or "").strip(" -/")
            if 0 < len(term.split()) <= 6:
                return term
    return None


def _unqualified(term: str) -> str:
    """The term without where it is asked about ("Digitalisasi Manajemen ASN menurut UU ASN" →
    "Digitalisasi Manajemen ASN"): the regulation is scope, not part of the defined term."""
    for qualifier in patterns("question_forms", "term_qualifier"):
        term = qualifier.split(term, maxsplit=1)[0]
    return term


def status_intent(question: str, manifest: Manifest, scope: Scope) -> bool:
    """Legal-status vocabulary, or 'after <a law that repealed another>'. Words that only describe
    the law named ("sebelum dicabut", "yang sudah dicabut") do not ask about its status."""
    asked = question
    for qualifier in patterns("legal_status", "qualifier"):
        asked = qualifier.sub(" ", asked)
    if any(p.search(asked) for p in patterns("legal_status", "status")):
        return True
    after = any(p.search(question) for p in patterns("legal_status", "after"))
    return after and bool(manifest.repealing() & set(scope.mentioned))


def _without_citations(question: str, manifest: Manifest) -> str:
    text = question
    for start, end in sorted(mention_spans(question, manifest), reverse=True):
        text = text[:start] + " " * (end - start) + text[end:]
    return CITATION_PARTS.sub(lambda m: " " * len(m.group(0)), text)


def specifics(question: str, manifest: Manifest) -> tuple[str, ...]:
    """Years, grades (III/a) and amounts the question asks about (document citations and Pasal
    numbers removed; small counts such as "6 tahun" are conditions, not what is asked)."""
    found = []
    for raw in TOKEN.findall(_without_citations(question, manifest)):
        token = raw.strip(".,-/")
        if YEAR.match(token) or GRADE.match(token) or AMOUNT.match(token):
            found.append(token)
    return tuple(dict.fromkeys(found))


def names(question: str, manifest: Manifest) -> tuple[str, ...]:
    """Acronyms and capitalised names inside the sentence ("Taspen", "SIASN")."""
    text = _without_citations(question, manifest)
    found = []
    for match in re.finditer(r"[A-Za-z][\w-]*", text):
        token = match.group(0)
        if token.lower() in QUESTION_WORDS or GRADE.match(token) or SENTENCE_START.search(text[: match.start()]):
            continue
        if (len(token) >= 3 and token.isupper()) or (len(token) >= 4 and token[0].isupper() and token[1:].islower()):
            found.append(token)
    return tuple(dict.fromkeys(found))
