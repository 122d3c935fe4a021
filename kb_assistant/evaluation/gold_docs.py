"""Gold documents resolved against the corpus manifest before a run.

A QA set from another project may name a document the way people cite it ("UU 20/2023", "PP
Disiplin PNS") rather than by the manifest id (``uu-20-2023``); such a reference would match no
retrieved unit and score zero without a word. Names, aliases and full titles are read as the
document's id, and a reference that names no document of the manifest is reported (the run goes
on, since a set may legitimately cite a document this corpus lacks, but every figure it touches is
named).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from kb_assistant.corpus.manifest import Manifest
from kb_assistant.evaluation.dataset import QAItem
from kb_assistant.retrieval.scope import mentioned_documents

_SPACE = re.compile(r"\s+")
MAX_LISTED_IDS = 5


@dataclass
class GoldDocuments:
    """The items with manifest ids, and what was changed or could not be resolved."""

    items: list[QAItem]
    renamed: dict[str, str] = field(default_factory=dict)  # as written → manifest id
    unknown: dict[str, list[str]] = field(default_factory=dict)  # as written → question ids

    def notes(self) -> list[str]:
        """One line per renamed or unknown document, for the CLI and the report."""
        lines = [f"gold document {written!r} read as {doc_id}" for written, doc_id in self.renamed.items()]
        for written, ids in self.unknown.items():
            shown = ", ".join(ids[:MAX_LISTED_IDS]) + (f", … ({len(ids)} questions)" if len(ids) > MAX_LISTED_IDS else "")
            lines.append(f"gold document {written!r} is not in the corpus manifest: it matches nothing in {shown}")
        return lines


def _key(text: str) -> str:
    return _SPACE.sub(" ", text.replace("_", "-")).strip().lower()


def document_names(manifest: Manifest) -> dict[str, str]:
    """Every id, short name, alias and full title (lowercased, spaces collapsed) → document id."""
    names: dict[str, str] = {}
    for doc in manifest.documents:
        for written in (doc.id, doc.name, doc.title, *doc.aliases):
            names.setdefault(_key(written), doc.id)
    return names


def resolve_document(written: str, manifest: Manifest, names: dict[str, str]) -> str | None:
    """The manifest id a gold reference's ``doc`` means, or None: an exact id, a name, alias or title,
    else the one document a citation such as "Undang-Undang Nomor 20 Tahun 2023" names."""
    if manifest.has(written):
        return written
    if _key(written) in names:
        return names[_key(written)]
    mentioned = mentioned_documents(written, manifest)
    return mentioned[0] if len(mentioned) == 1 else None


def resolve_gold_documents(items: Sequence[QAItem], manifest: Manifest) -> GoldDocuments:
    """The items with every gold ``doc`` as a manifest id where one is meant."""
    names = document_names(manifest)
    result = GoldDocuments(items=[])
    for item in items:
        gold = []
        for ref in item.gold:
            doc_id = resolve_document(ref.doc, manifest, names)
            if doc_id is None:
                result.unknown.setdefault(ref.doc, [])
                if item.id not in result.unknown[ref.doc]:
                    result.unknown[ref.doc].append(item.id)
            elif doc_id != ref.doc:
                result.renamed[ref.doc] = doc_id
            gold.append(ref if doc_id in (None, ref.doc) else ref.model_copy(update={"doc": doc_id}))
        result.items.append(item.model_copy(update={"gold": gold}))
    return result
