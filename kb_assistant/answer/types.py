"""What the assistant returns: the answer, its citations and the passages behind them.

Citation labels are always built from node metadata by :func:`kb_assistant.indexing.labels.citation_label`, never taken
from generated text, so a label shown to a user names a passage that was really retrieved.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class Citation(BaseModel):
    doc: str = Field(description="Document id, e.g. uu-20-2023.")
    pasal: str | None = None
    ayat: str | None = None
    label: str = Field(description="Citation text built from metadata.")


class Passage(BaseModel):
    """One retrieved Pasal (or part of it) as shown to the user."""

    doc: str
    doc_name: str = ""
    pasal: str | None = None
    ayat: str | None = Field(None, description="Ayat of the best-matching node, if the Pasal has ayat.")
    label: str
    text: str = Field(description="The passage text (the whole Pasal where it fits).")
    score: float = 0.0
    page: int | None = None
    status: str = "berlaku"
    status_label: str = ""
    penjelasan: str = ""
    node_id: str = ""
    heading: str = ""
    supporting: bool = Field(False, description="Brought in by cross-reference expansion, not by the query.")


class Answer(BaseModel):
    question: str
    rewritten_question: str = ""
    answer: str
    refused: bool = False
    citations: list[Citation] = Field(default_factory=list)
    passages: list[Passage] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list, description="Visible notes, e.g. a generator fallback.")
    timings_ms: dict[str, float] = Field(default_factory=dict)
    ranking: list[tuple[str, str]] = Field(default_factory=list, description="(doc, pasal) of every retrieved Pasal in rank order, for evaluation.")
    checks: dict[str, float] = Field(default_factory=dict, description="Generator checks: faithfulness, citation_validity.")
    degraded: bool = Field(False, description="The vector store was unavailable: retrieved by BM25 only.")

    def to_public_json(self) -> dict:
        """The `kb ask --json` / REST shape."""
        return {
            "answer": self.answer,
            "refused": self.refused,
            "citations": [c.model_dump(include={"doc", "pasal", "ayat", "label"}) for c in self.citations],
            "passages": [
                p.model_dump(include={"doc", "pasal", "ayat", "label", "text", "score", "page", "status"})
                for p in self.passages
            ],
            "timings_ms": self.timings_ms,
            "notes": self.notes,
            "rewritten_question": self.rewritten_question,
            "degraded": self.degraded,
        }
