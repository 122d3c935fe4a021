"""A learned linear ranker: each candidate unit scored as Σ weight × feature.

Why: the hand-weighted rescoring (RRF + BM25 score + coverage + intent bonus) was fitted by a
grid on the tuning questions and lost to the dense channel alone on questions written by other
authors. The same evidence, weighted by a listwise model fitted across the tuning sets' authors
(`kb models fit-ranker`), keeps what each signal is worth on questions nobody tuned for. The
features are few and named, so a profile's weights read as a statement of what counts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from kb_assistant.retrieval.analysis import QueryAnalysis
from kb_assistant.retrieval.contrast import candidate_weights, contrastive_coverage
from kb_assistant.retrieval.fusion import ranking_key
from kb_assistant.retrieval.proximity import Pair, adjacent_pairs, pair_coverage
from kb_assistant.retrieval.quantities import Stated, stated_quantities, states_any
from kb_assistant.retrieval.rescore import dense_scale, hit_terms, is_definition, lead_coverage, term_coverage, unit_coverage, unit_nodes
from kb_assistant.retrieval.units import PasalHit


@dataclass(frozen=True)
class _Context:
    """Per-question values a feature is relative to."""

    analysis: QueryAnalysis
    loaded: object
    repealing: frozenset[str]  # documents that repealed another (manifest `repeals`)
    dense: Callable[[PasalHit], float]  # cosine rescaled over the dense candidates (rescore.dense_scale)
    top_bm25: float
    pairs: frozenset[Pair]  # the question's adjacent term pairs (proximity)
    contrast: dict[str, float]  # the question's terms weighted by their idf among the candidates (contrast)


@dataclass(frozen=True)
class Feature:
    name: str
    why: str
    value: Callable[[PasalHit, _Context], float]


def _reciprocal(rank: int | None) -> float:
    return 1.0 / rank if rank else 0.0


def _structural(reason: str) -> Callable[[PasalHit, _Context], float]:
    return lambda hit, ctx: float(reason in hit.sources)


def _repealing_clause(hit: PasalHit, ctx: _Context) -> float:
    return float(hit.doc in ctx.repealing and bool(hit.sources & STATUS_REASONS))


def _states_quantity(hit: PasalHit, ctx: _Context) -> float:
    if not ctx.analysis.quantities:
        return 0.0
    return float(states_any(unit_quantities(hit, ctx.loaded), ctx.analysis.quantities))


def unit_quantities(hit: PasalHit, loaded) -> list[Stated]:
    """The figures the unit's own text states (not its Penjelasan, whose examples restate other
    Pasal's figures), computed once per loaded index version."""
    cache = loaded.cache.setdefault("quantities", {})
    nodes = tuple(unit_nodes(hit, loaded))
    if nodes not in cache:
        cache[nodes] = stated_quantities("\n".join(loaded.chunks[n].text for n in nodes if n in loaded.chunks))
    return cache[nodes]


STATUS_REASONS = frozenset({"status", "status-named"})  # not "time": any law states when it took effect


