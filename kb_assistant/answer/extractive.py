"""The default answerer: quote the ayat or sentences that answer, each followed by its citation.

No text is generated: every statement is a span of a retrieved passage, and every citation
is built from that passage's metadata, so the answer cannot cite what was not retrieved.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from kb_assistant.indexing.chunk import LIST_LEAD, Chunk
from kb_assistant.indexing.labels import citation_label
from kb_assistant.retrieval.lexicon import words
from kb_assistant.retrieval.scope import Scope
from kb_assistant.retrieval.units import PasalHit
from kb_assistant.indexing.text import analyse

MAX_UNIT_WORDS = 90
MAX_LIST_WORDS = 220  # a unit holding a list ("terdiri atas: a. ...; b. ...") is quoted with its list


@dataclass
class Statement:
    text: str
    doc: str
    pasal: str | None
    ayat: str | None
    label: str


def best_units(
    question_terms: set[str], chunk: Chunk, limit: int = 2, similarity: Callable[[Chunk], list[float]] | None = None,
) -> list[tuple[str | None, str, float]]:
    """The units of ``chunk`` sharing the most question terms (per word of the unit, a list's
    items not counted), in document order. When no unit shares a term (an English question),
    ``similarity`` (one score per unit) chooses instead of the units' order."""
    scored = []
    for position, (ayat, text) in enumerate(chunk.units(quote=True)):
        terms = set(analyse(text))
        overlap = len(question_terms & terms)
        scored.append((overlap / (1 + 0.02 * _lead_words(text)), position, ayat, text))
    if not scored:
        return []
    if similarity is not None and len(scored) > 1 and not any(score for score, *_ in scored):
        scores = similarity(chunk)
        best = max(range(len(scored)), key=lambda i: (scores[i], -i))
        _, position, ayat, text = scored[best]
        return [(ayat, _trim(text), scores[best])]
    ranked = sorted(scored, key=lambda s: (-s[0], s[1]))[:limit]
    top = ranked[0][0]
    keep = [r for r in ranked if r[0] >= 0.6 * top and r[0] > 0] or ranked[:1]
    return [(ayat, _trim(text), score) for score, _, ayat, text in sorted(keep, key=lambda r: r[1])]


def compose(
    question: str,
    hits: list[PasalHit],
    chunks: dict[str, Chunk],
    doc_labels: dict[str, str],
    max_citations: int,
    max_sentences: int,
    similarity: Callable[[Chunk], list[float]] | None = None,
    spelled_out: tuple[tuple[str, str], ...] = (),
) -> tuple[str, list[Statement]]:
    """A short Indonesian answer quoting the best units of the chosen Pasal (``similarity``: see
    :func:`best_units`; ``spelled_out``: the question's acronyms and their long forms)."""
    terms = set(analyse(question, drop_question_words=True))
    statements: list[Statement] = []
    for index, hit in enumerate(hits[:max_citations]):
        chunk = chunks.get(hit.node_ids[0])
        if chunk is None:
            continue
        for ayat, text, _ in best_units(terms | spelled_terms(spelled_out, chunk), chunk, limit=2 if index == 0 else 1, similarity=similarity):
            label = chunk.label if chunk.kind in {"section", "definition"} else citation_label(chunk.doc_name, chunk.pasal, ayat)
            statements.append(Statement(text, chunk.doc, chunk.pasal, ayat, label))
            if len(statements) >= max_sentences:
                break
        if len(statements) >= max_sentences:
            break
    lines = []
    for statement in statements:
        note = doc_labels.get(statement.doc, "")
        suffix = f" — {note}" if note else ""
        lines.append(f"- {statement.text} ({statement.label}{suffix})")
    intro = "Berdasarkan korpus peraturan:"
    return intro + "\n" + "\n".join(lines), statements


def spelled_terms(spelled_out: tuple[tuple[str, str], ...], chunk: Chunk) -> set[str]:
    """The terms of the long form of each question acronym this passage does not write (a law that
    never defined "KASN" names the "Komisi Aparatur Sipil Negara" in full)."""
    written = set(words(chunk.text))
    return {term for short, long in spelled_out if not set(short.split()) <= written for term in analyse(long)}


def spans_documents(scope: Scope) -> bool:
    """Whether the answer cites each document: two indexed laws named, or the law compared over
    time ("apa yang berubah dibanding UU 5/2014"). A question that only mentions a repeal ("menurut
    UU 5/2014, sebelum dicabut") asks about that law: citing the new one too halved citation
    precision on the tuning sets and is shown as a status note instead."""
    named = [d for d in scope.mentioned if d not in scope.missing_mentioned]
    return len(named) >= 2 or scope.comparison


def choose_hits(hits: list[PasalHit], max_citations: int, multi_document: bool) -> list[PasalHit]:
    """The Pasal to cite: the top one, and for a question spanning documents (two laws named,
    or old law against new) the best Pasal of each other document among the first five.

    Citing only what the evidence singles out keeps citation precision high: a second Pasal
    of the same document is usually a neighbour, not a second answer (measured on the dev sets).
    """
    if not hits:
        return []
    chosen = [hits[0]]
    if multi_document:
        for hit in hits[1:5]:
            if len(chosen) >= max_citations:
                break
            if hit.doc not in {c.doc for c in chosen}:
                chosen.append(hit)
    return chosen


def _lead_words(text: str) -> int:
    """Words a unit is judged by for its length: a list counts by its lead ("Pegawai ASN wajib:"),
    since its items are the answer to "apa saja …", not padding around it."""
    lead = LIST_LEAD.search(text)
    return len((text[: lead.start() + 1] if lead else text).split())


def _trim(text: str) -> str:
    """At most MAX_UNIT_WORDS, or MAX_LIST_WORDS for a list: an answer never stops at its lead."""
    words = text.split()
    limit = MAX_LIST_WORDS if LIST_LEAD.search(text) else MAX_UNIT_WORDS
    if len(words) <= limit:
        return text
    return " ".join(words[:limit]) + " …"
