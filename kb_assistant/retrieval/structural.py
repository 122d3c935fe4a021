"""Structural candidates: what the shape of a regulation says answers the question.

* definitions: the Ketentuan Umum node defining a term the question names;
* status and time: the Pasal of the chapters "KETENTUAN PERALIHAN" / "KETENTUAN PENUTUP" and
  the standard clauses ("mulai berlaku pada tanggal", "dicabut dan dinyatakan tidak
  berlaku") of the named law and of the laws the manifest says repealed it or it repealed;
* references: the Pasal a top unit refers to ("sebagaimana dimaksud dalam Pasal 5"), one hop.
"""

from __future__ import annotations

import re

from kb_assistant.corpus.manifest import Manifest
from kb_assistant.retrieval.analysis import QueryAnalysis
from kb_assistant.retrieval.lexicon import words
from kb_assistant.retrieval.tables import patterns
from kb_assistant.retrieval.units import PasalHit, unit_key

MAX_REFERENCES = 3


def structure_map(loaded) -> dict[str, dict[str, list[str]]]:
    """doc → {"status": node ids in the closing chapters or stating status, "time": 'mulai berlaku' nodes}."""
    cached = loaded.cache.get("structure")
    if cached is not None:
        return cached
    chapters, clauses = patterns("legal_status", "chapter"), patterns("legal_status", "clause")
    effective = clauses[0]  # "mulai berlaku pada tanggal"
    result: dict[str, dict[str, list[str]]] = {}
    for node_id, chunk in loaded.chunks.items():
        entry = result.setdefault(chunk.doc, {"status": [], "time": []})
        if any(p.search(chunk.prefix) for p in chapters) or any(p.search(chunk.text) for p in clauses):
            entry["status"].append(node_id)
        if effective.search(chunk.text):
            entry["time"].append(node_id)
    loaded.cache["structure"] = result
    return result


def status_documents(analysis: QueryAnalysis, manifest: Manifest, indexed: set[str]) -> set[str]:
    """The named documents and those the manifest relates to them by repeal; for a regulation
    that implements a repealed law, also that law's repealer (whose transitional provisions say
    whether the implementing rules still apply: UU 20/2023 Pasal 75 for PP 11/2017). With no
    document named, a term only a repealed law defines names that law ("KASN": UU 5/2014)."""
    repealed_terms = {d for term in analysis.repealed_terms for d in term.defined_in}
    named = set(analysis.scope.mentioned) or repealed_terms or set(analysis.scope.docs or indexed)
    related = set(named)
    for doc in manifest.documents:
        if doc.id in named:
            related |= set(doc.repeals) | set(doc.repealed_by) | repealers_of_implemented(doc, manifest)
    return related & indexed


def repealers_of_implemented(doc, manifest: Manifest) -> set[str]:
    """The repealed laws this document implements and the laws that repealed them."""
    found: set[str] = set()
    for parent in manifest.repealed_implemented(doc.id):
        found |= {parent.id, *parent.repealed_by}
    return found


def cited_by_number(text: str, doc_ids: set[str], manifest: Manifest) -> bool:
    """Does the clause name one of these documents ("… Nomor 5 Tahun 2014 …")?"""
    for doc_id in doc_ids:
        doc = manifest.get(doc_id) if manifest.has(doc_id) else None
        if doc and doc.number and doc.year and re.search(rf"Nomor\s+{re.escape(doc.number)}\s+Tahun\s+{doc.year}\b", text, re.I):
            return True
    return False


def structural_nodes(analysis: QueryAnalysis, loaded, manifest: Manifest) -> dict[str, str]:
    """node id → why it is a candidate ("definition", "status", "time", "status-named")."""
    found: dict[str, str] = {}
    allowed = analysis.scope.docs
    asked = words(analysis.definition_term) if analysis.definition_term else ()
    for term in analysis.defined_terms:
        if asked and _contains(asked, term):
            for node_id in loaded.lexicon.definitions.get(term, []):
                if allowed is None or loaded.chunks[node_id].doc in allowed:
                    found[node_id] = "definition"
    if analysis.status or analysis.time:
        docs = status_documents(analysis, manifest, loaded.docs)
        named = set(analysis.scope.mentioned)
        structure = structure_map(loaded)
        for doc in docs:
            for node_id in structure.get(doc, {}).get("time" if analysis.time and not analysis.status else "status", []):
                others = (named | docs) - {doc}
                cites = cited_by_number(loaded.chunks[node_id].text, others, manifest)
                found.setdefault(node_id, "status-named" if cites else ("time" if analysis.time else "status"))
            if analysis.time:
                for node_id in structure.get(doc, {}).get("time", []):
                    found[node_id] = "time"
    return found


def add_structural(hits: list[PasalHit], analysis: QueryAnalysis, loaded, manifest: Manifest) -> list[PasalHit]:
    """Mark the hits holding a structural node (and put that node first); add the missing units."""
    nodes = structural_nodes(analysis, loaded, manifest)
    by_key = {hit.key: hit for hit in hits}
    for node_id, reason in nodes.items():
        chunk = loaded.chunks[node_id]
        key = (chunk.doc, unit_key(chunk))
        hit = by_key.get(key)
        if hit is None:
            hit = by_key[key] = PasalHit(chunk.doc, chunk.pasal, [node_id], 0.0, unit=key[1])
            hits.append(hit)
        elif node_id in hit.node_ids:
            hit.node_ids.remove(node_id)
            hit.node_ids.insert(0, node_id)
        else:
            hit.node_ids.insert(0, node_id)
        hit.sources.add(reason)
    return hits


def reference_hits(hits: list[PasalHit], loaded, depth: int = 3) -> list[PasalHit]:
    """Units the top ``depth`` hits refer to, one hop, labelled as references (not as answers)."""
    present = {h.key for h in hits}
    extra: list[PasalHit] = []
    for hit in hits[:depth]:
        best = loaded.chunks.get(hit.node_ids[0])
        if best is None:
            continue
        for ref in best.references[:MAX_REFERENCES]:
            key = (hit.doc, ref)
            if key in present or key not in loaded.by_unit:
                continue
            present.add(key)
            extra.append(PasalHit(hit.doc, ref, loaded.by_unit[key][:1], 0.0, supporting=True, unit=ref,
                                  sources={"reference"}, via=best.label))
    return extra[:MAX_REFERENCES]


def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    n = len(needle)
    return any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1)) or any(
        needle[i : i + len(haystack)] == haystack for i in range(len(needle) - len(haystack) + 1)
    )
