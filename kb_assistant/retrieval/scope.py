"""Which documents a question is about: named regulations, aliases, and the old-law cue.

"Menurut PP 28/2018 …" scopes retrieval to that regulation; "UU Pemda" is an alias from the
manifest; a question about history ("dulu", "sebelum UU 20/2023") brings repealed laws in.
A question that names only documents missing from the index is reported, so the assistant can
say the document is not in the corpus instead of answering from something else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kb_assistant.corpus.manifest import DocumentEntry, Manifest
from kb_assistant.retrieval.tables import patterns

TYPE_WORDS: dict[str, str] = {
    "UU": r"(?:uu|undang[- ]undang|law)",
    "PP": r"(?:pp|peraturan pemerintah|government regulation)",
    "Perpres": r"(?:perpres|peraturan presiden|presidential regulation|presidential decree)",
    "Permen": r"(?:permen\w*|peraturan menteri|ministerial regulation)",
    "SE": r"(?:se|surat edaran|circular)",
    "Perda": r"(?:perda|peraturan daerah)",
}
NUMBER_WORD = r"\s*(?:no\.?|nomor|number|nr\.?)\s*"
NUMBER_WORDS = rf"(?:{NUMBER_WORD})?"  # the number word is optional: "UU 20 Tahun 2023"
YEAR_SEP = r"(?:\s*(?:/|tahun|thn\.?|th\.?|of(?: the year)?|year)\s*|\s+)"  # "Nomor 20 Tahun 2023", "Law Number 20 Year 2023", "PP 11 2017"
# Words between the type and "Nomor" in a full citation: "Undang-Undang Republik Indonesia Nomor 20 …",
# "Peraturan Menteri PANRB Nomor 30 …" (UU 12/2011 Lampiran II: the title names the issuer before the number).
ISSUER_WORDS = r"(?:\s+[\w-]+){1,12}?"


@dataclass
class Scope:
    docs: set[str] | None  # None: every indexed document (minus repealed unless included)
    mentioned: list[str] = field(default_factory=list)
    missing_mentioned: list[str] = field(default_factory=list)  # named but not indexed
    include_repealed: bool = False
    historical: bool = False  # asks about an earlier state of the law (cues: data/legal_status.toml)
    comparison: bool = False  # compares the law over time: the answer cites each law compared


def _mentions(question: str, manifest: Manifest) -> list[tuple[int, int, str]]:
    """(start, end, doc id) of every naming of a document, longest patterns first, no overlaps."""
    text = question.lower()
    patterns: list[tuple[str, re.Pattern]] = []
    for doc in manifest.documents:
        patterns.extend((doc.id, pattern) for alias in doc.aliases for pattern in _alias_patterns(alias))
        patterns.extend((doc.id, p) for p in _citation_patterns(doc))
    patterns.sort(key=lambda item: -len(item[1].pattern))
    consumed = [False] * len(text)
    found: list[tuple[int, int, str]] = []
    for doc_id, pattern in patterns:
        for match in pattern.finditer(text):
            if any(consumed[match.start() : match.end()]):
                continue
            for i in range(match.start(), match.end()):
                consumed[i] = True
            found.append((match.start(), match.end(), doc_id))
    return sorted(found)


def mention_spans(question: str, manifest: Manifest) -> list[tuple[int, int]]:
    """Character spans of the question that name a document ("UU 20/2023", "UU Pemda")."""
    return [(start, end) for start, end, _ in _mentions(question, manifest)]


def mentioned_documents(question: str, manifest: Manifest) -> list[str]:
    """Document ids named in the question, in order of first mention."""
    return list(dict.fromkeys(doc_id for _, _, doc_id in _mentions(question, manifest)))


def resolve_scope(
    question: str,
    manifest: Manifest,
    indexed: set[str],
    include_repealed: str = "auto",
    explicit_docs: list[str] | None = None,
    explicit_repealed: bool | None = None,
) -> Scope:
    """The documents to search for this question, and why."""
    repealed = {d.id for d in manifest.documents if d.is_repealed}
    comparison = any(p.search(question) for p in patterns("legal_status", "comparison"))
    historical = comparison or any(p.search(question) for p in patterns("legal_status", "history"))
    mentioned = mentioned_documents(question, manifest)
    missing = [d for d in mentioned if d not in indexed]
    if explicit_docs:
        docs = {d for d in explicit_docs if d in indexed}
        take_repealed = True if explicit_repealed is None else explicit_repealed
    elif mentioned and any(d in indexed for d in mentioned):
        docs = {d for d in mentioned if d in indexed}
        take_repealed = True  # a repealed law named by the user is searched, and labelled
    else:
        docs = None
        take_repealed = _take_repealed(include_repealed, historical)
    if explicit_repealed is not None and not explicit_docs:
        take_repealed = explicit_repealed or (docs is not None and bool(docs & repealed))
    if docs is None:
        docs = set(indexed) if take_repealed else set(indexed) - repealed
    elif not take_repealed:
        docs -= repealed
    if historical and not explicit_docs and docs is not None:
        # "what changed since UU 5/2014": bring in what repealed or was repealed by the named law
        for doc in manifest.documents:
            if doc.id in docs:
                docs |= {d for d in (*doc.repeals, *doc.repealed_by) if d in indexed}
    return Scope(
        docs=docs, mentioned=mentioned, missing_mentioned=missing, include_repealed=bool(docs & repealed),
        historical=historical, comparison=comparison,
    )


def _take_repealed(setting: str, historical: bool) -> bool:
    if setting == "always":
        return True
    if setting == "never":
        return False
    return historical


def _alias_patterns(alias: str) -> list[re.Pattern]:
    """An alias as written; one ending in a year ("UU ASN 2023") also with "tahun"/"of" before the
    year ("UU ASN tahun 2023") or the year first, as English puts it ("the 2023 ASN Law")."""
    forms = [re.escape(alias.lower())]
    named = re.fullmatch(r"(.+?)\s+(\d{4})", alias.lower())
    if named:
        words, year = r"\s+".join(map(re.escape, named.group(1).split())), named.group(2)
        forms += [rf"{words}{YEAR_SEP}{year}", rf"{year}\s+{words}"]
    return [re.compile(rf"(?<![\w/]){form}(?![\w/])") for form in forms]


def _citation_patterns(doc: DocumentEntry) -> list[re.Pattern]:
    if not doc.number or not doc.year:
        return []
    number, year = re.escape(doc.number), str(doc.year)
    type_words = TYPE_WORDS.get(doc.type)
    patterns = [re.compile(rf"(?<![\w/]){number}\s*/\s*{year}(?!\d)")]
    if type_words:
        patterns.append(re.compile(rf"\b{type_words}{NUMBER_WORDS}\s*{number}{YEAR_SEP}{year}\b"))
        patterns.append(re.compile(rf"\b{type_words}{ISSUER_WORDS}{NUMBER_WORD}{number}{YEAR_SEP}{year}\b"))
    return patterns
