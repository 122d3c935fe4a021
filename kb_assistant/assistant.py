"""`Assistant.ask`: the one entry point the CLI, the web app, the REST API and `kb eval` share."""

from __future__ import annotations

import copy
import functools
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any, Iterator

from kb_assistant.answer.extractive import choose_hits, compose, spans_documents
from kb_assistant.answer.types import Answer, Citation, Passage
from kb_assistant.indexing.labels import citation_label
from kb_assistant.answer.unit_similarity import UnitSimilarity
from kb_assistant.corpus.manifest import Manifest, load_manifest
from kb_assistant.indexing.chunk import Chunk
from kb_assistant.retrieval.dense import adapter_applies
from kb_assistant.retrieval.followup import rewrite
from kb_assistant.retrieval.retriever import Filters, Mode, PasalHit, Retrieval, Retriever
from kb_assistant.retrieval.searcher import IndexReader
from kb_assistant.settings import Settings, offline_environment

log = logging.getLogger(__name__)
REFUSAL = "Maaf, jawaban atas pertanyaan ini tidak ditemukan dalam korpus peraturan yang tersedia."
DEGRADED_NOTE = "Mode terbatas: pencarian vektor sedang tidak tersedia, jawaban hanya dari pencarian kata (BM25)."
SHOWN_PASSAGES = 5


@dataclass
class _Found:
    """What one request retrieved: the question as asked and as searched, the ranking, the shown passages."""

    question: str
    standalone: str
    retrieval: Retrieval
    chunks: dict[str, Chunk]
    passages: list[Passage]
    degraded: bool

    def answer(self, text: str, **fields: Any) -> Answer:
        ranking = [(hit.doc, hit.pasal or hit.unit) for hit in self.retrieval.hits]
        return Answer(
            question=self.question, rewritten_question=self.standalone if self.standalone != self.question else "",
            answer=text, passages=self.passages, ranking=ranking, degraded=self.degraded, **fields,
        )


