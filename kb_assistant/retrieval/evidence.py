"""Evidence for answering: term coverage of the top units, and the specifics they lack.

A question asking for something specific — a figure, a year, a grade, a named programme — is
answered only when the retrieved text contains it; otherwise the corpus does not say it,
however close the topic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kb_assistant.retrieval.analysis import QueryAnalysis
from kb_assistant.retrieval.rescore import term_coverage, unit_coverage
from kb_assistant.retrieval.units import PasalHit

EVIDENCE_DEPTH = 3


@dataclass
class Evidence:
    coverage: float = 0.0  # share of the question's idf-weighted terms found in the top units
    top_unit_coverage: float = 0.0  # the same share within the top unit's best ayat or sentence
    top_dense: float = 0.0
    missing: list[str] = field(default_factory=list)  # figures of the question absent from the top units
    unknown_names: list[str] = field(default_factory=list)  # names absent from the top units and from the corpus


def gather_evidence(hits: list[PasalHit], analysis: QueryAnalysis, loaded, top_dense: float) -> Evidence:
    top = hits[:EVIDENCE_DEPTH]
    coverage = term_coverage(top, loaded, analysis.terms)
    top_unit = unit_coverage(hits[0], loaded, analysis.terms) if hits else 0.0
    text = "\n".join(loaded.unit_text(h.key) for h in top)
    low = text.lower()
    missing = [s for s in analysis.specifics if not _holds(low, s)]
    unknown = [n for n in analysis.names if not _holds(low, n) and n.lower() not in loaded.vocabulary and not loaded.lexicon.find(n)]
    return Evidence(coverage, top_unit, top_dense, missing, unknown)


def _holds(text: str, specific: str) -> bool:
    return bool(re.search(rf"(?<!\w){re.escape(specific.lower())}(?!\w)", text))
