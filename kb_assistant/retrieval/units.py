"""Citable units: the Pasal of a regulation, or a section of a guide / Lampiran.

Every stage groups nodes by ``(doc, unit_key)``; a long Pasal or section split into several
nodes stays one unit. ``Chunk.unit_key`` is the shared definition; the fallback keeps indexes
built before it existed readable.
"""

from __future__ import annotations

from dataclasses import dataclass, field

UnitKey = tuple[str, str]


def unit_key(chunk) -> str:
    """'4' for a Pasal node, 'section:<id>' for a section node."""
    key = getattr(chunk, "unit_key", None)
    if key:
        return key
    if chunk.pasal:
        return chunk.pasal
    section_id = getattr(chunk, "section_id", "") or chunk.id
    return f"section:{section_id}"


@dataclass
class PasalHit:
    """One retrieved unit (a Pasal or a section) and the evidence that brought it in."""

    doc: str
    pasal: str | None
    node_ids: list[str]  # matching nodes of this unit, best first
    score: float
    dense: float = 0.0  # best cosine similarity of its nodes
    bm25: float = 0.0
    supporting: bool = False
    unit_coverage: float | None = None  # share of the question's terms in its best ayat/sentence
    unit: str = ""  # unit_key; the Pasal number for Pasal units
    sources: set[str] = field(default_factory=set)  # lexical, dense, definition, status, time, reference
    via: str = ""  # for a reference: the label of the unit that refers to it
    dense_rank: int | None = None  # best rank of its nodes in the dense candidates (from 1)
    lexical_rank: int | None = None  # the same in the BM25 candidates

    def __post_init__(self) -> None:
        if not self.unit:
            self.unit = self.pasal or (f"section:{self.node_ids[0]}" if self.node_ids else "")

    @property
    def key(self) -> UnitKey:
        return (self.doc, self.unit)


UnitHit = PasalHit