class Assistant:
    def __init__(self, settings: Settings, embedder=None, model_tuning: bool = True) -> None:
        """``model_tuning``: apply the embedding model's fitted retrieval/answer settings from its
        profile (off only for `kb models fit`, which fits them from the defaults)."""
        offline_environment()
        from kb_assistant.models.embed import Embedder
        from kb_assistant.models.profiles import tuned_settings

        self.settings = tuned_settings(settings) if model_tuning else settings
        self.embedder = embedder or Embedder(settings.embedding)
        self.reader = IndexReader(settings.index)
        self._manifest_mtime: float | None = None
        self._manifest = Manifest()
        self._generators: dict[str, object] = {}
        self.retriever = Retriever(self.reader, self.embedder, self.manifest, self.settings.retrieval)
        self.unit_similarity = UnitSimilarity(self.embedder)

    def with_settings(self, settings: Settings) -> "Assistant":
        """A variant answering with other retrieval/answer settings that shares the loaded model and
        index (evaluation ablations); embedding and index settings must be the same."""
        variant = copy.copy(self)
        variant.settings = settings
        variant.retriever = Retriever(self.reader, self.embedder, self.manifest, settings.retrieval)
        return variant

    @property
    def manifest(self) -> Manifest:
        """The manifest, re-read when a trainer changed it (status, names)."""
        path = self.settings.corpus.manifest
        mtime = path.stat().st_mtime_ns if path.exists() else None
        if mtime != self._manifest_mtime:
            self._manifest = load_manifest(path)
            self._manifest_mtime = mtime
            if hasattr(self, "retriever"):
                self.retriever.manifest = self._manifest
        return self._manifest

    def generator(self, backend: str):
        """The generator for a backend name (None for extractive), built once per process."""
        if backend == "extractive":
            return None
        if backend not in self._generators:
            from kb_assistant.answer.generate import make_generator

            self._generators[backend] = make_generator(self.settings.answer.model_copy(update={"backend": backend}))
        return self._generators[backend]

    def ask(
        self, question: str, history: list[Any] | None = None, filters: Filters | None = None, mode: Mode = "hybrid",
        backend: str | None = None,
    ) -> Answer:
        answer: Answer | None = None
        for event in self.ask_stream(question, history, filters, mode, backend):
            if isinstance(event, Answer):
                answer = event
        assert answer is not None
        return answer

    def ask_stream(
        self, question: str, history: list[Any] | None = None, filters: Filters | None = None, mode: Mode = "hybrid",
        backend: str | None = None,
    ) -> Iterator[str | Answer]:
        """Yields the answer text as it grows, then the complete :class:`Answer`.

        With a generator backend the model's tokens stream first; its answer is kept only when
        its citations and sentences pass verification, otherwise the extractive answer is
        returned with a visible note. Generator failures never propagate.
        """
        question = _validate_question(question)
        started = time.perf_counter()
        found = self._find(question, history, filters, mode)
        retrieval, manifest = found.retrieval, self.manifest
        notes: list[str] = [DEGRADED_NOTE] if found.degraded else []
        notes += repealed_term_notes(retrieval, manifest)
        refusal_reason = self._refusal_reason(retrieval, manifest, found.degraded)
        if refusal_reason is not None:
            text = f"{REFUSAL} {refusal_reason}".strip()
            if found.passages:
                text += "\nPasal yang paling dekat ditampilkan di bawah sebagai rujukan, bukan sebagai jawaban."
            yield text
            yield found.answer(text, refused=True, notes=notes, timings_ms=retrieval.timings_ms | {"total": _ms(started)})
            return

        text, citations = self._extractive(found, manifest)
        checks: dict[str, float] = {}
        generator = self.generator(backend or self.settings.answer.backend)
        if generator is not None:
            generation_started = time.perf_counter()
            generated = yield from self._generate(generator, found.standalone, found.passages, notes)
            retrieval.timings_ms["generate"] = _ms(generation_started)
            if generated is not None:
                checks = dict(generated.checks)
                if generated.ok:
                    text, citations = generated.text, list(generated.citations)
                else:
                    notes.append(f"Jawaban generatif tidak dipakai: {generated.reason}; ditampilkan jawaban ekstraktif.")
        partial = ""
        for line in text.splitlines(keepends=True):
            partial += line
            yield partial
        if notes:
            text = text + "\n\n_" + " ".join(notes) + "_"
            yield text
        yield found.answer(text, citations=citations, notes=notes, checks=checks, timings_ms=retrieval.timings_ms | {"total": _ms(started)})

    def _find(self, question: str, history: list[Any] | None, filters: Filters | None, mode: Mode) -> "_Found":
        """Retrieval on one index version (a follow-up rewritten to stand alone) and the passages shown."""
        standalone = rewrite(question, history)
        snapshot = self.reader.snapshot()  # one index version for the whole request
        retriever = copy.copy(self.retriever)
        retriever.reader = snapshot
        retrieval = retriever.retrieve(standalone, filters, mode)
        loaded = snapshot.get()
        passages = [self._passage(hit, loaded, self.manifest) for hit in retrieval.hits[:SHOWN_PASSAGES]]
        passages += [self._passage(hit, loaded, self.manifest) for hit in retrieval.supporting]
        return _Found(question, standalone, retrieval, loaded.chunks, passages, bool(loaded.degraded))

    def _extractive(self, found: "_Found", manifest: Manifest) -> tuple[str, list[Citation]]:
        """The quoted answer and its citations (one per distinct unit quoted), status lines first."""
        retrieval, settings = found.retrieval, self.settings.answer
        chosen = choose_hits(retrieval.hits, settings.max_citations, spans_documents(retrieval.scope))
        status_notes = {d.id: d.status_label(manifest.names()) for d in manifest.documents if d.is_repealed}
        similarity = None
        if retrieval.english and retrieval.analysis is not None and not found.degraded:  # words cannot pick the ayat
            similarity = functools.partial(self.unit_similarity, retrieval.analysis.normalised,
                                           adapted=adapter_applies(self.settings.retrieval.query_adapter, retrieval.english))
        spelled_out = retrieval.analysis.spelled_out if retrieval.analysis is not None else ()
        text, statements = compose(
            found.standalone, chosen, found.chunks, status_notes, settings.max_citations, settings.max_sentences, similarity, spelled_out,
        )
        status = status_lines(retrieval, manifest)
        if status:
            text = "\n".join(status) + "\n" + text
        citations: list[Citation] = []
        for statement in statements:
            citation = Citation(doc=statement.doc, pasal=statement.pasal, ayat=statement.ayat, label=statement.label)
            if citation not in citations:
                citations.append(citation)
        return text, citations

    @staticmethod
    def _generate(generator, question: str, passages: list[Passage], notes: list[str]):
        """Stream the generator's draft (as display text); its verified result, or None on failure."""
        raw = ""
        try:
            for delta in generator.stream(question, passages):
                raw += delta
                yield generator.preview(passages, raw)
            return generator.finish(question, passages, raw)
        except Exception as exc:  # server down, timeout, bad output: the extractive answer stands
            # the exception text may hold the LLM server's URL and reply: it goes to the log, the user gets an id
            ident = secrets.token_hex(4)
            log.warning("generator failed (error %s): %s: %s", ident, exc.__class__.__name__, exc)
            notes.append(f"Jawaban generatif gagal (kode {ident}); ditampilkan jawaban ekstraktif.")
            return None

    def _refusal_reason(self, retrieval: Retrieval, manifest: Manifest, degraded: bool = False) -> str | None:
        """None when the evidence is strong enough to answer; otherwise what to add to the refusal.

        Without the vector store (``degraded``) there is no similarity to weigh: term coverage decides.
        """
        scope = retrieval.scope
        if scope.missing_mentioned and not (set(scope.mentioned) - set(scope.missing_mentioned)):
            names = ", ".join(manifest.get(d).name for d in scope.missing_mentioned if manifest.has(d))
            return f"Dokumen {names} belum tersedia dalam korpus."
        settings = self.settings.answer
        if not retrieval.hits:
            return ""
        if retrieval.missing:  # asks for a year, grade or amount the retrieved text does not hold
            return f"Teks yang ditemukan tidak memuat {', '.join(repr(m) for m in retrieval.missing)}."
        if retrieval.unknown_names and retrieval.top_unit_coverage < settings.name_gate_coverage:
            return f"Korpus tidak menyebut {', '.join(repr(m) for m in retrieval.unknown_names)}."
        if structurally_answered(retrieval):
            return None  # the clause the document's structure gives for a status or time question
        if retrieval.english and not degraded:  # English words cannot be matched against the Indonesian text
            return "" if retrieval.top_dense < settings.english_dense_floor else None
        if retrieval.top_unit_coverage >= settings.confident_unit_coverage:
            return None  # one ayat of the top unit holds the question's key terms
        dense_weight = 0.0 if degraded else settings.evidence_dense_weight
        evidence = retrieval.evidence(settings.evidence_dense_center, dense_weight, settings.evidence_unit_weight)
        return "" if evidence < settings.refusal_threshold else None

    def _passage(self, hit: PasalHit, loaded, manifest: Manifest) -> Passage:
        chunks = loaded.chunks
        best = chunks[hit.node_ids[0]]
        doc = manifest.get(best.doc) if manifest.has(best.doc) else None
        text = pasal_text(loaded.by_unit.get(hit.key, [best.id]), chunks) if best.pasal else best.text
        label = citation_label(best.doc_name, best.pasal) if best.pasal else best.label
        return Passage(
            doc=best.doc, doc_name=best.doc_name, pasal=best.pasal, ayat=best.ayat, label=label, text=text,
            score=round(hit.score, 4), page=best.page_start, status=best.status,
            status_label=doc.status_label(manifest.names()) if doc else best.status, penjelasan=best.penjelasan,
            node_id=best.id, heading=best.heading, supporting=hit.supporting,
        )