FEATURES: tuple[Feature, ...] = (
    Feature("dense", "cosine rescaled 0-1 between the lowest and the highest dense candidate (models differ in level, not order)", lambda h, c: c.dense(h)),
    Feature("dense_missed", "1 when the dense channel did not find the unit (only BM25 or the structure did)", lambda h, c: float(h.dense_rank is None)),
    Feature("dense_rr", "1 / the unit's best rank in the dense candidates", lambda h, c: _reciprocal(h.dense_rank)),
    Feature("lexical_rr", "1 / the unit's best rank in the BM25 candidates", lambda h, c: _reciprocal(h.lexical_rank)),
    Feature("bm25", "BM25 score relative to the best candidate's", lambda h, c: h.bm25 / c.top_bm25 if c.top_bm25 > 0 else 0.0),
    Feature("coverage", "share of the question's idf-weighted terms in the unit", lambda h, c: term_coverage([h], c.loaded, c.analysis.terms)),
    Feature("unit_coverage", "the same share within the unit's best ayat or sentence", lambda h, c: unit_coverage(h, c.loaded, c.analysis.terms)),
    Feature("lead_coverage", "the same share within the lead of one ayat or sentence: a list's lead (\"Penyelenggara memiliki hak:\"), "
            "else its first sentence; what the ayat is about, without the items that share words by chance",
            lambda h, c: lead_coverage(h, c.loaded, c.analysis.terms)),
    Feature("definition_asked", "a Ketentuan Umum definition, when the question asks what a term means",
            lambda h, c: float(c.analysis.definition_term is not None and is_definition(h, c.loaded))),
    Feature("definition_not_asked", "a definition when the question asks something else (it names a subject, it does not say what the subject must do)",
            lambda h, c: float(c.analysis.definition_term is None and is_definition(h, c.loaded))),
    Feature("section", "a Lampiran or guide section rather than a Pasal", lambda h, c: float(not h.pasal)),
    Feature("structural_definition", "the Ketentuan Umum entry defining the asked term", _structural("definition")),
    Feature("structural_status", "a closing or transitional clause of a document a status question names", _structural("status")),
    Feature("structural_time", "a 'mulai berlaku' clause, for a question asking when", _structural("time")),
    Feature("structural_status_named", "a closing clause naming the other document of a status question", _structural("status-named")),
    Feature("structural_repealing_law", "a status clause of a document that repealed another: the later law's transitional and closing "
            "provisions say what became of the earlier law, its implementing rules and institutions", _repealing_clause),
    Feature("pair_coverage", "share of the question's adjacent term pairs also adjacent in the unit (term proximity)",
            lambda h, c: pair_coverage(unit_nodes(h, c.loaded), c.pairs, c.loaded)),
    Feature("states_quantity", "the unit states a figure the question gives as a condition (\"10 hari kerja\"), or a range holding it",
            _states_quantity),
    Feature("contrastive_coverage", "share of the question's terms in the unit, each weighted by its idf among this question's "
            "candidates: the words that tell neighbouring Pasal apart", lambda h, c: contrastive_coverage(hit_terms(h, c.loaded), c.contrast)),
    Feature("english_lexical_rr", "lexical_rr for an English question (English words meet the Indonesian text only by chance)",
            lambda h, c: float(c.analysis.english) * _reciprocal(h.lexical_rank)),
)
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)


def check_weights(weights: Mapping[str, float]) -> None:
    unknown = sorted(set(weights) - set(FEATURE_NAMES))
    if unknown:
        raise ValueError(f"unknown ranker feature(s) {', '.join(unknown)}; known: {', '.join(FEATURE_NAMES)}")


def feature_rows(hits: list[PasalHit], analysis: QueryAnalysis, loaded, repealing: frozenset[str] = frozenset()) -> list[list[float]]:
    """One row of :data:`FEATURE_NAMES` values per hit; ``repealing``: the documents that repealed
    another (``Manifest.repealing``)."""
    ctx = _Context(analysis, loaded, repealing, dense_scale(hits), max((h.bm25 for h in hits), default=0.0),
                   adjacent_pairs(analysis.normalised, drop_question_words=True),
                   candidate_weights(analysis.terms, [hit_terms(h, loaded) for h in hits]))
    return [[feature.value(hit, ctx) for feature in FEATURES] for hit in hits]


def learned_rank(hits: list[PasalHit], analysis: QueryAnalysis, loaded, weights: Mapping[str, float],
                 repealing: frozenset[str] = frozenset()) -> list[PasalHit]:
    """The hits scored by the weighted features, best first."""
    check_weights(weights)
    vector = [float(weights.get(name, 0.0)) for name in FEATURE_NAMES]
    for hit, row in zip(hits, feature_rows(hits, analysis, loaded, repealing)):
        hit.score = sum(w * x for w, x in zip(vector, row))
    return sorted(hits, key=ranking_key)
