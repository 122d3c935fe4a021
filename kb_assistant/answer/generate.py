"""Optional generative answers: an LLM writes the answer, the checks decide whether it is shown.

    generator = make_generator(settings.answer)          # None when backend == "extractive"
    raw = "".join(generator.stream(question, passages))  # token deltas; GeneratorError on failure
    result = generator.finish(question, passages, raw)   # markers -> labels, citations verified
    if not result.ok: ...                                # show the extractive answer with a note

The model sees at most ``context_passages`` passages, numbered [1]..[n] in the order given, as
quoted data (:mod:`kb_assistant.answer.prompt`). ``finish`` keeps only supported sentences,
replaces each valid ``[k]`` by the label built from passage ``k``'s metadata, removes markers
naming no shown passage, and scores faithfulness and citation validity
(:mod:`kb_assistant.answer.verify`).
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator, Protocol

from kb_assistant.answer.backends import (
    ChatBackend,
    GeneratorError,
    LlamaCppBackend,
    OpenAICompatibleBackend,
)
from kb_assistant.answer.prompt import NO_ANSWER, build_messages, shown_text
from kb_assistant.answer.types import Citation, Passage
from kb_assistant.answer.verify import MARKER, Verification, render, verify
from kb_assistant.settings import AnswerSettings

__all__ = ["GeneratedAnswer", "Generator", "GeneratorError", "GroundedGenerator", "make_generator"]

THINKING = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL | re.IGNORECASE)
ECHOED_TAGS = re.compile(r"</?kutipan>", re.IGNORECASE)  # block delimiters a small model copies


@dataclass
class GeneratedAnswer:
    text: str  # final answer: supported sentences, [n] replaced by "(UU 20/2023 Pasal 4 ayat (2))"
    cited: list[int]  # indices into the passages list that were cited, valid and supporting
    invalid_citations: list[str]  # markers naming no passage given to the model, e.g. "[7]" (removed)
    unsupported_sentences: list[str]  # sentences no cited passage supports (removed from text)
    checks: dict[str, float]  # {"faithfulness": ..., "citation_validity": ...}
    ok: bool  # False: show the extractive answer instead, with a visible note
    reason: str = ""  # why ok is False, in Indonesian, for that note and for logs
    citations: list[Citation] = field(default_factory=list)  # one per distinct label in text, from metadata
    raw_text: str = ""  # what the model wrote


class Generator(Protocol):
    def stream(self, question: str, passages: list[Passage]) -> Iterator[str]:
        """Raw token deltas of the answer; raises GeneratorError (server down, timeout, error)."""
        ...

    def finish(self, question: str, passages: list[Passage], raw_text: str) -> GeneratedAnswer:
        """Map [n] markers to citation labels and verify; raises GeneratorError on empty output."""
        ...


class GroundedGenerator:
    """Prompt + backend + checks; one per process is enough (backends are thread-safe)."""

    def __init__(self, backend: ChatBackend, settings: AnswerSettings) -> None:
        self.backend = backend
        self.settings = settings

    @property
    def name(self) -> str:
        return self.backend.name

    def context(self, passages: list[Passage]) -> list[Passage]:
        """The passages the model sees, as [1]..[n]."""
        return list(passages[: max(1, self.settings.context_passages)])

    def messages(self, question: str, passages: list[Passage]) -> list[dict[str, str]]:
        return build_messages(question, self.context(passages), self.settings.passage_chars)

    def stream(self, question: str, passages: list[Passage]) -> Iterator[str]:
        if not passages:
            raise GeneratorError("no retrieved passage to ground an answer on")
        deadline = time.monotonic() + self.settings.timeout_s
        yield from self.backend.stream_chat(
            self.messages(question, passages),
            max_tokens=self.settings.max_tokens,
            temperature=self.settings.temperature,
            deadline=deadline,
        )

    def finish(self, question: str, passages: list[Passage], raw_text: str) -> GeneratedAnswer:
        shown = self.context(passages)
        text = ECHOED_TAGS.sub("", THINKING.sub("", raw_text)).strip()
        if not text:
            raise GeneratorError("the model returned an empty answer")
        shown_texts = [shown_text(p, self.settings.passage_chars, question) for p in shown]
        verification = verify(text, shown, shown_texts, self.settings.support_threshold)
        final = render(text, verification)
        checks = {
            "faithfulness": round(verification.faithfulness, 4),
            "citation_validity": round(verification.citation_validity, 4),
        }
        reason = self._rejection(text, final, verification)
        return GeneratedAnswer(
            text=final,
            cited=verification.cited,
            invalid_citations=verification.invalid_citations,
            unsupported_sentences=[s.bare for s in verification.unsupported],
            checks=checks,
            ok=not reason,
            reason=reason,
            citations=_citations(shown, verification),
            raw_text=raw_text,
        )

    def preview(self, passages: list[Passage], partial: str) -> str:
        """The answer so far for display while it streams: each complete marker ``[k]`` shown as
        its passage's label, markers naming no shown passage hidden. Nothing is verified yet."""
        shown = self.context(passages)

        def label(match: re.Match) -> str:
            labels = []
            for number in re.split(r"\s*[,;]\s*", match.group(1).strip()):
                k = int(number)
                if 1 <= k <= len(shown) and shown[k - 1].label not in labels:
                    labels.append(shown[k - 1].label)
            return f" ({'; '.join(labels)})" if labels else ""

        text = ECHOED_TAGS.sub("", THINKING.sub("", partial))
        text = re.sub(r"\s*" + MARKER.pattern, label, text)
        return re.sub(r"\s+([.,;:!?])", r"\1", text).lstrip()

    def generate(
        self, question: str, passages: list[Passage], on_delta: Callable[[str], None] | None = None
    ) -> GeneratedAnswer:
        """stream + finish in one call (``on_delta`` sees each token delta)."""
        parts: list[str] = []
        for delta in self.stream(question, passages):
            parts.append(delta)
            if on_delta is not None:
                on_delta(delta)
        return self.finish(question, passages, "".join(parts))

    def _rejection(self, text: str, final: str, verification: Verification) -> str:
        s = self.settings
        if verification.followed_injection:
            return "jawaban generatif mengikuti instruksi yang tertulis di dalam dokumen"
        if NO_ANSWER.lower().rstrip(".") in text.lower():
            return "model generatif menyatakan kutipan tidak memuat jawaban"
        if verification.claims == 0 or not final:
            return "jawaban generatif tidak memuat pernyataan yang dapat diperiksa"
        if not verification.cited:
            return "jawaban generatif tidak mengutip Pasal yang diambil"
        problems = []
        if verification.faithfulness < s.min_faithfulness:
            problems.append(f"hanya {verification.faithfulness:.0%} kalimat didukung kutipannya (minimum {s.min_faithfulness:.0%})")
        if verification.citation_validity < s.min_citation_validity:
            problems.append(f"hanya {verification.citation_validity:.0%} rujukan valid (minimum {s.min_citation_validity:.0%})")
        return "; ".join(problems)


