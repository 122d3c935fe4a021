"""Dense + BM25 retrieval fused by reciprocal rank fusion, grouped per Pasal.

Modes: ``bm25``, ``dense`` and ``hybrid`` (default) share scope, grouping and expansion so
an evaluation compares only the ranking signal.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

from kb_assistant.corpus.manifest import Manifest
from kb_assistant.retrieval.intents import definition_term, defines, intents_of, matches
from kb_assistant.retrieval.normalize import ENGLISH, ENGLISH_WORDS, english_terms, looks_english, normalise_query
from kb_assistant.retrieval.scope import Scope, resolve_scope
from kb_assistant.retrieval.searcher import IndexReader
from kb_assistant.retrieval.text import analyse
from kb_assistant.settings import RetrievalSettings

Mode = Literal["bm25", "dense", "hybrid"]


@dataclass
class Filters:
    docs: list[str] | None = None
    include_repealed: bool | None = None


@dataclass
class PasalHit:
    doc: str
    pasal: str | None
    node_ids: list[str]  # matching nodes of this Pasal, best first
    score: float
    dense: float = 0.0  # best cosine similarity of its nodes
    bm25: float = 0.0
    supporting: bool = False
    unit_coverage: float | None = None  # share of the question's terms in its best ayat/sentence
    unit: str = ""  # Chunk.unit_key: the Pasal number or "section:<section_id>"

    @property
    def key(self) -> tuple[str, str | None]:
        return (self.doc, self.unit or self.pasal)


@dataclass
class Retrieval:
    query: str
    hits: list[PasalHit]
    supporting: list[PasalHit]
    scope: Scope
    top_dense: float
    timings_ms: dict[str, float] = field(default_factory=dict)
    coverage: float = 0.0  # share of the question's idf-weighted terms found in the top 3 Pasal
    top_unit_coverage: float = 0.0  # the same share within the top Pasal's best ayat or sentence
    english: bool = False

    def evidence(self, dense_center: float, dense_weight: float, unit_weight: float) -> float:
        """One number for "does the corpus answer this": dense similarity, term coverage, best ayat."""
        return dense_weight * (self.top_dense - dense_center) + self.coverage + unit_weight * self.top_unit_coverage


class Retriever:
    def __init__(self, reader: IndexReader, embedder, manifest: Manifest, settings: RetrievalSettings) -> None:
        self.reader = reader
        self.embedder = embedder
        self.manifest = manifest
        self.settings = settings

    def retrieve(self, question: str, filters: Filters | None = None, mode: Mode = "hybrid", top_k: int | None = None) -> Retrieval:
        filters = filters or Filters()
        top_k = top_k or self.settings.top_k
        timings: dict[str, float] = {}
        loaded = self.reader.get()
        scope = resolve_scope(
            question, self.manifest, loaded.docs, self.settings.include_repealed, filters.docs, filters.include_repealed
        )
        normalised = normalise_query(question)
        english = looks_english(question)
        glosses = english_terms(question)
        lexical_query = f"{normalised} {glosses}".strip()
        k = self.settings.candidates

        started = time.perf_counter()
        dense_query = f"{normalised} ({glosses})" if english and self.settings.english_glosses else normalised
        query_vector = self.embedder.embed_queries([dense_query])[0]
        timings["embed"] = _ms(started)
        started = time.perf_counter()
        dense = self.reader.dense(query_vector, k, scope.docs)
        timings["dense"] = _ms(started)
        started = time.perf_counter()
        lexical = self.reader.lexical(lexical_query, k, scope.docs) if mode != "dense" else []
        timings["bm25"] = _ms(started)

        if mode == "dense":
            node_scores = {nid: s for nid, s in dense}
        elif mode == "bm25":
            node_scores = {nid: s for nid, s in lexical}
        else:
            node_scores = rrf(
                [(dense, self.settings.dense_weight), (lexical, self.settings.bm25_weight)], self.settings.rrf_k
            )
        dense_map = dict(dense)
        bm25_map = dict(lexical)
        hits = group_by_pasal(loaded.chunks, node_scores, dense_map, bm25_map)
        query_terms = set(analyse(glosses if english else lexical_query, drop_question_words=True))
        intents = intents_of(question) if mode == "hybrid" else []
        term = definition_term(normalised) if mode == "hybrid" else None
        if term and english:
            term = ENGLISH.get(term.lower()) or ENGLISH_WORDS.get(term.lower())  # the corpus defines Indonesian terms
        if intents or term:
            hits += self._intent_candidates(intents, term, loaded, scope, {h.key for h in hits})
        if mode == "hybrid" and hits:
            hits = self._rescore(hits, loaded, query_terms, intents, term)
        hits = hits[:top_k]
        supporting = self._expand(hits, loaded) if self.settings.neighbour_expansion else []
        top_dense = max(dense_map.values(), default=0.0)
        coverage = loaded.coverage(query_terms, [h.key for h in hits[:3]])
        top_unit = self._unit_coverage(hits[0], loaded, query_terms) if hits else 0.0
        return Retrieval(normalised, hits, supporting, scope, top_dense, timings, coverage=coverage,
                         top_unit_coverage=top_unit, english=english)

    @staticmethod
    def _unit_coverage(hit: PasalHit, loaded, query_terms: set[str]) -> float:
        if hit.unit_coverage is None:
            hit.unit_coverage = max(
                (loaded.coverage_of_terms(query_terms, terms) for node_id in loaded.by_pasal.get(hit.key, hit.node_ids)
                 for terms in loaded.unit_terms(node_id)),
                default=0.0,
            )
        return hit.unit_coverage

    @staticmethod
    def _intent_candidates(intents: list, term: str | None, loaded, scope: Scope, present: set) -> list[PasalHit]:
        """Pasal in scope holding the clause the intent asks for (or defining the asked term),
        even if neither retriever found them."""
        extra: dict[tuple[str, str], PasalHit] = {}
        for node_id, chunk in loaded.chunks.items():
            key = (chunk.doc, chunk.unit_key)
            if key in present or key in extra or (scope.docs is not None and chunk.doc not in scope.docs):
                continue
            if (intents and matches(intents, chunk.text)) or (term and chunk.kind == "definition" and defines(term, chunk.text)):
                extra[key] = PasalHit(chunk.doc, chunk.pasal, [node_id], 0.0, unit=chunk.unit_key)
        return list(extra.values())

    @staticmethod
    def _matches_intent(chunk, intents: list, term: str | None) -> bool:
        if intents and matches(intents, chunk.text):
            return True
        return bool(term and chunk.kind == "definition" and defines(term, chunk.text))

    def _rescore(self, hits: list[PasalHit], loaded, query_terms: set[str], intents: list, term: str | None = None) -> list[PasalHit]:
        """RRF ranks well but ties at the top; adding normalised BM25 and term coverage breaks ties on evidence."""
        top_rrf = max(h.score for h in hits) or 1.0
        top_bm25 = max(h.bm25 for h in hits) or 1.0
        for hit in hits:
            intent_bonus = 0.0
            if intents or term:
                matching = [n for n in loaded.by_pasal.get(hit.key, hit.node_ids) if self._matches_intent(loaded.chunks[n], intents, term)]
                if matching:  # the node holding the clause or definition is the one to quote
                    hit.node_ids = matching + [n for n in hit.node_ids if n not in matching]
                    intent_bonus = self.settings.intent_weight
            hit.score = (
                hit.score / top_rrf
                + self.settings.bm25_score_weight * hit.bm25 / top_bm25
                + self.settings.coverage_weight * loaded.coverage(query_terms, [hit.key])
                + intent_bonus
            )
        hits.sort(key=lambda h: -h.score)
        return self._rerank_head(hits, loaded, query_terms)

    def _rerank_head(self, hits: list[PasalHit], loaded, query_terms: set[str]) -> list[PasalHit]:
        """Reorder the first few Pasal by how well their best ayat or sentence covers the question.

        A whole Pasal can match a question's words spread over unrelated ayat; the Pasal whose
        single ayat holds them is the one to cite (calibrated on the dev sets, see README).
        """
        head = hits[: self.settings.rerank_depth]
        if len(head) < 2 or self.settings.unit_weight <= 0:
            return hits
        top = head[0].score or 1.0
        for hit in head:  # same order as score/top + w·coverage, kept on the scale of the hits below
            hit.score = hit.score + top * self.settings.unit_weight * self._unit_coverage(hit, loaded, query_terms)
        head.sort(key=lambda h: -h.score)
        return head + hits[len(head):]

    def _expand(self, hits: list[PasalHit], loaded) -> list[PasalHit]:
        """Pasal referred to by the top results ("sebagaimana dimaksud dalam Pasal 5")."""
        present = {h.key for h in hits}
        extra: list[PasalHit] = []
        for hit in hits[:3]:
            best = loaded.chunks.get(hit.node_ids[0])
            if best is None:
                continue
            for ref in best.references[:3]:
                key = (hit.doc, ref)
                if key in present or key not in loaded.by_pasal:
                    continue
                present.add(key)
                extra.append(PasalHit(hit.doc, ref, loaded.by_pasal[key][:1], 0.0, supporting=True))
        return extra[:3]


def rrf(rankings: list[tuple[list[tuple[str, float]], float]], k: int) -> dict[str, float]:
    """Weighted reciprocal rank fusion: Σ w / (k + rank), rank from 1."""
    fused: dict[str, float] = {}
    for ranking, weight in rankings:
        for rank, (node_id, _) in enumerate(ranking, start=1):
            fused[node_id] = fused.get(node_id, 0.0) + weight / (k + rank)
    return fused


def group_by_pasal(chunks: dict, node_scores: dict[str, float], dense: dict[str, float], bm25: dict[str, float]) -> list[PasalHit]:
    """One hit per citable unit (doc, unit_key): a Pasal, or a Lampiran/guide section, scored by its best node."""
    groups: dict[tuple[str, str], PasalHit] = {}
    for node_id, score in sorted(node_scores.items(), key=lambda kv: -kv[1]):
        chunk = chunks.get(node_id)
        if chunk is None:
            continue
        key = (chunk.doc, chunk.unit_key)
        hit = groups.get(key)
        if hit is None:
            groups[key] = PasalHit(chunk.doc, chunk.pasal, [node_id], score, dense.get(node_id, 0.0), bm25.get(node_id, 0.0), unit=chunk.unit_key)
        else:
            hit.node_ids.append(node_id)
            hit.dense = max(hit.dense, dense.get(node_id, 0.0))
            hit.bm25 = max(hit.bm25, bm25.get(node_id, 0.0))
    return sorted(groups.values(), key=lambda h: -h.score)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
