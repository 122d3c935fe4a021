"""Request bodies of the REST API (strict: unknown fields and wrong types are 422)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class LoginRequest(Strict):
    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1024)


class Turn(Strict):
    role: Literal["user", "assistant"]
    content: str = Field(max_length=20_000)


class AskRequest(Strict):
    question: str = Field(max_length=2000, description="The question, 1-2000 characters.")
    history: list[Turn] = Field(default_factory=list, max_length=50, description="Earlier turns, oldest first, for follow-up questions.")
    docs: list[str] | None = Field(None, max_length=100, description="Only these document ids.")
    include_repealed: bool | None = Field(None, description="true/false overrides the automatic choice.")
    mode: Literal["hybrid", "dense", "bm25"] = "hybrid"
    stream: bool = Field(False, description="Stream NDJSON lines {'text': ...} then {'answer': ...}.")


class StatusRequest(Strict):
    status: Literal["berlaku", "dicabut", "diubah"]
    by: list[str] = Field(default_factory=list, max_length=20, description="Ids of the repealing/amending documents.")


class IngestRequest(Strict):
    force: bool = False


class EvalRequest(Strict):
    dataset: str | None = Field(None, description="A name from GET /api/eval/datasets.")
    jsonl: str | None = Field(None, max_length=5 * 1024 * 1024, description="A QA set given inline as JSON Lines text.")
    name: str = Field("uploaded.jsonl", max_length=200, description="Name shown in the report for an inline set.")
    configs: list[str] = Field(min_length=1, max_length=10)


class FeedbackRequest(Strict):
    kind: Literal["useful", "wrong_citation", "wrong_answer"]
    question: str = Field(min_length=1, max_length=2000)
    answer: str = Field("", max_length=20_000)
    citations: list[str] = Field(default_factory=list, max_length=50)
    comment: str = Field("", max_length=2000)
