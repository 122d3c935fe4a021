"""The retrieval pipeline: scope → candidates (lexical, dense, structural) → rank → evidence.
Each stage is a module of its own reading one :class:`QueryAnalysis`.

Ranking is the learned ranker (``retrieval/ranker.py``) when the model profile has weights, else
the hand-weighted rescoring of the fused ranks (``retrieval/rescore.py``). Modes ``bm25``,
``dense`` and ``hybrid`` (default) share scope, grouping and references so an evaluation compares
only the ranking signal; the structural channel and the ranking stage are part of hybrid.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

from kb_assistant.corpus.manifest import Manifest
from kb_assistant.retrieval.analysis import QueryAnalysis, analyse_query
from kb_assistant.retrieval.dense import dense_candidates
from kb_assistant.retrieval.evidence import Evidence, gather_evidence
from kb_assistant.retrieval.fusion import fuse, group_by_pasal, group_by_unit, rrf
from kb_assistant.retrieval.lexical import lexical_candidates
from kb_assistant.retrieval.ranker import check_weights, learned_rank
from kb_assistant.retrieval.repealed_terms import widen_for_repealed_terms
from kb_assistant.retrieval.rescore import rescore
from kb_assistant.retrieval.scope import Scope, resolve_scope
from kb_assistant.retrieval.searcher import IndexReader
from kb_assistant.retrieval.structural import add_structural, reference_hits, status_documents
from kb_assistant.retrieval.units import PasalHit, UnitHit
from kb_assistant.settings import RetrievalSettings

Mode = Literal["bm25", "dense", "hybrid"]
__all__ = ["Candidates", "Filters", "Mode", "PasalHit", "UnitHit", "Retrieval", "Retriever", "rrf", "group_by_pasal", "group_by_unit"]


@dataclass
class Filters:
    docs: list[str] | None = None
    include_repealed: bool | None = None


@dataclass
class Retrieval:
    query: str
    hits: list[PasalHit]
    supporting: list[PasalHit]
    scope: Scope
    top_dense: float
    timings_ms: dict[str, float] = field(default_factory=dict)
    coverage: float = 0.0  # share of the question's idf-weighted terms found in the top 3 units
    top_unit_coverage: float = 0.0  # the same share within the top unit's best ayat or sentence
    english: bool = False
    analysis: QueryAnalysis | None = None
    missing: list[str] = field(default_factory=list)  # figures the question asks that the evidence lacks
    unknown_names: list[str] = field(default_factory=list)  # names the question uses that neither evidence nor corpus holds

    def evidence(self, dense_center: float, dense_weight: float, unit_weight: float) -> float:
        """One number for "does the corpus answer this": dense similarity, term coverage, best ayat."""
        return dense_weight * (self.top_dense - dense_center) + self.coverage + unit_weight * self.top_unit_coverage


@dataclass
class Candidates:
    """The units the channels found for one question, grouped, not yet ranked."""

    analysis: QueryAnalysis
    loaded: object
    hits: list[PasalHit]
    top_dense: float
    timings: dict[str, float]
    started: float


class Retriever:
    def __init__(self, reader: IndexReader, embedder, manifest: Manifest, settings: RetrievalSettings) -> None:
        self.reader = reader
        self.embedder = embedder
        self.manifest = manifest
        self.settings = settings
        check_weights(settings.ranker_weights)  # a misspelt feature fails at start, not on the first question

    def analyse(self, question: str, filters: Filters | None = None) -> QueryAnalysis:
        """The question analysed once, with its document scope."""
        filters = filters or Filters()
        loaded = self.reader.get()
        scope = resolve_scope(question, self.manifest, loaded.docs, self.settings.include_repealed, filters.docs, filters.include_repealed)
        analysis = analyse_query(
            question, loaded.lexicon, self.manifest, scope, loaded.speller if self.settings.spelling_correction else None,
            loaded.abbreviations if self.settings.abbreviations else None,
        )
        analysis = widen_for_repealed_terms(analysis, loaded, self.manifest)
        if (analysis.status or analysis.time) and not filters.docs and scope.docs is not None:
            scope.docs |= status_documents(analysis, self.manifest, loaded.docs)  # the repealing law states the status
        return analysis

    def candidates(self, question: str, filters: Filters | None = None, mode: Mode = "hybrid") -> Candidates:
        """Scope, the candidate channels and grouping into units, before any ranking (what a
        ranker is fitted on: `kb models fit-ranker`)."""
        started = _clock()
        analysis = self.analyse(question, filters)
        loaded = self.reader.get()
        k = self.settings.candidates
        timings = {"analyse": _ms(started)}
        dense = dense_candidates(self.reader, self.embedder, analysis, k, self.settings.broader_dense_query, self.settings.query_adapter)
        timings["dense"] = _ms(started) - timings["analyse"]
        lexical = lexical_candidates(self.reader, analysis, k, self.settings) if mode != "dense" else []
        hits = group_by_unit(loaded.chunks, fuse(mode, dense, lexical, self.settings), dict(dense), dict(lexical))
        if mode == "hybrid":
            hits = add_structural(hits, analysis, loaded, self.manifest)
        return Candidates(analysis, loaded, hits, max((s for _, s in dense), default=0.0), timings, started)

    def retrieve(self, question: str, filters: Filters | None = None, mode: Mode = "hybrid", top_k: int | None = None) -> Retrieval:
        found = self.candidates(question, filters, mode)
        analysis, loaded, hits = found.analysis, found.loaded, found.hits
        if mode == "hybrid":
            hits = self._rank(hits, analysis, loaded)
        hits = hits[: top_k or self.settings.top_k]
        supporting = reference_hits(hits, loaded) if self.settings.neighbour_expansion else []
        evidence: Evidence = gather_evidence(hits, analysis, loaded, found.top_dense)
        timings = found.timings | {"retrieve": _ms(found.started)}
        return Retrieval(
            analysis.normalised, hits, supporting, analysis.scope, evidence.top_dense, timings, coverage=evidence.coverage,
            top_unit_coverage=evidence.top_unit_coverage, english=analysis.english, analysis=analysis, missing=evidence.missing,
            unknown_names=evidence.unknown_names,
        )

    def _rank(self, hits: list[PasalHit], analysis: QueryAnalysis, loaded) -> list[PasalHit]:
        """The learned ranker when the profile has weights, else the hand-weighted rescoring."""
        if self.settings.ranker_weights:
            return learned_rank(hits, analysis, loaded, self.settings.ranker_weights, self.manifest.repealing())
        return rescore(hits, analysis, loaded, self.settings)


def _clock() -> float:
    return time.perf_counter()


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
