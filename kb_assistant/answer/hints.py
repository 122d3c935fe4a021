"""Helpful notes next to an answer: what the user can do when the corpus could not answer.

Two cases a bare refusal hides (issue 13 item 6):

* only a repealed law holds the answer: a second retrieval with repealed laws included answers,
  citing only repealed documents, so the refusal says so and offers to include them;
* the question (or the document filter) names a document that is listed in the manifest but not
  available: its file was never added by a trainer, or it is not indexed yet.

Computed from the :class:`Answer`, the manifest and a second ask supplied by the caller, so
this module does not depend on the retriever's internals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from kb_assistant.answer.types import Answer
from kb_assistant.corpus.manifest import DocumentEntry, Manifest
from kb_assistant.corpus.sources import find_file

HintKind = Literal["repealed_only", "missing_file", "not_indexed"]


@dataclass
class Hint:
    kind: HintKind
    text: str
    docs: list[str] = field(default_factory=list)


def named_documents(question: str, manifest: Manifest) -> list[str]:
    """Document ids the question names (by citation name or alias); empty when the matcher is unavailable."""
    try:
        from kb_assistant.retrieval.scope import mentioned_documents
    except ImportError:  # the retrieval package moved it: hints about names are skipped, not wrong
        return []
    return mentioned_documents(question, manifest)


def availability(manifest: Manifest, indexed: set[str], search_path: Iterable[Path]) -> dict[str, HintKind | None]:
    """Per document: None when it can be asked, else why not (file missing / not indexed)."""
    out: dict[str, HintKind | None] = {}
    for entry in manifest.documents:
        if entry.id in indexed:
            out[entry.id] = None
        elif find_file(entry, list(search_path)) is None:
            out[entry.id] = "missing_file"
        else:
            out[entry.id] = "not_indexed"
    return out


def missing_hints(question: str, filter_docs: list[str] | None, manifest: Manifest, status: dict[str, HintKind | None]) -> list[Hint]:
    """A note for each named or filtered document that is listed but cannot be asked yet."""
    wanted = list(dict.fromkeys(named_documents(question, manifest) + list(filter_docs or [])))
    hints: list[Hint] = []
    for doc_id in wanted:
        reason = status.get(doc_id)
        if reason is None or not manifest.has(doc_id):
            continue
        hints.append(Hint(reason, _missing_text(manifest.get(doc_id), reason), [doc_id]))
    return hints


def repealed_hint(answer: Answer, manifest: Manifest, include_repealed: bool | None, ask_with_repealed: Callable[[], Answer | None]) -> Hint | None:
    """When a refusal would have been an answer from repealed laws only, say so (one extra ask)."""
    if not answer.refused or include_repealed:
        return None
    second = ask_with_repealed()
    if second is None or second.refused or not second.citations:
        return None
    docs = list(dict.fromkeys(c.doc for c in second.citations))
    entries = [manifest.get(d) for d in docs if manifest.has(d)]
    if not entries or len(entries) != len(docs) or not all(e.is_repealed for e in entries):
        return None
    names = ", ".join(e.status_label(manifest.names()) for e in entries)
    text = (f"Jawaban hanya ditemukan dalam peraturan yang sudah dicabut ({names}). "
            "Sertakan peraturan yang sudah dicabut untuk melihatnya sebagai rujukan sejarah.")
    return Hint("repealed_only", text, docs)


def answer_hints(
    answer: Answer, manifest: Manifest, status: dict[str, HintKind | None], filter_docs: list[str] | None,
    include_repealed: bool | None, ask_with_repealed: Callable[[], Answer | None],
) -> list[Hint]:
    """Every hint for one answer, missing documents first."""
    hints = missing_hints(answer.question, filter_docs, manifest, status)
    if not hints:  # a missing document explains the refusal better than old laws do
        repealed = repealed_hint(answer, manifest, include_repealed, ask_with_repealed)
        if repealed is not None:
            hints.append(repealed)
    return hints


def _missing_text(entry: DocumentEntry, reason: HintKind) -> str:
    if reason == "missing_file":
        return (f"{entry.name} tercantum dalam daftar korpus, tetapi berkasnya belum ditambahkan oleh pelatih, "
                "sehingga isinya belum dapat ditanyakan. Mintalah pelatih mengunggahnya di tab Korpus.")
    return (f"{entry.name} sudah ditambahkan, tetapi belum diindeks. "
            "Mintalah pelatih menjalankan Indeks ulang di tab Korpus.")
