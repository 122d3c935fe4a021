"""Fuse the candidate rankings and group nodes into citable units."""

from __future__ import annotations

from kb_assistant.retrieval.units import PasalHit, unit_key


def ranking_key(hit: PasalHit) -> tuple:
    """Best score first; equal scores in a fixed order (doc, unit), so a ranking never depends on
    set iteration order (string hashing differs between processes)."""
    return (-hit.score, hit.key)


def rrf(rankings: list[tuple[list[tuple[str, float]], float]], k: int) -> dict[str, float]:
    """Weighted reciprocal rank fusion: Σ w / (k + rank), rank from 1."""
    fused: dict[str, float] = {}
    for ranking, weight in rankings:
        for rank, (node_id, _) in enumerate(ranking, start=1):
            fused[node_id] = fused.get(node_id, 0.0) + weight / (k + rank)
    return fused


def group_by_unit(chunks: dict, node_scores: dict[str, float], dense: dict[str, float], bm25: dict[str, float]) -> list[PasalHit]:
    """One hit per (doc, unit_key), scored by its best node."""
    groups: dict[tuple[str, str], PasalHit] = {}
    dense_rank, lexical_rank = _ranks(dense), _ranks(bm25)
    for node_id, score in sorted(node_scores.items(), key=lambda kv: (-kv[1], kv[0])):
        chunk = chunks.get(node_id)
        if chunk is None:
            continue
        key = (chunk.doc, unit_key(chunk))
        hit = groups.get(key)
        sources = {name for name, found in (("dense", node_id in dense), ("lexical", node_id in bm25)) if found}
        if hit is None:
            groups[key] = PasalHit(chunk.doc, chunk.pasal, [node_id], score, dense.get(node_id, 0.0), bm25.get(node_id, 0.0),
                                   unit=key[1], sources=sources)
        else:
            hit.node_ids.append(node_id)
            hit.dense = max(hit.dense, dense.get(node_id, 0.0))
            hit.bm25 = max(hit.bm25, bm25.get(node_id, 0.0))
            hit.sources |= sources
        hit = groups[key]
        hit.dense_rank = _best(hit.dense_rank, dense_rank.get(node_id))
        hit.lexical_rank = _best(hit.lexical_rank, lexical_rank.get(node_id))
    return sorted(groups.values(), key=ranking_key)


def _ranks(scores: dict[str, float]) -> dict[str, int]:
    """Rank from 1 in a channel's candidate list (a dict keeps the channel's order)."""
    return {node_id: rank for rank, node_id in enumerate(scores, start=1)}


def _best(current: int | None, rank: int | None) -> int | None:
    return rank if current is None else (current if rank is None else min(current, rank))


group_by_pasal = group_by_unit


def fuse(mode: str, dense: list[tuple[str, float]], lexical: list[tuple[str, float]], settings) -> dict[str, float]:
    """Node scores for a mode: one channel's scores, or their weighted RRF for hybrid."""
    if mode == "dense":
        return dict(dense)
    if mode == "bm25":
        return dict(lexical)
    return rrf([(dense, settings.dense_weight), (lexical, settings.bm25_weight)], settings.rrf_k)
