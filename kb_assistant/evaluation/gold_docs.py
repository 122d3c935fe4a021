"""Gold documents resolved against the corpus manifest before a run.

A QA set from another project may name a document the way people cite it ("UU 20/2023", "PP
Disiplin PNS") rather than by the manifest id (``uu-20-2023``); such a reference would match no
retrieved unit and score zero without a word. Names, aliases and full titles are read as the
document's id, and a reference that names no document of the manifest, or that no indexed unit can
match (a Pasal the document lacks, a section title with a typo, a document not indexed), is
reported (the run goes on, since a set may legitimately cite what this corpus lacks, but every
reference that cannot score is named).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from kb_assistant.corpus.manifest import Manifest
from kb_assistant.evaluation.configs import chunk_unit
from kb_assistant.evaluation.dataset import GoldRef, QAItem
from kb_assistant.evaluation.gold import Unit, matches
from kb_assistant.retrieval.scope import mentioned_documents

_SPACE = re.compile(r"\s+")
MAX_LISTED_IDS = 5


@dataclass
class GoldDocuments:
    """The items with manifest ids, and what was changed or could not be resolved."""

    items: list[QAItem]
    renamed: dict[str, str] = field(default_factory=dict)  # as written → manifest id
    unknown: dict[str, list[str]] = field(default_factory=dict)  # as written → question ids
    unmatched: dict[str, list[str]] = field(default_factory=dict)  # reference no indexed unit matches → question ids

    def notes(self) -> list[str]:
        """One line per renamed, unknown or unmatchable reference, for the CLI and the report."""
        lines = [f"gold document {written!r} read as {doc_id}" for written, doc_id in self.renamed.items()]
        lines += [f"gold document {written!r} is not in the corpus manifest: it matches nothing in {_ids(ids)}"
                  for written, ids in self.unknown.items()]
        lines += [f"gold reference {label} matches no unit of the index: it scores nothing in {_ids(ids)}"
                  for label, ids in self.unmatched.items()]
        return lines


def _ids(ids: list[str]) -> str:
    return ", ".join(ids[:MAX_LISTED_IDS]) + (f", … ({len(ids)} questions)" if len(ids) > MAX_LISTED_IDS else "")


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


def resolve_gold_documents(items: Sequence[QAItem], manifest: Manifest, chunks: Iterable = ()) -> GoldDocuments:
    """The items with every gold ``doc`` as a manifest id where one is meant; with the index's
    ``chunks``, also the references of manifest documents that no indexed unit matches."""
    names = document_names(manifest)
    units = _units_by_doc(chunks)
    result = GoldDocuments(items=[])
    for item in items:
        gold = []
        for ref in item.gold:
            doc_id = resolve_document(ref.doc, manifest, names)
            if doc_id is None:
                _add(result.unknown, ref.doc, item.id)
            elif doc_id != ref.doc:
                result.renamed[ref.doc] = doc_id
                ref = ref.model_copy(update={"doc": doc_id})
            if doc_id is not None and units and not any(matches(ref, unit) for unit in units.get(doc_id, ())):
                _add(result.unmatched, _describe(ref, doc_id in units), item.id)
            gold.append(ref)
        result.items.append(item.model_copy(update={"gold": gold}))
    return result


def _units_by_doc(chunks: Iterable) -> dict[str, list[Unit]]:
    units: dict[str, list[Unit]] = defaultdict(list)
    for chunk in chunks:
        units[chunk.doc].append(chunk_unit(chunk))
    return dict(units)


def _describe(ref: GoldRef, indexed: bool) -> str:
    if not indexed:
        return f"{ref.doc} (in the manifest, not in the index)"
    return f"{ref.doc} " + (f"Pasal {ref.pasal}" if ref.pasal else f"section {ref.section!r}" if ref.section else "(document)")


def _add(table: dict[str, list[str]], key: str, question_id: str) -> None:
    ids = table.setdefault(key, [])
    if question_id not in ids:
        ids.append(question_id)
