"""The default answerer: quote the ayat or sentences that answer, each followed by its citation.

No text is generated: every statement is a span of a retrieved passage, and every citation
is built from that passage's metadata, so the answer cannot cite what was not retrieved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb_assistant.answer.types import citation_label
from kb_assistant.indexing.chunk import Chunk
from kb_assistant.retrieval.retriever import PasalHit
from kb_assistant.retrieval.text import analyse

AYAT_START = re.compile(r"^\((\d+[a-z]?)\)\s*")
UNIT_SPLIT = re.compile(r"\n(?=\(\d+[a-z]?\)\s)|(?<=[.;])\s+(?=[A-Z(])")
MAX_UNIT_WORDS = 90


@dataclass
class Statement:
    text: str
    doc: str
    pasal: str | None
    ayat: str | None
    label: str


def units_of(chunk: Chunk) -> list[tuple[str | None, str]]:
    """(ayat, text) pieces of a node: its ayat, or its sentences when it has none."""
    units: list[tuple[str | None, str]] = []
    current_ayat = chunk.ayat_start if chunk.ayat_start == chunk.ayat_end else None
    for piece in UNIT_SPLIT.split(chunk.text):
        piece = " ".join(piece.split())
        if not piece:
            continue
        match = AYAT_START.match(piece)
        if match:
            current_ayat = match.group(1)
        units.append((current_ayat, piece))
    return units


def best_units(question_terms: set[str], chunk: Chunk, limit: int = 2) -> list[tuple[str | None, str, float]]:
    """The units of ``chunk`` sharing the most question terms, in document order."""
    scored = []
    for position, (ayat, text) in enumerate(units_of(chunk)):
        terms = set(analyse(text))
        overlap = len(question_terms & terms)
        scored.append((overlap / (1 + 0.02 * len(text.split())), position, ayat, text))
    if not scored:
        return []
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
) -> tuple[str, list[Statement]]:
    """A short Indonesian answer quoting the best units of the chosen Pasal."""
    terms = set(analyse(question, drop_question_words=True))
    statements: list[Statement] = []
    for hit in hits[:max_citations]:
        chunk = chunks.get(hit.node_ids[0])
        if chunk is None:
            continue
        for ayat, text, _ in best_units(terms, chunk, limit=2):
            label = citation_label(chunk.doc_name, chunk.pasal, ayat) if chunk.kind != "section" else chunk.label
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


def choose_hits(hits: list[PasalHit], max_citations: int, relative: float) -> list[PasalHit]:
    """The top Pasal, plus the next ones whose fused score is close to it."""
    if not hits:
        return []
    chosen = [hits[0]]
    for hit in hits[1:]:
        if len(chosen) >= max_citations:
            break
        if hit.score >= relative * hits[0].score:
            chosen.append(hit)
    return chosen


def _trim(text: str) -> str:
    words = text.split()
    if len(words) <= MAX_UNIT_WORDS:
        return text
    return " ".join(words[:MAX_UNIT_WORDS]) + " …"