def _citations(shown: list[Passage], verification: Verification) -> list[Citation]:
    citations: list[Citation] = []
    for sentence in verification.sentences:
        if sentence.claim and not sentence.supported:
            continue
        keep = [i for i in sentence.cited if i in sentence.supporting] or sentence.cited
        for index in keep:
            ayat, label, _ = sentence.labels[index]
            passage = shown[index]
            citation = Citation(doc=passage.doc, pasal=passage.pasal, ayat=ayat, label=label)
            if citation not in citations:
                citations.append(citation)
    return citations


def make_backend(settings: AnswerSettings) -> ChatBackend | None:
    if settings.backend == "openai":
        api_key = os.environ.get(settings.openai_api_key_env) if settings.openai_api_key_env else None
        return OpenAICompatibleBackend(settings.openai_base_url, settings.openai_model, api_key)
    if settings.backend == "llamacpp":
        if settings.gguf_path is None:
            raise ValueError("answer.backend = 'llamacpp' needs answer.gguf_path (a GGUF file)")
        runtime = None if settings.llamacpp_runtime == "auto" else settings.llamacpp_runtime
        return LlamaCppBackend(settings.gguf_path, settings.llamacpp_ctx, settings.llamacpp_threads, runtime)
    return None


def make_generator(settings: AnswerSettings) -> GroundedGenerator | None:
    """The configured generator, or None for the extractive default. Cheap: models load on first use."""
    backend = make_backend(settings)
    return GroundedGenerator(backend, settings) if backend is not None else None
