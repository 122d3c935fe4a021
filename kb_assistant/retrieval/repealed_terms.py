"""Terms only a repealed law defines: say where they come from, and what became of them.

"KASN" is defined by UU 5/2014 alone. UU 20/2023, which repealed it, writes "Komisi Aparatur Sipil
Negara" in full (Pasal 70 ayat (3): it keeps its tasks until the implementing rules), PP 11/2017
does too, and no law in force writes the acronym. A question using such a term ("Apa tugas
KASN?", "Apakah KASN masih ada?") was refused without saying why, since repealed laws are
searched only when asked about. Now:

* the analysis records the term, its defining law and the repealing law's clauses that name it,
  so the answer (or the refusal) says where the term comes from: "KASN didefinisikan dalam UU
  5/2014 — dicabut oleh UU 20/2023. Ketentuan peralihan atau penutup yang menyebutnya: UU 20/2023
  Pasal 70." The repealed law itself is not searched unasked: a refusal offers to ask again with
  it (``answer/hints.py``), the user's choice;
* asking whether it still exists ("masih ada", ``data/legal_status.toml`` [existence]) is a status
  question about its law: the repealing law's transitional clauses join the candidates, and the
  term's long form, its own acronyms spelled out, joins the query (the law in force names the
  institution in full: UU 20/2023 Pasal 70 ayat (3)). Only then: "Apa tugas KASN?" with the long
  form answered from the tasks of any "aparatur sipil negara" (UU 20/2023 Pasal 11), not of KASN.

A term written by a searched law, or defined by one, changes nothing.
"""

from __future__ import annotations

import dataclasses
import re

from kb_assistant.corpus.manifest import Manifest
from kb_assistant.indexing.text import analyse
from kb_assistant.retrieval.analysis import QueryAnalysis, RepealedTerm
from kb_assistant.retrieval.structural import structure_map
from kb_assistant.retrieval.tables import patterns


def repealed_only_terms(analysis: QueryAnalysis, loaded, manifest: Manifest) -> list[RepealedTerm]:
    """Terms of the question defined only in repealed documents outside the search scope and
    written by no document inside it."""
    searched = analysis.scope.docs if analysis.scope.docs is not None else set(loaded.docs)
    repealed = {d.id for d in manifest.documents if d.is_repealed}
    lexicon = loaded.lexicon
    found: list[RepealedTerm] = []
    for key in lexicon.find(analysis.normalised):
        defining = {loaded.chunks[n].doc for n in lexicon.definitions.get(key, []) if n in loaded.chunks}
        if not defining or not defining <= repealed or defining & searched:
            continue
        if _writers(loaded, " ".join(key)) & searched:
            continue
        term, in_full = " ".join(key), lexicon.in_full(key) or ""
        found.append(RepealedTerm(term, in_full, frozenset(defining), _transition(loaded, manifest, defining, (term, in_full))))
    return found


def _transition(loaded, manifest: Manifest, repealed: set[str], names: tuple[str, str]) -> tuple[str, ...]:
    """Labels of the repealing laws' transitional and closing clauses that name the term, by its
    acronym or in full: what became of it ("UU 20/2023 Pasal 70 ayat (3)")."""
    repealers = {r for d in repealed if manifest.has(d) for r in manifest.get(d).repealed_by}
    wanted = [re.compile(rf"(?<!\w){re.escape(n)}(?!\w)", re.IGNORECASE) for n in names if n]
    structure = structure_map(loaded)
    labels = [
        loaded.chunks[node_id].label for doc in sorted(repealers) for node_id in structure.get(doc, {}).get("status", [])
        if any(p.search(loaded.chunks[node_id].text) for p in wanted)
    ]
    return tuple(dict.fromkeys(labels))


def widen_for_repealed_terms(analysis: QueryAnalysis, loaded, manifest: Manifest) -> QueryAnalysis:
    """The analysis with its repealed-only terms recorded; a question whether such a term still
    exists is a status question, and a status question takes the terms' long forms."""
    terms = repealed_only_terms(analysis, loaded, manifest)
    if not terms:
        return analysis
    status = analysis.status or any(p.search(analysis.normalised) for p in patterns("legal_status", "existence"))
    if not status:
        return dataclasses.replace(analysis, repealed_terms=tuple(terms))
    spelled = " ".join(t.in_full for t in terms if t.in_full)
    expanded = f"{analysis.expanded} {spelled}".strip()
    return dataclasses.replace(
        analysis, expanded=expanded, terms=frozenset(analyse(expanded, drop_question_words=True)),
        repealed_terms=tuple(terms), status=True,
    )


def _writers(loaded, phrase: str) -> set[str]:
    """The documents whose text (or Penjelasan) writes the phrase as whole words, cached per version."""
    cache = loaded.cache.setdefault("phrase_writers", {})
    if phrase not in cache:
        pattern = re.compile(rf"(?<!\w){re.escape(phrase)}(?!\w)", re.IGNORECASE)
        cache[phrase] = {
            chunk.doc for chunk in loaded.chunks.values()
            if pattern.search(chunk.text) or (chunk.penjelasan and pattern.search(chunk.penjelasan))
        }
    return cache[phrase]