STRUCTURAL_ANSWERS = frozenset({"status-named", "time"})


def structurally_answered(retrieval: Retrieval) -> bool:
    """A status or time question whose top unit is the clause the structure points to: a closing
    or transitional clause naming the other law asked about, or the 'mulai berlaku' clause. Its
    words may be few (an English question shares none), the clause still answers."""
    analysis = retrieval.analysis
    if analysis is None or not (analysis.status or analysis.time) or not retrieval.hits:
        return False
    return bool(retrieval.hits[0].sources & STRUCTURAL_ANSWERS)


def status_lines(retrieval: Retrieval, manifest: Manifest) -> list[str]:
    """For a status or time question: each named document's status from the manifest relations."""
    analysis = retrieval.analysis
    if analysis is None or not (analysis.status or analysis.time):
        return []
    return [f"Status (manifest korpus): {manifest.status_note(d)}." for d in analysis.scope.mentioned if manifest.has(d)]


def repealed_term_notes(retrieval: Retrieval, manifest: Manifest) -> list[str]:
    """Where a term only a repealed law defines comes from ("KASN didefinisikan dalam UU 5/2014 —
    dicabut oleh UU 20/2023") and which clause of the repealing law says what became of it: its
    passages answer for the law as it was."""
    analysis = retrieval.analysis
    if analysis is None:
        return []
    names = manifest.names()
    notes = []
    for term in analysis.repealed_terms:
        where = "; ".join(manifest.get(d).status_label(names) for d in sorted(term.defined_in) if manifest.has(d))
        after = f" Ketentuan peralihan atau penutup yang menyebutnya: {', '.join(term.transition)}." if term.transition else ""
        notes.append(f"{term.term.upper() if ' ' not in term.term else term.term} didefinisikan dalam {where}.{after}")
    return notes


def pasal_text(node_ids: list[str], chunks: dict[str, Chunk]) -> str:
    """The whole Pasal, rebuilt from its nodes in order (definition nodes repeat no lead)."""
    parts: list[str] = []
    for node_id in node_ids:
        chunk = chunks[node_id]
        parts.append(chunk.text)
    return "\n".join(dict.fromkeys(parts))


def _validate_question(question: str) -> str:
    if not isinstance(question, str):
        raise ValueError("question must be text")
    question = " ".join(question.split())
    if not question:
        raise ValueError("question is empty")
    if len(question) > 2000:
        raise ValueError("question is too long (over 2000 characters)")
    if not any(ch.isalnum() for ch in question):
        raise ValueError("question has no words")
    return question


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
